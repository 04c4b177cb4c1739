"""The transparency log, read side: the static files (checkpoint, tiles, entry bundles) as
``certsvc publish`` wrote them, JSON proofs for clients that prefer them, and the
register's tokens for monitors to hold against the log.

    GET /log/checkpoint                              the latest signed, cosigned checkpoint
    GET /log/tile/0/x001/234, /log/tile/entries/…    tiles (c2sp.org/tlog-tiles)
    GET /api/v1/log/proof/inclusion?token_sha256=…   or ?index=N; &size=M (default: latest)
    GET /api/v1/log/proof/consistency?old=N          &new=M (default: latest)
    GET /api/v1/register/tokens?bureau=33            or ?uscc=…; &after=<number>&limit=…

Proofs are against published checkpoints only (the JSON carries the checkpoint's note), so
a client can check the log's signature and the witnesses' before it believes a proof.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, request
from sqlalchemy import Connection

from certsvc.domain.bureaus import bureau_by_code
from certsvc.domain.uscc import validate_uscc
from certsvc.errors import CertsvcError, NotFound, Unavailable, ValidationError
from certsvc.store import log
from certsvc.transparency.stored import prove_consistency, prove_inclusion
from certsvc.transparency.tiles import parse_tile_path
from public_site.site import Site, json_bytes

IMMUTABLE = "public, max-age=31536000, immutable"  # a tile, full or partial, never changes
FRESH = "public, max-age=5, must-revalidate"  # the checkpoint grows
MAX_REGISTER_PAGE = 1000
_SIZE = re.compile(r"0|[1-9][0-9]{0,17}")  # below 2**63: a BIGINT on PostgreSQL
_HEX_DIGEST = re.compile(r"[0-9a-fA-F]{64}")


class NotYetPublished(CertsvcError):
    """In the log, but appended after the latest published checkpoint."""

    type = "not-yet-published"
    title = "Not yet in a published checkpoint"
    status = 404


class LatestCheckpoint:
    """The checkpoint this site serves at /log/checkpoint, re-read when the file changes:
    the default of every proof, without a query per request."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._cached: tuple[int, int, str] | None = None  # mtime_ns, size, note

    def get(self, conn: Connection) -> tuple[int, str]:
        try:
            mtime = self.path.stat().st_mtime_ns
            if self._cached is None or self._cached[0] != mtime:
                note = self.path.read_text("utf-8")
                self._cached = (mtime, int(note.split("\n")[1]), note)
            return self._cached[1], self._cached[2]
        except (OSError, ValueError, IndexError):  # not published here: ask the database
            latest = log.latest_checkpoint(conn)
            if latest is None:
                raise NotFound("no checkpoint of the log is published yet") from None
            return latest


def log_blueprint(site: Site) -> Blueprint:
    bp = Blueprint("public_log", __name__)
    root_dir = site.publish_dir / "log"
    engine = site.reader.engine
    latest = LatestCheckpoint(root_dir / "checkpoint")

    @bp.get("/log/checkpoint")
    def checkpoint() -> Response:
        return _file(root_dir / "checkpoint", "text/plain; charset=utf-8", FRESH)

    @bp.get("/log/tile/<path:rest>")
    def tile(rest: str) -> Response:
        try:
            parse_tile_path(f"tile/{rest}")
        except ValueError:
            raise NotFound("no such tile") from None
        # a tile's path names its width, so what it holds never changes (c2sp.org/tlog-tiles:
        # a partial tile is replaced by a wider one at another path): immutable, partial too
        return _file(root_dir / "tile" / rest, "application/octet-stream", IMMUTABLE)

    @bp.get("/api/v1/log/proof/inclusion")
    def inclusion() -> Response:
        with engine.connect() as conn:
            size, note = _checkpoint(conn, request.args.get("size"), latest)
            index = _leaf(conn, size)
            entry = log.entry(conn, index)
            proof = _proved(lambda: prove_inclusion(size, index, log.hash_reader(conn)))
            if entry is None:
                raise _behind()
        return _json({"index": index, "size": size, "checkpoint": note,
                      "entry": base64.b64encode(entry).decode(),
                      "proof": [base64.b64encode(h).decode() for h in proof]})

    @bp.get("/api/v1/log/proof/consistency")
    def consistency() -> Response:
        with engine.connect() as conn:
            size, note = _checkpoint(conn, request.args.get("new"), latest)
            old = _number("old", request.args.get("old"))
            if old > size:
                raise ValidationError("old", f"is at most the new size {size}")
            proof = _proved(lambda: prove_consistency(size, old, log.hash_reader(conn)))
        return _json({"old": old, "new": size, "checkpoint": note,
                      "proof": [base64.b64encode(h).decode() for h in proof]})

    @bp.get("/api/v1/register/tokens")
    def register_tokens() -> Response:
        bureau, uscc = request.args.get("bureau"), request.args.get("uscc")
        if (bureau is None) == (uscc is None):
            raise ValidationError("query", "give exactly one of bureau and uscc")
        if bureau is not None:
            bureau_by_code(bureau)  # NotFound for a code no bureau has
        if uscc is not None:
            uscc = validate_uscc(uscc, "uscc")
        limit = min(_number("limit", request.args.get("limit", "500")) or 1, MAX_REGISTER_PAGE)
        after = request.args.get("after", "")
        if len(after) > 64 or any(ord(c) < 0x20 for c in after):
            raise ValidationError("after", "is a licence number")
        items = site.reader.register_tokens(bureau, uscc, after, limit)
        return _json({"items": items, "next": items[-1]["number"] if len(items) == limit
                      else None})

    return bp


