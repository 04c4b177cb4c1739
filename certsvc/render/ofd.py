"""The licence as an OFD file (GB/T 33190-2016), sealed with the bureau's electronic seal.

OFD is China's fixed-layout document format, the one its electronic-licence systems exchange
(GB/T 36905-2018 asks for it). The package is a ZIP of XML parts: ``OFD.xml`` (the document's
information, and here the licence's metadata items of GB/T 36903 as custom data), the
document, its resources (the CJK font, subset to the characters the page uses and embedded,
so the file reads the same in any viewer, as the PDF does; the QR as PNG), one A4 page with
the certificate's fields in Chinese, the QR and the seal's place; and the signature:
``Signature.xml`` lists the SM3 of every other part, and ``SignedValue.dat`` is the GB/T
38540 ``SES_Signature`` over ``Signature.xml`` (:mod:`certsvc.credential.ses`), so a
changed byte anywhere fails.

    data = licence_ofd(face, qr_png_bytes, seal_signer, now, font_path)
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree as ET

from fontTools import subset
from fontTools.ttLib import TTFont

from certsvc.credential.algorithms import OID_SM2_WITH_SM3
from certsvc.credential.ses import SealCheck, verify_signature
from certsvc.credential.sm2 import sm3
from certsvc.credential.trust_list import KeyState, TrustList, key_id
from certsvc.errors import MalformedToken

NAMESPACE = "http://www.ofdspec.org/2016"
OID_SM3 = "1.2.156.10197.1.401"
DOC = "Doc_0"
SIGNATURE_XML = f"/{DOC}/Signs/Sign_0/Signature.xml"
SIGNED_VALUE = f"/{DOC}/Signs/Sign_0/SignedValue.dat"
PAGE_ID, LAYER_ID, FONT_ID, QR_ID = 2, 3, 1, 4
OFD_VERSION = "1.0"  # GB/T 33190-2016 and its schema: "文件格式的版本号，取值为“1.0”"
# a signature's and a stamp annotation's IDs are xs:ID (an NCName: not a bare number)
SIGNATURE_ID, STAMP_ID = "s1", "s1a1"
SEAL_BOX = (140.0, 225.0, 40.0, 40.0)  # x, y, width, height in mm: over the issuer's line
ET.register_namespace("ofd", NAMESPACE)


@dataclass(frozen=True)
class LicenceFace:
    """What the certificate shows (照面信息), in order, and what it is called by."""

    title: str
    lines: tuple[tuple[str, str], ...]  # (label, value)
    identifier: str
    custom_data: tuple[tuple[str, str], ...]  # metadata items: (name, value)


# signs ``Signature.xml`` for the bureau: (data, property_info, now) -> SES_Signature DER
SealSigner = Callable[[bytes, str, dt.datetime], bytes]


def _tag(name: str) -> str:
    return f"{{{NAMESPACE}}}{name}"


def _element(name: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.Element(_tag(name), attributes)
    element.text = text
    return element


def _child(parent: ET.Element, name: str, text: str | None = None,
           **attributes: str) -> ET.Element:
    element = _element(name, text, **attributes)
    parent.append(element)
    return element


def _xml(root: ET.Element) -> bytes:
    return (b'<?xml version="1.0" encoding="UTF-8"?>'
            + ET.tostring(root, encoding="unicode").encode())


def _ofd_xml(face: LicenceFace, now: dt.datetime) -> bytes:
    root = _element("OFD", Version=OFD_VERSION, DocType="OFD")
    body = _child(root, "DocBody")
    info = _child(body, "DocInfo")
    # "采用UUID算法生成的由32个字符组成的文件标识" (GB/T 33190-2016 7.4): the version's own, so
    # the same licence version always makes the same file
    _child(info, "DocID", uuid.uuid5(uuid.NAMESPACE_URL, face.identifier).hex)
    _child(info, "Title", face.title)
    _child(info, "Author", "certsvc")
    _child(info, "CreationDate", now.astimezone(dt.UTC).date().isoformat())
    custom = _child(info, "CustomDatas")
    for name, value in face.custom_data:
        _child(custom, "CustomData", value, Name=name)
    _child(body, "DocRoot", f"{DOC}/Document.xml")
    _child(body, "Signatures", f"{DOC}/Signs/Signatures.xml")
    return _xml(root)


def _max_unit_id(face: LicenceFace) -> int:
    """The largest object ID in the document (GB/T 33190 7.5 CommonData/MaxUnitID): the
    resources and page (1–4), a text object per line of the page, then the QR image."""
    return QR_ID + len(_page_text(face)) + 1


def _document_xml(face: LicenceFace) -> bytes:
    root = _element("Document")
    common = _child(root, "CommonData")
    _child(common, "MaxUnitID", str(_max_unit_id(face)))
    area = _child(common, "PageArea")
    _child(area, "PhysicalBox", "0 0 210 297")
    _child(common, "PublicRes", "PublicRes.xml")
    _child(common, "DocumentRes", "DocumentRes.xml")
    pages = _child(root, "Pages")
    _child(pages, "Page", ID=str(PAGE_ID), BaseLoc="Pages/Page_0/Content.xml")
    return _xml(root)


@dataclass(frozen=True)
class EmbeddedFont:
    name: str  # the font's family name, as the OFD names it
    data: bytes  # a TrueType font holding the page's characters only


def embedded_font(path: Path, text: str) -> EmbeddedFont:
    """The font at ``path`` (the first of a collection) subset to ``text``'s characters:
    about 25 KB for a licence page, where the whole CJK font is several MB."""
    font = TTFont(str(path), fontNumber=0, lazy=True)
    options = subset.Options()
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.drop_tables += ["FFTM"]  # FontForge's timestamps: nothing to subset, no warning
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return EmbeddedFont(str(font["name"].getDebugName(1)), out.getvalue())


def _public_res_xml(font: EmbeddedFont) -> bytes:
    root = _element("Res", BaseLoc="Res")
    fonts = _child(root, "Fonts")
    entry = _child(fonts, "Font", ID=str(FONT_ID), FontName=font.name, FamilyName=font.name)
    _child(entry, "FontFile", "font.ttf")
    return _xml(root)


def _document_res_xml() -> bytes:
    root = _element("Res", BaseLoc="Res")
    media = _child(_child(root, "MultiMedias"), "MultiMedia", ID=str(QR_ID), Type="Image",
                   Format="PNG")
    _child(media, "MediaFile", "qr.png")
    return _xml(root)


def _text(layer: ET.Element, object_id: int, x: float, y: float, size: float,
          text: str) -> None:
    width = max(10.0, size * len(text))
    element = _child(layer, "TextObject", ID=str(object_id), Font=str(FONT_ID),
                     Size=f"{size:g}", Boundary=f"{x:g} {y:g} {width:g} {size * 1.4:g}")
    _child(element, "FillColor", Value="0 0 0")
    _child(element, "TextCode", text, X="0", Y=f"{size:g}")


def _page_text(face: LicenceFace) -> list[str]:
    """The page's lines, title first, identifier last: what is drawn, and what the font
    embedded with it must hold."""
    return [face.title, *(f"{label}：{value}" for label, value in face.lines),
            f"电子证照标识：{face.identifier}"]


def _content_xml(face: LicenceFace) -> bytes:
    root = _element("Page")
    layer = _child(_child(root, "Content"), "Layer", ID=str(LAYER_ID))
    title, *lines, identifier = _page_text(face)
    next_id = QR_ID + 1
    _text(layer, next_id, 45, 30, 9, title)
    y = 62.0
    for line in lines:
        next_id += 1
        _text(layer, next_id, 25, y, 4.2, line)
        y += 12
    next_id += 1
    _text(layer, next_id, 25, 270, 3, identifier)
    _child(layer, "ImageObject", ID=str(next_id + 1), ResourceID=str(QR_ID),
           Boundary="25 215 45 45", CTM="45 0 0 45 0 0")
    return _xml(root)


def _signatures_xml() -> bytes:
    root = _element("Signatures")
    _child(root, "MaxSignId", SIGNATURE_ID)
    _child(root, "Signature", ID=SIGNATURE_ID, Type="Seal", BaseLoc="Sign_0/Signature.xml")
    return _xml(root)


def _signature_xml(parts: dict[str, bytes], now: dt.datetime) -> bytes:
    root = _element("Signature")
    info = _child(root, "SignedInfo")
    _child(info, "Provider", ProviderName="certsvc", Version="1", Company="certsvc")
    _child(info, "SignatureMethod", OID_SM2_WITH_SM3)
    _child(info, "SignatureDateTime", now.astimezone(dt.UTC).strftime("%Y%m%d%H%M%SZ"))
    references = _child(info, "References", CheckMethod=OID_SM3)
    for path, data in sorted(parts.items()):
        reference = _child(references, "Reference", FileRef="/" + path)
        _child(reference, "CheckValue", base64.b64encode(sm3(data)).decode())
    x, y, w, h = SEAL_BOX
    _child(info, "StampAnnot", ID=STAMP_ID, PageRef=str(PAGE_ID),
           Boundary=f"{x:g} {y:g} {w:g} {h:g}")
    _child(root, "SignedValue", SIGNED_VALUE.rsplit("/", 1)[1])  # beside Signature.xml
    return _xml(root)


def licence_ofd(face: LicenceFace, qr_png: bytes, seal: SealSigner, now: dt.datetime,
                font_path: Path) -> bytes:
    """The sealed OFD package of one licence, its font embedded from ``font_path``."""
    font = embedded_font(font_path, "".join(_page_text(face)))
    parts = {
        "OFD.xml": _ofd_xml(face, now),
        f"{DOC}/Document.xml": _document_xml(face),
        f"{DOC}/PublicRes.xml": _public_res_xml(font),
        f"{DOC}/DocumentRes.xml": _document_res_xml(),
        f"{DOC}/Pages/Page_0/Content.xml": _content_xml(face),
        f"{DOC}/Res/font.ttf": font.data,
        f"{DOC}/Res/qr.png": qr_png,
        f"{DOC}/Signs/Signatures.xml": _signatures_xml(),
    }
    signature = _signature_xml(parts, now)
    parts[SIGNATURE_XML.lstrip("/")] = signature
    parts[SIGNED_VALUE.lstrip("/")] = seal(signature, SIGNATURE_XML, now)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for path, data in parts.items():
            info = zipfile.ZipInfo(path, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            package.writestr(info, data)
    return out.getvalue()


@dataclass(frozen=True)
class SealedParts:
    """An OFD package read back for checking: its parts, its signature and what it signs."""

    parts: dict[str, bytes]
    signature_xml: bytes
    signed_value: bytes


def read_sealed(data: bytes, max_bytes: int = 8 << 20) -> SealedParts:
    """The parts of a sealed OFD, after checking every reference's SM3 against its part; a
    ValueError says which part was changed, or that the package is not one of ours."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            if sum(i.file_size for i in package.infolist()) > max_bytes:
                raise ValueError("the package is too large")
            parts = {i.filename: package.read(i) for i in package.infolist()}
    except zipfile.BadZipFile as exc:
        raise ValueError(f"not an OFD package: {exc}") from None
    signature_xml = parts.get(SIGNATURE_XML.lstrip("/"))
    signed_value = parts.get(SIGNED_VALUE.lstrip("/"))
    if signature_xml is None or signed_value is None:
        raise ValueError("the package carries no seal signature")
    root = ET.fromstring(signature_xml)
    referenced = set()
    for reference in root.iter(_tag("Reference")):
        path = reference.get("FileRef", "").lstrip("/")
        value = reference.findtext(_tag("CheckValue"), "")
        if path not in parts or base64.b64encode(sm3(parts[path])).decode() != value:
            raise ValueError(f"{path} was changed after sealing")
        referenced.add(path)
    unsigned = set(parts) - referenced - {SIGNATURE_XML.lstrip("/"), SIGNED_VALUE.lstrip("/")}
    if unsigned:
        raise ValueError(f"parts outside the seal: {', '.join(sorted(unsigned))}")
    return SealedParts(parts, signature_xml, signed_value)


