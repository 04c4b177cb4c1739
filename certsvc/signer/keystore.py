"""Key material in ``keys/``: a national root and one or more signing keys per bureau.

    keys/root/root.key            root private key (PKCS#8, encrypted, 0600)
    keys/root/root.crt            root certificate (self-signed; its public key is the pin)
    keys/bureaus/33/<kid>.key     a bureau signing key (PKCS#8, encrypted, 0600)
    keys/bureaus/33/<kid>.crt     its certificate, signed by the root, with a validity window
    keys/key-states.json          which keys are active, retired or revoked (and why), and
                                  each key's algorithm (Ed25519 or SM2; absent = Ed25519);
                                  the transparency log's origin, witnesses and quorum
    keys/log/log.key              the transparency log's checkpoint key (Ed25519, encrypted)
    keys/witnesses/<id>.key       a witness's cosigning key, where this host runs a witness

Nothing is ever overwritten: ``init`` keeps what exists, ``rotate`` adds, ``revoke`` marks.
Each key's algorithm is chosen when it is made (``init --algorithm``, ``rotate --algorithm``);
a rotation without one keeps the bureau's current algorithm.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from asn1crypto import pem as asn1_pem

from certsvc.credential.algorithms import Algorithm
from certsvc.credential.certificates import Subject, build_certificate, read_certificate
from certsvc.credential.trust_list import KeyState, LogPolicy, TrustListEntry, key_id
from certsvc.domain.bureaus import BUREAUS, Bureau, bureau_by_code
from certsvc.errors import KeyStoreError, NotFound
from certsvc.signer import private_keys
from certsvc.signer.private_keys import PrivateKey
from certsvc.transparency.note import NoteError, NoteVerifier, check_key_name

ROOT_YEARS = 20
SIGNING_KEY_YEARS = 3
ROOT_SUBJECT = Subject("国家市场监督管理总局", "certsvc national root")
LOG_ORIGIN = "certsvc.example/licence-log"  # `certsvc keys init --log-origin` names another


@dataclass(frozen=True)
class KeyRecord:
    kid: str  # hex
    bureau_code: str
    state: KeyState
    created_at: dt.datetime
    not_before: dt.datetime
    not_after: dt.datetime
    revoked_reason: str | None = None
    revoked_at: dt.datetime | None = None
    retired_at: dt.datetime | None = None
    algorithm: Algorithm = Algorithm.ED25519


class KeyStore:
    def __init__(self, directory: Path, passphrase: bytes) -> None:
        self.directory = directory
        self._passphrase = passphrase

    # --- layout -------------------------------------------------------------------------
    @property
    def root_key_path(self) -> Path:
        return self.directory / "root" / "root.key"

    @property
    def root_cert_path(self) -> Path:
        return self.directory / "root" / "root.crt"

    @property
    def states_path(self) -> Path:
        return self.directory / "key-states.json"

    def _bureau_dir(self, bureau_code: str) -> Path:
        return self.directory / "bureaus" / bureau_code

    def exists(self) -> bool:
        return self.root_key_path.exists()

    # --- ceremony -----------------------------------------------------------------------
    def init(self, now: dt.datetime, algorithm: Algorithm = Algorithm.ED25519,
             root_algorithm: Algorithm | None = None,
             bureau_algorithms: dict[str, Algorithm] | None = None,
             log_origin: str = LOG_ORIGIN) -> list[str]:
        """Create what is missing; report what was created and what was kept.

        ``algorithm`` is every new bureau key's unless ``bureau_algorithms`` names another
        for that bureau code; the root's is ``root_algorithm`` (default: ``algorithm``)."""
        try:
            check_key_name(log_origin)  # before anything is made
        except NoteError as exc:
            raise KeyStoreError(f"the log origin {log_origin!r}: {exc}") from None
        report = []
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        if self.exists():
            report.append(f"kept the existing root key {self.root_cert_path}")
        else:
            root = root_algorithm or algorithm
            self._create_root(now, root)
            report.append(f"created the root key {self.root_cert_path} ({root.label})")
        records = self.records()
        created = kept = 0
        chosen = bureau_algorithms or {}
        for bureau in BUREAUS:
            if any(r.bureau_code == bureau.code for r in records):
                kept += 1
            else:
                self._create_signing_key(bureau, now, chosen.get(bureau.code, algorithm))
                created += 1
        report.append(f"bureau signing keys: {created} created, {kept} kept")
        if self.log_key_path.exists():
            report.append(f"kept the transparency log key {self.log_key_path}")
        else:
            self._create_log_key(log_origin)
            report.append(f"created the transparency log key {self.log_key_path} "
                          f"(origin {log_origin})")
        return report

    # --- the transparency log's key and witnesses ---------------------------------------
    @property
    def log_key_path(self) -> Path:
        return self.directory / "log" / "log.key"

    def _create_log_key(self, origin: str) -> None:
        key = private_keys.generate(Algorithm.ED25519)
        self.log_key_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._write_private(self.log_key_path, key)
        states = self._states()
        states["log"] = {"origin": origin, "public_key": key.public_raw.hex(),
                         "witnesses": [], "quorum": 0}
        self._write_states(states)

    def log_policy(self) -> LogPolicy | None:
        """What the trust list says of the log; None before the log key exists."""
        log = self._states().get("log") if self.states_path.exists() else None
        if log is None:
            return None
        return LogPolicy(log["origin"], log_vkey(log["origin"], bytes.fromhex(log["public_key"])),
                         tuple(w["vkey"] for w in log["witnesses"]), int(log["quorum"]))

    def witness_urls(self) -> list[tuple[str, str]]:
        """(cosigner vkey, add-checkpoint URL prefix) of each witness the log asks."""
        log = self._states().get("log") or {}
        return [(w["vkey"], w["url"]) for w in log.get("witnesses", [])]

    def set_witnesses(self, witnesses: list[tuple[str, str]], quorum: int,
                      force: bool = False) -> LogPolicy:
        """Name the witnesses (cosigner vkey, URL) and how many must cosign: a majority of
        them at least, unless ``force`` — fewer lets a minority of witnesses (or none) vouch
        for a view of the log the others never saw."""
        if not 0 <= quorum <= len(witnesses):
            raise KeyStoreError(f"the quorum is 0 to {len(witnesses)} (the witnesses named)")
        if quorum < minimum_quorum(len(witnesses)) and not force:
            raise KeyStoreError(
                f"a quorum of {quorum} of {len(witnesses)} witnesses is below a majority "
                f"({minimum_quorum(len(witnesses))}): a minority could cosign a split view of "
                "the log; give --force to set it anyway")
        states = self._states()
        if "log" not in states:
            raise KeyStoreError("no transparency log key; run `certsvc keys init`")
        states["log"]["witnesses"] = [{"vkey": v, "url": u} for v, u in witnesses]
        states["log"]["quorum"] = quorum
        self._write_states(states)
        policy = self.log_policy()
        assert policy is not None
        return policy

    def load_log_key(self) -> PrivateKey:
        """Decrypt the log's checkpoint key. Only the signer calls this."""
        return self._load(Algorithm.ED25519, self.log_key_path)

    def witness_key_path(self, name: str) -> Path:
        digest = hashlib.sha256(name.encode()).hexdigest()[:16]  # a name may hold slashes
        return self.directory / "witnesses" / f"{digest}.key"

    def create_witness_key(self, name: str) -> bytes:
        """A new cosigning key for the witness ``name``; its public key."""
        path = self.witness_key_path(name)
        if path.exists():
            raise KeyStoreError(f"witness {name} already has a key ({path})")
        key = private_keys.generate(Algorithm.ED25519)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._write_private(path, key)
        return key.public_raw

    def load_witness_key(self, name: str) -> PrivateKey:
        """Decrypt a witness's cosigning key. Only the signer calls this."""
        path = self.witness_key_path(name)
        if not path.exists():
            raise KeyStoreError(f"no key for witness {name}; run `certsvc witness init`")
        return self._load(Algorithm.ED25519, path)

    def rotate(self, bureau: Bureau, now: dt.datetime,
               algorithm: Algorithm | None = None) -> KeyRecord:
        """A new active key for ``bureau``; its previous active keys retire now: what they
        signed before still verifies, and the trust list ends their signing window here.
        Without ``algorithm`` the new key keeps the algorithm of the bureau's newest key."""
        self._require_root()
        if algorithm is None:
            own = [r for r in self.records() if r.bureau_code == bureau.code]
            newest = max(own, key=lambda r: r.created_at) if own else None
            algorithm = newest.algorithm if newest else Algorithm.ED25519
        states = self._states()
        for entry in states["keys"].values():
            if entry["bureau"] == bureau.code and entry["state"] == KeyState.ACTIVE.name:
                entry["state"] = KeyState.RETIRED.name
                entry["retired_at"] = _iso(now)
        self._write_states(states)
        return self._create_signing_key(bureau, now, algorithm)

    def revoke(self, kid: str, reason: str, now: dt.datetime) -> KeyRecord:
        states = self._states()
        entry = states["keys"].get(kid.lower())
        if entry is None:
            raise NotFound(f"no key with id {kid}")
        if not reason.strip():
            raise KeyStoreError("a revocation needs a reason")
        entry.update(
            state=KeyState.REVOKED.name, reason=reason.strip(),
            revoked_at=_iso(now),
        )
        self._write_states(states)
        return self.record(kid.lower())

    # --- reading ------------------------------------------------------------------------
    def records(self) -> list[KeyRecord]:
        if not self.states_path.exists():
            return []
        return [self._record(kid, e) for kid, e in self._states()["keys"].items()]

    def record(self, kid: str) -> KeyRecord:
        entry = self._states()["keys"].get(kid)
        if entry is None:
            raise NotFound(f"no key with id {kid}")
        return self._record(kid, entry)

    def sequence(self) -> int:
        return int(self._states()["sequence"]) if self.states_path.exists() else 0

    def active_key(self, bureau_code: str, now: dt.datetime) -> KeyRecord:
        candidates = [
            r for r in self.records()
            if r.bureau_code == bureau_code and r.state is KeyState.ACTIVE
            and r.not_before <= now <= r.not_after
        ]
        if not candidates:
            raise KeyStoreError(
                f"bureau {bureau_code} has no active signing key now; "
                f"run `certsvc keys rotate {bureau_code}`"
            )
        return max(candidates, key=lambda r: r.not_before)

    def certificate_der(self, kid: str) -> bytes:
        record = self.record(kid)
        return _der(self._bureau_dir(record.bureau_code) / f"{kid}.crt")

    def root_certificate_der(self) -> bytes:
        self._require_root()
        return _der(self.root_cert_path)

    def root_algorithm(self) -> Algorithm:
        return read_certificate(self.root_certificate_der()).algorithm

    def trust_list_entries(self) -> list[TrustListEntry]:
        return [
            TrustListEntry(self.certificate_der(r.kid), r.state, r.revoked_reason, r.revoked_at,
                           r.retired_at)
            for r in sorted(self.records(), key=lambda r: (r.bureau_code, r.created_at))
        ]

    def root_certificate_pem(self) -> bytes:
        self._require_root()
        return self.root_cert_path.read_bytes()

    def load_private_key(self, kid: str | None) -> PrivateKey:
        """Decrypt a private key (``None``: the root). Only the signer calls this."""
        if kid is None:
            algorithm = self.root_algorithm()
            path = self.root_key_path
        else:
            record = self.record(kid)
            algorithm = record.algorithm
            path = self._bureau_dir(record.bureau_code) / f"{kid}.key"
        return self._load(algorithm, path)

    def _load(self, algorithm: Algorithm, path: Path) -> PrivateKey:
        try:
            return private_keys.load(algorithm, path.read_bytes(), self._passphrase)
        except ValueError:
            raise KeyStoreError(
                f"cannot decrypt {path.name} as an {algorithm.label} key: "
                f"wrong CERTSVC_KEY_PASSPHRASE?"
            ) from None

    # --- internals ----------------------------------------------------------------------
    def _require_root(self) -> None:
        if not self.exists():
            raise KeyStoreError(f"no keys in {self.directory}; run `certsvc keys init`")

    def _create_root(self, now: dt.datetime, algorithm: Algorithm) -> None:
        key = private_keys.generate(algorithm)
        start = _second(now)
        der = build_certificate(
            subject=ROOT_SUBJECT, issuer=ROOT_SUBJECT, algorithm=algorithm,
            public_key=key.public_raw, serial=_serial(), not_before=start,
            not_after=start + dt.timedelta(days=365 * ROOT_YEARS), ca=True, signer=key)
        self.root_key_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._write_private(self.root_key_path, key)
        _write_new(self.root_cert_path, asn1_pem.armor("CERTIFICATE", der), 0o644)
        if not self.states_path.exists():
            self._write_states({"sequence": 0, "keys": {}})

    def _create_signing_key(self, bureau: Bureau, now: dt.datetime,
                            algorithm: Algorithm) -> KeyRecord:
        root_key = self.load_private_key(None)
        root_cert = read_certificate(self.root_certificate_der())
        key = private_keys.generate(algorithm)
        start = _second(now)
        end = min(start + dt.timedelta(days=365 * SIGNING_KEY_YEARS), root_cert.not_after)
        der = build_certificate(
            subject=Subject(bureau.name, "certsvc licence signing key", bureau.code),
            issuer=ROOT_SUBJECT, algorithm=algorithm, public_key=key.public_raw,
            serial=_serial(), not_before=start, not_after=end, ca=False, signer=root_key)
        kid = key_id(der).hex()
        directory = self._bureau_dir(bureau.code)
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._write_private(directory / f"{kid}.key", key)
        _write_new(directory / f"{kid}.crt", asn1_pem.armor("CERTIFICATE", der), 0o644)
        states = self._states()
        states["keys"][kid] = {
            "bureau": bureau.code, "state": KeyState.ACTIVE.name, "created_at": _iso(now),
            "not_before": _iso(start), "not_after": _iso(end), "algorithm": algorithm.value,
        }
        self._write_states(states)
        return self.record(kid)

    def _write_private(self, path: Path, key: PrivateKey) -> None:
        _write_new(path, key.encrypted_pem(self._passphrase), 0o600)

    def _states(self) -> dict[str, Any]:
        self._require_root()
        data: dict[str, Any] = json.loads(self.states_path.read_text("utf-8"))
        return data

    def _write_states(self, states: dict[str, Any]) -> None:
        states["sequence"] = int(states.get("sequence", 0)) + 1
        tmp = self.states_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(states, indent=2, ensure_ascii=False), "utf-8")
        os.replace(tmp, self.states_path)

    @staticmethod
    def _record(kid: str, e: dict[str, Any]) -> KeyRecord:
        bureau_by_code(e["bureau"])
        return KeyRecord(
            kid=kid, bureau_code=e["bureau"], state=KeyState[e["state"]],
            created_at=_parse(e["created_at"]),
            not_before=_parse(e["not_before"]), not_after=_parse(e["not_after"]),
            revoked_reason=e.get("reason"),
            revoked_at=_parse(e["revoked_at"]) if e.get("revoked_at") else None,
            retired_at=_parse(e["retired_at"]) if e.get("retired_at") else None,
            algorithm=Algorithm(e.get("algorithm", Algorithm.ED25519.value)),
        )


def minimum_quorum(witnesses: int) -> int:
    """A majority of the named witnesses (none with none named)."""
    return witnesses // 2 + 1 if witnesses else 0


def log_vkey(origin: str, public_key: bytes) -> str:
    """The log's checkpoint key as a C2SP verifier key (name+id+base64(0x01 ‖ key))."""
    return str(NoteVerifier(origin, public_key))


def _serial() -> int:
    """A random positive 159-bit serial number (RFC 5280 §4.1.2.2 allows up to 20 octets)."""
    return secrets.randbits(159) | 1 << 158


def _der(path: Path) -> bytes:
    """The DER bytes of a PEM certificate file."""
    _, _, der = asn1_pem.unarmor(path.read_bytes())
    return bytes(der)


def _second(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(microsecond=0)


def _iso(moment: dt.datetime) -> str:
    return _second(moment).isoformat()


def _parse(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC)


def _write_new(path: Path, data: bytes, mode: int) -> None:
    """Create ``path`` with ``mode``; never overwrite (O_EXCL), so keys are never replaced."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(path, mode)
