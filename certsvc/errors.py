"""The one error hierarchy of certsvc.

Every layer raises these; the web edge translates them once into RFC 9457 problem JSON and
the CLI into a message and an exit code. Each error carries a stable ``type`` slug (the
problem type URI ends with it), an HTTP status and, for validation, the field it concerns.
"""

from __future__ import annotations

import builtins
from typing import Any, ClassVar


class CertsvcError(Exception):
    """Base class: something the caller can understand and act on.

    Every subclass registers its problem type on definition (``PROBLEM_TYPES``), so the
    OpenAPI document lists exactly the types the code can send.
    """

    type = "error"
    title = "certsvc error"
    status = 500
    registry: ClassVar[dict[str, builtins.type[CertsvcError]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        CertsvcError.registry[cls.type] = cls

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra

    def problem(self) -> dict[str, Any]:
        """The RFC 9457 problem object for this error (``type`` is made absolute at the edge)."""
        body: dict[str, Any] = {
            "type": self.type,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        body.update(self.extra)
        return body


class ValidationError(CertsvcError):
    """Input that breaks a rule; ``field`` names where, ``detail`` says why."""

    type = "validation-error"
    title = "Invalid input"
    status = 422

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}", field=field, reason=reason)
        self.field = field
        self.reason = reason


class NotFound(CertsvcError):
    type = "not-found"
    title = "Not found"
    status = 404


class QuotaExceeded(CertsvcError):
    """An account used its allowance for the day (uploads)."""

    type = "quota-exceeded"
    title = "Quota exceeded"
    status = 429


class Gone(CertsvcError):
    """It was here, and is withdrawn for good (a revoked licence's sealed file)."""

    type = "gone"
    title = "No longer offered"
    status = 410


class Conflict(CertsvcError):
    type = "conflict"
    title = "Conflict"
    status = 409


class SealUnavailable(Conflict):
    """The bureau holds no key an electronic seal can use (GB/T 38540 needs SM2)."""

    type = "seal-unavailable"
    title = "No SM2 key for the seal"


class KeyStoreError(CertsvcError):
    """Key material is missing, locked or inconsistent."""

    type = "key-store-error"
    title = "Key store error"
    status = 500


class MalformedToken(CertsvcError):
    """QR text, token or artefact that cannot be decoded; the only error hostile input raises."""

    type = "malformed-token"
    title = "Malformed token"
    status = 400


class TrustListError(CertsvcError):
    """The trust list or status list is not signed by the pinned root, or is unreadable."""

    type = "trust-list-error"
    title = "Untrusted or unreadable trust material"
    status = 400


class Unavailable(CertsvcError):
    """A dependency (the database) is away or too slow: the caller should retry later."""

    type = "service-unavailable"
    title = "Temporarily unavailable"
    status = 503
    retry_after = 5  # seconds, sent as Retry-After


class StatusListFull(CertsvcError):
    """Every index of the status list is held: no licence can be issued until the operator
    moves to a larger list. Said at once; drawing for a free index for ever hung issuance."""

    type = "status-list-full"
    title = "The status list has no free index"
    status = 503


class InternalError(CertsvcError):
    """A fault of ours; the detail sent says only to quote the request id."""

    type = "internal-error"
    title = "Internal error"
    status = 500


class TrustUnavailable(CertsvcError):
    """The server's own trust material is missing: an operator's problem, said plainly."""

    type = "trust-unavailable"
    title = "Verification is temporarily unavailable"
    status = 503


class FontMissing(CertsvcError):
    """No Chinese font for the printable licence on this server."""

    type = "pdf-font-missing"
    title = "The printable licence is unavailable"
    status = 503


class IdempotencyKeyInvalid(CertsvcError):
    """A malformed Idempotency-Key, or one reused for a different request."""

    type = "idempotency-key-invalid"
    title = "Idempotency-Key cannot be used"
    status = 422


class IdempotencyKeyInProgress(CertsvcError):
    """The first request with this Idempotency-Key is still running."""

    type = "idempotency-key-in-progress"
    title = "The first request with this key is still running"
    status = 409


class Forbidden(CertsvcError):
    """The account's role or jurisdiction does not allow this."""

    type = "forbidden"
    title = "Not allowed for this account"
    status = 403


class Unauthenticated(CertsvcError):
    """No credentials, or unknown, expired or revoked ones."""

    type = "unauthenticated"
    title = "Authentication required"
    status = 401


class LintError(CertsvcError):
    """The signer refused to sign: the payload breaks a rule."""

    type = "lint-error"
    title = "Refused to sign"
    status = 500


class RequestTargetTooLong(CertsvcError):
    """The path and query are longer than ``MAX_REQUEST_TARGET`` bytes."""

    type = "uri-too-long"
    title = "Request target too long"
    status = 414


# Both apps refuse longer request targets themselves (414 problem JSON); every server in
# front lets longer ones through to them: gunicorn's limit_request_line is 8190
# (certsvc/gunicorn_conf.py), werkzeug's development server takes 65,536, and the rendered
# nginx configuration answers its own 414 as the same problem JSON.
MAX_REQUEST_TARGET = 8000


def check_request_target(path: str, query: bytes) -> None:
    """Raise RequestTargetTooLong for a path and query over ``MAX_REQUEST_TARGET`` bytes."""
    size = len(path.encode("utf-8", "surrogateescape")) + len(query)
    if size > MAX_REQUEST_TARGET:
        raise RequestTargetTooLong(
            f"the path and query are {size} bytes; at most {MAX_REQUEST_TARGET} are accepted")


PROBLEM_TYPES = CertsvcError.registry


class LogInconsistent(CertsvcError):
    """The transparency log contradicts itself or what was seen of it before: a bad
    signature, too few witnesses, a smaller or forked checkpoint, a proof that fails."""

    type = "log-inconsistent"
    title = "The transparency log is inconsistent"
    status = 409
