"""Schema migrations: the newest ones go down and up again, and leave what they say."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlalchemy as sa
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


def test_open_applications_get_their_due_date(tmp_path: Path) -> None:
    """0013 back-fills the stored due date of open applications from the calendar."""
    engine = make_engine(f"sqlite:///{tmp_path / 'due.db'}")
    command.upgrade(alembic_config(engine), "0012")
    table = sa.table("applications", sa.column("id", sa.Integer), sa.column("kind"),
                     sa.column("state"), sa.column("bureau_code"), sa.column("uscc"),
                     sa.column("enterprise", sa.JSON), sa.column("scope", sa.JSON),
                     sa.column("materials", sa.JSON), sa.column("review", sa.JSON),
                     sa.column("submitted_at", sa.DateTime), sa.column("accepted_on", sa.Date),
                     sa.column("paused_days", sa.Integer), sa.column("updated_at", sa.DateTime))
    moment = dt.datetime(2026, 6, 1, 2)
    with engine.begin() as conn:
        for state, accepted in (("under_review", dt.date(2026, 6, 1)), ("submitted", None),
                                ("issued", dt.date(2026, 6, 1))):
            conn.execute(table.insert().values(
                kind="new", state=state, bureau_code="33", uscc="91330106MA2H7K3LXA",
                enterprise={}, scope=[6], materials={}, review={}, submitted_at=moment,
                accepted_on=accepted, paused_days=2, updated_at=moment))
    migrate(engine)
    with engine.connect() as conn:
        due = conn.execute(sa.text("SELECT state, clock_due_on FROM applications ORDER BY id")
                           ).all()
    # 30 working days after Monday 1 June 2026 plus the 2 paused: 32 working days, the Dragon
    # Boat holiday (Friday 19 June) skipped, is Thursday 16 July
    assert [(s, str(d) if d else None) for s, d in due] == [
        ("under_review", "2026-07-16"), ("submitted", None), ("issued", None)]
    engine.dispose()


def test_licences_issued_before_the_log_are_logged_by_0024(tmp_path: Path) -> None:
    """A register that predates the log gets an issuance leaf per licence, so the online
    doors do not call its licences 未登记."""
    import hashlib
    import json

    from certsvc.domain.licence import Licence
    from certsvc.publish.log import sign_head
    from certsvc.signer.keystore import KeyStore
    from certsvc.signer.signer import Signer
    from certsvc.store import log
    from certsvc.store.log_check import LogCheck, LogState
    from certsvc.transparency.entries import decode_entry
    from certsvc.transparency.note import NoteVerifier
    from certsvc.workflow.issuance import Issuer
    from tests.conftest import ISSUE_TIME, KEYS_CREATED, PASSPHRASE, PUBLIC_URL, REFERENCE

    engine = make_engine(f"sqlite:///{tmp_path / 'log.db'}")
    migrate(engine)
    keys = KeyStore(tmp_path / "keys", PASSPHRASE)
    keys.init(KEYS_CREATED)
    issued = Issuer(engine, Signer(keys), PUBLIC_URL).issue(
        Licence.from_dict(json.loads(REFERENCE.read_text("utf-8"))), ISSUE_TIME)
    command.downgrade(alembic_config(engine), "0023")
    assert "log_entries" not in inspect(engine).get_table_names()
    migrate(engine)
    with engine.connect() as conn:
        (entry,) = log.entries(conn, 0, 10)
        assert log.size(conn) == 1
    event = decode_entry(entry)
    assert (event.kind, event.number) == ("licence.issued", issued.number.canonical)
    # recorded, but no head signed it yet: pending (never valid) until the publisher, or
    # the next issuance, signs one
    digest, policy = hashlib.sha256(issued.token).digest(), keys.log_policy()
    assert policy is not None
    log_key = NoteVerifier.parse(policy.log_key)
    assert LogCheck(engine).state(digest, log_key) is LogState.PENDING
    with engine.begin() as conn:
        sign_head(conn, Signer(keys), ISSUE_TIME)
    assert LogCheck(engine).state(digest, log_key) is LogState.CONFIRMED
    engine.dispose()
