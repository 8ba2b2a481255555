"""live tracking: technician locations (seed 003 ``technician_locations``), arrival and ETA

``technician_locations`` holds every position a technician posts (WGS84 degrees, accuracy in
metres, the device's time and the time received). Work orders gain ``arrived_at`` (the first
position inside the geofence of the site), ``on_my_way_at`` and ``eta_at`` (when the technician
said he was on his way, and the arrival time then estimated).

Revision ID: 0016
Revises: 0008
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "technician_locations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "technician_id",
            sa.String(length=20),
            sa.ForeignKey("technicians.id", name=op.f("fk_technician_locations_technician_id_technicians")),
            nullable=False,
        ),
        sa.Column("latitude", sa.Numeric(10, 8), nullable=False),
        sa.Column("longitude", sa.Numeric(11, 8), nullable=False),
        sa.Column("accuracy_meters", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_index(
        "ix_technician_locations_technician_recorded",
        "technician_locations",
        ["technician_id", sa.text("recorded_at DESC")],
    )
    op.add_column("work_orders", sa.Column("arrived_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("work_orders", sa.Column("on_my_way_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("work_orders", sa.Column("eta_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("work_orders", "eta_at")
    op.drop_column("work_orders", "on_my_way_at")
    op.drop_column("work_orders", "arrived_at")
    op.drop_index("ix_technician_locations_technician_recorded", table_name="technician_locations")
    op.drop_table("technician_locations")
