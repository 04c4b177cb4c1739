"""The online doors hold a token to a leaf under a head the log key signed, never to a row
(issue 24): forged rows, rewritten rows, rewritten hashes and forged heads, through
``POST /api/v1/verify``; and the database refuses UPDATE and DELETE on every log table."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, delete, insert, select, text, update
from sqlalchemy.exc import DatabaseError

from certsvc.credential.qr_text import qr_text
from certsvc.domain.licence import Licence
from certsvc.domain.time import utcnow
from certsvc.signer.signer import Signer
from certsvc.store import log, writer
from certsvc.store.append_only import LOG, create_triggers, drop_triggers
from certsvc.store.log_check import LogCheck, LogState
from certsvc.store.models import LogCheckpointRow, LogEntryRow, LogHashRow, LogHeadRow
from certsvc.transparency.entries import encode_entry
from certsvc.transparency.merkle import leaf_hash
from certsvc.transparency.note import Checkpoint, NoteVerifier, sign_note
from certsvc.transparency.stored import append_hashes
from certsvc.workflow.issuance import IssuedLicence, Issuer
from tests.conftest import PUBLIC_URL, REFERENCE


def forge(issuer: Issuer, serial: int = 4242) -> bytes:
    """A licence signed with the genuine bureau key and stored as the register stores it,
    by someone with the database and the key but not the procedure: no event, no leaf."""
    licence = Licence.from_dict(json.loads(REFERENCE.read_text("utf-8")))
    licence = licence.with_number(dataclasses.replace(licence.number, serial=serial))  # type: ignore[type-var]
    with issuer.engine.begin() as conn:
        _, row_id, row = issuer._store_pending(conn, licence, utcnow())
        token = issuer.signer.sign_licence(row["kid"], row["payload"])
        writer.store_tokens(conn, [(row_id, token)])
    return token


def leaf_about(token: bytes) -> bytes:
    digest = hashlib.sha256(token).hexdigest()
    return encode_entry("licence.issued", utcnow(), "91330106MA2H7K3LXA", "licence:x",
                        {"number": "x", "bureau": "33", "token_sha256": digest})


def verdict(site: FlaskClient, token: bytes) -> dict[str, Any]:
    answer = site.post("/api/v1/verify", json={"qr_text": qr_text(PUBLIC_URL, token)})
    assert answer.status_code == 200, answer.json
    assert answer.json is not None
    return answer.json


def state(engine: Engine, signer: Signer, token: bytes) -> LogState:
    policy = signer.keystore.log_policy()
    assert policy is not None
    return LogCheck(engine).state(hashlib.sha256(token).digest(),
                                  NoteVerifier.parse(policy.log_key))


def test_a_genuine_licence_is_confirmed(site: FlaskClient, issued: IssuedLicence,
                                        engine: Engine, signer: Signer) -> None:
    assert state(engine, signer, issued.token) is LogState.CONFIRMED
    assert verdict(site, issued.token)["verdict"] == "valid"


def test_one_forged_row_beyond_the_signed_head_is_never_valid(
        site: FlaskClient, issued: IssuedLicence, issuer: Issuer, engine: Engine,
        signer: Signer) -> None:
    """The review's attack: one row, index 10^12, the forged token's digest, no hashes."""
    token = forge(issuer)
    with engine.begin() as conn:
        conn.execute(insert(LogEntryRow).values(
            idx=10**12, at=utcnow(), token_sha256=hashlib.sha256(token).digest(),
            data=leaf_about(token)))
    assert state(engine, signer, token) is LogState.PENDING
    found = verdict(site, token)
    assert found["verdict"] == "not_in_register"
    assert "not yet under a signed checkpoint" in found["detail"]
    page = site.get(f"/V/{qr_text(PUBLIC_URL, token).rsplit('/', 1)[1]}")
    assert "未登记" in page.get_data(as_text=True)


def test_a_row_whose_digest_column_was_rewritten_does_not_count(
        site: FlaskClient, issued: IssuedLicence, issuer: Issuer, engine: Engine,
        signer: Signer) -> None:
    """An existing leaf's indexed digest pointed at the forged token: the leaf's own bytes
    still name the genuine one."""
    token = forge(issuer)
    with engine.begin() as conn:
        drop_triggers(conn, LOG)  # an owner of the database can
        conn.execute(update(LogEntryRow).values(token_sha256=hashlib.sha256(token).digest()))
        create_triggers(conn, LOG)
    assert state(engine, signer, token) is LogState.ABSENT
    assert verdict(site, token)["verdict"] == "not_in_register"


def test_a_rewritten_leaf_or_rebuilt_tree_does_not_prove_under_the_signed_head(
        site: FlaskClient, issued: IssuedLicence, issuer: Issuer, engine: Engine,
        signer: Signer) -> None:
    token = forge(issuer)
    forged_leaf = leaf_about(token)
    with engine.begin() as conn:
        drop_triggers(conn, LOG)
        first = conn.execute(select(LogEntryRow.idx).order_by(LogEntryRow.idx)).scalar()
        conn.execute(update(LogEntryRow).where(LogEntryRow.idx == first).values(
            token_sha256=hashlib.sha256(token).digest(), data=forged_leaf))
        create_triggers(conn, LOG)
    assert state(engine, signer, token) is LogState.ABSENT  # the stored hash is the old
    with engine.begin() as conn:  # and with every hash rebuilt: not the signed root
        drop_triggers(conn, LOG)
        entries = [bytes(d) for d in conn.execute(
            select(LogEntryRow.data).order_by(LogEntryRow.idx)).scalars()]
        conn.execute(delete(LogHashRow))
        hashes = append_hashes(0, [leaf_hash(e) for e in entries], lambda _: [])
        conn.execute(insert(LogHashRow), [{"idx": i, "hash": h} for i, h in enumerate(hashes)])
        create_triggers(conn, LOG)
    assert state(engine, signer, token) is LogState.ABSENT
    assert verdict(site, token)["verdict"] == "not_in_register"


def test_a_head_signed_by_another_key_counts_for_nothing(
        site: FlaskClient, issued: IssuedLicence, issuer: Issuer, engine: Engine,
        signer: Signer) -> None:
    """A forged leaf appended with its hashes, under a head signed by a key of the
    forger's own: pending, as if there were no head; the genuine licence stays valid."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    token = forge(issuer)
    policy = signer.keystore.log_policy()
    assert policy is not None
    with engine.begin() as conn:
        size = log.append(conn, [("licence.issued", "91330106MA2H7K3LXA", "licence:x", {
            "number": "x", "bureau": "33",
            "token_sha256": hashlib.sha256(token).hexdigest()})], utcnow())
        from certsvc.transparency.stored import tree_hash

        root = tree_hash(size, log.hash_reader(conn))
        other = Ed25519PrivateKey.generate()
        raw = other.public_key().public_bytes_raw()
        note = sign_note(Checkpoint(policy.origin, size, root).text(), policy.origin, raw,
                         other.sign)
        conn.execute(insert(LogHeadRow).values(size=size, note=note, signed_at=utcnow()))
    assert state(engine, signer, token) is LogState.PENDING
    assert verdict(site, token)["verdict"] == "not_in_register"
    assert verdict(site, issued.token)["verdict"] == "valid"


