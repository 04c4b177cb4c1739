"""Errors as friendly pages, for the bureau service's HTML blueprints (the console, the
public's report form): the refusal's title and detail, the right status, never a traceback; a
database that is away is a 503 that says to try again."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, g, render_template
from werkzeug.exceptions import HTTPException

from certsvc.errors import CertsvcError
from certsvc.store.db import unavailable


def page_headers(bp: Blueprint, images: str = "'self'") -> None:
    """The strict headers of every page the bureau service renders for people (the console,
    the report form): nothing but its own styles and ``images`` sources, no framing, no
    referrer beyond the site, no caching. One rule for both. (``same-origin``, not
    ``no-referrer``: under no-referrer a browser sends ``Origin: null`` with the site's own
    forms, and the console refuses a post whose Origin is not its own.)"""
    headers = {
        "Content-Security-Policy": (
            f"default-src 'none'; style-src 'self'; img-src {images}; form-action 'self'; "
            "base-uri 'none'; frame-ancestors 'none'"),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "X-Frame-Options": "DENY",
        "Cache-Control": "no-store",
    }

    @bp.after_request
    def strict_headers(response: Response) -> Response:
        response.headers.update(headers)
        return response


def error_pages(bp: Blueprint, template: str, log: logging.Logger) -> None:
    @bp.errorhandler(CertsvcError)
    def refused(error: CertsvcError) -> tuple[str, int]:
        return render_template(template, title=error.title, detail=error.detail), error.status

    @bp.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int]:
        return render_template(template, title=error.name,
                               detail=error.description or ""), error.code or 500

    @bp.errorhandler(Exception)
    def unexpected(error: Exception) -> tuple[str, int, dict[str, str]]:
        if unavailable(error):
            return render_template(template, title="暂时无法使用 Unavailable",
                                   detail="数据库暂时无法访问，请稍后再试 / The database is "
                                   "unavailable; try again in a moment"), 503, {
                                       "Retry-After": "5"}
        log.exception("%s: unexpected error (request %s)", bp.name, g.get("request_id"))
        return render_template(template, title="出错了 Something went wrong",
                               detail=f"请稍后再试；报告问题时请提供编号 {g.get('request_id')} "
                               "/ Please try again later; quote this number when reporting "
                               "it"), 500, {}
