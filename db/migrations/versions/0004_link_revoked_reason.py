"""approval links keep why they were revoked (replaced, cancelled, answered, expired)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copy of domain.approval_links.LinkClosed at the time of this migration.
REASONS = ("replaced", "cancelled", "answered", "expired")


def upgrade() -> None:
    op.add_column("approval_tokens", sa.Column("revoked_reason", sa.String(length=16), nullable=True))
    op.create_check_constraint(
        op.f("ck_approval_tokens_revoked_reason"),
        "approval_tokens",
        "revoked_reason IN (" + ", ".join(f"'{r}'" for r in REASONS) + ")",
    )
    # links revoked before: an older estimate version was replaced; the current version's link
    # was revoked when the repair ended (cancelled, expired, or declined by staff)
    op.execute(
        "UPDATE approval_tokens t SET revoked_reason = CASE "
        "WHEN t.estimate_version < w.estimate_version THEN 'replaced' "
        "WHEN w.status = 'cancelled' THEN 'cancelled' "
        "WHEN w.status = 'expired' THEN 'expired' "
        "WHEN w.status = 'declined' THEN 'answered' "
        "ELSE 'replaced' END "
        "FROM work_orders w WHERE w.id = t.work_order_id AND t.revoked_at IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_approval_tokens_revoked_reason"), "approval_tokens", type_="check")
    op.drop_column("approval_tokens", "revoked_reason")
