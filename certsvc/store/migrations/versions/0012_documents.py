"""uploaded documents: who uploaded which (by SHA-256)

The bytes live in the document store (``CERTSVC_DOCUMENTS_DIR``), named by their SHA-256;
this table records each uploader, so that a reference is good only for whoever uploaded it.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), primary_key=True),
        sa.Column("media_type", sa.String(40)),
        sa.Column("size", sa.Integer),
        sa.Column("name", sa.String(200)),
        sa.Column("uploaded_at", sa.DateTime(timezone=True)),
    )


def downgrade() -> None:
    op.drop_table("documents")
