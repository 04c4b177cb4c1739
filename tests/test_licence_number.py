import pytest

from certsvc.domain.licence_number import LicenceNumber
from certsvc.errors import ValidationError

pytestmark = pytest.mark.no_database

GOOD = [
    ("浙XK06-001-00012", "浙XK06-001-00012"),
    ("（浙）XK06-001-00012", "浙XK06-001-00012"),
    ("(浙)XK06-001-00012", "浙XK06-001-00012"),
    ("  浙XK06-001-00012\t", "浙XK06-001-00012"),
    ("浙ＸＫ０６－００１－０００１２", "浙XK06-001-00012"),
    ("浙xk06-001-00012", "浙XK06-001-00012"),
    ("XK07-002-00001", "XK07-002-00001"),
    ("（京）XK05-001-99999", "京XK05-001-99999"),
]
BAD = [
    "", "XK06-001-0012", "浙XK6-001-00012", "浙XK06-01-00012", "浙XK06-001-000123",
    "浙XK06001-00012", "沪浙XK06-001-00012", "A XK06-001-00012", "港XK06-001-00012",
    "浙XK06-001-00000", "浙QS06-001-00012", "((浙))XK06-001-00012", "浙XK06-001-0001٢",
]


@pytest.mark.parametrize(("text", "canonical"), GOOD)
def test_accepts_every_written_form_and_prints_one(text: str, canonical: str) -> None:
    number = LicenceNumber.parse(text)
    assert str(number) == canonical
    assert LicenceNumber.parse(str(number)) == number


@pytest.mark.parametrize("text", BAD)
def test_rejects_what_is_not_a_licence_number(text: str) -> None:
    with pytest.raises(ValidationError) as error:
        LicenceNumber.parse(text)
    assert error.value.field == "number"


def test_parts() -> None:
    number = LicenceNumber.parse("浙XK06-001-00012")
    assert (number.bureau_code, number.product_code, number.serial) == ("33", "06-001", 12)
    assert number.bureau.name == "浙江省市场监督管理局"
