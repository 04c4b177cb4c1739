"""Reading the audit log: who may, what they see, and the filters — one rule for the API
(``GET /api/v1/audit``) and the console's audit page.

Auditors and the national authority read every event; a provincial bureau only the events
of its province; nobody else reads it. The filters are a spec, so the API's query string
and the console's filter form are read the same way.

    AuditLog(engine).search(auditor, {"action": "revoke", "limit": 50})
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from certsvc.domain.accounts import Principal, Role
from certsvc.domain.specs import Field, Kind, Spec
from certsvc.errors import Forbidden
from certsvc.store import audit
from certsvc.store.audit import AuditEntry
from certsvc.workflow.authz import jurisdiction

READERS = (Role.AUDITOR, Role.NATIONAL, Role.PROVINCIAL)
MAX_PAGE = 500
AUDIT_QUERY = Spec((
    Field("subject", Kind.TEXT, "对象", "Subject", required=False, max_length=100,
          help_en="e.g. application:12 or licence:浙XK06-001-00012"),
    Field("action", Kind.TEXT, "操作", "Action", required=False, max_length=40,
          help_en="e.g. revoke, sign_in.failed"),
    Field("account_id", Kind.INT, "账号", "Account", required=False, minimum=1),
    Field("bureau_code", Kind.TEXT, "省级局代码", "Bureau code", required=False, max_length=2,
          help_en="auditors and the national authority; a bureau sees its own"),
    Field("since", Kind.MOMENT, "起", "From", required=False,
          help_en="ISO 8601; Beijing time if no offset"),
    Field("until", Kind.MOMENT, "止（不含）", "Until (excluded)", required=False),
    Field("after", Kind.INT, "上一页最后编号", "After event", required=False),
    Field("limit", Kind.INT, "每页条数", "Per page", required=False, minimum=1,
          maximum=MAX_PAGE),
))


class AuditLog:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def search(self, principal: Principal, query: Any) -> list[AuditEntry]:
        """Events in order after ``after``, filtered; the role is checked first."""
        if principal.role not in READERS:
            raise Forbidden("the audit log is for auditors and bureaus")
        q = AUDIT_QUERY.parse(query)
        with self.engine.connect() as conn:
            return audit.search(
                conn, bureau_code=jurisdiction(principal) or q.bureau_code,
                subject=q.subject, action=q.action, account_id=q.account_id,
                since=q.since, until=q.until, after_id=q.after or 0, limit=q.limit or 100)
