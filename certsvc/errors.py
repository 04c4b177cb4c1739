"""The one error hierarchy of certsvc.

Every layer raises these; the web edge translates them once into RFC 9457 problem JSON and
the CLI into a message and an exit code. Each error carries a stable ``type`` slug (the
problem type URI ends with it), an HTTP status and, for validation, the field it concerns.
"""

from __future__ import annotations

from typing import Any


class CertsvcError(Exception):
    """Base class: something the caller can understand and act on."""

    type = "error"
    title = "certsvc error"
    status = 500

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


class Conflict(CertsvcError):
    type = "conflict"
    title = "Conflict"
    status = 409


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
