"""A monitor: follows the transparency log and holds it against the public register.

Each run it accepts the log's latest checkpoint through a :class:`LogClient` (signed,
cosigned, consistent with the last one seen), reads the entries appended since its last run
from the entry bundles, and rebuilds the tree from its compact range: entries that do not
make the checkpoint's root hash mean the log served something other than what it signed.
Then, for its scope (one enterprise, one province's bureau, or all):

- every event is reported, so an enterprise learns of each licence issued in its name;
- every issuance or re-issue is held against the register: the licence must be there, and
  where the register's token is the logged one, it must verify with a trusted key and name
  the same licence and holder;
- every licence the register holds must have its current token's issuance in the log — so
  a bureau learns of a licence signed with its key but written into the register some other
  way than the procedure.

The state file keeps the compact range and the latest logged token per licence in scope.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import os
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from certsvc.credential.trust_list import TrustList
from certsvc.credential.verifier import verify
from certsvc.domain.bureaus import BUREAUS
from certsvc.errors import LogInconsistent, NotFound, ValidationError
from certsvc.transparency.client import LogClient
from certsvc.transparency.entries import LogEntry, decode_entry
from certsvc.transparency.merkle import CompactRange, leaf_hash
from certsvc.transparency.merkle import root as merkle_root
from certsvc.transparency.note import Checkpoint
from certsvc.transparency.published import Fetch, PublishedTiles
from certsvc.transparency.tiles import HASH_SIZE, WIDTH

ISSUANCES = ("licence.issued", "licence.changed")
REGISTER_PAGE = 1000


@dataclass(frozen=True)
class Scope:
    """Whose events: one enterprise (USCC), one bureau (code), or everyone's."""

    uscc: str | None = None
    bureau: str | None = None

    def covers(self, event: LogEntry) -> bool:
        if event.kind.startswith("log."):  # who vouches for the log: everyone's business
            return True
        if self.uscc is not None:
            return event.uscc == self.uscc
        if self.bureau is not None:
            bureau = event.bureau or event.data.get("bureau_code")
            return bureau == self.bureau
        return True

    def register_queries(self) -> list[str]:
        if self.uscc is not None:
            return [f"uscc={self.uscc}"]
        codes = [self.bureau] if self.bureau is not None else [b.code for b in BUREAUS]
        return [f"bureau={code}" for code in codes]


@dataclass
class Report:
    checkpoint: Checkpoint | None = None
    read: int = 0
    events: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)


