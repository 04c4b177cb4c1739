"""Alembic environment: runs on the engine that certsvc passes in ``config.attributes``."""

from alembic import context

from certsvc.store.models import Base

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata)
    context.run_migrations()
