"""Personal data sealed, deliveries bound to events and leases, redaction generations

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 (issue 13)
"""

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('shops', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shopify_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('privacy_generation', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('token_refresh_until', sa.DateTime(), nullable=True))

    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_digest', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('personal', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('format', sa.Integer(), nullable=False,
                                      server_default='1'))
        batch_op.drop_column('email')
        batch_op.create_index(batch_op.f('ix_orders_email_digest'), ['email_digest'])

    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('event_id', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('digest', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('first_failed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('lease_until', sa.DateTime(), nullable=True))
        batch_op.create_unique_constraint('uq_webhook_deliveries_event',
                                          ['shop_domain', 'topic', 'event_id'])
        batch_op.create_unique_constraint('uq_webhook_deliveries_digest', ['digest'])
        batch_op.create_index(batch_op.f('ix_webhook_deliveries_lease_until'), ['lease_until'])


def downgrade() -> None:
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webhook_deliveries_lease_until'))
        batch_op.drop_constraint('uq_webhook_deliveries_digest', type_='unique')
        batch_op.drop_constraint('uq_webhook_deliveries_event', type_='unique')
        for column in ('lease_until', 'first_failed_at', 'digest', 'event_id'):
            batch_op.drop_column(column)

    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_orders_email_digest'))
        batch_op.add_column(sa.Column('email', sa.String(length=320), nullable=True))
        for column in ('format', 'personal', 'email_digest'):
            batch_op.drop_column(column)

    with op.batch_alter_table('shops', schema=None) as batch_op:
        for column in ('token_refresh_until', 'privacy_generation', 'shopify_id'):
            batch_op.drop_column(column)
