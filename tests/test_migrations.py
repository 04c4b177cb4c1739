"""Schema migrations: the newest ones go down and up again, and leave what they say."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import Engine, inspect

from certsvc.store.db import alembic_config, make_engine, migrate


def licence_indexes(engine: Engine) -> set[str]:
    return {str(index["name"]) for index in inspect(engine).get_indexes("licences")}


def test_the_unused_bureau_index_is_gone(engine: Engine) -> None:
    assert "ix_licences_bureau_code" not in licence_indexes(engine)
    assert {"ix_licences_status_lookup", "ix_licences_uscc"} <= licence_indexes(engine)


def test_the_newest_migrations_go_down_and_up(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'schema.db'}")
    migrate(engine)
    command.downgrade(alembic_config(engine), "0006")
    assert not {"ix_licences_status_lookup"} & licence_indexes(engine)
    assert "ix_licences_bureau_code" in licence_indexes(engine)
    migrate(engine)
    assert "ix_licences_status_lookup" in licence_indexes(engine)
    assert "ix_licences_bureau_code" not in licence_indexes(engine)
    engine.dispose()
