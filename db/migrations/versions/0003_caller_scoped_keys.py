"""Idempotency-Keys scoped to the caller; the work order is the one home of repair_count

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_constraint("uq_service_requests_idempotency_key", "service_requests", type_="unique")
    op.create_unique_constraint(
        "uq_service_requests_caller_key", "service_requests", ["requested_by", "idempotency_key"]
    )
    op.drop_column("service_requests", "repair_count")


def downgrade() -> None:
    op.add_column(
        "service_requests",
        sa.Column("repair_count", sa.Integer(), server_default="1", nullable=False),
    )
    op.execute(
        "UPDATE service_requests r SET repair_count = w.repair_count FROM work_orders w "
        "WHERE w.id = r.work_order_id"
    )
    op.drop_constraint("uq_service_requests_caller_key", "service_requests", type_="unique")
    op.create_unique_constraint(
        "uq_service_requests_idempotency_key", "service_requests", ["idempotency_key"]
    )
