import pytest
from hypothesis import given
from hypothesis import strategies as st

from certsvc.domain.uscc import ALPHABET, pack_uscc, packs_a_code, unpack_uscc, validate_uscc
from certsvc.errors import ValidationError

pytestmark = pytest.mark.no_database

VALID = "91330106MA2H7K3LXA"


def test_reference_code_is_valid() -> None:
    assert validate_uscc(VALID) == VALID
    assert validate_uscc(f"  {VALID.lower()} ") == VALID


def one_character_changes() -> list[str]:
    changes = []
    for i in range(len(VALID)):
        for c in ALPHABET + "IOSVZ*中":
            if c != VALID[i]:
                changes.append(VALID[:i] + c + VALID[i + 1:])
        changes.append(VALID[:i] + VALID[i + 1:])  # deleted
        changes.append(VALID[:i] + "0" + VALID[i:])  # inserted
    return changes


def test_every_one_character_change_is_rejected_naming_field_and_reason() -> None:
    changes = one_character_changes()
    assert len(changes) > 600
    for code in changes:
        with pytest.raises(ValidationError) as error:
            validate_uscc(code)
        assert error.value.field == "enterprise.uscc"
        assert error.value.reason
        assert "enterprise.uscc" in error.value.detail


@pytest.mark.parametrize(("code", "reason"), [
    ("91330106MA2H7K3LX", "18 characters"),
    ("91330106MA2H7K3LXB", "check character"),
    ("91330106MA2H7K3LIA", "not allowed"),
    ("91A30106MA2H7K3LXA", "region code"),
])
def test_reasons(code: str, reason: str) -> None:
    with pytest.raises(ValidationError, match=reason):
        validate_uscc(code)


def test_packing_round_trips_in_eleven_bytes() -> None:
    packed = pack_uscc(VALID)
    assert len(packed) == 11
    assert unpack_uscc(packed) == VALID


@given(st.binary(min_size=11, max_size=11))
def test_packs_a_code_matches_a_digit_by_digit_reference(data: bytes) -> None:
    """The fast check against the plain reading: 17 base-31 digits, 3–8 decimal."""
    value = int.from_bytes(data, "big")
    digits = []
    for _ in range(17):
        value, digit = divmod(value, 31)
        digits.append(digit)
    digits.reverse()
    expected = value == 0 and max(digits[2:8]) <= 9
    assert packs_a_code(data) is expected
    if expected:
        assert validate_uscc(unpack_uscc(data)) == unpack_uscc(data)


def test_packs_a_code_refuses_other_lengths() -> None:
    assert not packs_a_code(b"\x00" * 10) and not packs_a_code(b"\x00" * 12)
