"""Shopify's own updated_at of catalogue products and inventory levels (out-of-order webhooks)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 (catalogue webhooks arriving late or replayed)
"""

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('catalog_products', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_updated_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('inventory_levels', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_updated_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('inventory_levels', schema=None) as batch_op:
        batch_op.drop_column('source_updated_at')
    with op.batch_alter_table('catalog_products', schema=None) as batch_op:
        batch_op.drop_column('source_updated_at')
