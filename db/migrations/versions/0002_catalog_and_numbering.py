"""service catalog data and the work order number sequence

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""
from collections.abc import Sequence
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copy of domain.catalog.DEFAULT_CATALOG at the time of this migration.
CATALOG = [
    ("pumping", "Septic tank pump out", "pump_out", Decimal("375.00"), 90, "pumping"),
    ("grease_trap", "Grease trap pump out", "pump_out", Decimal("325.00"), 75, "pumping"),
    ("repair", "Repair", "repair", Decimal("95.00"), 90, "repair"),
    ("maintenance", "Preventive maintenance", "repair", Decimal("85.00"), 60, "repair"),
    ("inspection", "Inspection", "other", Decimal("150.00"), 60, "inspection"),
    ("installation", "Installation", "other", Decimal("650.00"), 240, "installation"),
    ("emergency", "Emergency call-out", "other", Decimal("295.00"), 120, "repair"),
    ("camera_inspection", "Camera line inspection", "other", Decimal("225.00"), 75, "camera"),
]


def upgrade() -> None:
    table = sa.table(
        "service_catalog",
        sa.column("code", sa.String),
        sa.column("name", sa.String),
        sa.column("category", sa.String),
        sa.column("base_price", sa.Numeric(12, 2)),
        sa.column("duration_minutes", sa.Integer),
        sa.column("required_skill", sa.String),
    )
    op.bulk_insert(
        table,
        [
            dict(zip(("code", "name", "category", "base_price", "duration_minutes", "required_skill"), row, strict=True))
            for row in CATALOG
        ],
    )
    op.execute("CREATE SEQUENCE work_order_number_seq START 1")


def downgrade() -> None:
    op.execute("DROP SEQUENCE work_order_number_seq")
    op.execute("DELETE FROM service_catalog")
