"""Documents an enterprise or institution uploads (营业执照, 申请书, 承诺书, test reports):
what is accepted, judged by content, never by the file's name.

PDF, OFD (GB/T 33190: a ZIP package whose root holds ``OFD.xml``), JPEG and PNG; at most
``MAX_DOCUMENT`` bytes a file and ``MAX_PER_APPLICATION`` for an application's materials. A
document is named by its SHA-256 (a reference ``sha256:<hex>``), so what a bureau reads is
what was uploaded, and the audit log's hash proves it.

    >>> sniff(b"%PDF-1.7\\n...")
    'application/pdf'
    >>> sniff(b"MZ\\x90\\x00 a Windows program named licence.pdf")
    Traceback (most recent call last):
    ...
    certsvc.errors.ValidationError: file: is not a PDF, OFD, JPEG or PNG document
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile

from certsvc.errors import ValidationError

MAX_DOCUMENT = 10 * 1024 * 1024
MAX_PER_APPLICATION = 30 * 1024 * 1024
REFERENCE = re.compile(r"^sha256:([0-9a-f]{64})$")
ACCEPT = ".pdf,.ofd,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"
_SIGNATURES = ((b"%PDF-", "application/pdf"), (b"\xff\xd8\xff", "image/jpeg"),
               (b"\x89PNG\r\n\x1a\n", "image/png"))


def sniff(data: bytes, field: str = "file") -> str:
    """The media type of ``data``, from its first bytes (and, for OFD, its package)."""
    for signature, media_type in _SIGNATURES:
        if data.startswith(signature):
            return media_type
    if data.startswith(b"PK\x03\x04") and _is_ofd(data):
        return "application/ofd"
    raise ValidationError(field, "is not a PDF, OFD, JPEG or PNG document")


def _is_ofd(data: bytes) -> bool:
    """An OFD package's entry file is ``OFD.xml`` at the root; only the ZIP's central
    directory is read (nothing is decompressed)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            return "OFD.xml" in package.namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return False


def digest_of(reference: str, field: str) -> str:
    """The SHA-256 hex of a document reference ``sha256:<hex>``."""
    found = REFERENCE.match(reference) if isinstance(reference, str) else None
    if found is None:
        raise ValidationError(field, "must be an uploaded document's reference, sha256:<hex> "
                                     "(POST /api/v1/documents)")
    return found.group(1)


# A tiny valid PDF: the spec's example of a document (the tests upload it first).
EXAMPLE_PDF = b"%PDF-1.4\n% certsvc example document\n%%EOF\n"
EXAMPLE_REFERENCE = "sha256:" + hashlib.sha256(EXAMPLE_PDF).hexdigest()
