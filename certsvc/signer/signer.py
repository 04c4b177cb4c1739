"""Signs licences, status lists and trust lists — after linting what it is asked to sign.

Decrypted keys are cached for the life of the Signer, so a batch import decrypts each key
once. :meth:`Signer.batch_signing` spreads large batches over worker processes forked from
this one: they inherit the decrypted keys, so no key or passphrase ever crosses a pipe.

The lint re-decodes every licence payload with the verifier's own strict decoder, runs the
licence rules the verifier runs (``certsvc.credential.lint``) and checks it against the key
it is about to use, so the signer never signs what a verifier would reject as malformed or
mis-issued.

    signer = Signer(KeyStore(Path("keys"), passphrase))
    kid = signer.licence_key("33", now)
    token = signer.sign_licence(kid, payload)
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager

from certsvc.credential.algorithms import Algorithm
from certsvc.credential.cose import encode_sign1, protected_header, sig_structure
from certsvc.credential.lint import licence_rule_violation
from certsvc.credential.payload import decode_payload
from certsvc.credential.ses import SEAL_MM, Seal, build_signature
from certsvc.credential.trust_list import KeyState, encode_trust_list_payload, key_id
from certsvc.domain.bureaus import NATIONAL_CODE, bureau_by_code
from certsvc.errors import KeyStoreError, LintError, SealUnavailable
from certsvc.signer.keystore import KeyRecord, KeyStore
from certsvc.signer.private_keys import PrivateKey
from certsvc.transparency.cosignature import Cosigner
from certsvc.transparency.note import Checkpoint, sign_note

LicenceBatch = Sequence[tuple[bytes, bytes]]  # (kid, payload) pairs
_LOG_KEY = "log"  # the log key's place in the cache of decrypted keys (not a hex kid)
_FORKED: Signer | None = None  # the signer that forked workers inherit


def _sign_in_worker(batch: LicenceBatch) -> list[bytes]:
    assert _FORKED is not None, "worker was not forked from a signer"
    return _FORKED.sign_licences(batch)


class Signer:
    def __init__(self, keystore: KeyStore) -> None:
        self.keystore = keystore
        self._keys: dict[str | None, PrivateKey] = {}
        self._records: dict[str, KeyRecord] = {}

    def licence_key(self, bureau_code: str, now: dt.datetime) -> bytes:
        """The kid that will sign ``bureau_code``'s next licence (stored before signing)."""
        record = self.keystore.active_key(bureau_code, now)
        self._records[record.kid] = record
        return bytes.fromhex(record.kid)

    def sign_licence(self, kid: bytes, payload: bytes) -> bytes:
        record = self._record(kid)
        claims = decode_payload(payload)  # raises MalformedToken on anything a verifier rejects
        if claims.bureau_code != record.bureau_code:
            raise LintError(f"key {record.kid} cannot sign for bureau {claims.bureau_code}")
        if record.state is not KeyState.ACTIVE:
            raise LintError(f"key {record.kid} is {record.state.name.lower()}")
        if not record.not_before <= claims.signed_at <= record.not_after:
            raise LintError("signing time is outside the key's validity window")
        violation = licence_rule_violation(claims)
        if violation is not None:
            raise LintError(f"the licence breaks the rules: {violation}")
        return self._sign(record.kid, kid, payload)

    def sign_licences(self, batch: LicenceBatch) -> list[bytes]:
        return [self.sign_licence(kid, payload) for kid, payload in batch]

    @contextmanager
    def batch_signing(
        self, workers: int | None = None
    ) -> Iterator[Callable[[LicenceBatch], Future[list[bytes]]]]:
        """Yield ``submit(batch) -> Future[tokens]`` that signs in forked worker processes.

        Signing (Ed25519 or SM2) holds the GIL, so threads would not help; processes do, and
        the caller keeps writing to the database while they sign. Where fork is unavailable
        (or one CPU), batches are signed in this process and the futures are already done.
        """
        global _FORKED
        workers = workers or os.cpu_count() or 1
        if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
            yield self._sign_here
            return
        _FORKED = self
        pool: Executor = ProcessPoolExecutor(workers, multiprocessing.get_context("fork"))
        try:
            yield lambda batch: pool.submit(_sign_in_worker, batch)
        finally:
            pool.shutdown(cancel_futures=True)
            _FORKED = None

    def _sign_here(self, batch: LicenceBatch) -> Future[list[bytes]]:
        done: Future[list[bytes]] = Future()
        done.set_result(self.sign_licences(batch))
        return done

    def seal_key(self, bureau_code: str, now: dt.datetime) -> KeyRecord:
        """The key that seals for the bureau: its active key, which must be SM2, since
        GB/T 38540 knows no other algorithm (SealUnavailable otherwise)."""
        record = self.keystore.active_key(bureau_code, now)
        if record.algorithm is not Algorithm.SM2:
            raise SealUnavailable(
                f"bureau {bureau_code} signs with {record.algorithm.label}; an electronic seal "
                f"(GB/T 38540) needs SM2/SM3: `certsvc keys rotate {bureau_code} --algorithm "
                f"sm2`")
        return record

    def seal_document(self, bureau_code: str, picture_png: bytes, data: bytes,
                      property_info: str, now: dt.datetime) -> bytes:
        """The bureau's GB/T 38540 seal signature over ``data`` (an OFD's Signature.xml)."""
        record = self.seal_key(bureau_code, now)
        key = self._private(record.kid)
        bureau = bureau_by_code(bureau_code)
        seal = Seal(es_id=f"{bureau_code}{record.kid}", name=bureau.name,
                    picture_png=picture_png, width_mm=SEAL_MM, height_mm=SEAL_MM,
                    certificate=self.keystore.certificate_der(record.kid),
                    valid_start=record.not_before, valid_end=record.not_after)
        return build_signature(seal, data, property_info, now, key.certificate_signature)

    def sign_status_list(self, payload: bytes, now: dt.datetime) -> bytes:
        return self._sign_national(payload, now)

    def sign_feed_page(self, payload: bytes, now: dt.datetime) -> bytes:
        return self._sign_national(payload, now)

    def _sign_national(self, payload: bytes, now: dt.datetime) -> bytes:
        """Published artefacts are signed by the national authority's current key."""
        kid = self.licence_key(NATIONAL_CODE, now)
        return self._sign(kid.hex(), kid, payload)

    def trust_list(self, now: dt.datetime) -> bytes:
        """The trust list, signed by the root, carrying every bureau key and its state, and
        the transparency log's key, witnesses and quorum."""
        payload = encode_trust_list_payload(
            now, self.keystore.sequence(), self.keystore.trust_list_entries(),
            self.keystore.log_policy())
        kid = key_id(self.keystore.root_certificate_der())
        return self._sign(None, kid, payload)

    def sign_checkpoint(self, checkpoint: Checkpoint) -> str:
        """The checkpoint as a signed note, by the log key the trust list names."""
        policy = self.keystore.log_policy()
        if policy is None:
            raise KeyStoreError("no transparency log key; run `certsvc keys init`")
        if checkpoint.origin != policy.origin:
            raise LintError(f"the log's origin is {policy.origin}, not {checkpoint.origin}")
        key = self._keys.get(_LOG_KEY)
        if key is None:
            key = self._keys[_LOG_KEY] = self.keystore.load_log_key()
        return sign_note(checkpoint.text(), policy.origin, key.public_raw, key.sign)

    def witness_signer(self, name: str) -> tuple[Cosigner, Callable[[bytes], bytes]]:
        """A witness's cosigner (its public half) and the callable that signs with it."""
        key = self.keystore.load_witness_key(name)
        return Cosigner(name, key.public_raw), key.sign

    def _record(self, kid: bytes) -> KeyRecord:
        hex_kid = kid.hex()
        if hex_kid not in self._records:
            self._records[hex_kid] = self.keystore.record(hex_kid)
        return self._records[hex_kid]

    def _private(self, name: str | None) -> PrivateKey:
        """A decrypted key (``None``: the root), decrypted once for this signer's life."""
        key = self._keys.get(name)
        if key is None:
            key = self._keys[name] = self.keystore.load_private_key(name)
        return key

    def _sign(self, name: str | None, kid: bytes, payload: bytes) -> bytes:
        key = self._private(name)
        protected = protected_header(kid, key.algorithm.cose)
        signature = key.sign(sig_structure(protected, payload))
        return encode_sign1(protected, payload, signature)

