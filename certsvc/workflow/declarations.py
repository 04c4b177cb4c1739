"""Publishing, changing and withdrawing an enterprise's standards declaration.

Only the enterprise itself, and only for product units its in-force licences cover. Every
version is kept with the time it was published; a change is a new version, a withdrawal is
a version with no content. Each is audited.

    Declarations(engine).publish(enterprise, {"items": [...], "commitment": "..."}, now, rid)
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine

from certsvc.domain.accounts import Principal, Role
from certsvc.domain.areas import province_of
from certsvc.domain.catalogue import Unit, catalogue
from certsvc.domain.declarations import parse_declaration
from certsvc.errors import Conflict, Forbidden, ValidationError
from certsvc.store import audit, declarations, feed
from certsvc.store.reader import (
    LicenceReader,
    current_declaration,
    declaration_history,
    in_force_scopes,
)


class Declarations:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def publish(self, principal: Principal, data: Any, now: dt.datetime,
                request_id: str) -> dict[str, Any]:
        uscc = _enterprise(principal)
        content = parse_declaration(data)
        with self.engine.begin() as conn:
            licensed = {unit for _, scope in in_force_scopes(conn, uscc) for unit in scope}
            for i, item in enumerate(content.items):
                if item.unit.id not in licensed:
                    raise ValidationError(f"items[{i}].unit", f"{item.unit.name} is not in the "
                                          "scope of any licence of this enterprise in force")
            before = current_declaration(declaration_history(conn, uscc))
            version = declarations.append_version(conn, uscc, content.to_json(),
                                                  principal.account_id, now)
            feed.record(conn, "declaration.published", uscc, f"declaration:{uscc}",
                        {"version": version, "bureau": province_of(uscc),
                         **content.to_json()}, now)
            audit.record(conn, principal, "declaration.publish", f"declaration:{uscc}", None,
                         before, {"version": version, **content.to_json()}, request_id, now)
        return self.history(uscc)[0]

    def withdraw(self, principal: Principal, now: dt.datetime,
                 request_id: str) -> dict[str, Any]:
        uscc = _enterprise(principal)
        with self.engine.begin() as conn:
            current = current_declaration(declaration_history(conn, uscc))
            if current is None:
                raise Conflict("there is no published declaration to withdraw")
            version = declarations.append_version(conn, uscc, None, principal.account_id, now)
            feed.record(conn, "declaration.withdrawn", uscc, f"declaration:{uscc}",
                        {"version": version, "bureau": province_of(uscc)}, now)
            audit.record(conn, principal, "declaration.withdraw", f"declaration:{uscc}", None,
                         current, {"version": version, "withdrawn": True}, request_id, now)
        return self.history(uscc)[0]

    def history(self, uscc: str) -> list[dict[str, Any]]:
        return LicenceReader(self.engine).declarations(uscc)

    def current(self, principal: Principal) -> dict[str, Any] | None:
        """The enterprise's own declaration now in force (None: none, or withdrawn)."""
        return current_declaration(self.history(_enterprise(principal)))

    def declarable_units(self, principal: Principal) -> list[Unit]:
        """The units the enterprise may declare: those of its licences in force."""
        uscc = _enterprise(principal)
        with self.engine.connect() as conn:
            ids = sorted({unit for _, scope in in_force_scopes(conn, uscc) for unit in scope})
        return [catalogue().unit(i) for i in ids]


def _enterprise(principal: Principal) -> str:
    if principal.role is not Role.ENTERPRISE or principal.uscc is None:
        raise Forbidden("only an enterprise publishes its own standards declaration")
    return principal.uscc