ROWS = {
    "log_entries": {"idx": 10**9, "at": utcnow(), "token_sha256": None, "data": b"x"},
    "log_hashes": {"idx": 10**9, "hash": bytes(32)},
    "log_heads": {"size": 10**9, "note": "n", "signed_at": utcnow()},
    "log_checkpoints": {"size": 10**9, "note": "n", "published_at": utcnow()},
}
TABLES = {"log_entries": LogEntryRow, "log_hashes": LogHashRow, "log_heads": LogHeadRow,
          "log_checkpoints": LogCheckpointRow}


@pytest.mark.parametrize("table", LOG)
def test_every_log_table_refuses_update_and_delete(engine: Engine, table: str) -> None:
    model = TABLES[table]
    with engine.begin() as conn:
        conn.execute(insert(model).values(**ROWS[table]))
    key = next(iter(ROWS[table]))
    changes = {key: 10**9 + 1}  # a leaf's index, a head's size: never
    for statement in (update(model).values(**changes),
                      delete(model),
                      text(f"DELETE FROM {table}")):
        with pytest.raises(DatabaseError, match="append-only"), engine.begin() as conn:
            conn.execute(statement)
    with engine.connect() as conn:
        assert conn.execute(select(model)).first() is not None


def test_a_published_checkpoint_may_gather_cosignatures(engine: Engine) -> None:
    """The one change allowed: the note of a published size (its cosignatures grow)."""
    with engine.begin() as conn:
        log.save_checkpoint(conn, 5, "first", utcnow())
        log.save_checkpoint(conn, 5, "first, cosigned", utcnow())
        assert log.checkpoint_note(conn, 5) == "first, cosigned"
