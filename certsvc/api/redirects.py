"""Redirects stay on the site the request came to, whatever its Host header says.

Werkzeug answers a path without its trailing slash (``/console``) with a redirect to an
absolute URL built from the request's Host header, so ``Host: evil.example`` came back as
``Location: http://evil.example/console/`` — an open redirect through a cache or a proxy
that passes the header on. Every redirect leaves both apps as a path.

    >>> relative("http://evil.example/console/?a=1")
    '/console/?a=1'
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from flask import Flask, Response


def relative(location: str) -> str:
    parts = urlsplit(location)
    return urlunsplit(("", "", parts.path or "/", parts.query, parts.fragment))


def keep_redirects_relative(app: Flask) -> None:
    @app.after_request
    def relative_location(response: Response) -> Response:
        location = response.headers.get("Location")
        if location is not None and urlsplit(location).netloc:
            response.headers["Location"] = relative(location)
        return response
