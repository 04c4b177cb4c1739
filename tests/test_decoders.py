"""The hand-written strict decoders agree with slow, obviously strict cbor2 references.

Like transparency-dev's Merkle code: the fast path is checked against a reference on valid
inputs, their mutations, truncations and extensions, and arbitrary bytes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import cbor2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from certsvc.credential.cose import decode_sign1
from certsvc.credential.payload import LicenceClaims, decode_payload, encode_payload
from certsvc.domain.bureaus import BUREAUS
from certsvc.domain.licence_number import LicenceNumber
from certsvc.errors import MalformedToken

pytestmark = pytest.mark.no_database


def _reference_decode_sign1(data: bytes) -> tuple[bytes, bytes, bytes, bytes] | None:
    """The slow, obviously strict decoder: parse with cbor2, accept only the one canonical
    layout, by re-encoding. The fast hand-written one must agree with it on every input."""
    try:
        item = cbor2.loads(data)
    except Exception:
        return None
    if not isinstance(item, cbor2.CBORTag) or item.tag != 18:
        return None
    if not isinstance(item.value, list | tuple) or len(item.value) != 4:
        return None
    protected, unprotected, payload, signature = item.value
    if not all(isinstance(p, bytes) for p in (protected, payload, signature)):
        return None
    if unprotected != {} or len(signature) != 64 or len(protected) != 13:
        return None
    try:
        header = cbor2.loads(protected)
    except Exception:
        return None
    if header != {1: -8, 4: protected[5:]} or cbor2.dumps(header) != protected:
        return None
    if cbor2.dumps(cbor2.CBORTag(18, [protected, {}, payload, signature])) != data:
        return None
    return protected, payload, signature, cbor2.dumps(["Signature1", protected, b"", payload])


def _fast_decode_sign1(data: bytes) -> tuple[bytes, bytes, bytes, bytes] | None:
    try:
        envelope = decode_sign1(data)
    except MalformedToken:
        return None
    return envelope.protected, envelope.payload, envelope.signature, envelope.to_be_signed


@given(st.data())
@settings(max_examples=400, deadline=None)
def test_fast_envelope_decoder_agrees_with_cbor2_reference(data: st.DataObject) -> None:
    kid = data.draw(st.binary(min_size=8, max_size=8))
    payload = data.draw(st.binary(max_size=70_000))
    token = cbor2.dumps(cbor2.CBORTag(18, [cbor2.dumps({1: -8, 4: kid}), {}, payload,
                                           data.draw(st.binary(min_size=64, max_size=64))]))
    assert _fast_decode_sign1(token) == _reference_decode_sign1(token) is not None
    position = data.draw(st.integers(0, len(token) - 1))
    mutated = bytearray(token)
    mutated[position] = data.draw(st.integers(0, 255))
    for candidate in (bytes(mutated), token[:position], token + data.draw(st.binary(max_size=3))):
        assert _fast_decode_sign1(candidate) == _reference_decode_sign1(candidate)


@given(st.binary(max_size=200))
@settings(max_examples=300, deadline=None)
def test_fast_envelope_decoder_agrees_on_any_bytes(data: bytes) -> None:
    assert _fast_decode_sign1(data) == _reference_decode_sign1(data)


def _reference_decode_payload(data: bytes) -> LicenceClaims | None:
    """cbor2 decode, field checks as plain as possible, and a canonical re-encoding."""
    try:
        raw = cbor2.loads(data)
    except Exception:
        return None
    if not isinstance(raw, dict) or list(raw) != list(range(1, 10)):
        return None

    def uint(value: Any) -> bool:
        return type(value) is int and 0 <= value < 1 << 40

    version, number, name, uscc, scope, issued, until, signed, index = raw.values()
    if version != 1 or not isinstance(number, list) or len(number) != 4:
        return None
    if not all(map(uint, number)) or not isinstance(name, bytes) or not name:
        return None
    if not isinstance(uscc, bytes) or len(uscc) != 11 or not isinstance(scope, list):
        return None
    if not 0 < len(scope) <= 32 or not all(map(uint, scope)) or scope != sorted(set(scope)):
        return None
    if not all(map(uint, (issued, until, signed, index))) or index >= 1 << 32:
        return None
    bureau, category, product, serial = number
    codes = {bureau.code for bureau in BUREAUS}
    if f"{bureau:02d}" not in codes or category > 99 or product > 999:
        return None
    if not 1 <= serial <= 99_999:
        return None
    try:
        claims = LicenceClaims(
            f"{bureau:02d}", category, product, serial, name.decode("gb18030"), uscc,
            tuple(scope), (dt.date(1970, 1, 1) + dt.timedelta(days=issued)).toordinal(),
            (dt.date(1970, 1, 1) + dt.timedelta(days=until)).toordinal(),
            int(dt.datetime.fromtimestamp(signed, dt.UTC).timestamp()), index)
        claims.uscc  # noqa: B018
    except (ValueError, OverflowError, OSError):
        return None
    return claims if encode_payload(claims) == data else None


def _fast_decode_payload(data: bytes) -> LicenceClaims | None:
    try:
        return decode_payload(data)
    except MalformedToken:
        return None


_CLAIMS = st.builds(
    LicenceClaims.of,
    number=st.builds(LicenceNumber, st.sampled_from(["00", "11", "33", "65"]),
                     st.integers(0, 99), st.integers(0, 999), st.integers(1, 99_999)),
    enterprise_name=st.text("浙江杭州华光电线缆制造有限公司ABC()（）·", min_size=1, max_size=40),
    uscc=st.just("91330106MA2H7K3LXA"),
    scope=st.lists(st.integers(0, 300), min_size=1, max_size=32, unique=True).map(
        lambda ids: tuple(sorted(ids))),
    issued=st.dates(dt.date(1970, 1, 1), dt.date(2100, 1, 1)),
    valid_until=st.dates(dt.date(1970, 1, 1), dt.date(2100, 1, 1)),
    signed_at=st.datetimes(dt.datetime(1970, 1, 2), dt.datetime(2100, 1, 1)).map(
        lambda moment: moment.replace(microsecond=0, tzinfo=dt.UTC)),
    status_index=st.integers(0, (1 << 32) - 1),
)


@given(_CLAIMS, st.data())
@settings(max_examples=400, deadline=None)
def test_fast_payload_decoder_agrees_with_cbor2_reference(
    claims: LicenceClaims, data: st.DataObject
) -> None:
    payload = encode_payload(claims)
    assert _fast_decode_payload(payload) == _reference_decode_payload(payload) == claims
    position = data.draw(st.integers(0, len(payload) - 1))
    mutated = bytearray(payload)
    mutated[position] = data.draw(st.integers(0, 255))
    for candidate in (bytes(mutated), payload[:position],
                      payload + data.draw(st.binary(min_size=1, max_size=3))):
        assert _fast_decode_payload(candidate) == _reference_decode_payload(candidate)


@given(_CLAIMS)
@settings(max_examples=300, deadline=None)
def test_payload_encoder_writes_what_cbor2_writes(claims: LicenceClaims) -> None:
    n = claims.number
    assert encode_payload(claims) == cbor2.dumps({
        1: 1, 2: [int(n.bureau_code), n.category, n.product, n.serial],
        3: claims.enterprise_name.encode("gb18030"), 4: claims.uscc_packed,
        5: list(claims.scope), 6: (claims.issued - dt.date(1970, 1, 1)).days,
        7: (claims.valid_until - dt.date(1970, 1, 1)).days,
        8: int(claims.signed_at.timestamp()), 9: claims.status_index})


@given(st.binary(max_size=200))
@settings(max_examples=300, deadline=None)
def test_fast_payload_decoder_agrees_on_any_bytes(data: bytes) -> None:
    assert _fast_decode_payload(data) == _reference_decode_payload(data)


def _integer_in_form(value: int, form: int) -> bytes:
    """``value`` as a CBOR unsigned integer: form 0 the shortest, 1–4 with 1, 2, 4 or 8
    bytes after the head (shortest or not), where it fits."""
    if form == 0 or value >= 1 << (8 << (form - 1)):
        return cbor2.dumps(value)
    return bytes((0x17 + form,)) + value.to_bytes(1 << (form - 1))


_EDGES = [0, 23, 24, 255, 256, 65_535, 65_536, 20_527, (1 << 32) - 1, 1 << 32, (1 << 40) - 1]


@given(st.lists(st.sampled_from(_EDGES) | st.integers(0, (1 << 41)), min_size=4, max_size=4),
       st.lists(st.integers(0, 4), min_size=4, max_size=4))
@settings(max_examples=400, deadline=None)
def test_closing_integers_in_every_form_agree_with_reference(
    values: list[int], forms: list[int]
) -> None:
    """Fields 6–9 (one regular expression reads them) in every width, shortest or not, at
    and around each width's limits: accepted exactly when the reference accepts them."""
    payload = encode_payload(LicenceClaims.of(
        LicenceNumber("33", 6, 1, 12), "华光", "91330106MA2H7K3LXA", (4, 5, 6),
        dt.date(2026, 3, 15), dt.date(2031, 3, 14), dt.datetime(2026, 3, 15, tzinfo=dt.UTC), 7))
    head = payload[:-16]  # fields 6–9 take 3 + 3 + 5 + 1 bytes here
    assert head.endswith(b"\x05\x83\x04\x05\x06")  # and the scope comes before them
    fields = zip((6, 7, 8, 9), values, forms, strict=True)
    candidate = head + b"".join(bytes((key,)) + _integer_in_form(value, form)
                                for key, value, form in fields)
    assert _fast_decode_payload(candidate) == _reference_decode_payload(candidate)


@given(st.builds(LicenceNumber, st.sampled_from(["00", "33"]), st.integers(0, 99),
                 st.integers(0, 999), st.integers(1, 99_999)),
       st.dates(dt.date(1970, 1, 1), dt.date(9999, 12, 31)),
       st.datetimes(dt.datetime(1970, 1, 1), dt.datetime(9999, 12, 31, 23, 59, 59)).map(
           lambda moment: moment.replace(microsecond=0, tzinfo=dt.UTC)))
@settings(max_examples=200, deadline=None)
def test_claims_keep_what_was_signed_and_show_it_as_given(
    number: LicenceNumber, day: dt.date, moment: dt.datetime
) -> None:
    """Claims hold the signed integers; their properties give back the objects they came from."""
    claims = LicenceClaims.of(number, "华光", "91330106MA2H7K3LXA", (4,), day, day, moment, 0)
    assert (claims.number, claims.issued, claims.valid_until) == (number, day, day)
    assert (claims.signed_at, claims.uscc) == (moment, "91330106MA2H7K3LXA")
    decoded = decode_payload(encode_payload(claims))
    assert (decoded.number, decoded.issued, decoded.signed_at) == (number, day, moment)
