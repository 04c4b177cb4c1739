"""One process, one URL space: the bureau service and the public site side by side.

``make run`` serves both on one port. A request whose path the bureau service routes goes
there; everything else goes to the public site. In production a proxy does the same split
and each app runs under its own gunicorn (docs/operations.md). The public site is loaded by
name, so ``certsvc`` never imports it (it depends on us, not the reverse).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def load_app(spec: str) -> WSGIApp:
    """``module:factory`` → the app the factory makes (as gunicorn reads its argument)."""
    module, _, factory = spec.partition(":")
    app: WSGIApp = getattr(importlib.import_module(module), factory)()
    return app


class Dispatcher:
    def __init__(self, bureau: Flask, public: WSGIApp) -> None:
        self.bureau = bureau
        self.public = public

    def __call__(self, environ: dict[str, Any],
                 start_response: Callable[..., Any]) -> Iterable[bytes]:
        adapter = self.bureau.url_map.bind_to_environ(environ)
        try:
            adapter.match()
            target: WSGIApp = self.bureau
        except (MethodNotAllowed, RequestRedirect):
            target = self.bureau  # the bureau owns the path
        except NotFound:
            target = self.public
        return target(environ, start_response)
