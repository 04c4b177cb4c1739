"""Sealed OFD files per second for the reference licence: the certificate page drawn, its
font subset and embedded, the QR rendered, every part hashed with SM3 and the GB/T 38540
seal signature made (two SM2 signatures: the seal's and the document's), zipped.

Baseline in the same run: bare SM2 signatures per second (Tongsuo), since two of them are
the floor of any sealed file. The seal picture is drawn once per bureau (cached), as in the
service. Run: .venv/bin/python bench/ofd.py
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from common import NOW, PUBLIC_URL, rate, reference_licence, signer_and_trust_list

from certsvc.credential.algorithms import Algorithm
from certsvc.credential.qr_image import qr_png
from certsvc.credential.qr_text import qr_text
from certsvc.render.ofd import licence_ofd
from certsvc.render.pdf import find_font
from certsvc.render.seal_image import seal_png
from certsvc.signer import private_keys
from certsvc.store.db import make_engine, migrate
from certsvc.store.reader import LicenceReader
from certsvc.workflow.issuance import Issuer
from certsvc.workflow.licence_files import licence_face


def main() -> None:
    signer, _ = signer_and_trust_list(Algorithm.SM2)
    engine = make_engine(f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}")
    migrate(engine)
    issued = Issuer(engine, signer, PUBLIC_URL).issue(reference_licence(), NOW)
    assert issued.licence.number is not None
    record = LicenceReader(engine).by_number(issued.licence.number)
    font = find_font(None)
    picture = seal_png(record.issuer.name, font)
    code = record.number.bureau_code

    def one() -> bytes:
        face = licence_face(record, 1)
        return licence_ofd(
            face, qr_png(qr_text(PUBLIC_URL, issued.token)),
            lambda data, where, at: signer.seal_document(code, picture, data, where, at), NOW,
            font)

    size = len(one())
    key = private_keys.generate(Algorithm.SM2)
    message = bytes(1000)
    signs = rate(lambda: key.sign(message))
    files = rate(one, seconds=4.0)
    print(f"bare SM2/SM3 sign (Tongsuo):  {signs:10.0f} /s   (the baseline)")
    print(f"sealed OFD files:             {files:10.1f} /s   ({size} bytes each)")
    print(f"ratio to half the bare rate:  {files / (signs / 2):10.2f}   (two signatures a file)")


if __name__ == "__main__":
    main()
