"""log heads, and the transparency log append-only in the database

``log_heads`` keeps each tree head the log key signed; the online doors count a leaf only
below the latest (certsvc/store/log_check.py). Triggers refuse UPDATE and DELETE on every log
table (certsvc/store/append_only.py), as they do on the audit log. The heads of checkpoints
already published are copied over, so a register logged before this migration stays
confirmed.

Revision ID: 0025
Revises: 0024
"""

import sqlalchemy as sa
from alembic import op

from certsvc.store.append_only import LOG, create_triggers, drop_triggers

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "log_heads",
        sa.Column("size", _ID, autoincrement=False, nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("size"),
    )
    op.execute("INSERT INTO log_heads (size, note, signed_at) "
               "SELECT size, note, published_at FROM log_checkpoints")
    create_triggers(op.get_bind(), LOG)


def downgrade() -> None:
    drop_triggers(op.get_bind(), LOG)
    op.drop_table("log_heads")
