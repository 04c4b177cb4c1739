"""The console's forms, made from the same specs that validate the API (``domain.specs``):
a field's kind decides its input, and a submitted form becomes the body the API would have
received, so the workflow sees the same thing from both doors and says the same errors.

    >>> from werkzeug.datastructures import MultiDict
    >>> from certsvc.domain.lifecycle import APPLICATION_ACTIONS
    >>> spec = APPLICATION_ACTIONS["record_onsite"].spec
    >>> body_from_form(spec, MultiDict({"passed": "yes", "reviewers": "A-1\\nA-2", "notes": ""}))
    {'passed': True, 'reviewers': ['A-1', 'A-2']}
"""

from __future__ import annotations

import re
from typing import Any

from werkzeug.datastructures import MultiDict

from certsvc.domain.fields import digits
from certsvc.domain.specs import Field, Kind, Spec
from certsvc.errors import ValidationError

# Actions that cannot be undone: the form asks the user to confirm, naming the consequence.
IRREVERSIBLE = {
    "refuse": "不予许可：申请结束，企业须重新申请 / Refusal ends the application",
    "refuse_acceptance": "不予受理：申请结束 / Not accepting ends the application",
    "revoke": "撤销：许可证立即失效，二维码显示已撤销 / The licence stops being valid at once",
    "penalty_revoke": "吊销：许可证立即失效 / The licence stops being valid at once",
    "cancel": "注销：许可证立即失效 / The licence stops being valid at once",
    "request_cancellation": "注销：许可证立即失效 / The licence stops being valid at once",
    "measure-outcome": "限期整改不合格将撤销许可证 / A failed rectification revokes the licence",
    "catalogue-withdrawals": "已调出目录产品的许可证全部标为不再实行许可 / Every licence of "
                             "withdrawn products is marked no longer required",
}


def body_from_form(spec: Spec, form: MultiDict[str, str], prefix: str = "") -> dict[str, Any]:
    """The JSON body a form stands for: empty inputs are absent (as an omitted field),
    yes/no becomes true/false, lists are one entry a line or the chosen options."""
    body: dict[str, Any] = {}
    for field in spec.fields:
        name = prefix + field.name
        value = _value(field, form, name)
        if value is not None:
            body[field.name] = value
    return body


def _value(field: Field, form: MultiDict[str, str], name: str) -> Any:
    if field.kind is Kind.OBJECT and field.sub is not None:
        nested = body_from_form(field.sub, form, name + ".")
        return nested or None
    if field.kind is Kind.LIST and field.sub is not None:  # rows name.0.…, name.1.…; empty
        sub = field.sub                                   # rows are left out
        rows = [body_from_form(sub, form, f"{name}.{i}.") for i in range(field.max_items)]
        return [row for row in rows if row] or None
    if field.kind is Kind.UNITS:
        chosen = [v for v in form.getlist(name) if v.strip()]
        return chosen or None
    raw = form.get(name, "").strip()
    if not raw:
        return None
    if field.kind is Kind.BOOL:
        return {"yes": True, "no": False}.get(raw, raw)
    if field.kind is Kind.INT:
        number = digits(raw, 11)
        return raw if number is None else number
    if field.kind in (Kind.TEXT_LIST, Kind.DATE_LIST):
        return [line.strip() for line in raw.splitlines() if line.strip()]
    return raw


def input_name(path: str) -> str:
    """The input an error's field path belongs to: ``items[0].standards[1]`` is the
    ``items.0.standards`` textarea (one entry a line), ``items[0].unit`` its select."""
    name = re.sub(r"\[(\d+)\]", r".\1", path)
    return re.sub(r"\.\d+$", "", name) if re.search(r"\]$", path) and "." in path else name


def form_errors(error: ValidationError) -> dict[str, str]:
    """A refusal as the errors beside the form's inputs."""
    return {input_name(error.field): error.reason}


def input_type(field: Field) -> str:
    """The HTML input for a field's kind (a textarea, select or radio where it says so)."""
    return {Kind.DATE: "date", Kind.MOMENT: "datetime-local", Kind.INT: "number"}.get(
        field.kind, "text")


def document_fields(spec: Spec, prefix: str = "") -> list[str]:
    """The input names of a spec's document fields (nested ones included)."""
    names: list[str] = []
    for field in spec.fields:
        if field.kind is Kind.OBJECT and field.sub is not None:
            names += document_fields(field.sub, f"{prefix}{field.name}.")
        elif field.kind is Kind.DOCUMENT:
            names.append(prefix + field.name)
    return names
