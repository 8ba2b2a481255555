"""dispatch: plans with their routes (seed 003 ``route_optimizations``), window preferences and pins

``dispatch_plans`` holds one re-optimisation of a service day (the DispatchWorkflow run that made
it, totals, the unassigned jobs with their reasons); ``route_optimizations`` (seed 003 Priority 1)
holds one technician's route of that plan: the ordered stops with arrival times and explanations in
``waypoints``, total miles and minutes. Work orders gain the customer's window preference
(morning, afternoon or an exact window) and the dispatcher's pin (technician, optional start).

Revision ID: 0009
Revises: 0006
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dispatch_plans",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("plan_key", sa.String(length=120), nullable=False),
        sa.Column("service_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("objective", sa.Float(), nullable=False),
        sa.Column("solve_seconds", sa.Float(), nullable=False),
        sa.Column("total_travel_minutes", sa.Float(), nullable=False),
        sa.Column("jobs_served", sa.Integer(), nullable=False),
        sa.Column("unassigned", postgresql.JSONB(), server_default="[]", nullable=False),
        sa.Column("changes", postgresql.JSONB(), server_default="[]", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.UniqueConstraint("plan_key", name=op.f("uq_dispatch_plans_plan_key")),
    )
    op.create_index(op.f("ix_dispatch_plans_service_date"), "dispatch_plans", ["service_date"])
    op.create_table(
        "route_optimizations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "plan_id",
            sa.Integer(),
            sa.ForeignKey("dispatch_plans.id", ondelete="CASCADE", name=op.f("fk_route_optimizations_plan_id_dispatch_plans")),
            nullable=False,
        ),
        sa.Column(
            "technician_id",
            sa.String(length=20),
            sa.ForeignKey("technicians.id", name=op.f("fk_route_optimizations_technician_id_technicians")),
            nullable=False,
        ),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("waypoints", postgresql.JSONB(), server_default="[]", nullable=False),
        sa.Column("total_distance_miles", sa.Numeric(10, 2), nullable=False),
        sa.Column("total_time_minutes", sa.Integer(), nullable=False),
        sa.Column("departure", sa.DateTime(timezone=True), nullable=True),
        sa.Column("return_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_index(op.f("ix_route_optimizations_plan_id"), "route_optimizations", ["plan_id"])
    op.create_index(
        "ix_route_optimizations_technician_date", "route_optimizations", ["technician_id", "date"]
    )
    op.add_column("work_orders", sa.Column("window_preference", sa.String(length=20), nullable=True))
    op.add_column("work_orders", sa.Column("preferred_window_start", sa.DateTime(timezone=True), nullable=True))
    op.add_column("work_orders", sa.Column("preferred_window_end", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "work_orders",
        sa.Column(
            "pinned_technician_id",
            sa.String(length=20),
            sa.ForeignKey("technicians.id", name=op.f("fk_work_orders_pinned_technician_id_technicians")),
            nullable=True,
        ),
    )
    op.add_column("work_orders", sa.Column("pinned_start", sa.DateTime(timezone=True), nullable=True))
    op.add_column("work_orders", sa.Column("pinned_by", sa.String(length=80), nullable=True))
    op.create_check_constraint(
        op.f("ck_work_orders_window_preference_known"),
        "work_orders",
        "window_preference IS NULL OR window_preference IN ('morning', 'afternoon', 'exact')",
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_work_orders_window_preference_known"), "work_orders", type_="check")
    for column in (
        "pinned_by",
        "pinned_start",
        "pinned_technician_id",
        "preferred_window_end",
        "preferred_window_start",
        "window_preference",
    ):
        op.drop_column("work_orders", column)
    op.drop_table("route_optimizations")
    op.drop_table("dispatch_plans")
