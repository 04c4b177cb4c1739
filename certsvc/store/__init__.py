"""Storage: SQLAlchemy 2 models, a read-only reader, a writer, Alembic migrations."""
