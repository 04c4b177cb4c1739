"""Files served for a person to save: one rule for every door (API, console, sharing).

Every file a stranger uploaded (materials, photos of a 举报, reports) and every file we
make is sent as an attachment: never rendered inside our origin, where an HTML or SVG file
dressed as a photo could run as our page. The name travels as RFC 6266 ``filename*``
(UTF-8, percent-encoded), so no character of it can break the header.
"""

from __future__ import annotations

import mimetypes
from urllib.parse import quote

from flask import Response


def download(data: bytes, media_type: str, name: str, no_store: bool = False) -> Response:
    headers = {"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"}
    if no_store:
        headers["Cache-Control"] = "no-store"
    return Response(data, mimetype=media_type, headers=headers)


def named_after(stem: str, media_type: str) -> str:
    """A file name for a file that came without one: the stem and the type's extension."""
    return stem + (mimetypes.guess_extension(media_type) or "")
