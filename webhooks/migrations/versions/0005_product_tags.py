"""Product tags and variant unit costs in the synced catalogue (perishables, issue 15)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 (issue 15)
"""

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('catalog_products', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tags', sa.Text(), nullable=True))
    with op.batch_alter_table('catalog_variants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit_cost', sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('catalog_variants', schema=None) as batch_op:
        batch_op.drop_column('unit_cost')
    with op.batch_alter_table('catalog_products', schema=None) as batch_op:
        batch_op.drop_column('tags')
