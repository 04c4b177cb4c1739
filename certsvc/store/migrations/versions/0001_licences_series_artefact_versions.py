"""licences, series, artefact versions

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('artefact_versions',
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('licence_series',
    sa.Column('bureau_code', sa.String(length=2), nullable=False),
    sa.Column('product_code', sa.String(length=6), nullable=False),
    sa.Column('next_serial', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('bureau_code', 'product_code')
    )
    op.create_table('licences',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('bureau_code', sa.String(length=2), nullable=False),
    sa.Column('category', sa.Integer(), nullable=False),
    sa.Column('product', sa.Integer(), nullable=False),
    sa.Column('serial', sa.Integer(), nullable=False),
    sa.Column('enterprise_name', sa.String(length=100), nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('residence', sa.String(length=200), nullable=False),
    sa.Column('production_address', sa.String(length=200), nullable=False),
    sa.Column('scope', sa.JSON(), nullable=False),
    sa.Column('issued', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('status_index', sa.Integer(), nullable=False),
    sa.Column('kid', sa.LargeBinary(length=8), nullable=False),
    sa.Column('payload', sa.LargeBinary(), nullable=False),
    sa.Column('token', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('bureau_code', 'category', 'product', 'serial'),
    sa.UniqueConstraint('number'),
    sa.UniqueConstraint('status_index')
    )
    op.create_index(op.f('ix_licences_bureau_code'), 'licences', ['bureau_code'], unique=False)
    op.create_index(op.f('ix_licences_enterprise_name'), 'licences', ['enterprise_name'], unique=False)
    op.create_index(op.f('ix_licences_uscc'), 'licences', ['uscc'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_licences_uscc'), table_name='licences')
    op.drop_index(op.f('ix_licences_enterprise_name'), table_name='licences')
    op.drop_index(op.f('ix_licences_bureau_code'), table_name='licences')
    op.drop_table('licences')
    op.drop_table('licence_series')
    op.drop_table('artefact_versions')
