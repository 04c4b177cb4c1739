"""The transparency log end to end, over real HTTP: a witness that cosigns, the public site
that serves the log, ``certsvc verify --check-log`` and ``certsvc monitor`` — and the two
attacks the log is for: a licence signed with a genuine bureau key and written straight
into the database, and a rewritten history (issue 16)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, delete, insert, select, update
from werkzeug.serving import make_server

from certsvc.cli import Context
from certsvc.cli_log import witness_app
from certsvc.domain.licence import Licence
from certsvc.domain.time import utcnow
from certsvc.store.append_only import LOG, create_triggers, drop_triggers
from certsvc.store.models import LogEntryRow, LogHashRow
from certsvc.transparency.merkle import leaf_hash
from certsvc.transparency.stored import append_hashes
from certsvc.workflow.issuance import Issuer
from tests.conftest import REFERENCE, init_keys, run
from tests.test_log_check import forge, leaf_about

WITNESS = "witness.example/w1"


@dataclasses.dataclass
class Servers:
    public: str
    witness: str


def serve(app: Any) -> tuple[str, Any]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server


@pytest.fixture
def servers(env: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
            ) -> Iterator[Servers]:
    from public_site import create_app

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert init_keys(env).exit_code == 0
    made = run(env, "witness", "init", WITNESS)
    assert made.exit_code == 0, made.output
    vkey = made.output.strip()
    ctx = Context()
    log_key = ctx.keystore.log_policy().log_key  # type: ignore[union-attr]
    witness_url, witness = serve(witness_app(ctx, WITNESS, (log_key,),
                                             tmp_path / "witness-state.json"))
    added = run(env, "log", "witnesses", "--add", f"{vkey} {witness_url}", "--quorum", "1")
    assert added.exit_code == 0, added.output
    site = create_app({"DATABASE_URL": env["CERTSVC_DATABASE_URL"],
                       "PUBLISH_DIR": env["CERTSVC_PUBLISH_DIR"],
                       "ROOT_CERTIFICATE": str(ctx.keystore.root_cert_path),
                       "PUBLIC_URL": env["CERTSVC_PUBLIC_URL"],
                       "PUBLIC_API_RATE_LIMIT": "100000 per minute"})
    public_url, public = serve(site)
    yield Servers(public_url, witness_url)
    public.shutdown()
    witness.shutdown()


def issue(env: dict[str, str], serial: int | None = None) -> dict[str, Any]:
    data = json.loads(REFERENCE.read_text("utf-8"))
    path = Path(env["CERTSVC_PUBLISH_DIR"]).parent / f"licence-{serial}.json"
    if serial is not None:
        data["number"] = data["number"][:-5] + f"{serial:05d}"
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    result = run(env, "licence", "issue", "--file", str(path), "--json")
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.output[result.output.index("{"):]))


def verify_in_log(env: dict[str, str], servers: Servers, qr: str, tmp_path: Path) -> Any:
    return run(env, "verify", "--qr-text", qr, "--check-log", "--log-url", servers.public,
               "--status-list", str(Path(env["CERTSVC_PUBLISH_DIR"]) / "status-list.cose"),
               "--state", str(tmp_path / "verifier.json"), "--json")


def monitor(env: dict[str, str], servers: Servers, state: Path, *scope: str) -> Any:
    return run(env, "monitor", *scope, "--url", servers.public, "--state", str(state))


def test_verify_and_monitor_through_the_log(env: dict[str, str], servers: Servers,
                                            tmp_path: Path, engine: Engine) -> None:
    licence = issue(env)
    published = run(env, "publish")
    assert published.exit_code == 0, published.output
    assert f"cosigned by {WITNESS}" in published.output

    checked = verify_in_log(env, servers, licence["qr_text"], tmp_path)
    assert checked.exit_code == 0, checked.output
    body = json.loads(checked.output)
    assert body["verdict"] == "valid" and body["log"]["in_log"] is True

    state = tmp_path / "monitor.json"
    uscc = licence["enterprise"]["uscc"]
    watched = monitor(env, servers, state, "--uscc", uscc)
    assert watched.exit_code == 0, watched.output
    assert f"licence.issued {licence['number']}" in watched.output
    # the key events are in the log too, but not about this enterprise
    assert "key.created" not in watched.output
    everything = monitor(env, servers, tmp_path / "all.json", "--all")
    assert everything.exit_code == 0, everything.output
    assert "key.created" in everything.output

    # a change is a new leaf; the monitor reads only what is new
    second = issue(env, 77)
    run(env, "publish")
    again = monitor(env, servers, state, "--uscc", uscc)
    assert again.exit_code == 0, again.output
    assert second["number"] in again.output and licence["number"] not in again.output


def test_a_licence_written_straight_into_the_database_is_caught(
        env: dict[str, str], servers: Servers, tmp_path: Path, engine: Engine) -> None:
    licence = issue(env)
    run(env, "publish")
    state = tmp_path / "province.json"
    assert monitor(env, servers, state, "--province", "浙").exit_code == 0

    # someone with the database and the bureau's key, but not the procedure: the licence is
    # signed with the genuine key and stored as the register stores it, with no event
    token = forge(Issuer(engine, Context().signer, env["CERTSVC_PUBLIC_URL"]), 4242)
    from certsvc.credential.qr_text import qr_text

    forged_qr = qr_text(env["CERTSVC_PUBLIC_URL"], token)
    run(env, "publish")

    caught = monitor(env, servers, state, "--province", "浙")
    assert caught.exit_code == 1, caught.output
    assert "浙XK06-001-04242" in caught.output
    assert "not in the transparency log" in caught.output
    by_enterprise = monitor(env, servers, tmp_path / "e.json", "--uscc",
                            licence["enterprise"]["uscc"])
    assert by_enterprise.exit_code == 1 and "04242" in by_enterprise.output

    # the online door: genuine key, in the register, but never logged → 未登记
    import urllib.request

    request = urllib.request.Request(
        f"{servers.public}/api/v1/verify", json.dumps({"qr_text": forged_qr}).encode(),
        {"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        verdict = json.loads(response.read())
    assert verdict["verdict"] == "not_in_register"
    assert "transparency log" in verdict["detail"]
    with urllib.request.urlopen(f"{servers.public}/V/{forged_qr.rsplit('/', 1)[1]}") as page:
        assert "未登记" in page.read().decode()
    not_logged = verify_in_log(env, servers, forged_qr, tmp_path)
    assert not_logged.exit_code == 1
    assert json.loads(not_logged.output)["log"]["in_log"] is False
    # the genuine licence still verifies online
    with urllib.request.urlopen(urllib.request.Request(
            f"{servers.public}/api/v1/verify", json.dumps({"qr_text": licence["qr_text"]})
            .encode(), {"Content-Type": "application/json"})) as response:
        assert json.loads(response.read())["verdict"] == "valid"


def test_one_forged_row_far_beyond_the_log_is_caught(
        env: dict[str, str], servers: Servers, tmp_path: Path, engine: Engine) -> None:
    """The review's attack (issue 24): a licence signed with the genuine key written into the
    register, and one ``log_entries`` row about it at index 10^12 (no hashes, the counter
    unchanged). The doors say 未登记; the monitor holds it as pending once, and when the
    next checkpoint still lacks it, reports it (exit 1)."""
    import hashlib
    import urllib.request

    from certsvc.credential.qr_text import qr_text

    issue(env)
    run(env, "publish")
    state = tmp_path / "province.json"
    assert monitor(env, servers, state, "--province", "浙").exit_code == 0
    token = forge(Issuer(engine, Context().signer, env["CERTSVC_PUBLIC_URL"]), 4343)
    with engine.begin() as conn:
        conn.execute(insert(LogEntryRow).values(
            idx=10**12, at=utcnow(), token_sha256=hashlib.sha256(token).digest(),
            data=leaf_about(token)))
    forged_qr = qr_text(env["CERTSVC_PUBLIC_URL"], token)
    request = urllib.request.Request(
        f"{servers.public}/api/v1/verify", json.dumps({"qr_text": forged_qr}).encode(),
        {"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        assert json.loads(response.read())["verdict"] == "not_in_register"
    with urllib.request.urlopen(f"{servers.public}/V/{forged_qr.rsplit('/', 1)[1]}") as page:
        assert "未登记" in page.read().decode()
    first = monitor(env, servers, state, "--province", "浙")
    assert first.exit_code == 0 and "pending: 浙XK06-001-04343" in first.output
    issue(env, 7)  # the log moves on, and is published again
    run(env, "publish")
    second = monitor(env, servers, state, "--province", "浙")
    assert second.exit_code == 1, second.output
    assert "浙XK06-001-04343" in second.output and "not recorded" in second.output
    # a fresh monitor with no memory still holds it as pending only: memory matters
    fresh = monitor(env, servers, tmp_path / "fresh.json", "--province", "浙")
    assert "pending: 浙XK06-001-04343" in fresh.output


def rewrite_history(engine: Engine) -> None:
    """What an operator with the database and the log key could do: change a licence's
    issuance leaf and rebuild every stored hash, so the new tree is well formed (dropping
    the triggers that refuse it first: the owner of the database can)."""
    with engine.begin() as conn:
        drop_triggers(conn, LOG)
        entries = [bytes(r.data) for r in conn.execute(
            select(LogEntryRow.data).order_by(LogEntryRow.idx))]
        n = next(i for i, e in enumerate(entries) if b'"kind":"licence.issued"' in e)
        changed = entries[n].replace(b'"status":"valid"', b'"status":"revoked"')
        assert changed != entries[n]
        entries[n] = changed
        conn.execute(update(LogEntryRow).where(LogEntryRow.idx == n).values(data=changed))
        conn.execute(delete(LogHashRow))
        hashes = append_hashes(0, [leaf_hash(e) for e in entries], lambda idx: [])
        conn.execute(insert(LogHashRow), [{"idx": i, "hash": h} for i, h in enumerate(hashes)])
        create_triggers(conn, LOG)


def test_a_rewritten_log_is_caught(env: dict[str, str], servers: Servers, tmp_path: Path,
                                   engine: Engine) -> None:
    licence = issue(env)
    run(env, "publish")
    state = tmp_path / "monitor.json"
    assert monitor(env, servers, state, "--all").exit_code == 0
    assert verify_in_log(env, servers, licence["qr_text"], tmp_path).exit_code == 0

    rewrite_history(engine)
    issue(env, 5)  # and the log goes on growing
    published = run(env, "publish")
    assert "cosigned by no witness" in published.output  # the witness refused: 422

    refused = monitor(env, servers, state, "--all")
    assert refused.exit_code == 1
    assert "requires 1" in refused.output  # no quorum: not accepted at all

    # without witnesses, the monitor's own memory still catches it (a quorum below a
    # majority is refused unless forced, and said loudly)
    refused_quorum = run(env, "log", "witnesses", "--quorum", "0")
    assert refused_quorum.exit_code == 2 and "below a majority" in refused_quorum.output
    forced = run(env, "log", "witnesses", "--quorum", "0", "--force")
    assert forced.exit_code == 0 and "WARNING" in forced.output
    run(env, "publish")
    caught = monitor(env, servers, state, "--all")
    assert caught.exit_code == 1, caught.output
    assert "rewritten" in caught.output
    verifier = verify_in_log(env, servers, licence["qr_text"], tmp_path)
    assert verifier.exit_code == 1
    assert "rewritten" in json.loads(verifier.output)["log"]["message"]
    # a monitor that starts afresh, with no memory, finds the rebuilt tree consistent
    # with itself: this is why witnesses and long-lived monitors matter
    assert monitor(env, servers, tmp_path / "new.json", "--all").exit_code == 0


def test_a_rolled_back_or_frozen_log_is_refused(env: dict[str, str], servers: Servers,
                                               tmp_path: Path) -> None:
    """Issue 24: the rollback and freeze attacks end to end, with a real witness on
    127.0.0.1. The site serves an older cosigned checkpoint to a verifier that saw a newer
    one (rolled back); a fresh verifier, with no memory, is shown a cosigned checkpoint more
    than 36 hours after its quorum cosigned it (a frozen view)."""
    from freezegun import freeze_time

    licence = issue(env)
    run(env, "publish")
    checkpoint = Path(env["CERTSVC_PUBLISH_DIR"]) / "log" / "checkpoint"
    older = checkpoint.read_bytes()
    assert verify_in_log(env, servers, licence["qr_text"], tmp_path).exit_code == 0
    issue(env, 5)
    assert "cosigned by" in run(env, "publish").output
    newer = checkpoint.read_bytes()
    assert verify_in_log(env, servers, licence["qr_text"], tmp_path).exit_code == 0

    checkpoint.write_bytes(older)  # the site (or a CDN in front of it) serves an old head
    rolled = verify_in_log(env, servers, licence["qr_text"], tmp_path)
    assert rolled.exit_code == 1, rolled.output
    assert "rolled back" in json.loads(rolled.output)["log"]["message"]

    checkpoint.write_bytes(newer)
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    with freeze_time(utcnow() + dt.timedelta(hours=37)):
        frozen = verify_in_log(env, servers, licence["qr_text"], fresh)
    message = json.loads(frozen.output)["log"]["message"]
    assert frozen.exit_code != 0 and "more than 36 hours ago" in message, message
    second = tmp_path / "second"
    second.mkdir()
    with freeze_time(utcnow() + dt.timedelta(hours=35)):  # inside the bound: accepted
        inside = verify_in_log(env, servers, licence["qr_text"], second)
    assert json.loads(inside.output)["log"]["in_log"] is True, inside.output


def test_a_log_origin_with_a_space_is_refused_before_any_key_is_made(
        env: dict[str, str], tmp_path: Path) -> None:
    refused = run(env, "keys", "init", "--log-origin", "my log")
    assert refused.exit_code == 2 and "log origin" in refused.output
    assert not (tmp_path / "keys" / "root").exists()
    made = run(env, "keys", "init", "--log-origin", "cnca.example/licence-log")
    assert made.exit_code == 0 and "origin cnca.example/licence-log" in made.output


def test_keys_made_before_the_log_get_its_key_from_keys_init(
        env: dict[str, str], tmp_path: Path) -> None:
    import shutil

    assert init_keys(env).exit_code == 0
    keys = tmp_path / "keys"
    states = json.loads((keys / "key-states.json").read_text("utf-8"))
    del states["log"]  # as a keystore made before issue 16
    (keys / "key-states.json").write_text(json.dumps(states), "utf-8")
    shutil.rmtree(keys / "log")
    refused = run(env, "publish")
    assert refused.exit_code == 2 and "run `certsvc keys init`" in refused.output
    added = run(env, "keys", "init")
    assert "created the transparency log key" in added.output
    assert "bureau signing keys: 0 created" in added.output
    assert run(env, "publish").exit_code == 0


def test_a_log_serving_other_entries_than_it_signed_is_caught(
        env: dict[str, str], servers: Servers, tmp_path: Path) -> None:
    issue(env)
    run(env, "publish")
    bundles = sorted((Path(env["CERTSVC_PUBLISH_DIR"]) / "log" / "tile" / "entries").rglob("*"))
    bundle = next(p for p in bundles if p.is_file())
    bundle.write_bytes(bundle.read_bytes().replace(b'"status":"valid"', b'"status":"VALID"'))
    # the hash tile still holds the signed entries' hashes: the two stories disagree
    torn = monitor(env, servers, tmp_path / "m.json", "--all")
    assert torn.exit_code == 1 and "hash tile 0/0 does not hold" in torn.output
    # and with the tile rewritten to match: the entries do not make the signed root
    from certsvc.transparency.entries import unbundle

    tile = Path(str(bundle).replace("/entries/", "/0/"))
    tile.write_bytes(b"".join(leaf_hash(e) for e in unbundle(bundle.read_bytes())))
    caught = monitor(env, servers, tmp_path / "m.json", "--all")
    assert caught.exit_code == 1
    assert "entries other than the ones it signed" in caught.output
    assert not (tmp_path / "m.json").exists()  # nothing read from it is remembered
    (tmp_path / "bad.json").write_text("{not json", "utf-8")
    unreadable = monitor(env, servers, tmp_path / "bad.json", "--all")
    assert unreadable.exit_code == 2 and "not a monitor's state file" in unreadable.output


def test_a_tampered_hash_tile_is_caught(env: dict[str, str], servers: Servers,
                                        tmp_path: Path) -> None:
    """Issue 24: nothing read hash tiles, so a tampered level-0 tile stayed published for
    ever. The monitor reads the tiles beside the entries (a full tile at level 0 and its
    parent at level 1); verify --check-log builds its proofs from the tiles, so a tile on
    the proof's path fails them; and the publisher re-reads published tiles against the
    database and rewrites one that was altered."""
    from certsvc.transparency.tiles import tile_path

    licence = issue(env)  # an early leaf: its proof crosses leaf 0's hash in tile 0/0
    ctx = Context()
    issuer = Issuer(ctx.engine, ctx.signer, env["CERTSVC_PUBLIC_URL"])
    base = Licence.from_dict(json.loads(REFERENCE.read_text("utf-8")))
    issuer.import_licences([  # past one full tile of 256 leaves
        base.with_number(dataclasses.replace(base.number, serial=n))  # type: ignore[type-var]
        for n in range(1000, 1300)], utcnow())
    run(env, "publish")
    log_dir = Path(env["CERTSVC_PUBLISH_DIR"]) / "log"
    assert monitor(env, servers, tmp_path / "good.json", "--all").exit_code == 0
    level_one = log_dir / tile_path(1, 0, 1)
    original = level_one.read_bytes()
    level_one.write_bytes(bytes(32))
    caught = monitor(env, servers, tmp_path / "one.json", "--all")
    assert caught.exit_code == 1 and "hash tile 1/0" in caught.output
    level_one.write_bytes(original)
    level_zero = log_dir / tile_path(0, 0)
    hashes = bytearray(level_zero.read_bytes())
    good_tile = bytes(hashes)
    hashes[:32] = bytes(32)
    level_zero.write_bytes(bytes(hashes))
    caught = monitor(env, servers, tmp_path / "zero.json", "--all")
    assert caught.exit_code == 1 and "hash tile 0/0" in caught.output
    refused = verify_in_log(env, servers, licence["qr_text"], tmp_path)
    assert refused.exit_code == 1, refused.output
    assert "published tiles do not prove it" in json.loads(refused.output)["log"]["message"]

    repaired = run(env, "publish")
    assert repaired.exit_code == 0, repaired.output
    assert f"the published {tile_path(0, 0)} did not hold what the log holds" in \
        repaired.output
    assert level_zero.read_bytes() == good_tile
    assert monitor(env, servers, tmp_path / "after.json", "--all").exit_code == 0
    assert verify_in_log(env, servers, licence["qr_text"], tmp_path).exit_code == 0


def test_verify_check_log_reads_tiles_not_the_proof_api(
        env: dict[str, str], servers: Servers, tmp_path: Path) -> None:
    """Issue 24: verify --check-log took its proofs from the rate-limited JSON API. It asks
    the API only which leaf is the token's; the entry, the inclusion proof and the
    consistency proof from the checkpoint it saw last come from the static files."""
    from certsvc.credential.qr_text import token_from_text
    from certsvc.transparency.client import LogClient, http_fetch

    first = issue(env)
    run(env, "publish")
    asked: list[str] = []
    plain = http_fetch(servers.public)

    def fetch(path: str) -> bytes:
        asked.append(path)
        return plain(path)

    policy = Context().keystore.log_policy()
    assert policy is not None
    client = LogClient(policy, tmp_path / "seen.json", fetch)
    client.prove_token(token_from_text(first["qr_text"]), client.checkpoint())
    for serial in range(2, 6):
        issue(env, serial)
    run(env, "publish")
    later = issue(env, 9)
    run(env, "publish")
    asked.clear()
    checkpoint = client.checkpoint()  # consistent with the one seen: proved from tiles
    index, event = client.prove_token(token_from_text(later["qr_text"]), checkpoint)
    assert event.number == later["number"] and index < checkpoint.size
    api = [path for path in asked if path.startswith("/api/")]
    assert len(api) == 1 and api[0].startswith("/api/v1/log/proof/inclusion?"), asked
    assert any("/tile/entries/" in path for path in asked)
    assert any(path.startswith("/log/tile/0/") for path in asked)


def test_the_servers_log_publisher_runs_in_its_own_thread(
        env: dict[str, str], monkeypatch: pytest.MonkeyPatch, engine: Engine) -> None:
    """`make run` starts it in a thread, where click has no context: it must still publish
    (it died there on its first step, found by running `make run` as a newcomer)."""
    from certsvc import cli_workflow

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert init_keys(env).exit_code == 0
    issue(env)
    rounds = iter(range(2))

    def one_round(seconds: float) -> None:
        if next(rounds, None) is None:
            raise SystemExit  # ends the loop after one publication
    monkeypatch.setattr(cli_workflow.time, "sleep", one_round)
    failures: list[BaseException] = []
    thread = threading.Thread(target=lambda: _run_catching(failures))
    thread.start()
    thread.join(30)
    assert not failures, failures
    checkpoint = Path(env["CERTSVC_PUBLISH_DIR"]) / "log" / "checkpoint"
    assert checkpoint.read_text("utf-8").split("\n")[1] != "0"


def _run_catching(failures: list[BaseException]) -> None:
    from certsvc import cli_workflow

    try:
        cli_workflow.publish_log_as_it_grows(0)
    except SystemExit:
        pass
    except BaseException as exc:
        failures.append(exc)


def test_the_monitor_pins_its_root_and_refuses_a_rolled_back_trust_list(
        env: dict[str, str], servers: Servers, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Run outside a deployment with no --root: a clear refusal (it was a traceback). A
    site that serves an older trust list than one the monitor has seen: refused."""
    import shutil

    issue(env)
    run(env, "publish")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CERTSVC_KEYS_DIR", str(tmp_path / "no-keys-here"))
    state = tmp_path / "m.json"
    no_root = run({**env, "CERTSVC_KEYS_DIR": str(tmp_path / "no-keys-here")}, "monitor",
                  "--all", "--url", servers.public, "--state", str(state))
    assert no_root.exit_code == 2 and "no pinned root certificate" in no_root.output
    root = Path(env["CERTSVC_KEYS_DIR"]) / "root" / "root.crt"
    published = Path(env["CERTSVC_PUBLISH_DIR"]) / "trust-list.cose"
    older = tmp_path / "older.cose"
    shutil.copy(published, older)
    rotated = run(env, "keys", "rotate", "浙")  # a newer list: a higher sequence
    assert rotated.exit_code == 0, rotated.output
    run(env, "publish")
    assert published.read_bytes() != older.read_bytes()
    pinned = monitor(env, servers, state, "--all", "--root", str(root))
    assert pinned.exit_code == 0, pinned.output
    shutil.copy(older, published)  # the site serves the older list again
    rolled = monitor(env, servers, state, "--all", "--root", str(root))
    assert rolled.exit_code == 2 and "rolled-back" in rolled.output


def test_the_logs_policy_changes_are_leaves_every_monitor_sees(
        env: dict[str, str], servers: Servers, tmp_path: Path, engine: Engine) -> None:
    """Issue 24: who vouches for the log (its witnesses, its quorum) changed silently. Each
    change is a leaf; a monitor of any scope reports it, and a forced one says so."""
    from certsvc.transparency.entries import decode_entry

    run(env, "publish")
    state = tmp_path / "jiangsu.json"
    first = monitor(env, servers, state, "--province", "苏")
    assert first.exit_code == 0 and "log.policy" in first.output  # the fixture's quorum 1
    assert run(env, "log", "witnesses", "--quorum", "0", "--force").exit_code == 0
    run(env, "publish")
    with engine.connect() as conn:
        policies = [decode_entry(bytes(d)) for d in conn.execute(
            select(LogEntryRow.data).order_by(LogEntryRow.idx)).scalars()
            if b'"kind":"log.policy"' in bytes(d)]
    assert [(p.data["quorum"], p.data["below_majority"]) for p in policies] == [
        (1, False), (0, True)]
    assert all(p.bureau == "00" for p in policies)
    again = monitor(env, servers, state, "--province", "苏")
    assert "log.policy" in again.output
