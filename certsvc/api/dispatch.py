"""One process, one URL space: the bureau service and the public site side by side.

``make run`` serves both on one port. A request goes where the routing table
(:mod:`certsvc.api.routing`) sends its method and path: to the bureau service if that app
implements them, else to the public site. In production a proxy does the same split with the
same table, rendered by ``certsvc proxy-config nginx``, and each app runs under its own
gunicorn (docs/operations.md). The public site is loaded by name, so ``certsvc`` never
imports it (it depends on us, not the reverse).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask

from certsvc.api.routing import BUREAU, RoutingTable

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
        self.table = RoutingTable.of(bureau.url_map)

    def __call__(self, environ: dict[str, Any],
                 start_response: Callable[..., Any]) -> Iterable[bytes]:
        app = self.table.app_for(environ.get("REQUEST_METHOD", "GET"),
                                 environ.get("PATH_INFO", "/"))
        target: WSGIApp = self.bureau if app == BUREAU else self.public
        return target(environ, start_response)
