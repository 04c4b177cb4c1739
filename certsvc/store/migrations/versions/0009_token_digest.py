"""token digest in the status lookup index

The online doors must accept a token only if it is the register's own current token for
that licence: a genuine bureau key that signed a licence the register never recorded must
not verify as valid. The lookup that every online verification makes already reads
``ix_licences_status_lookup``; carrying the SHA-256 of the current token in that index lets
the same index-only read answer both questions (status, and "is this our token?").

Revision ID: 0009
Revises: 0008
"""

import hashlib

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

NAME = "ix_licences_status_lookup"


def upgrade() -> None:
    op.add_column("licences", sa.Column("token_sha256", sa.LargeBinary(32), nullable=True))
    bind = op.get_bind()
    licences = sa.table("licences", sa.column("id", sa.Integer),
                        sa.column("token", sa.LargeBinary),
                        sa.column("token_sha256", sa.LargeBinary))
    rows = bind.execute(sa.select(licences.c.id, licences.c.token)
                        .where(licences.c.token.is_not(None))).all()
    statement = (sa.update(licences).where(licences.c.id == sa.bindparam("row_id"))
                 .values(token_sha256=sa.bindparam("digest")))
    for start in range(0, len(rows), 10_000):
        bind.execute(statement, [{"row_id": row_id, "digest": hashlib.sha256(token).digest()}
                                 for row_id, token in rows[start:start + 10_000]])
    op.drop_index(NAME, table_name="licences")
    if bind.dialect.name == "postgresql":
        op.create_index(NAME, "licences", ["status_index"],
                        postgresql_include=["status", "token_sha256"])
    else:
        op.create_index(NAME, "licences", ["status_index", "status", "token_sha256"])


def downgrade() -> None:
    op.drop_index(NAME, table_name="licences")
    if op.get_bind().dialect.name == "postgresql":
        op.create_index(NAME, "licences", ["status_index"], postgresql_include=["status"])
    else:
        op.create_index(NAME, "licences", ["status_index", "status"])
    op.drop_column("licences", "token_sha256")
