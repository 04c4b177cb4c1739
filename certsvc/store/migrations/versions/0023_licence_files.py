"""licence files: the sealed OFD of each licence version

The OFD (GB/T 33190) is sealed with the bureau's SM2 key by the bureau service, which holds
the keys; the public site, which holds none, serves it from here. One row per licence,
version and format.

Revision ID: 0023
Revises: 0022
"""

import sqlalchemy as sa
from alembic import op

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "licence_files",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("licence_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  sa.ForeignKey("licences.id"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("format", sa.String(8), nullable=False),
        sa.Column("identifier", sa.String(100), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("licence_id", "version", "format", name="uq_licence_files"),
    )


def downgrade() -> None:
    op.drop_table("licence_files")
