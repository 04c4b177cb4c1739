"""Settings, read once from the environment.

| variable | default | meaning |
|---|---|---|
| CERTSVC_DATABASE_URL | sqlite:///instance/certsvc.db | SQLAlchemy URL |
| CERTSVC_KEYS_DIR | keys | key material (signer only) |
| CERTSVC_PUBLISH_DIR | instance/published | trust list, status list: static files |
| CERTSVC_DOCUMENTS_DIR | instance/documents | uploads, by SHA-256 (never served as files) |
| CERTSVC_DOCUMENTS_S3_BUCKET | (none) | keep uploads in this S3-compatible bucket instead |
| CERTSVC_DOCUMENTS_S3_ENDPOINT | (AWS) | the store's URL, e.g. https://minio.internal:9000 |
| CERTSVC_PUBLIC_URL | https://certsvc.example | scheme and host the QR codes point at |
| CERTSVC_KEY_PASSPHRASE | a development default, with a loud warning | encrypts private keys |
| CERTSVC_DB_CONNECT_TIMEOUT | 5 | seconds the web apps wait to connect to the database |
| CERTSVC_DB_STATEMENT_TIMEOUT | 15 | seconds a web request's statement may run (PostgreSQL) |
| CERTSVC_ENVIRONMENT | development | `production`: no start with a stand-in passphrase or code |
| CERTSVC_LICENCE_TYPE_SERIAL | (placeholder 000) | the type's serial in the national 证照目录 |
| CERTSVC_BUREAU_USCCS | (placeholders) | `33=<USCC>,32=<USCC>`: the issuing bureaus' own USCCs |
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from certsvc.domain.bureaus import Bureau
from certsvc.domain.e_licence import placeholders
from certsvc.errors import ValidationError

TRUST_LIST_FILE = "trust-list.cose"  # in the publish directory, served as static files
STATUS_LIST_FILE = "status-list.cose"
DEVELOPMENT_PASSPHRASE = "certsvc-development-passphrase-do-not-use-in-production"
_PUBLIC_URL = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?/?$")
ENVIRONMENTS = ("development", "production")


@dataclass(frozen=True)
class Settings:
    database_url: str
    keys_dir: Path
    publish_dir: Path
    documents_dir: Path
    public_url: str
    passphrase_from_env: str | None
    db_connect_timeout: float = 5.0
    db_statement_timeout: float = 15.0
    documents_s3_bucket: str | None = None
    documents_s3_endpoint: str | None = None
    environment: str = "development"

    @classmethod
    def from_env(cls) -> Settings:
        public_url = os.environ.get("CERTSVC_PUBLIC_URL", "https://certsvc.example").rstrip("/")
        if not _PUBLIC_URL.match(public_url):
            raise ValidationError(
                "CERTSVC_PUBLIC_URL", "must be scheme://host[:port] with no path (QR density)"
            )
        return cls(
            database_url=os.environ.get("CERTSVC_DATABASE_URL", "sqlite:///instance/certsvc.db"),
            keys_dir=Path(os.environ.get("CERTSVC_KEYS_DIR", "keys")),
            publish_dir=Path(os.environ.get("CERTSVC_PUBLISH_DIR", "instance/published")),
            documents_dir=Path(os.environ.get("CERTSVC_DOCUMENTS_DIR", "instance/documents")),
            public_url=public_url,
            passphrase_from_env=os.environ.get("CERTSVC_KEY_PASSPHRASE"),
            db_connect_timeout=_seconds("CERTSVC_DB_CONNECT_TIMEOUT", 5.0),
            db_statement_timeout=_seconds("CERTSVC_DB_STATEMENT_TIMEOUT", 15.0),
            documents_s3_bucket=os.environ.get("CERTSVC_DOCUMENTS_S3_BUCKET") or None,
            documents_s3_endpoint=os.environ.get("CERTSVC_DOCUMENTS_S3_ENDPOINT") or None,
            environment=_environment(),
        )

    def refuse_unready_production(self, issuing: Callable[[], Iterable[Bureau]],
                                  holds_keys: bool) -> None:
        """In production, refuse to start while anything is still a development stand-in:
        the key passphrase (where this process holds keys), the licence type's serial, the
        USCC of a bureau that issues here (``issuing`` is asked only in production: the
        public site's answer reads the trust list). Every identifier given out carries
        those codes for good, and every page shows them."""
        if self.environment != "production":
            return
        missing = [] if self.passphrase_from_env or not holds_keys else [
            "CERTSVC_KEY_PASSPHRASE (the development passphrase is in the source)"]
        missing += placeholders(issuing())
        if missing:
            raise ValidationError("CERTSVC_ENVIRONMENT", "production refuses to start without "
                                  + "; ".join(missing) + " (docs/operations.md)")

    @property
    def trust_list_path(self) -> Path:
        return self.publish_dir / TRUST_LIST_FILE

    @property
    def status_list_path(self) -> Path:
        return self.publish_dir / STATUS_LIST_FILE

    @property
    def root_certificate_path(self) -> Path:
        return self.keys_dir / "root" / "root.crt"

    def key_passphrase(self) -> bytes:
        """The passphrase; without one set, the development default and a loud warning."""
        if self.passphrase_from_env:
            return self.passphrase_from_env.encode()
        print(
            "WARNING: CERTSVC_KEY_PASSPHRASE is not set; private keys use the DEVELOPMENT "
            "passphrase. Never do this with real keys.",
            file=sys.stderr,
        )
        return DEVELOPMENT_PASSPHRASE.encode()


def _environment() -> str:
    value = os.environ.get("CERTSVC_ENVIRONMENT", "development").strip().lower()
    if value not in ENVIRONMENTS:
        raise ValidationError("CERTSVC_ENVIRONMENT", f"must be one of {', '.join(ENVIRONMENTS)}")
    return value


def _seconds(name: str, default: float) -> float:
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        seconds = float(value)
    except ValueError:
        raise ValidationError(name, "must be a number of seconds") from None
    if not 0 < seconds <= 3600:
        raise ValidationError(name, "must be between 0 and 3600 seconds")
    return seconds
