"""Key events — a key made, retired by a rotation, or revoked — and changes of the log's own
policy (its witnesses and quorum) into the audit log and the transparency log, in one
transaction: a monitor sees every key a bureau ever signed with, and when it stopped, and
every change to who vouches for the log, next to the licences."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine

from certsvc.credential.trust_list import LogPolicy
from certsvc.domain.bureaus import NATIONAL_CODE
from certsvc.signer.keystore import KeyRecord, KeyStore
from certsvc.store import audit, log

KINDS = {"ACTIVE": "key.created", "RETIRED": "key.retired", "REVOKED": "key.revoked"}


def key_event(keystore: KeyStore, record: KeyRecord) -> tuple[str, str, str, dict[str, Any]]:
    """The event of a key as it now stands (kind from its state)."""
    certificate = keystore.certificate_der(record.kid)
    data: dict[str, Any] = {
        "kid": record.kid, "bureau": record.bureau_code, "algorithm": record.algorithm.value,
        "state": record.state.name.lower(),
        "certificate_sha256": hashlib.sha256(certificate).hexdigest(),
        "not_before": record.not_before.isoformat(), "not_after": record.not_after.isoformat()}
    if record.revoked_reason:
        data["reason"] = record.revoked_reason
    return KINDS[record.state.name], "", f"key:{record.kid}", data


def record_key_events(engine: Engine, keystore: KeyStore, action: str,
                      records: Sequence[KeyRecord], now: dt.datetime) -> None:
    events = [key_event(keystore, r) for r in records]
    with engine.begin() as conn:
        for (_, _, subject, data), record in zip(events, records, strict=True):
            audit.record_operator(conn, action, subject, record.bureau_code, data, now)
        log.append(conn, events, now)


def changed(before: Sequence[KeyRecord], after: Sequence[KeyRecord]) -> list[KeyRecord]:
    """The keys that are new, or whose state changed, between two listings."""
    old = {r.kid: r.state for r in before}
    return [r for r in after if old.get(r.kid) is not r.state]


def record_policy_event(engine: Engine, policy: LogPolicy, forced: bool,
                        now: dt.datetime) -> None:
    """The log's witness policy as it now stands, a leaf of the log (``log.policy``, the
    national log operator's): the witnesses' keys and the quorum, and whether it was forced
    below a majority."""
    data = {"bureau": NATIONAL_CODE, "origin": policy.origin, "log_key": policy.log_key,
            "witnesses": list(policy.witnesses), "quorum": policy.quorum,
            "below_majority": forced}
    with engine.begin() as conn:
        log.append(conn, [("log.policy", "", "log:policy", data)], now)
