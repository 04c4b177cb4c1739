"""A status change for many licences at once (批量撤销、注销): one action, one reason and
legal basis, up to ``MAX_BULK`` numbers pasted or uploaded as a list.

    >>> [n.canonical for n in numbers_in("浙XK06-001-00012, 浙XK06-001-00013\\n浙XK06-001-00012")]
    ['浙XK06-001-00012', '浙XK06-001-00013']
"""

from __future__ import annotations

import re

from certsvc.domain.licence_number import LicenceNumber
from certsvc.domain.specs import Field, Kind, Spec
from certsvc.errors import ValidationError

BULK_ACTIONS = ("revoke", "penalty_revoke", "cancel")
MAX_BULK = 1000
_SEPARATORS = re.compile(r"[\r\n\t,;，；、]+")

BULK_SPEC = Spec((
    Field("action", Kind.CHOICE, "操作", "Action", choices=BULK_ACTIONS, example="cancel",
          help_zh="撤销、吊销或注销（依职权）",
          help_en="revoke (撤销), penalty_revoke (吊销) or cancel (注销)"),
    Field("numbers", Kind.TEXT_LIST, "许可证编号", "Licence numbers", max_length=40,
          max_items=MAX_BULK, example=["浙XK06-001-00012"],
          help_zh=f"每行一个，至多 {MAX_BULK} 个", help_en=f"at most {MAX_BULK}"),
    Field("reason", Kind.TEXT, "理由", "Reason", example="企业已注销营业执照"),
    Field("legal_basis", Kind.TEXT, "法律依据", "Legal basis", required=False,
          max_length=500, help_en="required for revoke and penalty_revoke"),
))


def numbers_in(text: str, field: str = "numbers") -> list[LicenceNumber]:
    """Licence numbers from pasted or uploaded text (one a line, or separated by commas,
    semicolons or tabs: a spreadsheet's column), each once, in the order given; the first
    bad one is named."""
    found: dict[str, LicenceNumber] = {}
    for i, token in enumerate(t.strip() for t in _SEPARATORS.split(text) if t.strip()):
        number = LicenceNumber.parse(token, f"{field}[{i}]")
        found.setdefault(number.canonical, number)
        if len(found) > MAX_BULK:
            raise ValidationError(field, f"lists more than {MAX_BULK} licences")
    if not found:
        raise ValidationError(field, "lists no licence number")
    return list(found.values())
