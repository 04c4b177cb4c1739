"""The clerk's work queue and an application page with 100,000 applications and 1,000,000
licences in the database, against a trivial console page, in process.

Uses verify_http.py's database (1,000,000 licences; built if missing) and adds, once,
100,000 applications spread over the provinces the licences come from — nine in ten closed
(issued, refused), one in ten open (submitted, under review, in testing, with their stored
due dates) — each with the six audit events a procedure leaves. A clerk of the busiest
province signs in (password and TOTP, through the real sign-in); then, in alternating rounds
(``common.compare``), the bureau service's WSGI app serves:

- the trivial page: ``GET /console/account`` (the same session check and page frame);
- ``GET /console/`` — the queue, the 100 most urgent of the province's open applications;
- ``GET /console/applications/<id>`` — a random open application of the province, with its
  documents, timeline and forms.

Prints microseconds per request and the ratios (goal: each page <= 3x the trivial page).

Run: .venv/bin/python bench/console_pages.py [COUNT] [APPLICATIONS]
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import random
import sys
from collections.abc import Callable, Iterable
from typing import Any

import pyotp
from common import NOW, compare
from sqlalchemy import func, select
from verify_http import PASSPHRASE, WORK, prepared
from verify_wsgi import environ

from certsvc.domain.accounts import Role
from certsvc.domain.bureaus import bureau_by_code
from certsvc.domain.time_limit import clock_due_on
from certsvc.signer.secret_box import secret_box
from certsvc.store import accounts
from certsvc.store.bulk import insert_rows
from certsvc.store.db import make_engine, migrate
from certsvc.store.models import ApplicationRow, AuditEvent, LicenceRow
from certsvc.workflow.signin import SignIn

PASSWORD = "a clerk's long passphrase for the benchmark"
OPEN = ("submitted", "under_review", "under_review", "testing")
STEPS = ("submit", "accept", "record_onsite", "choose_institution", "record_test", "approve")


def add_applications(database_url: str, count: int) -> None:
    """``count`` applications (once): their provinces those of the licences, one in ten
    open, each with six audit events."""
    engine = make_engine(database_url)
    migrate(engine)
    with engine.connect() as conn:
        if conn.execute(select(func.count()).select_from(ApplicationRow)).scalar_one() >= count:
            return
        bureaus = [code for (code,) in conn.execute(
            select(LicenceRow.bureau_code).distinct())]
    rng = random.Random(5)
    enterprise = {"name": "浙江杭州市西湖区华光电线电缆制造有限公司", "uscc": "91330106MA2H7K3LXA",
                  "residence": "浙江省杭州市西湖区文三路100号",
                  "production_address": "浙江省杭州市西湖区三墩镇工业园8号"}
    document = {"document": "sha256:" + "ab" * 32, "media_type": "application/pdf",
                "size": 120_000, "name": "营业执照.pdf"}
    materials = {m: dict(document) for m in ("business_licence", "application_form",
                                              "commitment")}
    rows, events = [], []
    for i in range(1, count + 1):
        state = OPEN[i % 4] if i % 10 == 0 else rng.choice(("issued", "issued", "refused"))
        submitted = NOW - dt.timedelta(days=rng.randrange(1, 400))
        accepted = (submitted + dt.timedelta(days=2)).date() if state != "submitted" else None
        row = {"id": i, "kind": "new", "state": state, "bureau_code": rng.choice(bureaus),
               "uscc": enterprise["uscc"], "enterprise": enterprise, "scope": [4, 5, 6],
               "licence_number": None, "materials": materials,
               "review": {"acceptance": {"decision": "accepted"}}, "institution_id": None,
               "submitted_at": submitted, "accepted_on": accepted,
               "testing_since": accepted if state == "testing" else None,
               "paused_days": 0, "updated_at": submitted}
        row["clock_due_on"] = clock_due_on(row)
        rows.append(row)
        events += [(submitted + dt.timedelta(hours=k), None, "bench", step,
                    f"application:{i}", row["bureau_code"], None, None, "bench")
                   for k, step in enumerate(STEPS)]
    columns = list(rows[0])
    with engine.begin() as conn:
        insert_rows(conn, ApplicationRow.__table__, columns,  # type: ignore[arg-type]
                    [[r[c] for c in columns] for r in rows])
        insert_rows(conn, AuditEvent.__table__,  # type: ignore[arg-type]
                    ["at", "account_id", "actor", "action", "subject", "bureau_code",
                     "before", "after", "request_id"], events)
    engine.dispose()


def clerk_session(database_url: str, bureau_code: str) -> str:
    """A provincial clerk's console session, signed in with password and TOTP."""
    engine = make_engine(database_url)
    signin = SignIn(engine, secret_box(WORK / "keys", PASSPHRASE.encode()))
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        account = accounts.create_account(conn, Role.PROVINCIAL, "办事员", now,
                                          bureau_code=bureau_by_code(bureau_code).code)
    secret = signin.accept_invite(signin.invite(None, account, now, "bench"), PASSWORD, now,
                                  "bench").totp_secret
    token, _ = signin.sign_in(account, PASSWORD, "bench", now, "bench")
    assert secret is not None
    return signin.second_factor(token, pyotp.TOTP(secret).now(), "bench", now, "bench")


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    applications = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    _, site_settings = prepared(count)
    database_url = site_settings["CERTSVC_DATABASE_URL"]
    add_applications(database_url, applications)
    os.environ.update(site_settings, CERTSVC_DOCUMENTS_DIR=str(WORK / "documents"),
                      CERTSVC_KEY_PASSPHRASE=PASSPHRASE)
    from certsvc.api.app import create_app

    app = create_app()
    engine = make_engine(database_url)
    with engine.connect() as conn:
        bureau = conn.execute(select(ApplicationRow.bureau_code).group_by(
            ApplicationRow.bureau_code).order_by(func.count().desc()).limit(1)).scalar_one()
        open_ids = list(conn.execute(select(ApplicationRow.id).where(
            ApplicationRow.bureau_code == bureau,
            ApplicationRow.state.in_(["under_review", "testing", "submitted"]))).scalars())
        in_queue = len(open_ids)
    cookie = f"__Host-certsvc-session={clerk_session(database_url, bureau)}"
    pages = itertools.cycle(random.Random(6).sample(open_ids, min(500, len(open_ids))))
    statuses: set[str] = set()

    def call(path: str) -> None:
        def start_response(status: str, headers: list[tuple[str, str]], exc: Any = None
                           ) -> Callable[[bytes], object]:
            statuses.add(status)
            return lambda data: None
        env = environ(path, None)
        env.update({"HTTP_COOKIE": cookie, "wsgi.url_scheme": "https"})
        answer: Iterable[bytes] = app(env, start_response)
        b"".join(answer)
        getattr(answer, "close", lambda: None)()

    trivial, queue = compare(lambda: call("/console/account"), lambda: call("/console/"))
    trivial_2, page = compare(lambda: call("/console/account"),
                              lambda: call(f"/console/applications/{next(pages)}"))
    if statuses != {"200 OK"}:
        sys.exit(f"unexpected answers: {statuses}")
    print(f"licences: {count:,}; applications: {applications:,}; open in the clerk's "
          f"province ({bureau_by_code(bureau).name}): {in_queue:,}")
    print(f"GET /console/account (trivial): {1e6 / trivial:8.1f} µs a request")
    print(f"GET /console/ (queue):          {1e6 / queue:8.1f} µs a request   "
          f"ratio {trivial / queue:5.2f}")
    print(f"GET /console/account (trivial): {1e6 / trivial_2:8.1f} µs a request")
    print(f"GET /console/applications/<id>: {1e6 / page:8.1f} µs a request   "
          f"ratio {trivial_2 / page:5.2f}")


if __name__ == "__main__":
    main()
