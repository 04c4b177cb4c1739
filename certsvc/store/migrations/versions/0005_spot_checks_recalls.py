"""spot checks and recalls

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('recalls',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('unit_ids', sa.JSON(), nullable=False),
    sa.Column('defect', sa.Text(), nullable=False),
    sa.Column('batches', sa.Text(), nullable=False),
    sa.Column('sold', sa.Integer(), nullable=False),
    sa.Column('unsold', sa.Integer(), nullable=False),
    sa.Column('remedy', sa.Text(), nullable=False),
    sa.Column('contact', sa.String(length=200), nullable=False),
    sa.Column('announced_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closing_note', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_recalls_uscc'), 'recalls', ['uscc'], unique=False)
    op.create_table('spot_checks',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('bureau_code', sa.String(length=2), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('checked_on', sa.Date(), nullable=False),
    sa.Column('unit_ids', sa.JSON(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('passed', sa.Boolean(), nullable=False),
    sa.Column('reference', sa.String(length=100), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_spot_checks_uscc'), 'spot_checks', ['uscc'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_spot_checks_uscc'), table_name='spot_checks')
    op.drop_table('spot_checks')
    op.drop_index(op.f('ix_recalls_uscc'), table_name='recalls')
    op.drop_table('recalls')