@dataclass(frozen=True)
class CheckedOfd:
    """A sealed OFD whose parts, seal and sealing key all check out."""

    seal: SealCheck
    custom_data: dict[str, str]  # OFD.xml's custom data: the licence's metadata items
    qr_png: bytes | None  # the licence's QR code as sealed: its token says whose licence

    @property
    def identifier(self) -> str:
        return self.custom_data.get("证照标识", "")


def check_ofd(data: bytes, trust_list: TrustList) -> CheckedOfd:
    """Verify a sealed licence OFD offline: every part against its SM3 in Signature.xml, the
    GB/T 38540 seal signature over Signature.xml, and the sealing certificate against the
    trust list (a bureau key, not revoked, sealing inside its window). MalformedToken says
    what failed."""
    try:
        sealed = read_sealed(data)
    except ValueError as exc:
        raise MalformedToken(str(exc)) from None
    seal = verify_signature(sealed.signed_value, sealed.signature_xml)
    key = trust_list.key(key_id(seal.certificate))
    if key is None or key.bureau_code != seal.bureau_code:
        raise MalformedToken("the seal's certificate is not a trusted bureau key")
    if key.state is KeyState.REVOKED:
        raise MalformedToken(f"the sealing key was revoked: {key.revoked_reason or ''}")
    start, end = key.signing_window
    if not start <= seal.signed_at.timestamp() <= end:
        raise MalformedToken("sealed outside the key's validity window")
    try:
        root = ET.fromstring(sealed.parts["OFD.xml"])
    except (KeyError, ET.ParseError):
        raise MalformedToken("the package has no readable OFD.xml") from None
    custom = {element.get("Name", ""): element.text or ""
              for element in root.iter(_tag("CustomData"))}
    qr = next((part for name, part in sealed.parts.items() if name.endswith("/Res/qr.png")),
              None)
    return CheckedOfd(seal, custom, qr)
