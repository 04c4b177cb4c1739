"""declarations

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('declarations',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('withdrawn', sa.Boolean(), nullable=False),
    sa.Column('content', sa.JSON(), nullable=True),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('uscc', 'version')
    )
    op.create_index(op.f('ix_declarations_uscc'), 'declarations', ['uscc'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_declarations_uscc'), table_name='declarations')
    op.drop_table('declarations')

