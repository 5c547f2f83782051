"""Customer segment tags written to Shopify

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 (issue 8)
"""

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('customer_segment_tags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('customer_gid', sa.String(length=64), nullable=False),
    sa.Column('tag', sa.String(length=64), nullable=False),
    sa.Column('written_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('shop_id', 'customer_gid')
    )
    with op.batch_alter_table('customer_segment_tags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_segment_tags_shop_id'), ['shop_id'])


def downgrade() -> None:
    with op.batch_alter_table('customer_segment_tags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_segment_tags_shop_id'))

    op.drop_table('customer_segment_tags')
