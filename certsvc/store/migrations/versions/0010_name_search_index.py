"""an index for searching enterprise names by fragment

Search by part of an enterprise name scanned the licences table (twice, with a COUNT): at
1,000,000 licences 0.3–1.8 s a request on an anonymous endpoint. Each database gets a
trigram index, which finds the rows that contain a fragment of three or more characters:

- PostgreSQL: pg_trgm's GIN index (``LIKE '%…%'`` uses it). pg_trgm is a trusted extension
  (PostgreSQL 13 and later), so the database owner may create it. Chinese text gets trigrams
  under a UTF-8 ctype (``C.UTF-8`` included).
- SQLite: an FTS5 table with the trigram tokenizer (SQLite 3.34 and later), over the
  licences table's enterprise_name (external content). New licences are indexed by the one
  function that inserts them (``writer.insert_pending``), in one statement per batch: a
  trigger per row cost a batch import three times as much (36 µs a licence against 11).
  Triggers keep the index in step when a name changes or a row is deleted.

Two characters are a common query in Chinese (a firm's 字号, "华光"), and a trigram index
alone cannot find them. PostgreSQL gets a second GIN index over each name's bigrams (an
immutable SQL function); SQLite reads the trigram table's vocabulary (fts5vocab) for the
trigrams that start with the two characters and matches any of them.

Revision ID: 0010
Revises: 0009
"""

from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

_SQLITE = (
    "CREATE VIRTUAL TABLE licence_names USING fts5(enterprise_name, content='licences', "
    "content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER licence_names_delete AFTER DELETE ON licences BEGIN "
    "INSERT INTO licence_names(licence_names, rowid, enterprise_name) "
    "VALUES ('delete', old.id, old.enterprise_name); END",
    "CREATE TRIGGER licence_names_update AFTER UPDATE OF enterprise_name ON licences BEGIN "
    "INSERT INTO licence_names(licence_names, rowid, enterprise_name) "
    "VALUES ('delete', old.id, old.enterprise_name); "
    "INSERT INTO licence_names(rowid, enterprise_name) VALUES (new.id, new.enterprise_name); "
    "END",
    "INSERT INTO licence_names(licence_names) VALUES ('rebuild')",
    "CREATE VIRTUAL TABLE licence_name_terms USING fts5vocab(licence_names, 'row')",
)
_BIGRAMS = """CREATE FUNCTION certsvc_bigrams(name text) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS
    $$ SELECT coalesce(array_agg(DISTINCT substr(name, i, 2)), '{}')
       FROM generate_series(1, length(name) - 1) AS i $$"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE INDEX ix_licences_name_trigram ON licences "
                   "USING gin (enterprise_name gin_trgm_ops)")
        op.execute(_BIGRAMS)
        op.execute("CREATE INDEX ix_licences_name_bigram ON licences "
                   "USING gin (certsvc_bigrams(enterprise_name))")
    else:
        for statement in _SQLITE:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_licences_name_bigram")
        op.execute("DROP FUNCTION certsvc_bigrams(text)")
        op.execute("DROP INDEX ix_licences_name_trigram")
    else:
        op.execute("DROP TABLE licence_name_terms")
        for name in ("delete", "update"):
            op.execute(f"DROP TRIGGER licence_names_{name}")
        op.execute("DROP TABLE licence_names")
