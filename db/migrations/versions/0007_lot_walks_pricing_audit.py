"""price overrides on work orders, created_by on customer pricing, lot-walk findings as repairs

- ``work_orders.cost_override*`` (seed 001 1.3): the overridden price, the price it replaced,
  who, when and why;
- ``work_orders.from_lot_walk``, ``repair_position``, ``visit_repair_count`` (seed 001 2.3): a
  lot-walk finding's place in its walk, so a retried request rebuilds the same workflow input;
- ``customer_pricing.created_by`` (seed 001 1.1);
- ``lot_walks`` (seed 001 2.3): a fleet customer's walk, its single approval link and summary;
  ``work_orders.lot_walk_id``; the catalog entry ``lot_walk`` (the walk's visit, no price).

Revision ID: 0007
Revises: 0005
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("work_orders", sa.Column("cost_override", sa.Numeric(12, 2), nullable=True))
    op.add_column("work_orders", sa.Column("cost_override_from", sa.Numeric(12, 2), nullable=True))
    op.add_column("work_orders", sa.Column("cost_override_by", sa.String(length=80), nullable=True))
    op.add_column("work_orders", sa.Column("cost_override_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("work_orders", sa.Column("cost_override_reason", sa.String(length=500), nullable=True))
    op.add_column(
        "work_orders", sa.Column("from_lot_walk", sa.Boolean(), server_default="false", nullable=False)
    )
    op.add_column("work_orders", sa.Column("repair_position", sa.Integer(), server_default="1", nullable=False))
    op.add_column("work_orders", sa.Column("visit_repair_count", sa.Integer(), nullable=True))
    op.create_check_constraint(
        op.f("ck_work_orders_repair_position_positive"), "work_orders", "repair_position >= 1"
    )
    op.add_column("customer_pricing", sa.Column("created_by", sa.String(length=80), nullable=True))
    op.add_column("work_orders", sa.Column("lot_walk_id", sa.String(length=60), nullable=True))
    op.create_index(op.f("ix_work_orders_lot_walk_id"), "work_orders", ["lot_walk_id"])
    op.create_table(
        "lot_walks",
        sa.Column("id", sa.String(length=60), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("walk_date", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=30), nullable=False),
        sa.Column("requested_by", sa.String(length=80), nullable=False),
        sa.Column("technician_id", sa.String(length=20), nullable=True),
        sa.Column("visit_work_order_id", sa.String(length=40), nullable=True),
        sa.Column("findings", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False),
        sa.Column("approval_token_hash", sa.String(length=64), nullable=True),
        sa.Column("approval_nonce", sa.String(length=64), nullable=True),
        sa.Column("approval_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approval_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("found", sa.Integer(), server_default="0", nullable=False),
        sa.Column("auto_approved", sa.Integer(), server_default="0", nullable=False),
        sa.Column("approved", sa.Integer(), server_default="0", nullable=False),
        sa.Column("declined", sa.Integer(), server_default="0", nullable=False),
        sa.Column("completed", sa.Integer(), server_default="0", nullable=False),
        sa.Column("amount", sa.Numeric(12, 2), server_default="0", nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_lot_walks_customer_id_customers")),
        sa.ForeignKeyConstraint(
            ["technician_id"], ["technicians.id"], name=op.f("fk_lot_walks_technician_id_technicians")
        ),
        sa.ForeignKeyConstraint(
            ["visit_work_order_id"], ["work_orders.id"], name=op.f("fk_lot_walks_visit_work_order_id_work_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lot_walks")),
        sa.UniqueConstraint("approval_token_hash", name=op.f("uq_lot_walks_approval_token_hash")),
    )
    op.create_index(op.f("ix_lot_walks_customer_id"), "lot_walks", ["customer_id"])
    op.execute(
        "INSERT INTO service_catalog (code, name, category, base_price, duration_minutes, required_skill, is_active) "
        "VALUES ('lot_walk', 'Fleet lot walk', 'other', 0.00, 120, 'repair', false) ON CONFLICT (code) DO NOTHING"
    )


def downgrade() -> None:
    op.execute(
        "DELETE FROM service_catalog WHERE code = 'lot_walk' "
        "AND NOT EXISTS (SELECT 1 FROM work_orders WHERE job_type = 'lot_walk')"
    )
    op.drop_index(op.f("ix_lot_walks_customer_id"), table_name="lot_walks")
    op.drop_table("lot_walks")
    op.drop_index(op.f("ix_work_orders_lot_walk_id"), table_name="work_orders")
    op.drop_column("work_orders", "lot_walk_id")
    op.drop_column("customer_pricing", "created_by")
    op.drop_constraint(op.f("ck_work_orders_repair_position_positive"), "work_orders", type_="check")
    for column in (
        "visit_repair_count",
        "repair_position",
        "from_lot_walk",
        "cost_override_reason",
        "cost_override_at",
        "cost_override_by",
        "cost_override_from",
        "cost_override",
    ):
        op.drop_column("work_orders", column)
