"""complaints: reports from the public (举报)

A consumer reports a suspected forged licence, a product problem or production without a
licence; the competent bureau checks it and decides whether to open a case within 15 working
days (《市场监督管理行政处罚程序规定》第十八条). The reporter follows it with a receipt code
(stored as its digest); a form is good for one report (its nonce is unique).

Revision ID: 0020
Revises: 0019
"""

import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "complaints",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("bureau_code", sa.String(2), nullable=False),
        sa.Column("uscc", sa.String(18), nullable=True),
        sa.Column("licence_number", sa.String(64), nullable=True),
        sa.Column("enterprise_name", sa.String(200), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("place", sa.String(200), nullable=True),
        sa.Column("qr_text", sa.Text(), nullable=True),
        sa.Column("contact", sa.String(200), nullable=True),
        sa.Column("photo", sa.JSON(), nullable=True),
        sa.Column("receipt_digest", sa.String(64), nullable=False),
        sa.Column("form_nonce", sa.String(32), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("receipt_digest"),
        sa.UniqueConstraint("form_nonce"),
    )
    op.create_index("ix_complaints_bureau_code", "complaints", ["bureau_code"])
    op.create_index("ix_complaints_uscc", "complaints", ["uscc"])
    op.create_index("ix_complaints_due_on", "complaints", ["due_on"])


def downgrade() -> None:
    op.drop_table("complaints")
