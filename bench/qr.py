"""QR PNG renders per second for the reference licence, one core, version 12 at level Q.

Baseline in the same run: the ``qrcode`` package with version and mask fixed (its fastest
setting), same text, same level. Goal: certsvc >= 500/s.
Run: .venv/bin/python bench/qr.py
"""

from __future__ import annotations

import io

import qrcode
from common import rate, reference_qr, signer_and_trust_list

from certsvc.credential.qr_image import qr_png, qr_version, read_qr


def qrcode_png(text: str) -> bytes:
    prefix, digits = text.rsplit("/", 1)
    code = qrcode.QRCode(version=12, error_correction=qrcode.constants.ERROR_CORRECT_Q,
                         mask_pattern=0, box_size=4, border=4)
    code.add_data(qrcode.util.QRData(prefix + "/", mode=qrcode.util.MODE_ALPHA_NUM))
    code.add_data(qrcode.util.QRData(digits, mode=qrcode.util.MODE_NUMBER))
    code.make(fit=False)
    out = io.BytesIO()
    code.make_image().save(out)
    return out.getvalue()


def main() -> None:
    signer, _ = signer_and_trust_list()
    token, text = reference_qr(signer)
    assert read_qr(qr_png(text)) == text
    print(f"reference token: {len(token)} bytes; QR text {len(text)} characters; "
          f"version {qr_version(text)} at level Q")
    ours = rate(lambda: qr_png(text))
    base = rate(lambda: qrcode_png(text), seconds=1.0)
    print(f"qrcode (version+mask fixed): {base:8.0f} PNG/s")
    print(f"certsvc (zxing-cpp/zint):    {ours:8.0f} PNG/s   ratio {ours / base:.1f}x "
          f"(goal >= 500/s)")


if __name__ == "__main__":
    main()
