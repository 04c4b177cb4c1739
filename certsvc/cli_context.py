"""What every ``certsvc`` command shares: its lazily built parts, its exit codes, and the
one way it fails. A module of its own, below the command modules, so that ``cli``,
``cli_log`` and ``cli_workflow`` all take it without importing each other.
"""

from __future__ import annotations

import sys
from functools import cached_property
from pathlib import Path
from typing import Any, NoReturn

import click
from sqlalchemy import Engine

from certsvc.config import Settings
from certsvc.domain.time import utcnow
from certsvc.errors import CertsvcError
from certsvc.publish.artefacts import publish_trust_list
from certsvc.signer.keystore import KeyRecord, KeyStore
from certsvc.signer.secret_box import secret_box
from certsvc.signer.signer import Signer
from certsvc.store import audit
from certsvc.store.db import make_engine, migrate
from certsvc.workflow.issuance import Issuer
from certsvc.workflow.signin import SignIn

EXIT_VALID, EXIT_INVALID, EXIT_UNUSABLE, EXIT_STATUS_UNKNOWN = 0, 1, 2, 3


class Context:
    """Lazily built parts, so ``certsvc verify`` never opens a database or a key."""

    @cached_property
    def settings(self) -> Settings:
        return Settings.from_env()

    @cached_property
    def engine(self) -> Engine:
        engine = make_engine(self.settings.database_url)
        migrate(engine)
        return engine

    @cached_property
    def keystore(self) -> KeyStore:
        return KeyStore(self.settings.keys_dir, self.settings.key_passphrase())

    @cached_property
    def signin(self) -> SignIn:
        return SignIn(self.engine, secret_box(self.settings.keys_dir,
                                              self.settings.key_passphrase()))

    @cached_property
    def signer(self) -> Signer:
        return Signer(self.keystore)

    @cached_property
    def issuer(self) -> Issuer:
        return Issuer(self.engine, self.signer, self.settings.public_url)

    def audit(self, action: str, subject: str, bureau_code: str | None, after: Any) -> None:
        with self.engine.begin() as conn:
            audit.record_operator(conn, action, subject, bureau_code, after, utcnow())

    def key_events(self, action: str, before: list[KeyRecord]) -> None:
        """Audit and log (transparency log) every key made or changed since ``before``."""
        from certsvc.workflow.key_events import changed, record_key_events

        records = changed(before, self.keystore.records())
        if records:
            record_key_events(self.engine, self.keystore, action, records, utcnow())

    def publish_trust_list(self) -> Path:
        path = self.settings.trust_list_path
        publish_trust_list(self.signer, path, utcnow())
        return path


pass_context = click.make_pass_decorator(Context, ensure=True)


def fail(error: CertsvcError) -> NoReturn:
    click.echo(f"error: {error.detail}", err=True)
    sys.exit(EXIT_UNUSABLE)


def current_context() -> Context:
    """The command's context; a thread the command started (the server's publishers) has
    none of click's, and gets its own, built from the same environment."""
    current = click.get_current_context(silent=True)
    return current.ensure_object(Context) if current is not None else Context()