def _behind() -> Unavailable:
    return Unavailable("the log's database is behind the checkpoint this site serves (a "
                       "restore, or a replica catching up); try again shortly")


def _proved(prove: Callable[[], list[bytes]]) -> list[bytes]:
    try:
        return prove()
    except LookupError:  # a stored hash the served checkpoint needs is not there
        raise _behind() from None


def _number(name: str, text: str | None) -> int:
    if text is None or not _SIZE.fullmatch(text):
        raise ValidationError(name, "is a whole number")
    return int(text)


def _checkpoint(conn: Connection, wanted: str | None, latest: LatestCheckpoint
                ) -> tuple[int, str]:
    """The published checkpoint asked for (by size), or the latest."""
    if wanted is None:
        return latest.get(conn)
    size = _number("size", wanted)
    note = log.checkpoint_note(conn, size)
    if note is None:
        raise NotFound(f"no checkpoint of size {size} was published")
    return size, note


def _leaf(conn: Connection, size: int) -> int:
    token, index = request.args.get("token_sha256"), request.args.get("index")
    if (token is None) == (index is None):
        raise ValidationError("query", "give exactly one of token_sha256 and index")
    if token is not None:
        if not _HEX_DIGEST.fullmatch(token):
            raise ValidationError("token_sha256", "is 64 hexadecimal digits")
        found = log.index_of_token(conn, bytes.fromhex(token))
        if found is None:
            raise NotFound("no leaf of the log is about that token")
    else:
        found = _number("index", index)
    if found >= size:
        raise NotYetPublished(
            f"leaf {found} was appended after the checkpoint of size {size}; the next "
            "checkpoint will hold it (published at least every few minutes)")
    return found


def _file(path: Path, content_type: str, cache: str) -> Response:
    """A published file; an entry bundle gzip-compressed where the publisher wrote its
    ``.gz`` and the client accepts it (7× smaller)."""
    compressed = path.with_name(path.name + ".gz")
    gzipped = "gzip" in request.headers.get("Accept-Encoding", "") and compressed.is_file()
    try:
        data = (compressed if gzipped else path).read_bytes()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        raise NotFound("not published") from None
    response = Response(data, content_type=content_type)  # as given: no second charset
    if gzipped:
        response.headers["Content-Encoding"] = "gzip"
    if path.parent.name == "entries" or "entries" in path.parts:
        response.vary.add("Accept-Encoding")
    response.set_etag(hashlib.sha256(data).hexdigest()[:32])
    response.headers["Cache-Control"] = cache
    response.make_conditional(request)
    return response


def _json(body: Any) -> Response:
    response = Response(json_bytes(body), mimetype="application/json")
    response.headers["Cache-Control"] = "no-cache"
    return response
