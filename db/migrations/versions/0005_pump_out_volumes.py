"""work orders record what a pump out took: gallons pumped and tank size (seed 000 Phase 1.2)

Existing ``[SEED DATA]`` pump outs carry both in their note (``Pumped 1,200 gal; tank 1500 gal``);
they are copied into the new columns so a database seeded before this migration shows them too.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("work_orders", sa.Column("gallons_pumped", sa.Integer(), nullable=True))
    op.add_column("work_orders", sa.Column("tank_size", sa.String(length=40), nullable=True))
    op.create_check_constraint(
        op.f("ck_work_orders_gallons_pumped_not_negative"), "work_orders", "gallons_pumped >= 0"
    )
    op.execute(
        "UPDATE work_orders SET "
        "gallons_pumped = replace(substring(notes FROM 'Pumped ([0-9,]+) gal'), ',', '')::integer, "
        "tank_size = substring(notes FROM 'tank ([0-9]+ gal)') "
        "WHERE job_type IN ('pumping', 'grease_trap') AND notes LIKE '[SEED DATA]%Pumped %'"
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_work_orders_gallons_pumped_not_negative"), "work_orders", type_="check")
    op.drop_column("work_orders", "tank_size")
    op.drop_column("work_orders", "gallons_pumped")
