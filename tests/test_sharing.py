"""Data sharing (五(四)): insurers file liability policies, which the enterprise page shows
while in force; a department reads only the event families it was granted, and states the
purpose of each read, which the audit log keeps."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask.testing import FlaskClient
from freezegun import freeze_time

from certsvc.domain.accounts import Role
from certsvc.domain.sharing import FEED_FAMILIES
from certsvc.domain.time import utcnow
from certsvc.store import accounts
from certsvc.store.db import alembic_config, make_engine, migrate
from tests.conftest import KEYS_CREATED, Api, init_keys, run
from tests.test_authorisation import POLICY, _licence, _spot_check_body

USCC = "91330106MA2H7K3LXA"


def narrow_department(api: Api, kinds: list[str]) -> str:
    """A department account granted ``kinds`` only, with a token: its name in ``api``."""
    with api.engine.begin() as conn:
        account = accounts.create_account(conn, Role.DEPARTMENT, "住建厅", KEYS_CREATED,
                                          granted_kinds=kinds)
        _, token = accounts.create_token(conn, account, KEYS_CREATED, dt.timedelta(days=3650))
    api.tokens["narrow"] = token
    return "narrow"


@freeze_time("2026-06-01 02:00:00")
def test_an_insurer_files_a_policy_and_the_enterprise_page_says_it(
        api: Api, issuer: Any, site: FlaskClient) -> None:
    _licence(api, issuer)
    page = site.get(f"/enterprise/{USCC}").get_data(as_text=True)
    assert "未登记有效保单" in page
    filed = api.post("/api/v1/insurance-policies", "insurer", POLICY)
    assert filed.status_code == 201 and filed.json is not None
    assert filed.json["insurer"] == "insurer" and filed.json["cover_yuan"] == 5_000_000
    assert api.post("/api/v1/insurance-policies", "insurer", POLICY).status_code == 409
    backwards = api.post("/api/v1/insurance-policies", "insurer",
                         {**POLICY, "policy_number": "P-2", "ends_on": "2026-05-31"})
    assert backwards.status_code == 422 and backwards.json is not None
    assert backwards.json["field"] == "ends_on"
    page = site.get(f"/enterprise/{USCC}").get_data(as_text=True)
    assert "有效保单：insurer，至 2027-05-31" in page
    for who, sees in (("zhejiang", True), ("county", True), ("enterprise", True),
                      ("insurer", True), ("national", True), ("jiangsu", False),
                      ("other_county", False), ("other_enterprise", False)):
        listed = api.get("/api/v1/insurance-policies", who).json
        assert listed is not None
        assert [p["policy_number"] for p in listed["items"]] == (
            ["PZJA2026-1"] if sees else []), who
    feed = api.get("/api/v1/feed?purpose=核验", "department").get_data(as_text=True)
    assert "insurance.filed" in feed
    with freeze_time("2027-06-01 02:00:00"):
        assert "未登记有效保单" in site.get(f"/enterprise/{USCC}").get_data(as_text=True)


@freeze_time("2026-06-01 02:00:00")
def test_a_department_reads_what_it_was_granted_and_says_why(api: Api, issuer: Any) -> None:
    _licence(api, issuer)
    api.post("/api/v1/spot-checks", "zhejiang", _spot_check_body(api))
    api.post("/api/v1/licences/浙XK06-001-00012/suspend", "zhejiang",
             {"order": "stop_production", "reason": "事故"})
    silent = api.get("/api/v1/feed", "department")
    assert silent.status_code == 422 and silent.json is not None
    assert silent.json["field"] == "purpose"
    blank = api.get("/api/v1/feed?purpose=%20", "department")
    assert blank.status_code == 422
    read = api.get("/api/v1/feed?purpose=招标投标资格审查", "department")
    assert read.status_code == 200
    kinds = {line.split('"kind": "')[1].split('"')[0]
             for line in read.get_data(as_text=True).splitlines() if '"kind": "' in line}
    assert {"spot_check.recorded", "licence.status"} <= kinds
    narrow = narrow_department(api, ["spot_check"])
    only = api.get("/api/v1/feed?purpose=资质核验", narrow).get_data(as_text=True)
    kinds = {line.split('"kind": "')[1].split('"')[0]
             for line in only.splitlines() if '"kind": "' in line}
    assert kinds == {"spot_check.recorded"}
    events = api.get("/api/v1/exports/events.csv?purpose=资质核验", narrow)
    assert events.status_code == 200
    assert "licence.status" not in events.data.decode("utf-8-sig")
    assert "spot_check.recorded" in events.data.decode("utf-8-sig")
    refused = api.get("/api/v1/exports/licences.csv?purpose=资质核验", narrow)
    assert refused.status_code == 403
    # the insurer reads an enterprise's standing, saying why; the audit log keeps it
    assert api.get(f"/api/v1/sharing/enterprises/{USCC}", "insurer").status_code == 422
    standing = api.get(f"/api/v1/sharing/enterprises/{USCC}?purpose=承保审核", "insurer")
    assert standing.status_code == 200
    log = api.get("/api/v1/audit?action=sharing.read", "auditor").json
    assert log is not None
    reads = {(e["subject"], e["after"]["purpose"]) for e in log["items"]}
    assert ("feed:after=", "招标投标资格审查") in reads
    assert (f"enterprise:{USCC}", "承保审核") in reads
    assert ("export:events.csv?after=", "资质核验") in reads
    # the national authority and auditors read without stating a purpose, and unaudited
    assert api.get("/api/v1/feed", "national").status_code == 200


def test_department_accounts_on_the_command_line(env: dict[str, str]) -> None:
    init_keys(env)
    missing = run(env, "account", "create", "--role", "department", "--name", "税务局")
    assert missing.exit_code == 2 and "--kinds" in missing.output
    unknown = run(env, "account", "create", "--role", "department", "--name", "税务局",
                  "--kinds", "licence,secrets")
    assert unknown.exit_code == 2
    made = run(env, "account", "create", "--role", "department", "--name", "税务局",
               "--kinds", "licence, spot_check")
    assert made.exit_code == 0, made.output
    account = made.output.split()[1].rstrip(":")
    granted = run(env, "account", "grant", account, "--kinds", "recall")
    assert granted.exit_code == 0 and "recall" in granted.output
    with make_engine(env["CERTSVC_DATABASE_URL"]).connect() as conn:
        principal = accounts.principal_for_account(conn, int(account))
    assert principal.granted_kinds == ("recall",)
    insurer = run(env, "account", "create", "--role", "insurer", "--name", "某保险公司")
    assert insurer.exit_code == 0, insurer.output
    wrong = run(env, "account", "grant", insurer.output.split()[1].rstrip(":"), "--kinds",
                "licence")
    assert wrong.exit_code == 2


def test_existing_departments_keep_every_family(tmp_path: Any) -> None:
    """0021 grants the department accounts that could read everything every family."""
    from alembic import command

    engine = make_engine(f"sqlite:///{tmp_path / 'grant.db'}")
    command.upgrade(alembic_config(engine), "0020")
    table = sa.table("accounts", sa.column("role"), sa.column("name"),
                     sa.column("created_at", sa.DateTime))
    with engine.begin() as conn:
        for role in ("department", "provincial"):
            conn.execute(table.insert().values(role=role, name=role, created_at=utcnow()))
    migrate(engine)
    with engine.connect() as conn:
        found = [accounts.principal_for_account(conn, i) for i in (1, 2)]
    assert set(found[0].granted_kinds) == set(FEED_FAMILIES)
    assert found[1].granted_kinds == ()
    engine.dispose()
