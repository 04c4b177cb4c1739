"""The OFD licence with its electronic seal (issue 15): read back by an OFD reader we did not
write (easyofd), its QR decoded by zxing-cpp, its seal taken apart by a DER decoder we did
not write (pyasn1) and verified with an SM2/SM3 implementation we did not write (gmssl); a
one-byte change anywhere fails. Through the bureau API and the public site too."""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import datetime as dt
import io
import json
import logging
import zipfile
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from freezegun import freeze_time
from gmssl import sm2 as independent_sm2
from gmssl import sm3 as independent_sm3
from hypothesis import given, settings
from hypothesis import strategies as st
from pyasn1.codec.der import decoder, encoder
from sqlalchemy import Engine

from certsvc.credential.algorithms import Algorithm
from certsvc.credential.qr_image import read_qr
from certsvc.credential.ses import verify_signature
from certsvc.domain.licence import Licence, LicenceStatus
from certsvc.domain.time import utcnow
from certsvc.errors import MalformedToken, SealUnavailable
from certsvc.publish.artefacts import publish_trust_list
from certsvc.render.ofd import read_sealed
from certsvc.signer.keystore import KeyStore
from certsvc.signer.signer import Signer
from certsvc.store import writer
from certsvc.store.db import make_engine, migrate
from certsvc.store.reader import LicenceReader
from certsvc.workflow.issuance import IssuedLicence, Issuer
from certsvc.workflow.licence_files import LicenceFiles
from tests.conftest import (
    ISSUE_TIME,
    KEYS_CREATED,
    PASSPHRASE,
    PUBLIC_URL,
    REFERENCE,
    Api,
    run,
)
from tests.test_cli_workflow import account
from tests.test_public_site import make_client

SIGNATURE_XML = "Doc_0/Signs/Sign_0/Signature.xml"
SIGNATURES_XML = "Doc_0/Signs/Signatures.xml"
SIGNED_VALUE = "Doc_0/Signs/Sign_0/SignedValue.dat"
MADE = ISSUE_TIME + dt.timedelta(hours=1)


@pytest.fixture
def sm2_setup(tmp_path: Path) -> tuple[Engine, Signer, IssuedLicence]:
    keystore = KeyStore(tmp_path / "keys", PASSPHRASE)
    keystore.init(KEYS_CREATED, Algorithm.SM2)
    engine = make_engine(f"sqlite:///{tmp_path / 'ofd.db'}")
    migrate(engine)
    signer = Signer(keystore)
    issued = Issuer(engine, signer, PUBLIC_URL).issue(
        Licence.from_dict(json.loads(REFERENCE.read_text("utf-8"))), ISSUE_TIME)
    return engine, signer, issued


def _ofd(setup: tuple[Engine, Signer, IssuedLicence]) -> tuple[bytes, str]:
    engine, signer, issued = setup
    assert issued.licence.number is not None
    record = LicenceReader(engine).by_number(issued.licence.number)
    return LicenceFiles(engine, signer, PUBLIC_URL).ofd(record, MADE)


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return {name: package.read(name) for name in package.namelist()}


