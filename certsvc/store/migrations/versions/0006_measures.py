"""measures

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('measures',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('bureau_code', sa.String(length=2), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('outcome', sa.String(length=8), nullable=True),
    sa.Column('outcome_note', sa.Text(), nullable=True),
    sa.Column('ordered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_measures_bureau_code'), 'measures', ['bureau_code'], unique=False)
    op.create_index(op.f('ix_measures_number'), 'measures', ['number'], unique=False)
    op.create_index(op.f('ix_measures_uscc'), 'measures', ['uscc'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_measures_uscc'), table_name='measures')
    op.drop_index(op.f('ix_measures_number'), table_name='measures')
    op.drop_index(op.f('ix_measures_bureau_code'), table_name='measures')
    op.drop_table('measures')
