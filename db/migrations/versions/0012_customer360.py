"""customer 360 (seed 004 Phase 1): appliances, expenses, reviews, customer-technician ratings,
service follow-ups, and referrals on customers

``appliances`` (type, brand, model number, serial, install and last service date, the work order
that last serviced it); ``expenses`` linked to a customer and/or a work order; ``reviews`` (rating
1-5, comment, sentiment score, source; one per work order and source);
``customer_technician_ratings`` (one per work order and technician); ``service_follow_ups``
(open/done, due date, assignee, idempotency key); ``customers.referred_by_id`` and the unique
``customers.referral_code``. Payment methods are billing's ``payments.method`` and the preferred
technician is ``customer_preferred_technicians``; neither changes here.

Revision ID: 0012
Revises: 0008
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _now() -> sa.TextClause:
    return sa.text("now()")


def upgrade() -> None:
    op.add_column("customers", sa.Column("referred_by_id", sa.Integer(), nullable=True))
    op.add_column("customers", sa.Column("referral_code", sa.String(length=20), nullable=True))
    op.create_foreign_key(
        op.f("fk_customers_referred_by_id_customers"),
        "customers",
        "customers",
        ["referred_by_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.create_index(op.f("ix_customers_referred_by_id"), "customers", ["referred_by_id"])
    op.create_unique_constraint(op.f("uq_customers_referral_code"), "customers", ["referral_code"])
    op.create_check_constraint(op.f("ck_customers_not_self_referred"), "customers", "referred_by_id <> id")

    op.create_table(
        "appliances",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=60), nullable=False),
        sa.Column("brand", sa.String(length=80), nullable=True),
        sa.Column("model_number", sa.String(length=80), nullable=True),
        sa.Column("serial_number", sa.String(length=80), nullable=True),
        sa.Column("installed_on", sa.Date(), nullable=True),
        sa.Column("last_service_date", sa.Date(), nullable=True),
        sa.Column("work_order_id", sa.String(length=40), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_appliances_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["work_order_id"],
            ["work_orders.id"],
            name=op.f("fk_appliances_work_order_id_work_orders"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appliances")),
        sa.UniqueConstraint("customer_id", "serial_number", name="uq_appliances_customer_serial"),
    )
    op.create_index(op.f("ix_appliances_customer_id"), "appliances", ["customer_id"])
    op.create_index(op.f("ix_appliances_work_order_id"), "appliances", ["work_order_id"])

    op.create_table(
        "expenses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("work_order_id", sa.String(length=40), nullable=True),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=True),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("incurred_on", sa.Date(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_expenses_amount_positive")),
        sa.CheckConstraint(
            "customer_id IS NOT NULL OR work_order_id IS NOT NULL", name=op.f("ck_expenses_linked")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_expenses_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["work_order_id"], ["work_orders.id"], name=op.f("fk_expenses_work_order_id_work_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expenses")),
    )
    op.create_index(op.f("ix_expenses_customer_id"), "expenses", ["customer_id"])
    op.create_index(op.f("ix_expenses_work_order_id"), "expenses", ["work_order_id"])

    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("work_order_id", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("technician_id", sa.String(length=20), nullable=False),
        sa.Column("rating", sa.SmallInteger(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("sentiment_score", sa.Numeric(precision=4, scale=3), nullable=True),
        sa.Column("source", sa.String(length=20), server_default="manual", nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name=op.f("ck_reviews_rating_range")),
        sa.CheckConstraint("sentiment_score BETWEEN -1 AND 1", name=op.f("ck_reviews_sentiment_range")),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_reviews_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["technician_id"], ["technicians.id"], name=op.f("fk_reviews_technician_id_technicians")
        ),
        sa.ForeignKeyConstraint(
            ["work_order_id"],
            ["work_orders.id"],
            name=op.f("fk_reviews_work_order_id_work_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviews")),
        sa.UniqueConstraint("work_order_id", "source", name="uq_reviews_work_order_source"),
    )
    op.create_index(op.f("ix_reviews_customer_id"), "reviews", ["customer_id"])
    op.create_index(op.f("ix_reviews_technician_id"), "reviews", ["technician_id"])
    op.create_index(op.f("ix_reviews_work_order_id"), "reviews", ["work_order_id"])

    op.create_table(
        "customer_technician_ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("technician_id", sa.String(length=20), nullable=False),
        sa.Column("work_order_id", sa.String(length=40), nullable=False),
        sa.Column("rating", sa.SmallInteger(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.CheckConstraint(
            "rating BETWEEN 1 AND 5", name=op.f("ck_customer_technician_ratings_rating_range")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_customer_technician_ratings_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["technician_id"],
            ["technicians.id"],
            name=op.f("fk_customer_technician_ratings_technician_id_technicians"),
        ),
        sa.ForeignKeyConstraint(
            ["work_order_id"],
            ["work_orders.id"],
            name=op.f("fk_customer_technician_ratings_work_order_id_work_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_technician_ratings")),
        sa.UniqueConstraint(
            "work_order_id", "technician_id", name="uq_customer_technician_ratings_job_technician"
        ),
    )
    op.create_index(
        op.f("ix_customer_technician_ratings_customer_id"), "customer_technician_ratings", ["customer_id"]
    )
    op.create_index(
        op.f("ix_customer_technician_ratings_technician_id"), "customer_technician_ratings", ["technician_id"]
    )
    op.create_index(
        op.f("ix_customer_technician_ratings_work_order_id"), "customer_technician_ratings", ["work_order_id"]
    )

    op.create_table(
        "service_follow_ups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=True),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("work_order_id", sa.String(length=40), nullable=True),
        sa.Column("technician_id", sa.String(length=20), nullable=True),
        sa.Column("assigned_to_technician_id", sa.String(length=20), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), server_default="open", nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("source", sa.String(length=20), server_default="manual", nullable=False),
        sa.Column("satisfaction_rating", sa.SmallInteger(), nullable=True),
        sa.Column("feedback", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_by", sa.String(length=80), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.CheckConstraint("status IN ('open', 'done')", name=op.f("ck_service_follow_ups_status_known")),
        sa.CheckConstraint(
            "satisfaction_rating BETWEEN 1 AND 5", name=op.f("ck_service_follow_ups_satisfaction_range")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_service_follow_ups_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["work_order_id"],
            ["work_orders.id"],
            name=op.f("fk_service_follow_ups_work_order_id_work_orders"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["technician_id"],
            ["technicians.id"],
            name=op.f("fk_service_follow_ups_technician_id_technicians"),
        ),
        sa.ForeignKeyConstraint(
            ["assigned_to_technician_id"],
            ["technicians.id"],
            name=op.f("fk_service_follow_ups_assigned_to_technician_id_technicians"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_follow_ups")),
        sa.UniqueConstraint("key", name=op.f("uq_service_follow_ups_key")),
    )
    op.create_index(op.f("ix_service_follow_ups_customer_id"), "service_follow_ups", ["customer_id"])
    op.create_index(op.f("ix_service_follow_ups_work_order_id"), "service_follow_ups", ["work_order_id"])
    op.create_index(
        op.f("ix_service_follow_ups_assigned_to_technician_id"),
        "service_follow_ups",
        ["assigned_to_technician_id"],
    )
    op.create_index("ix_service_follow_ups_status_due", "service_follow_ups", ["status", "due_date"])


def downgrade() -> None:
    op.drop_table("service_follow_ups")
    op.drop_table("customer_technician_ratings")
    op.drop_table("reviews")
    op.drop_table("expenses")
    op.drop_table("appliances")
    op.drop_constraint(op.f("ck_customers_not_self_referred"), "customers", type_="check")
    op.drop_constraint(op.f("uq_customers_referral_code"), "customers", type_="unique")
    op.drop_index(op.f("ix_customers_referred_by_id"), table_name="customers")
    op.drop_constraint(op.f("fk_customers_referred_by_id_customers"), "customers", type_="foreignkey")
    op.drop_column("customers", "referral_code")
    op.drop_column("customers", "referred_by_id")
