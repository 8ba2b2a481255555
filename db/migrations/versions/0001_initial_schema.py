"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-22 03:31:15.567773
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('actor', sa.String(length=80), nullable=False),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('entity_type', sa.String(length=40), nullable=False),
    sa.Column('entity_id', sa.String(length=60), nullable=False),
    sa.Column('details', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    op.create_index(op.f('ix_audit_log_entity_id'), 'audit_log', ['entity_id'], unique=False)
    op.create_index(op.f('ix_audit_log_occurred_at'), 'audit_log', ['occurred_at'], unique=False)
    op.create_table('customers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('first_name', sa.String(length=80), nullable=False),
    sa.Column('last_name', sa.String(length=80), nullable=False),
    sa.Column('company_name', sa.String(length=160), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('preferred_contact_method', sa.String(length=10), server_default='sms', nullable=False),
    sa.Column('address', sa.String(length=200), nullable=True),
    sa.Column('city', sa.String(length=80), nullable=True),
    sa.Column('state', sa.String(length=2), nullable=True),
    sa.Column('zip_code', sa.String(length=10), nullable=True),
    sa.Column('latitude', sa.Float(), nullable=False),
    sa.Column('longitude', sa.Float(), nullable=False),
    sa.Column('fleet_size', sa.Integer(), server_default='0', nullable=False),
    sa.Column('lot_walking_enabled', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('lot_walking_schedule', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('lot_walking_time', sa.Time(), nullable=True),
    sa.Column('auto_approve_lot_repairs', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('max_auto_approve_amount', sa.Numeric(precision=12, scale=2), server_default='100.00', nullable=False),
    sa.Column('require_photo_for_approval', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('service_mode', sa.String(length=20), server_default='ON_CALL', nullable=False),
    sa.Column('payment_terms', sa.String(length=20), server_default='NET_30', nullable=False),
    sa.Column('credit_hold', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customers'))
    )
    op.create_table('service_catalog',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('base_price', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('required_skill', sa.String(length=50), nullable=False),
    sa.Column('is_active', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_service_catalog'))
    )
    op.create_table('technicians',
    sa.Column('id', sa.String(length=20), nullable=False),
    sa.Column('first_name', sa.String(length=80), nullable=False),
    sa.Column('last_name', sa.String(length=80), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('is_manager', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('approval_limit', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('can_assign_work', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('can_override_pricing', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('is_active', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('working_hours', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('home_latitude', sa.Float(), nullable=False),
    sa.Column('home_longitude', sa.Float(), nullable=False),
    sa.Column('home_zip', sa.String(length=10), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_technicians'))
    )
    op.create_table('api_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('key_prefix', sa.String(length=16), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('technician_id', sa.String(length=20), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['technician_id'], ['technicians.id'], name=op.f('fk_api_keys_technician_id_technicians')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_keys')),
    sa.UniqueConstraint('key_prefix', name=op.f('uq_api_keys_key_prefix'))
    )
    op.create_table('customer_preferred_technicians',
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('technician_id', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_customer_preferred_technicians_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['technician_id'], ['technicians.id'], name=op.f('fk_customer_preferred_technicians_technician_id_technicians'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('customer_id', 'technician_id', name=op.f('pk_customer_preferred_technicians'))
    )
    op.create_table('customer_pricing',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('use_custom_pricing', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('repair_1_price', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('repair_2_price', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('repair_3_price', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('repair_4_price', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('repair_5_plus_price', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('volume_discount_threshold', sa.Integer(), server_default='10', nullable=False),
    sa.Column('volume_discount_percentage', sa.Numeric(precision=5, scale=2), server_default='0', nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_customer_pricing_customer_id_customers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_pricing')),
    sa.UniqueConstraint('customer_id', name=op.f('uq_customer_pricing_customer_id'))
    )
    op.create_table('service_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('service_type', sa.String(length=40), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('photos', postgresql.JSONB(astext_type=sa.Text()), server_default='[]', nullable=False),
    sa.Column('priority', sa.String(length=20), server_default='normal', nullable=False),
    sa.Column('status', sa.String(length=50), server_default='pending', nullable=False),
    sa.Column('repair_count', sa.Integer(), server_default='1', nullable=False),
    sa.Column('scheduled_date', sa.Date(), nullable=True),
    sa.Column('idempotency_key', sa.String(length=100), nullable=True),
    sa.Column('idempotency_fingerprint', sa.String(length=64), nullable=True),
    sa.Column('requested_by', sa.String(length=80), nullable=True),
    sa.Column('work_order_id', sa.String(length=40), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_service_requests_customer_id_customers')),
    sa.ForeignKeyConstraint(['service_type'], ['service_catalog.code'], name=op.f('fk_service_requests_service_type_service_catalog')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_requests')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_service_requests_idempotency_key')),
    sa.UniqueConstraint('work_order_id', name=op.f('uq_service_requests_work_order_id'))
    )
    op.create_index(op.f('ix_service_requests_customer_id'), 'service_requests', ['customer_id'], unique=False)
    op.create_table('technician_managed_technicians',
    sa.Column('manager_id', sa.String(length=20), nullable=False),
    sa.Column('technician_id', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['manager_id'], ['technicians.id'], name=op.f('fk_technician_managed_technicians_manager_id_technicians'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['technician_id'], ['technicians.id'], name=op.f('fk_technician_managed_technicians_technician_id_technicians'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('manager_id', 'technician_id', name=op.f('pk_technician_managed_technicians'))
    )
    op.create_table('technician_skills',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('technician_id', sa.String(length=20), nullable=False),
    sa.Column('skill_type', sa.String(length=50), nullable=False),
    sa.Column('certification_number', sa.String(length=100), nullable=True),
    sa.Column('expires_at', sa.Date(), nullable=True),
    sa.Column('verified', sa.Boolean(), server_default='false', nullable=False),
    sa.ForeignKeyConstraint(['technician_id'], ['technicians.id'], name=op.f('fk_technician_skills_technician_id_technicians'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_technician_skills'))
    )
    op.create_index(op.f('ix_technician_skills_technician_id'), 'technician_skills', ['technician_id'], unique=False)
    op.create_table('work_orders',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('technician_id', sa.String(length=20), nullable=True),
    sa.Column('job_type', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=30), nullable=False),
    sa.Column('priority', sa.String(length=20), server_default='normal', nullable=False),
    sa.Column('scheduled_date', sa.Date(), nullable=False),
    sa.Column('service_window_start', sa.DateTime(timezone=True), nullable=True),
    sa.Column('service_window_end', sa.DateTime(timezone=True), nullable=True),
    sa.Column('actual_start_time', sa.DateTime(timezone=True), nullable=True),
    sa.Column('actual_end_time', sa.DateTime(timezone=True), nullable=True),
    sa.Column('total_amount', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('total_labor_minutes', sa.Integer(), nullable=True),
    sa.Column('service_location', sa.String(length=300), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('repair_count', sa.Integer(), server_default='1', nullable=False),
    sa.Column('estimate_amount', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('estimate_version', sa.Integer(), server_default='0', nullable=False),
    sa.Column('estimate_lines', postgresql.JSONB(astext_type=sa.Text()), server_default='[]', nullable=False),
    sa.Column('approval_mode', sa.String(length=30), nullable=True),
    sa.Column('approved_by', sa.String(length=80), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approval_reasons', postgresql.JSONB(astext_type=sa.Text()), server_default='[]', nullable=False),
    sa.Column('assignment_explanation', sa.Text(), nullable=True),
    sa.Column('runner_up_technician_id', sa.String(length=20), nullable=True),
    sa.Column('workflow_id', sa.String(length=80), nullable=True),
    sa.Column('service_request_id', sa.Integer(), nullable=True),
    sa.Column('invoiced_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_work_orders_customer_id_customers')),
    sa.ForeignKeyConstraint(['job_type'], ['service_catalog.code'], name=op.f('fk_work_orders_job_type_service_catalog')),
    sa.ForeignKeyConstraint(['service_request_id'], ['service_requests.id'], name=op.f('fk_work_orders_service_request_id_service_requests')),
    sa.ForeignKeyConstraint(['technician_id'], ['technicians.id'], name=op.f('fk_work_orders_technician_id_technicians')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_orders')),
    sa.UniqueConstraint('workflow_id', name=op.f('uq_work_orders_workflow_id'))
    )
    op.create_index('ix_work_orders_customer_date', 'work_orders', ['customer_id', 'scheduled_date'], unique=False)
    op.create_index(op.f('ix_work_orders_status'), 'work_orders', ['status'], unique=False)
    op.create_index('ix_work_orders_technician_status_date', 'work_orders', ['technician_id', 'status', 'scheduled_date'], unique=False)
    op.create_table('approval_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('work_order_id', sa.String(length=40), nullable=False),
    sa.Column('estimate_version', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'], name=op.f('fk_approval_tokens_work_order_id_work_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_approval_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_approval_tokens_token_hash'))
    )
    op.create_index(op.f('ix_approval_tokens_work_order_id'), 'approval_tokens', ['work_order_id'], unique=False)
    op.create_table('job_costs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('work_order_id', sa.String(length=40), nullable=False),
    sa.Column('cost_type', sa.String(length=20), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=True),
    sa.Column('quantity', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('unit', sa.String(length=20), nullable=False),
    sa.Column('unit_cost', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('total_cost', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'], name=op.f('fk_job_costs_work_order_id_work_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_costs'))
    )
    op.create_index(op.f('ix_job_costs_work_order_id'), 'job_costs', ['work_order_id'], unique=False)
    op.create_table('messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=200), nullable=False),
    sa.Column('work_order_id', sa.String(length=40), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('provider', sa.String(length=20), nullable=False),
    sa.Column('purpose', sa.String(length=40), nullable=False),
    sa.Column('to_address', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('provider_message_id', sa.String(length=100), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_messages_customer_id_customers')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'], name=op.f('fk_messages_work_order_id_work_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_messages')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_messages_idempotency_key'))
    )
    op.create_index(op.f('ix_messages_customer_id'), 'messages', ['customer_id'], unique=False)
    op.create_index(op.f('ix_messages_work_order_id'), 'messages', ['work_order_id'], unique=False)



def downgrade() -> None:
    
    op.drop_index(op.f('ix_messages_work_order_id'), table_name='messages')
    op.drop_index(op.f('ix_messages_customer_id'), table_name='messages')
    op.drop_table('messages')
    op.drop_index(op.f('ix_job_costs_work_order_id'), table_name='job_costs')
    op.drop_table('job_costs')
    op.drop_index(op.f('ix_approval_tokens_work_order_id'), table_name='approval_tokens')
    op.drop_table('approval_tokens')
    op.drop_index('ix_work_orders_technician_status_date', table_name='work_orders')
    op.drop_index(op.f('ix_work_orders_status'), table_name='work_orders')
    op.drop_index('ix_work_orders_customer_date', table_name='work_orders')
    op.drop_table('work_orders')
    op.drop_index(op.f('ix_technician_skills_technician_id'), table_name='technician_skills')
    op.drop_table('technician_skills')
    op.drop_table('technician_managed_technicians')
    op.drop_index(op.f('ix_service_requests_customer_id'), table_name='service_requests')
    op.drop_table('service_requests')
    op.drop_table('customer_pricing')
    op.drop_table('customer_preferred_technicians')
    op.drop_table('api_keys')
    op.drop_table('technicians')
    op.drop_table('service_catalog')
    op.drop_table('customers')
    op.drop_index(op.f('ix_audit_log_occurred_at'), table_name='audit_log')
    op.drop_index(op.f('ix_audit_log_entity_id'), table_name='audit_log')
    op.drop_table('audit_log')

