"""What an offline verifier remembers between runs: the highest trust-list sequence seen.

A trust list is signed by the root, so an attacker cannot forge one, but can replay an old
one: from before a key was revoked for compromise, say, so that forgeries with the stolen
key verify again. Sequences only grow (every key event publishes a new one), so a verifier
that remembers the highest it has seen, per root, refuses anything older.

    >>> import tempfile, pathlib
    >>> memory = SequenceMemory(pathlib.Path(tempfile.mkdtemp()) / "state.json")
    >>> memory.check_and_remember("root-a", 5); memory.check_and_remember("root-a", 5)
    >>> memory.check_and_remember("root-a", 4)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    certsvc.errors.TrustListError: the trust list is older (sequence 4) than one ...
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from certsvc.errors import TrustListError


def default_state_path() -> Path:
    """``$XDG_STATE_HOME/certsvc/verifier.json`` (``~/.local/state`` by default)."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "certsvc" / "verifier.json"


class SequenceMemory:
    def __init__(self, path: Path) -> None:
        self.path = path

    def check_and_remember(self, root_fingerprint: str, sequence: int) -> None:
        """Refuse a sequence below the highest seen for this root; remember a higher one."""
        seen = self._read()
        highest = seen.get(root_fingerprint, -1)
        if sequence < highest:
            raise TrustListError(
                f"the trust list is older (sequence {sequence}) than one this verifier has "
                f"already seen (sequence {highest}): a rolled-back list is refused")
        if sequence > highest:
            seen[root_fingerprint] = sequence
            self._write(seen)

    def _read(self) -> dict[str, int]:
        try:
            data = json.loads(self.path.read_text("utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise TrustListError(f"cannot read the verifier state {self.path}: {exc}") from None
        if not isinstance(data, dict) or not all(
                isinstance(v, int) and not isinstance(v, bool) for v in data.values()):
            raise TrustListError(f"the verifier state {self.path} is not ours; move it aside")
        return data

    def _write(self, seen: dict[str, int]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(seen, indent=2), "utf-8")
        os.replace(tmp, self.path)
