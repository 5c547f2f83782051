"""The shop's country (its address in Shopify), for the public holidays of its unusual days

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 (issue 16: holidays explain days of revenue out of line)
"""

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('shops', schema=None) as batch_op:
        batch_op.add_column(sa.Column('country', sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('shops', schema=None) as batch_op:
        batch_op.drop_column('country')
