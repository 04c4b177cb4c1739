"""Publish the transparency log: a signed checkpoint, cosigned by the witnesses, and the
tiles and entry bundles that changed, as static files (c2sp.org/tlog-tiles):

    <publish dir>/log/checkpoint                 the latest checkpoint, with cosignatures
    <publish dir>/log/tile/<L>/<N>[.p/<W>]       hashes, 256 to a full tile
    <publish dir>/log/tile/entries/<N>[.p/<W>]   the entries those leaf hashes are of

Tiles are written before the checkpoint that needs them, so a client that reads the
checkpoint finds every tile of it. A full tile is written once and served for ever, so each
publication also re-reads ``RECHECK_EACH`` of the published full tiles (and their bundles), in
turn, against the database: a file altered on the web server is rewritten and logged as an
error, and every tile is re-checked within (full tiles / RECHECK_EACH) publications.

Each witness is sent the checkpoint with a consistency proof from the size it last cosigned
(c2sp.org/tlog-witness); a 409 names that size and the request is made once more from there.
Cosignatures that do not verify are dropped, a witness that does not answer is skipped: the
checkpoint is published with the quorum it got, and a verifier that requires more says so.

    checkpoint = publish_log(engine, signer, Path("instance/published"), now)
"""

from __future__ import annotations

import datetime as dt
import fcntl
import gzip
import logging
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine

from certsvc.errors import KeyStoreError
from certsvc.publish.artefacts import write_atomically
from certsvc.signer.signer import Signer
from certsvc.store import log
from certsvc.transparency.cosignature import Cosigner, cosignatures
from certsvc.transparency.entries import bundle
from certsvc.transparency.note import Checkpoint, NoteError
from certsvc.transparency.stored import prove_consistency, stored_index, tree_hash
from certsvc.transparency.tiles import HEIGHT, WIDTH, entries_path, tile_path, tiles_of
from certsvc.transparency.witness import SIZE_TYPE, request_body

LOG_DIR = "log"
RECHECK_EACH = 32  # published full tiles re-read per publication
WITNESS_TIMEOUT = 10.0  # seconds
_log = logging.getLogger(__name__)

Post = Callable[[str, bytes], tuple[int, str, bytes]]  # url, body → status, type, body


def http_post(url: str, body: bytes) -> tuple[int, str, bytes]:
    request = urllib.request.Request(url, body, method="POST",
                                     headers={"Content-Type": "text/plain"})
    try:
        with urllib.request.urlopen(request, timeout=WITNESS_TIMEOUT) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type", ""), exc.read()


@dataclass(frozen=True)
class Published:
    checkpoint: Checkpoint
    note: str
    cosigned_by: tuple[str, ...]
    tiles_written: int
    tiles_repaired: tuple[str, ...] = ()  # published files found altered, rewritten


