"""technician analytics (seed 002): daily metrics per technician and team, BPI scores with their
formula version, cohort benchmarks, achievements, kudos and the coaching queue

Revision ID: 0010
Revises: 0011
Create Date: 2026-11-25 14:02:41.468865
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cohort_benchmarks",
        sa.Column("benchmark_date", sa.Date(), nullable=False),
        sa.Column("cohort_key", sa.String(length=200), nullable=False),
        sa.Column("formula_version", sa.String(length=20), nullable=False),
        sa.Column("technicians", sa.Integer(), nullable=False),
        sa.Column("bpi_p25", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("bpi_p50", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("bpi_p75", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("bpi_p90", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("benchmark_date", "cohort_key", name=op.f("pk_cohort_benchmarks")),
    )
    op.create_table(
        "coaching_queue",
        sa.Column("technician_id", sa.String(length=20), nullable=False),
        sa.Column("queue_date", sa.Date(), nullable=False),
        sa.Column("priority", sa.String(length=10), nullable=False),
        sa.Column("reasons", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False),
        sa.Column("bpi", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["technician_id"],
            ["technicians.id"],
            name=op.f("fk_coaching_queue_technician_id_technicians"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("technician_id", "queue_date", name=op.f("pk_coaching_queue")),
    )
    op.create_index(op.f("ix_coaching_queue_queue_date"), "coaching_queue", ["queue_date"], unique=False)
    op.create_table(
        "kudos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("technician_id", sa.String(length=20), nullable=False),
        sa.Column("given_by", sa.String(length=80), nullable=False),
        sa.Column("giver_technician_id", sa.String(length=20), nullable=True),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "category IN ('teamwork', 'quality', 'initiative', 'safety')", name=op.f("ck_kudos_category")
        ),
        sa.ForeignKeyConstraint(
            ["giver_technician_id"],
            ["technicians.id"],
            name=op.f("fk_kudos_giver_technician_id_technicians"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["technician_id"],
            ["technicians.id"],
            name=op.f("fk_kudos_technician_id_technicians"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kudos")),
    )
    op.create_index(op.f("ix_kudos_created_at"), "kudos", ["created_at"], unique=False)
    op.create_index(op.f("ix_kudos_technician_id"), "kudos", ["technician_id"], unique=False)
    op.create_table(
        "team_daily_metrics",
        sa.Column("team_id", sa.String(length=20), nullable=False),
        sa.Column("metric_date", sa.Date(), nullable=False),
        sa.Column("technicians", sa.Integer(), nullable=False),
        sa.Column("bpi_average", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("jobs_scheduled", sa.Integer(), nullable=False),
        sa.Column("jobs_completed", sa.Integer(), nullable=False),
        sa.Column("jobs_with_window", sa.Integer(), nullable=False),
        sa.Column("on_time_arrivals", sa.Integer(), nullable=False),
        sa.Column("late_minutes", sa.Integer(), nullable=False),
        sa.Column("returns", sa.Integer(), nullable=False),
        sa.Column("emergencies", sa.Integer(), nullable=False),
        sa.Column("emergency_sla_hits", sa.Integer(), nullable=False),
        sa.Column("booked_minutes", sa.Integer(), nullable=False),
        sa.Column("shift_minutes", sa.Integer(), nullable=False),
        sa.Column("certifications_held", sa.Integer(), nullable=False),
        sa.Column("certifications_current", sa.Integer(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["technicians.id"],
            name=op.f("fk_team_daily_metrics_team_id_technicians"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("team_id", "metric_date", name=op.f("pk_team_daily_metrics")),
    )
    op.create_index(
        op.f("ix_team_daily_metrics_metric_date"), "team_daily_metrics", ["metric_date"], unique=False
    )
    op.create_table(
        "technician_achievements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("technician_id", sa.String(length=20), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("period_key", sa.String(length=10), nullable=False),
        sa.Column("earned_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["technician_id"],
            ["technicians.id"],
            name=op.f("fk_technician_achievements_technician_id_technicians"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_technician_achievements")),
        sa.UniqueConstraint("technician_id", "code", "period_key", name="once_per_period"),
    )
    op.create_index(
        op.f("ix_technician_achievements_earned_on"), "technician_achievements", ["earned_on"], unique=False
    )
    op.create_index(
        op.f("ix_technician_achievements_technician_id"),
        "technician_achievements",
        ["technician_id"],
        unique=False,
    )
    op.create_table(
        "technician_bpi_scores",
        sa.Column("technician_id", sa.String(length=20), nullable=False),
        sa.Column("score_date", sa.Date(), nullable=False),
        sa.Column("formula_version", sa.String(length=20), nullable=False),
        sa.Column("bpi", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("reliability", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("job_performance", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("route_quality", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("service", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("compliance", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("weights", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.Column("cohort_key", sa.String(length=200), nullable=True),
        sa.Column("cohort_size", sa.Integer(), nullable=True),
        sa.Column("cohort_percentile", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("computed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["technician_id"],
            ["technicians.id"],
            name=op.f("fk_technician_bpi_scores_technician_id_technicians"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("technician_id", "score_date", name=op.f("pk_technician_bpi_scores")),
    )
    op.create_index(
        op.f("ix_technician_bpi_scores_score_date"), "technician_bpi_scores", ["score_date"], unique=False
    )
    op.create_table(
        "technician_daily_metrics",
        sa.Column("technician_id", sa.String(length=20), nullable=False),
        sa.Column("metric_date", sa.Date(), nullable=False),
        sa.Column("jobs_scheduled", sa.Integer(), nullable=False),
        sa.Column("jobs_completed", sa.Integer(), nullable=False),
        sa.Column("jobs_with_window", sa.Integer(), nullable=False),
        sa.Column("on_time_arrivals", sa.Integer(), nullable=False),
        sa.Column("late_minutes", sa.Integer(), nullable=False),
        sa.Column("returns", sa.Integer(), nullable=False),
        sa.Column("emergencies", sa.Integer(), nullable=False),
        sa.Column("emergency_sla_hits", sa.Integer(), nullable=False),
        sa.Column("booked_minutes", sa.Integer(), nullable=False),
        sa.Column("shift_minutes", sa.Integer(), nullable=False),
        sa.Column("certifications_held", sa.Integer(), nullable=False),
        sa.Column("certifications_current", sa.Integer(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["technician_id"],
            ["technicians.id"],
            name=op.f("fk_technician_daily_metrics_technician_id_technicians"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("technician_id", "metric_date", name=op.f("pk_technician_daily_metrics")),
    )
    op.create_index(
        op.f("ix_technician_daily_metrics_metric_date"),
        "technician_daily_metrics",
        ["metric_date"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_technician_daily_metrics_metric_date"), table_name="technician_daily_metrics")
    op.drop_table("technician_daily_metrics")
    op.drop_index(op.f("ix_technician_bpi_scores_score_date"), table_name="technician_bpi_scores")
    op.drop_table("technician_bpi_scores")
    op.drop_index(op.f("ix_technician_achievements_technician_id"), table_name="technician_achievements")
    op.drop_index(op.f("ix_technician_achievements_earned_on"), table_name="technician_achievements")
    op.drop_table("technician_achievements")
    op.drop_index(op.f("ix_team_daily_metrics_metric_date"), table_name="team_daily_metrics")
    op.drop_table("team_daily_metrics")
    op.drop_index(op.f("ix_kudos_technician_id"), table_name="kudos")
    op.drop_index(op.f("ix_kudos_created_at"), table_name="kudos")
    op.drop_table("kudos")
    op.drop_index(op.f("ix_coaching_queue_queue_date"), table_name="coaching_queue")
    op.drop_table("coaching_queue")
    op.drop_table("cohort_benchmarks")