def _zip(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        for name, data in parts.items():
            package.writestr(name, data)
    return out.getvalue()


def _independently_verified(data: bytes) -> str:
    """Check a sealed OFD with code we did not write: every reference's SM3 (gmssl), the
    seal signature's hash of Signature.xml, and its SM2 signature (gmssl) by the
    certificate it carries (pyasn1 takes the DER apart). Returns the seal's name."""
    parts = _parts(data)
    signature_xml = parts[SIGNATURE_XML].decode()
    for reference in signature_xml.split("<ofd:Reference ")[1:]:
        path = reference.split('FileRef="/')[1].split('"')[0]
        value = reference.split("<ofd:CheckValue>")[1].split("<")[0]
        assert path in parts, f"{path} is referenced but missing"
        digest = bytes.fromhex(independent_sm3.sm3_hash(list(parts[path])))
        assert base64.b64encode(digest).decode() == value, f"{path} changed"
    signature, _ = decoder.decode(parts[SIGNED_VALUE])
    to_sign, cert, algorithm, value = (signature[i] for i in range(4))
    assert str(algorithm) == "1.2.156.10197.1.501"
    data_hash = bytes(to_sign[3].asOctets())
    assert data_hash.hex() == independent_sm3.sm3_hash(list(parts[SIGNATURE_XML]))
    certificate, _ = decoder.decode(bytes(cert))
    point = bytes(certificate[0][6][1].asOctets())  # tbs → subjectPublicKeyInfo → key
    r_s, _ = decoder.decode(bytes(value.asOctets()))
    raw = f"{int(r_s[0]):064x}{int(r_s[1]):064x}"
    checker = independent_sm2.CryptSM2(private_key="", public_key=point[1:].hex(), mode=1)
    assert checker.verify_with_sm3(raw, encoder.encode(to_sign)), "seal signature"
    seal_info = to_sign[1][0]
    return str(seal_info[2][1])  # property → name


# --- the file, read by others ---------------------------------------------------------------
def test_an_ofd_reader_we_did_not_write_finds_the_fields_and_the_qr(sm2_setup: Any) -> None:
    from easyofd.ofd import OFD

    logging.getLogger("easyofd").setLevel(logging.ERROR)
    data, name = _ofd(sm2_setup)
    _, _, issued = sm2_setup
    assert name.startswith("1.2.156.3005.2.") and name.endswith(".001." + name[-5] + ".ofd")
    reader = OFD()
    reader.read(data, fmt="binary")
    [document] = reader.data
    texts = [t["text"] for page in document["page_content_info"].values()
             for t in page["text_list"]]
    assert "全国工业产品生产许可证" in texts
    assert "证书编号：浙XK06-001-00012" in texts
    assert f"统一社会信用代码：{issued.licence.enterprise.uscc}" in texts
    assert any(t.startswith("电子证照标识：1.2.156.3005.2.") for t in texts)
    [image] = document["images"].values()
    assert read_qr(base64.b64decode(image["imgb64"])) == issued.qr_text  # zxing-cpp
    [[seal]] = document["signatures_page_id"].values()
    assert seal["Boundary"] and seal["SignedValue"]


def test_the_embedded_font_draws_every_character_on_the_page(sm2_setup: Any) -> None:
    """The OFD carries its font (a subset), so a viewer without a Chinese font still draws
    the page: every character of every text easyofd reads off the page is in the font's
    character map, and the page's fonts name that file."""
    from easyofd.ofd import OFD
    from fontTools.ttLib import TTFont

    logging.getLogger("easyofd").setLevel(logging.ERROR)
    data, _ = _ofd(sm2_setup)
    parts = _parts(data)
    assert b"<ofd:FontFile>font.ttf</ofd:FontFile>" in parts["Doc_0/PublicRes.xml"]
    font = TTFont(io.BytesIO(parts["Doc_0/Res/font.ttf"]))
    covered = set(font.getBestCmap())
    reader = OFD()
    reader.read(data, fmt="binary")
    [document] = reader.data
    texts = [t["text"] for page in document["page_content_info"].values()
             for t in page["text_list"]]
    assert texts and all(ord(c) in covered for text in texts for c in text)
    assert len(parts["Doc_0/Res/font.ttf"]) < 100_000  # a subset, not the whole font


def test_the_seal_verifies_with_code_we_did_not_write(sm2_setup: Any) -> None:
    data, _ = _ofd(sm2_setup)
    assert _independently_verified(data) == "浙江省市场监督管理局"
    from easyofd.parser_ofd.find_seal_img import SealExtract

    with_seal = SealExtract()  # easyofd's own seal-picture finder, on our SignedValue.dat
    decoded = decoder.decode(_parts(data)[SIGNED_VALUE])[0]
    pictures: list[Any] = []
    with_seal.find_octet_strings(decoded, pictures)
    assert any(bytes(p.asOctets()).startswith(b"\x89PNG") for p in pictures)


@pytest.mark.parametrize("part", [
    "Doc_0/Pages/Page_0/Content.xml", "OFD.xml", "Doc_0/Res/qr.png", SIGNATURE_XML])
def test_a_one_byte_change_anywhere_fails(sm2_setup: Any, part: str) -> None:
    data, _ = _ofd(sm2_setup)
    parts = _parts(data)
    changed = bytearray(parts[part])
    changed[len(changed) // 2] ^= 1
    parts[part] = bytes(changed)
    tampered = _zip(parts)
    with pytest.raises(AssertionError):
        _independently_verified(tampered)
    with pytest.raises((ValueError, MalformedToken)):
        sealed = read_sealed(tampered)
        verify_signature(sealed.signed_value, sealed.signature_xml)


def test_a_changed_signature_value_fails_and_ours_agrees(sm2_setup: Any) -> None:
    data, _ = _ofd(sm2_setup)
    sealed = read_sealed(data)
    check = verify_signature(sealed.signed_value, sealed.signature_xml)
    assert (check.seal_name, check.bureau_code) == ("浙江省市场监督管理局", "33")
    assert check.picture_png.startswith(b"\x89PNG")
    flipped = bytearray(sealed.signed_value)
    flipped[-5] ^= 1
    with pytest.raises(MalformedToken):
        verify_signature(bytes(flipped), sealed.signature_xml)


def test_an_extra_part_outside_the_seal_is_refused(sm2_setup: Any) -> None:
    data, _ = _ofd(sm2_setup)
    parts = _parts(data) | {"Doc_0/Res/extra.png": b"\x89PNG"}
    with pytest.raises(ValueError, match="outside the seal"):
        read_sealed(_zip(parts))


@given(st.binary(max_size=400))
@settings(max_examples=100, deadline=None)
def test_any_bytes_as_a_seal_signature_raise_only_malformed_token(data: bytes) -> None:
    with contextlib.suppress(MalformedToken):
        verify_signature(data, b"")


@given(st.binary(max_size=400))
@settings(max_examples=100, deadline=None)
def test_any_bytes_as_an_ofd_raise_only_value_error(data: bytes) -> None:
    with contextlib.suppress(ValueError):
        read_sealed(data)


def test_an_ed25519_bureau_has_no_seal(signer: Signer, issuer: Issuer, engine: Engine) -> None:
    issued = issuer.issue(Licence.from_dict(json.loads(REFERENCE.read_text("utf-8"))),
                          ISSUE_TIME)
    assert issued.licence.number is not None
    record = LicenceReader(engine).by_number(issued.licence.number)
    with pytest.raises(SealUnavailable, match="--algorithm sm2"):
        LicenceFiles(engine, signer, PUBLIC_URL).ofd(record, MADE)


def test_the_file_is_made_once_per_version(sm2_setup: Any) -> None:
    first, name = _ofd(sm2_setup)
    again, same = _ofd(sm2_setup)
    assert (again, same) == (first, name)  # kept, not sealed again


# --- through the services ------------------------------------------------------------------
@freeze_time("2026-06-01 02:00:00")
def test_the_bureau_api_serves_the_ofd_to_whom_it_belongs(api: Api, issuer: Issuer) -> None:
    from tests.test_authorisation import _licence

    _licence(api, issuer)
    refused = api.get("/api/v1/licences/浙XK06-001-00012/ofd", "enterprise")
    assert refused.status_code == 409 and refused.json is not None  # Zhejiang is Ed25519
    assert refused.json["type"].endswith("seal-unavailable")
    keystore = issuer.signer.keystore
    from certsvc.domain.bureaus import bureau_by_code

    keystore.rotate(bureau_by_code("33"), utcnow() - dt.timedelta(hours=1), Algorithm.SM2)
    made = api.get("/api/v1/licences/浙XK06-001-00012/ofd", "enterprise")
    assert made.status_code == 200 and made.mimetype == "application/ofd"
    assert _independently_verified(made.data) == "浙江省市场监督管理局"
    assert api.get("/api/v1/licences/浙XK06-001-00012/ofd", "zhejiang").data == made.data
    assert api.get("/api/v1/licences/浙XK06-001-00012/ofd", "other_enterprise"
                   ).status_code == 404
    assert api.get("/api/v1/licences/浙XK06-001-00012/ofd", "jiangsu").status_code == 403
    assert api.get("/api/v1/licences/浙XK06-001-00012/ofd", "department").status_code == 403
    assert api.get("/api/v1/licences/nonsense/ofd", "enterprise").status_code == 422


def test_the_public_site_serves_the_stored_ofd_and_links_it(
        sm2_setup: Any, tmp_path: Path) -> None:
    engine, signer, issued = sm2_setup
    url = str(engine.url)
    published = tmp_path / "site"
    published.mkdir()
    publish_trust_list(signer, published / "trust-list.cose", utcnow())
    client: FlaskClient = make_client(url, published, signer)
    number = issued.licence.number
    assert number is not None
    absent = client.get(f"/licence/{number.canonical}.ofd")
    assert absent.status_code == 404
    assert "ofd" not in client.get(f"/api/v1/licences/{number.canonical}").get_json()["links"]
    data, _ = _ofd(sm2_setup)
    served = client.get(f"/licence/{number.canonical}.ofd")
    assert served.status_code == 200 and served.data == data
    assert "1.2.156.3005.2." in served.headers["Content-Disposition"]
    page = client.get(f"/licence/{number.canonical}").get_data(as_text=True)
    assert f'href="/licence/{number.canonical}.ofd"' in page
    links = client.get(f"/api/v1/licences/{number.canonical}").get_json()["links"]
    assert links["ofd"] == f"/licence/{number.canonical}.ofd"
    # revoked: the file (which says valid as of its sealing) is no longer offered (issue 24)
    with engine.begin() as conn:
        writer.set_status(conn, number, LicenceStatus.REVOKED, utcnow(),
                          {"action": "revoke", "reason": "以欺骗手段取得"})
    gone = client.get(f"/licence/{number.canonical}.ofd")
    assert gone.status_code == 410 and "no longer offered" in gone.get_data(as_text=True)
    assert "ofd" not in client.get(f"/api/v1/licences/{number.canonical}").get_json()["links"]
    page = client.get(f"/licence/{number.canonical}").get_data(as_text=True)
    assert f'href="/licence/{number.canonical}.ofd"' not in page


# --- on the command line ---------------------------------------------------------------------
def test_the_operator_writes_and_anyone_verifies_the_ofd_offline(
        env: dict[str, str], tmp_path: Path) -> None:
    with freeze_time("2026-01-01"):
        made = run(env, "keys", "init", "--algorithm", "ed25519", "--bureau-algorithm",
                   "浙=sm2")
    assert made.exit_code == 0, made.output
    listed = run(env, "keys", "list").output
    assert " 33  sm2 " in listed and " 32  ed25519 " in listed
    bad = run(env, "keys", "init", "--bureau-algorithm", "33=rsa")
    assert bad.exit_code == 2 and "unknown algorithm" in bad.output
    with freeze_time("2026-03-15 02:00:00"):
        issued = run(env, "licence", "issue", "--file", str(REFERENCE), "--json")
        assert issued.exit_code == 0, issued.output
        out = tmp_path / "licence.ofd"
        wrote = run(env, "licence", "ofd", "浙XK06-001-00012", "--out", str(out))
        assert wrote.exit_code == 0 and "1.2.156.3005.2." in wrote.output, wrote.output
        run(env, "keys", "trust-list", "--out", str(tmp_path / "trust.cose"))
        # without the status list: the seal is intact, the licence's status unchecked (3)
        unchecked = run(env, "verify-ofd", str(out), "--trust-list",
                        str(tmp_path / "trust.cose"))
        assert unchecked.exit_code == 3 and "status was not checked" in unchecked.output
        assert "浙江省市场监督管理局" in unchecked.output and "浙XK06-001-00012" in unchecked.output
        assert run(env, "publish").exit_code == 0
        status_list = str(Path(env["CERTSVC_PUBLISH_DIR"]) / "status-list.cose")
        checked = run(env, "verify-ofd", str(out), "--trust-list", str(tmp_path / "trust.cose"),
                      "--status-list", status_list)
        assert checked.exit_code == 0, checked.output
        assert "Status as sealed" in checked.output and "有效" in checked.output
        parts = _parts(out.read_bytes())
        parts["OFD.xml"] = parts["OFD.xml"].replace("浙XK06".encode(), "苏XK06".encode())
        (tmp_path / "changed.ofd").write_bytes(_zip(parts))
        refused = run(env, "verify-ofd", str(tmp_path / "changed.ofd"), "--trust-list",
                      str(tmp_path / "trust.cose"))
        assert refused.exit_code == 1 and "OFD.xml was changed" in refused.output
        unsealable = run(env, "licence", "ofd", "浙XK06-001-99999", "--out", str(out))
        assert unsealable.exit_code != 0
        (tmp_path / "not.ofd").write_bytes(b"%PDF-1.7")
        unusable = run(env, "verify-ofd", str(tmp_path / "not.ofd"), "--trust-list",
                       str(tmp_path / "trust.cose"))
        assert unusable.exit_code == 2 and "not an OFD package" in unusable.output
        # revoked since: the file still says what it said, verify-ofd says what is true now
        bureau = account(env, "--role", "provincial", "--bureau", "浙")
        revoked = run(env, "licence", "act", "浙XK06-001-00012", "revoke", "--as", str(bureau),
                      "--data", '{"reason": "以欺骗手段取得", "legal_basis": "条例第四十九条"}')
        assert revoked.exit_code == 0, revoked.output
        assert run(env, "publish").exit_code == 0
        now_revoked = run(env, "verify-ofd", str(out), "--trust-list",
                          str(tmp_path / "trust.cose"), "--status-list", status_list)
        assert now_revoked.exit_code == 1, now_revoked.output
        assert "Seal valid" in now_revoked.output and "revoked" in now_revoked.output.lower()


PROFILE = Path(__file__).parent / "data" / "ofd-profile.xsd"


def _schema_errors(parts: dict[str, bytes]) -> list[str]:
    """Every XML part against the profile of GB/T 33190's Annex A (tests/data), and every
    reference between parts (a font, an image, a stamp's page) to an object that exists."""
    from lxml import etree

    schema = etree.XMLSchema(etree.parse(str(PROFILE)))
    errors, defined, referred = [], set(), []
    for name, part in sorted(parts.items()):
        if not name.endswith(".xml"):
            continue
        document = etree.fromstring(part)
        if not schema.validate(document):
            errors += [f"{name}:{e.line}: {e.message}" for e in schema.error_log]
        for element in document.iter():
            tag = etree.QName(element).localname
            if tag not in ("Signature", "StampAnnot") and element.get("ID"):
                defined.add(element.get("ID"))
            referred += [(name, tag, element.get(a)) for a in ("Font", "ResourceID", "PageRef")
                         if element.get(a) is not None]
    errors += [f"{name}: {tag} refers to {ref}, which no part defines"
               for name, tag, ref in referred if ref not in defined]
    return errors


def test_every_ofd_part_is_valid_against_the_standard_s_schema(sm2_setup: Any) -> None:
    """Issue 24: validate every OFD the project writes against the standard's XSD. The
    first version and a changed licence's second (the only writer is render/ofd.py)."""
    engine, signer, issued = sm2_setup
    first, _ = _ofd(sm2_setup)
    assert _schema_errors(_parts(first)) == []
    changed = dataclasses.replace(issued.licence, enterprise=dataclasses.replace(
        issued.licence.enterprise, residence="浙江省杭州市西湖区文三路200号"))
    with engine.begin() as conn:
        Issuer(engine, signer, PUBLIC_URL).reissue_in(conn, changed, MADE)
    second, name = _ofd(sm2_setup)
    assert ".002." in name and second != first
    assert _schema_errors(_parts(second)) == []


@pytest.mark.parametrize(("part", "old", "new", "found"), [
    ("OFD.xml", b'Version="1.0"', b'Version="1.2"', "Version"),
    ("OFD.xml", b"<ofd:DocID>", b"<ofd:DocID>X", "DocID"),
    (SIGNATURES_XML, b'ID="s1"', b'ID="1"', "ID"),
    (SIGNATURE_XML, b'ID="s1a1"', b'ID="1"', "ID"),
    ("Doc_0/Document.xml", b"<ofd:MaxUnitID>", b"<ofd:MaxUnitID>-", "MaxUnitID"),
    ("Doc_0/Pages/Page_0/Content.xml", b'Font="1"', b'Font="99"', "refers to 99"),
    ("Doc_0/Pages/Page_0/Content.xml", b'Boundary="45 30 99 12.6"', b'Boundary="45 30 99"',
     "Boundary"),
])
def test_the_schema_check_finds_what_the_review_found(
        sm2_setup: Any, part: str, old: bytes, new: bytes, found: str) -> None:
    """The check can fail: the defects the review found (Version 1.2, IDs "1", a DocID that
    is no UUID) and others of their kind, each caught."""
    parts = _parts(_ofd(sm2_setup)[0])
    assert old in parts[part], part
    parts[part] = parts[part].replace(old, new, 1)
    errors = _schema_errors(parts)
    assert errors and any(found in e for e in errors), errors


def test_the_ofd_keeps_the_standards_forms(sm2_setup: Any) -> None:
    """Issue 24: Version 1.2 where GB/T 33190-2016 and its schema say 1.0; signature and
    stamp IDs "1", not xs:ID values (NCNames); a DocID that was not a UUID; a MaxUnitID
    above the largest object ID: the rules the review found broken, checked by hand beside
    the schema (tests/data/ofd-profile.xsd), which cannot say "the largest ID"."""
    import re
    import uuid
    import xml.etree.ElementTree as ET

    data, _ = _ofd(sm2_setup)
    parts = _parts(data)
    ofd = ET.fromstring(parts["OFD.xml"])
    assert ofd.get("Version") == "1.0" and ofd.get("DocType") == "OFD"
    doc_id = next(e.text for e in ofd.iter() if e.tag.endswith("DocID"))
    assert doc_id is not None and uuid.UUID(hex=doc_id).hex == doc_id and len(doc_id) == 32
    ncname = re.compile(r"[A-Za-z_][\w.\-]*")
    object_ids: list[int] = []
    for name, part in parts.items():
        if not name.endswith(".xml"):
            continue
        for element in ET.fromstring(part).iter():
            tag = element.tag.rsplit("}", 1)[-1]
            if tag in ("Signature", "StampAnnot") and element.get("ID") is not None:
                assert ncname.fullmatch(element.get("ID", "")), (name, tag)
            elif element.get("ID") is not None:
                object_ids.append(int(element.get("ID", "")))  # ST_ID: unsigned integers
            if tag == "MaxSignId":
                assert ncname.fullmatch(element.text or ""), name
    document = ET.fromstring(parts["Doc_0/Document.xml"])
    max_unit = next(e.text for e in document.iter() if e.tag.endswith("MaxUnitID"))
    assert max_unit is not None and int(max_unit) == max(object_ids)
    assert len(object_ids) == len(set(object_ids))  # every object its own ID