def publish_log(engine: Engine, signer: Signer, directory: Path, now: dt.datetime,
                post: Post = http_post) -> Published:
    """Sign and publish a checkpoint of the log as it is committed now."""
    policy = signer.keystore.log_policy()
    if policy is None:
        raise KeyStoreError("no transparency log key; run `certsvc keys init` (it keeps "
                            "the keys there are and adds the log's)")
    root_dir = directory / LOG_DIR
    root_dir.mkdir(parents=True, exist_ok=True)
    with open(root_dir / ".publish.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with engine.connect() as conn:
            size = log.size(conn)  # first: every hash of this size is committed before it
            read = log.hash_reader(conn)
            checkpoint = Checkpoint(policy.origin, size, tree_hash(size, read))
            written = _write_tiles(conn, root_dir, _published_size(root_dir), size)
            repaired = _recheck_tiles(conn, root_dir, size)
            note = signer.sign_checkpoint(checkpoint)
            lines, names = _cosign(conn, note, checkpoint, signer.keystore.witness_urls(), post)
        with engine.begin() as conn:
            log.save_head(conn, size, note, now)
            log.save_checkpoint(conn, size, note + "".join(lines), now)
        note += "".join(lines)
        write_atomically(root_dir / "checkpoint", note.encode())
    return Published(checkpoint, note, names, written, repaired)


def sign_head(conn: Connection, signer: Signer, now: dt.datetime) -> None:
    """Sign the tree head of the log as this transaction leaves it, and keep it with the
    leaves it covers (committed with them or not at all): the online doors count a leaf
    only below a head the log key signed. Nothing is signed where the keys have no log."""
    policy = signer.keystore.log_policy()
    size = log.size(conn)
    if policy is None or size == 0:
        return
    checkpoint = Checkpoint(policy.origin, size, tree_hash(size, log.hash_reader(conn)))
    log.save_head(conn, size, signer.sign_checkpoint(checkpoint), now)


def _published_size(root_dir: Path) -> int:
    """The size of the checkpoint in the directory (whose tiles are there), 0 if none."""
    try:
        lines = (root_dir / "checkpoint").read_text("utf-8").split("\n")
        return int(lines[1])
    except (OSError, ValueError, IndexError):
        return 0


def _write_tiles(conn: Connection, root_dir: Path, before: int, size: int) -> int:
    """Write every tile and bundle that differs between the trees of ``before`` and
    ``size`` leaves; how many files."""
    written = 0
    for level, index, width in tiles_of(size):
        old = before >> (HEIGHT * level)
        if index * WIDTH + width <= old and width == WIDTH:
            continue  # full before: unchanged
        written += _write_tile(conn, root_dir, level, index, width)
    return written


def _write_tile(conn: Connection, root_dir: Path, level: int, index: int, width: int) -> int:
    """Write one hash tile, and at level 0 its entry bundle; how many files."""
    write_atomically(root_dir / tile_path(level, index, width),
                     _tile_bytes(conn, level, index, width))
    if level:
        return 1
    data = _bundle_bytes(conn, index, width)
    path = root_dir / entries_path(index, width)
    write_atomically(path, data)
    # beside it, compressed (7x smaller): the site and nginx's gzip_static serve it
    write_atomically(path.with_name(path.name + ".gz"), gzip.compress(data, mtime=0))
    return 2  # the tile and its bundle (the compressed copy is the bundle's)


def _tile_bytes(conn: Connection, level: int, index: int, width: int) -> bytes:
    first = index * WIDTH
    wanted = [stored_index(HEIGHT * level, first + k) for k in range(width)]
    hashes = log.read_hashes_by_index(conn, wanted)
    return b"".join(hashes[i] for i in wanted)


def _bundle_bytes(conn: Connection, index: int, width: int) -> bytes:
    return bundle(log.entries(conn, index * WIDTH, index * WIDTH + width))


def _recheck_tiles(conn: Connection, root_dir: Path, size: int) -> tuple[str, ...]:
    """Re-read the next ``RECHECK_EACH`` published full tiles (in turn, from a cursor kept
    beside them) against the database; rewrite any that differ. The names rewritten."""
    full = [(level, index) for level, index, width in tiles_of(size) if width == WIDTH]
    if not full:
        return ()
    cursor_path = root_dir / ".recheck"
    try:
        cursor = int(cursor_path.read_text("ascii"))
    except (OSError, ValueError):
        cursor = 0
    repaired = []
    for step in range(min(RECHECK_EACH, len(full))):
        level, index = full[(cursor + step) % len(full)]
        files = [(tile_path(level, index), _tile_bytes(conn, level, index, WIDTH))]
        if level == 0:
            data = _bundle_bytes(conn, index, WIDTH)
            files += [(entries_path(index), data)]
        for name, expected in files:
            try:
                served = (root_dir / name).read_bytes()
            except OSError:
                served = None
            if served != expected:
                repaired.append(name)
        if any(name in repaired for name, _ in files):
            _log.error("published log files %s did not hold what the log holds; rewritten "
                       "from the database", ", ".join(name for name, _ in files))
            _write_tile(conn, root_dir, level, index, WIDTH)
    write_atomically(cursor_path, str((cursor + RECHECK_EACH) % len(full)).encode())
    return tuple(repaired)


def _cosign(conn: Connection, note: str, checkpoint: Checkpoint,
            witnesses: list[tuple[str, str]], post: Post) -> tuple[list[str], tuple[str, ...]]:
    lines: list[str] = []
    names: list[str] = []
    for vkey, url in witnesses:
        cosigner = Cosigner.parse(vkey)
        line = _ask(conn, note, checkpoint, cosigner, url.rstrip("/") + "/add-checkpoint", post)
        if line is not None:
            lines.append(line)
            names.append(cosigner.name)
    return lines, tuple(names)


def _ask(conn: Connection, note: str, checkpoint: Checkpoint, cosigner: Cosigner, url: str,
         post: Post) -> str | None:
    """One witness's cosignature line, or None (logged) if it gives none that verifies."""
    old = 0
    for _ in range(2):  # the second time from the size a 409 named
        proof = (prove_consistency(checkpoint.size, old, log.hash_reader(conn))
                 if 0 < old <= checkpoint.size else [])
        try:
            status, content_type, body = post(url, request_body(old, proof, note))
        except OSError as exc:
            _log.warning("witness %s did not answer: %s", cosigner.name, exc)
            return None
        if status == 409 and content_type.startswith(SIZE_TYPE):
            text = body.decode("ascii", "replace").strip()
            if not text.isdigit() or int(text) > checkpoint.size:
                _log.warning("witness %s has seen size %s, past this log", cosigner.name, text)
                return None
            old = int(text)
            continue
        if status != 200:
            _log.warning("witness %s refused: %s %s", cosigner.name, status, body[:200])
            return None
        lines = [line + "\n" for line in body.decode("utf-8", "replace").splitlines()
                 if line.startswith("— ")]
        try:
            good = [line for line in lines
                    if cosignatures(note + line, [cosigner])]
        except NoteError as exc:
            _log.warning("witness %s sent a bad cosignature: %s", cosigner.name, exc)
            return None
        return good[0] if good else None
    return None