class Monitor:
    def __init__(self, client: LogClient, fetch: Fetch, scope: Scope, state: Path,
                 trust_list: TrustList, clock: Callable[[], dt.datetime]) -> None:
        # register tokens awaiting a checkpoint: (digest, checkpoint size when first seen)
        self._waiting: dict[str, tuple[str, int]] = {}
        self._still_waiting: dict[str, tuple[str, int]] = {}
        self.client = client
        self.fetch = fetch
        self.scope = scope
        self.state_path = state
        self.trust_list = trust_list
        self.clock = clock

    def run(self) -> Report:
        report = Report()
        try:
            checkpoint = self.client.checkpoint()
        except LogInconsistent as exc:
            report.problems.append(exc.detail)
            return report
        report.checkpoint = checkpoint
        tree, latest, self._waiting = self._load()
        self._still_waiting = {}
        issued: list[tuple[int, LogEntry]] = []
        try:
            self._read(tree, checkpoint, latest, issued, report)
        except LogInconsistent as exc:
            report.problems.append(exc.detail)
            return report
        if tree.root() != checkpoint.root_hash:
            report.problems.append(
                f"the log's entries do not make the root hash of its checkpoint of size "
                f"{checkpoint.size}: the log serves entries other than the ones it signed")
            return report  # the state stays as it was: nothing read here is trusted
        try:
            register = self._register()
        except (ValueError, KeyError, TypeError) as exc:
            report.problems.append(f"the register's token list is malformed: {exc}")
            return report
        for index, event in issued:
            self._check_issuance(index, event, latest, register, report)
        for item in register.values():
            if latest.get(item["number"]) != item["token_sha256"]:
                self._unlogged(item, checkpoint, report)
        self._save(tree, latest, self._still_waiting)
        return report

    def _read(self, tree: CompactRange, checkpoint: Checkpoint, latest: dict[str, str],
              issued: list[tuple[int, LogEntry]], report: Report) -> None:
        """Extend ``tree`` with the new entries; note the events in scope."""
        for index, entry in self._entries(tree.size, checkpoint.size):
            tree.append(leaf_hash(entry))
            report.read += 1
            try:
                event = decode_entry(entry)
            except ValueError as exc:
                report.problems.append(f"leaf {index}: {exc}")
                continue
            if not self.scope.covers(event):
                continue
            report.events.append(_describe(index, event))
            if event.kind in ISSUANCES and event.number and event.token_sha256:
                latest[event.number] = event.token_sha256.hex()
                issued.append((index, event))

    def _entries(self, start: int, end: int) -> Any:
        """(index, entry) for leaves [start, end), from the entry bundles."""
        tiles = PublishedTiles(self.fetch, end)
        for tile in range(start // WIDTH, (end + WIDTH - 1) // WIDTH):
            entries = tiles.entries(tile)
            self._check_hash_tiles(tiles, tile, [leaf_hash(e) for e in entries])
            for offset, entry in enumerate(entries):
                index = tile * WIDTH + offset
                if index >= start:
                    yield index, entry

    @staticmethod
    def _check_hash_tiles(tiles: PublishedTiles, tile: int, hashes: list[bytes]) -> None:
        """The published hash tiles hold what the entries hash to: level 0 the leaf hashes,
        level 1 (for a full tile) the root of the 256 below. A tampered tile (which proofs
        and other clients read) was unnoticed by every tool: the entries alone rebuild the
        root, so a tile that disagrees with them is the log serving two stories."""
        if tiles.tile(0, tile) != b"".join(hashes):
            raise LogInconsistent(f"hash tile 0/{tile} does not hold the hashes of its "
                                  "entries")
        if len(hashes) < WIDTH:
            return
        parent, slot = divmod(tile, WIDTH)
        above = tiles.tile(1, parent)
        if above[slot * HASH_SIZE:(slot + 1) * HASH_SIZE] != merkle_root(hashes):
            raise LogInconsistent(f"hash tile 1/{parent} does not hold the root of tile "
                                  f"0/{tile}")

    def _check_issuance(self, index: int, event: LogEntry, latest: dict[str, str],
                        register: dict[str, dict[str, str]], report: Report) -> None:
        number = event.number or ""
        item = register.get(number)
        if item is None:
            report.problems.append(f"leaf {index}: {number} was issued in the log but the "
                                   "register does not have it")
            return
        if item["token_sha256"] != (event.token_sha256 or b"").hex():
            if latest.get(number) == (event.token_sha256 or b"").hex():
                report.problems.append(
                    f"leaf {index}: the register's token for {number} is not the one the "
                    "log last issued")
            return  # a later leaf re-issued it
        try:
            token = base64.urlsafe_b64decode(item["token"] + "=" * (-len(item["token"]) % 4))
        except (binascii.Error, ValueError):
            token = b""
        if hashlib.sha256(token).hexdigest() != item["token_sha256"]:
            report.problems.append(f"leaf {index}: the register's token for {number} is not "
                                   "the one its digest names")
            return
        verdict = verify(token, self.trust_list, None, None, self.clock())
        claims = verdict.claims
        if claims is None:
            report.problems.append(f"leaf {index}: the token of {number} does not verify: "
                                   f"{verdict.message_en} {verdict.detail}")
        elif claims.number.canonical != number or claims.uscc != event.uscc:
            report.problems.append(f"leaf {index}: the token of {number} names "
                                   f"{claims.number} of {claims.uscc}, not what the log says")

    def _register(self) -> dict[str, dict[str, str]]:
        """The register's current tokens in scope, a page of a thousand a request (it was a
        request per issuance: a province's monitor over ten thousand new leaves ran into the
        public API's rate limit and never got through)."""
        found: dict[str, dict[str, str]] = {}
        for query in self.scope.register_queries():
            after = ""
            while True:
                page = json.loads(self.fetch(
                    f"/api/v1/register/tokens?{query}&limit={REGISTER_PAGE}"
                    f"&after={urllib.parse.quote(after)}"))
                for item in page["items"]:
                    found[str(item["number"])] = {k: str(item[k]) for k in (
                        "number", "uscc", "token_sha256", "token")}
                if page.get("next") is None:
                    break
                after = page["next"]
        return found

    def _unlogged(self, item: dict[str, str], checkpoint: Checkpoint,
                  report: Report) -> None:
        """A register token this monitor has not seen issued: issued before the monitor's
        scope saw it, or after the checkpoint, or never through the procedure."""
        number = item["number"]
        try:
            index, event = self.client.prove_digest(item["token_sha256"], checkpoint)
        except NotFound as exc:
            if "appended after" in exc.detail:
                self._pending(item, checkpoint, report)
                return
            report.problems.append(
                f"{number} ({item['uscc']}) is in the register, but its issuance is not in "
                "the transparency log: it was not recorded by the licensing procedure")
            return
        except LogInconsistent as exc:
            report.problems.append(f"{number}: {exc.detail}")
            return
        if event.kind not in ISSUANCES or event.number != number:
            report.problems.append(f"{number}: the log's leaf {index} about its token is "
                                   f"{event.kind} of {event.number}, not its issuance")

    def _pending(self, item: dict[str, str], checkpoint: Checkpoint, report: Report) -> None:
        """A register token whose leaf lies beyond the checkpoint. The leaf commits with the
        register's row, so every checkpoint published after this monitor saw the token holds
        it: still beyond a newer checkpoint on a later run, it was never recorded by the
        procedure (a row written into the database at a far index)."""
        number, digest = item["number"], item["token_sha256"]
        seen = self._waiting.get(number)
        since = seen[1] if seen is not None and seen[0] == digest else checkpoint.size
        if since < checkpoint.size:
            report.problems.append(
                f"{number} ({item['uscc']}) was awaiting a checkpoint at size {since}, and the "
                f"checkpoint of size {checkpoint.size} still does not hold its issuance: it "
                "was not recorded by the licensing procedure")
            return
        report.pending.append(f"{number}: issued after this checkpoint")
        self._still_waiting[number] = (digest, since)

    def _load(self) -> tuple[CompactRange, dict[str, str], dict[str, tuple[str, int]]]:
        try:
            raw = json.loads(self.state_path.read_text("utf-8"))
            waiting = {str(k): (str(v[0]), int(v[1]))
                       for k, v in dict(raw.get("pending", {})).items()}
            return (CompactRange(int(raw["size"]), [base64.b64decode(h) for h in raw["range"]]),
                    {str(k): str(v) for k, v in dict(raw["latest"]).items()}, waiting)
        except FileNotFoundError:
            return CompactRange(), {}, {}
        except (ValueError, KeyError, TypeError) as exc:
            raise ValidationError("--state", f"{self.state_path} is not a monitor's state "
                                  f"file ({exc}); give another or remove it") from None

    def _save(self, tree: CompactRange, latest: dict[str, str],
              waiting: dict[str, tuple[str, int]]) -> None:
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.state_path.with_name(f".{self.state_path.name}.tmp")
        tmp.write_text(json.dumps({
            "size": tree.size, "range": [base64.b64encode(h).decode() for h in tree.hashes],
            "latest": latest, "pending": {k: list(v) for k, v in waiting.items()}}), "utf-8")
        os.replace(tmp, self.state_path)


def _describe(index: int, event: LogEntry) -> str:
    what = event.number or event.subject
    status = event.data.get("status") if event.kind == "licence.status" else None
    extra = f" → {status}" if isinstance(status, str) else ""
    holder = f" ({event.uscc})" if event.uscc else ""
    bureau = event.data.get("bureau") if event.kind.startswith("key.") else None
    if isinstance(bureau, str):
        holder = f" (bureau {bureau})"
    return f"#{index} {event.at:%Y-%m-%d %H:%M}Z {event.kind} {what}{extra}{holder}"
