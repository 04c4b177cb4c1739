"""Signs licences, status lists and trust lists — after linting what it is asked to sign.

Decrypted keys are cached for the life of the Signer, so a batch import decrypts each key
once. The lint re-decodes every licence payload with the verifier's own strict decoder and
checks it against the key it is about to use, so the signer never signs what a verifier
would reject as malformed or mis-issued.

    signer = Signer(KeyStore(Path("keys"), passphrase))
    kid = signer.licence_key("33", now)
    token = signer.sign_licence(kid, payload)
"""

from __future__ import annotations

import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from certsvc.credential.cose import encode_sign1, protected_header, sig_structure
from certsvc.credential.payload import decode_payload
from certsvc.credential.trust_list import KeyState, encode_trust_list_payload, key_id
from certsvc.domain.bureaus import NATIONAL_CODE
from certsvc.errors import CertsvcError
from certsvc.signer.keystore import KeyRecord, KeyStore


class LintError(CertsvcError):
    """The signer refused to sign: the payload breaks a rule."""

    type = "lint-error"
    title = "Refused to sign"
    status = 500


class Signer:
    def __init__(self, keystore: KeyStore) -> None:
        self.keystore = keystore
        self._keys: dict[str | None, Ed25519PrivateKey] = {}
        self._records: dict[str, KeyRecord] = {}

    def licence_key(self, bureau_code: str, now: dt.datetime) -> bytes:
        """The kid that will sign ``bureau_code``'s next licence (stored before signing)."""
        record = self.keystore.active_key(bureau_code, now)
        self._records[record.kid] = record
        return bytes.fromhex(record.kid)

    def sign_licence(self, kid: bytes, payload: bytes) -> bytes:
        record = self._record(kid)
        claims = decode_payload(payload)  # raises MalformedToken on anything a verifier rejects
        if claims.number.bureau_code != record.bureau_code:
            raise LintError(f"key {record.kid} cannot sign for bureau {claims.number.bureau_code}")
        if record.state is not KeyState.ACTIVE:
            raise LintError(f"key {record.kid} is {record.state.name.lower()}")
        if not record.not_before <= claims.signed_at <= record.not_after:
            raise LintError("signing time is outside the key's validity window")
        if claims.valid_until < claims.issued:
            raise LintError("licence ends before it starts")
        return self._sign(record.kid, kid, payload)

    def sign_status_list(self, payload: bytes, now: dt.datetime) -> bytes:
        kid = self.licence_key(NATIONAL_CODE, now)
        return self._sign(kid.hex(), kid, payload)

    def trust_list(self, now: dt.datetime) -> bytes:
        """The trust list, signed by the root, carrying every bureau key and its state."""
        payload = encode_trust_list_payload(
            now, self.keystore.sequence(), self.keystore.trust_list_entries()
        )
        cert = x509.load_pem_x509_certificate(self.keystore.root_certificate_pem())
        kid = key_id(cert.public_bytes(serialization.Encoding.DER))
        return self._sign(None, kid, payload)

    def _record(self, kid: bytes) -> KeyRecord:
        hex_kid = kid.hex()
        if hex_kid not in self._records:
            self._records[hex_kid] = self.keystore.record(hex_kid)
        return self._records[hex_kid]

    def _sign(self, name: str | None, kid: bytes, payload: bytes) -> bytes:
        key = self._keys.get(name)
        if key is None:
            key = self._keys[name] = self.keystore.load_private_key(name)
        protected = protected_header(kid)
        signature = key.sign(sig_structure(protected, payload))
        return encode_sign1(protected, payload, signature)

