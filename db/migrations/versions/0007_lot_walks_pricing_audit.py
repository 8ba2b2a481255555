"""price overrides on work orders, created_by on customer pricing, lot-walk findings as repairs

- ``work_orders.cost_override*`` (seed 001 1.3): the overridden price, the price it replaced,
  who, when and why;
- ``work_orders.from_lot_walk``, ``repair_position``, ``visit_repair_count`` (seed 001 2.3): a
  lot-walk finding's place in its walk, so a retried request rebuilds the same workflow input;
- ``customer_pricing.created_by`` (seed 001 1.1).

Revision ID: 0007
Revises: 0005
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0005"
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


def downgrade() -> None:
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
