"""The transparency log in the database: appended with the events, published as a signed
checkpoint with tiles and bundles that rebuild it (issue 16)."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from certsvc.domain.licence import Licence
from certsvc.publish.log import publish_log
from certsvc.signer.signer import Signer
from certsvc.store import log
from certsvc.store.models import FeedEvent, LogEntryRow
from certsvc.transparency.entries import decode_entry, unbundle
from certsvc.transparency.merkle import leaf_hash, root, verify_consistency
from certsvc.transparency.note import Checkpoint, NoteVerifier, open_note
from certsvc.transparency.stored import prove_inclusion, tree_hash
from certsvc.transparency.tiles import HASH_SIZE, entries_path, tile_path, tiles_of
from certsvc.workflow.issuance import Issuer
from tests.conftest import ISSUE_TIME, REFERENCE

NOW = dt.datetime(2026, 3, 15, 3, 0, tzinfo=dt.UTC)


def reference(serial: int | None = None) -> Licence:
    data = json.loads(REFERENCE.read_text("utf-8"))
    licence = Licence.from_dict(data)
    if serial is not None and licence.number is not None:
        licence = licence.with_number(dataclasses.replace(licence.number, serial=serial))
    return licence


def leaves(engine: Engine) -> list[bytes]:
    with engine.connect() as conn:
        return log.entries(conn, 0, log.size(conn))


def test_an_issuance_is_a_leaf_naming_its_token(issuer: Issuer, engine: Engine) -> None:
    issued = issuer.issue(reference(), ISSUE_TIME)
    (entry,) = leaves(engine)
    event = decode_entry(entry)
    assert event.kind == "licence.issued"
    assert event.number == issued.number.canonical
    assert event.token_sha256 == hashlib.sha256(issued.token).digest()
    with engine.connect() as conn:
        assert log.index_of_token(conn, hashlib.sha256(issued.token).digest()) == 0
        assert tree_hash(1, log.hash_reader(conn)) == leaf_hash(entry)


def test_the_stored_tree_is_the_rfc_tree_of_the_entries(issuer: Issuer, engine: Engine) -> None:
    licences = [reference(serial) for serial in range(1, 40)]
    issuer.import_licences(licences[:30], ISSUE_TIME)
    for licence in licences[30:]:
        issuer.issue(licence, ISSUE_TIME)
    entries = leaves(engine)
    assert len(entries) == 39
    hashes = [leaf_hash(e) for e in entries]
    with engine.connect() as conn:
        read = log.hash_reader(conn)
        for size in (1, 2, 3, 30, 31, 39):
            assert tree_hash(size, read) == root(hashes[:size])
        assert prove_inclusion(39, 33, read)  # proofs come from the stored hashes


def test_only_licence_declaration_and_key_events_are_logged(
        issuer: Issuer, engine: Engine) -> None:
    from certsvc.store import feed

    issuer.issue(reference(), ISSUE_TIME)
    with engine.begin() as conn:
        feed.record(conn, "accident.reported", "91330000000000000X", "accident:1", {}, NOW)
    with engine.connect() as conn:
        kinds = [r.kind for r in conn.execute(select(FeedEvent.kind))]
        logged = [decode_entry(r.data).kind for r in conn.execute(select(LogEntryRow.data))]
    assert kinds == ["licence.issued", "accident.reported"]
    assert logged == ["licence.issued"]


def test_a_rolled_back_event_leaves_no_leaf(issuer: Issuer, engine: Engine) -> None:
    from certsvc.store import feed

    issuer.issue(reference(), ISSUE_TIME)
    with pytest.raises(RuntimeError), engine.begin() as conn:
        feed.record(conn, "licence.status", "91330000000000000X", "licence:x", {}, NOW)
        raise RuntimeError("the workflow failed after recording")
    with engine.connect() as conn:
        assert log.size(conn) == 1
        assert len(log.entries(conn, 0, 10)) == 1


def test_publish_writes_a_signed_checkpoint_and_tiles_that_rebuild_it(
        issuer: Issuer, engine: Engine, signer: Signer, tmp_path: Path) -> None:
    issuer.import_licences([reference(s) for s in range(1, 300)], ISSUE_TIME)
    first = publish_log(engine, signer, tmp_path, NOW)
    issuer.import_licences([reference(s) for s in range(300, 600)], ISSUE_TIME)
    second = publish_log(engine, signer, tmp_path, NOW)
    assert (first.checkpoint.size, second.checkpoint.size) == (299, 599)

    policy = signer.keystore.log_policy()
    assert policy is not None
    verifier = NoteVerifier.parse(policy.log_key)
    note = (tmp_path / "log" / "checkpoint").read_text("utf-8")
    text, _ = open_note(note, {verifier.id: verifier})
    checkpoint = Checkpoint.parse(text)
    assert checkpoint == second.checkpoint

    entries = []
    for level, index, width in tiles_of(599):
        if level == 0:
            bundle = (tmp_path / "log" / entries_path(index, width)).read_bytes()
            entries += unbundle(bundle)
        data = (tmp_path / "log" / tile_path(level, index, width)).read_bytes()
        assert len(data) == width * HASH_SIZE
    hashes = [leaf_hash(e) for e in entries]
    assert root(hashes) == checkpoint.root_hash
    tile = (tmp_path / "log" / tile_path(0, 2, 87)).read_bytes()
    assert tile == b"".join(hashes[512:599])
    level_one = (tmp_path / "log" / tile_path(1, 0, 2)).read_bytes()
    assert level_one == root(hashes[:256]) + root(hashes[256:512])
    assert verify_consistency(299, 599, first.checkpoint.root_hash, checkpoint.root_hash,
                              _proof(engine, 599, 299))
    assert base64.b64decode(note.split("\n")[2]) == checkpoint.root_hash


def _proof(engine: Engine, size: int, old: int) -> list[bytes]:
    from certsvc.transparency.stored import prove_consistency

    with engine.connect() as conn:
        return prove_consistency(size, old, log.hash_reader(conn))


def test_the_proof_api_answers_hostile_and_unlucky_requests_without_a_500(
        engine: Engine, site: Any, tmp_path: Path) -> None:
    from flask.testing import FlaskClient

    client: FlaskClient = site
    assert client.get("/api/v1/log/proof/inclusion?index=0").status_code == 404  # none yet
    assert client.get("/api/v1/register/tokens?bureau=33&after=%00").status_code == 422
    assert client.get("/log/tile/../../keys").status_code == 404
    assert client.get("/log/checkpoint").is_json  # machines get problem JSON
    # a site serving a checkpoint its database does not (yet) have: 503, not a 500
    (tmp_path / "log").mkdir()
    (tmp_path / "log" / "checkpoint").write_text("certsvc.example/licence-log\n5\n"
                                                 f"{base64.b64encode(bytes(32)).decode()}\n")
    behind = client.get("/api/v1/log/proof/inclusion?index=2")
    assert behind.status_code == 503 and "behind" in behind.get_json()["detail"]
    assert client.get("/api/v1/log/proof/consistency?old=2").status_code == 503


def test_the_site_serves_the_published_log_as_a_cdn_would(
        issuer: Issuer, engine: Engine, signer: Signer, site: Any, tmp_path: Path) -> None:
    """One charset on the checkpoint; every tile immutable, partial ones included; entry
    bundles gzip-compressed where the client accepts it (the review: 7x smaller)."""
    import gzip

    issuer.import_licences([reference(s) for s in range(1, 40)], ISSUE_TIME)
    publish_log(engine, signer, tmp_path, NOW)  # the site's publish dir is tmp_path
    checkpoint = site.get("/log/checkpoint")
    assert checkpoint.headers.getlist("Content-Type") == ["text/plain; charset=utf-8"]
    assert "max-age=5" in checkpoint.headers["Cache-Control"]
    partial = site.get("/log/" + tile_path(0, 0, 39))
    assert partial.status_code == 200 and "immutable" in partial.headers["Cache-Control"]
    path = "/log/" + entries_path(0, 39)
    plain = site.get(path)
    packed = site.get(path, headers={"Accept-Encoding": "gzip, br"})
    assert packed.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed.vary
    assert gzip.decompress(packed.data) == plain.data and len(unbundle(plain.data)) == 39
    assert len(packed.data) * 3 < len(plain.data)
    assert site.get(path + ".gz").status_code == 404  # not a tile path


def test_every_leaf_names_its_bureau_and_enterprise_and_keeps_no_free_text(
        api: Any, issuer: Issuer, engine: Engine) -> None:
    """Issue 24: status leaves carried no bureau (a province's monitor missed its
    revocations), a change did not say what changed, the demo and the workflow used two
    words for one action, and a clerk's free text went into an immutable public log."""
    from certsvc.demo import create_demo_licences
    from certsvc.domain.lifecycle import LICENCE_ACTIONS
    from certsvc.store.models import LogEntryRow
    from certsvc.transparency.entries import decode_entry

    licence = issuer.issue(reference(12), ISSUE_TIME)
    path = f"/api/v1/licences/{licence.number}"
    secret = "联系人张三 13800000000"
    for action, body in (
            ("change", {"enterprise": {"residence": "杭州市西湖区文三路200号"}}),
            ("suspend", {"order": "rectify", "reason": secret,
                         "deadline": "2026-09-01"}),
            ("lift_suspension", {"reason": secret}),
            ("revoke", {"reason": secret, "legal_basis": "条例第四十七条"})):
        answer = api.post(f"{path}/{action}", "zhejiang", body)
        assert answer.status_code == 200, (action, answer.json)
    create_demo_licences(issuer, engine, ISSUE_TIME)
    with engine.connect() as conn:
        rows = [bytes(r) for r in conn.execute(select(LogEntryRow.data)).scalars()]
    assert rows and all(secret.encode() not in row for row in rows)
    kinds = set()
    for row in rows:
        event = decode_entry(row)
        kinds.add(event.kind)
        assert event.bureau is not None and len(event.bureau) == 2, event
        if event.kind.startswith(("licence.", "declaration.")):
            assert event.uscc, event
        assert not {"reason", "legal_basis"} & set(event.data), event
        if event.kind == "licence.status":
            assert event.data["action"] in LICENCE_ACTIONS, event
        if event.kind == "licence.changed":
            assert isinstance(event.data["changed"], list)
    assert {"licence.issued", "licence.changed", "licence.status"} <= kinds
    changed = [decode_entry(r) for r in rows if decode_entry(r).kind == "licence.changed"]
    assert changed[0].data["changed"] == ["residence"]
    suspended = next(decode_entry(r) for r in rows if b'"action":"suspend"' in r)
    assert suspended.data["reason_sha256"] == hashlib.sha256(secret.encode()).hexdigest()
    assert suspended.data["order"] == "rectify"
