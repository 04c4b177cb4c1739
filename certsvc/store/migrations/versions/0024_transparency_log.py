"""transparency log: leaves, stored hashes, published checkpoints

Every licence, status, declaration and key event is appended as a leaf in the transaction
that records it (certsvc/store/log.py); the hashes are stored in the order of
certsvc/transparency/stored.py, so a root or proof reads O(log n) rows. The licences already
in the register are logged here, one issuance leaf each.

Revision ID: 0024
Revises: 0023
"""

import sqlalchemy as sa
from alembic import op

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "log_entries",
        sa.Column("idx", _ID, autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("token_sha256", sa.LargeBinary(32), nullable=True),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("idx"),
    )
    op.create_index("ix_log_entries_token_sha256", "log_entries", ["token_sha256"])
    op.create_table(
        "log_hashes",
        sa.Column("idx", _ID, autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(32), nullable=False),
        sa.PrimaryKeyConstraint("idx"),
    )
    op.create_table(
        "log_checkpoints",
        sa.Column("size", _ID, autoincrement=False, nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("size"),
    )


    _log_the_register()


def _log_the_register() -> None:
    """Licences issued before the log began get one issuance leaf each (marked so), or
    the online doors would call every one of them 未登记."""
    import datetime as dt

    from certsvc.store import log

    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT number, uscc, bureau_code, token_sha256 FROM licences "
        "WHERE token_sha256 IS NOT NULL ORDER BY id")).all()
    now = dt.datetime.now(dt.UTC)
    events = [("licence.issued", r.uscc, f"licence:{r.number}", {
        "number": r.number, "bureau": r.bureau_code,
        "token_sha256": bytes(r.token_sha256).hex(),
        "recorded": "issued before the log began (migration 0024)"}) for r in rows]
    for start in range(0, len(events), 10_000):
        log.append(conn, events[start:start + 10_000], now)


def downgrade() -> None:
    op.execute("DELETE FROM artefact_versions WHERE name = 'log'")
    op.drop_table("log_checkpoints")
    op.drop_table("log_hashes")
    op.drop_index("ix_log_entries_token_sha256", "log_entries")
    op.drop_table("log_entries")
