"""customer communications: preferences (seed 004 Phase 1), message statuses, delivery events

``communication_preferences`` holds one row per customer that changed a default (language, time
zone, contact windows, frequency, digest time, opted-out categories, SMS consent).
``messages`` gains the category, a reason for refused/suppressed rows, the time of the last
delivery status, and the digest a held message went out in; ``message_events`` stores each
provider delivery event once (keyed like SendGrid's ``sg_event_id``).

Revision ID: 0008
Revises: 0009 (written on 0005; re-chained after merging main)
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "communication_preferences",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=5), server_default="en", nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=True),
        sa.Column(
            "contact_windows", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False
        ),
        sa.Column("frequency", sa.String(length=20), server_default="immediate", nullable=False),
        sa.Column("digest_time", sa.Time(), server_default="18:00", nullable=False),
        sa.Column("opted_out", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False),
        sa.Column("sms_consent", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("sms_consent_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_communication_preferences_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_communication_preferences")),
    )
    op.add_column("messages", sa.Column("category", sa.String(length=20), nullable=True))
    op.add_column("messages", sa.Column("status_reason", sa.String(length=500), nullable=True))
    op.add_column("messages", sa.Column("status_updated_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("messages", sa.Column("digest_message_id", sa.Integer(), nullable=True))
    op.create_foreign_key(
        op.f("fk_messages_digest_message_id_messages"), "messages", "messages", ["digest_message_id"], ["id"]
    )
    op.create_index("ix_messages_to_address_created_at", "messages", ["to_address", "created_at"])
    op.create_index("ix_messages_provider_message_id", "messages", ["provider_message_id"])
    op.create_index(
        "ix_messages_held_customer",
        "messages",
        ["customer_id"],
        postgresql_where=sa.text("status = 'held'"),
    )
    op.create_table(
        "message_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_key", sa.String(length=200), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("provider_message_id", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("detail", sa.String(length=500), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name=op.f("fk_message_events_message_id_messages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_events")),
        sa.UniqueConstraint("event_key", name=op.f("uq_message_events_event_key")),
    )
    op.create_index(op.f("ix_message_events_message_id"), "message_events", ["message_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_message_events_message_id"), table_name="message_events")
    op.drop_table("message_events")
    op.drop_index("ix_messages_held_customer", table_name="messages")
    op.drop_index("ix_messages_provider_message_id", table_name="messages")
    op.drop_index("ix_messages_to_address_created_at", table_name="messages")
    op.drop_constraint(op.f("fk_messages_digest_message_id_messages"), "messages", type_="foreignkey")
    op.drop_column("messages", "digest_message_id")
    op.drop_column("messages", "status_updated_at")
    op.drop_column("messages", "status_reason")
    op.drop_column("messages", "category")
    op.drop_table("communication_preferences")
