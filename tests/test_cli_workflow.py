"""The staff's command line: accounts, tokens, an application from 申请 to 发证, licence
actions and the audit log — the same workflow as the API, audited the same way."""

from __future__ import annotations

import json
from pathlib import Path

import pyotp
from freezegun import freeze_time

from certsvc.config import DEVELOPMENT_PASSPHRASE
from certsvc.domain.documents import EXAMPLE_PDF, EXAMPLE_REFERENCE
from certsvc.domain.time import utcnow
from certsvc.signer.secret_box import secret_box
from certsvc.store.db import make_engine
from certsvc.workflow.signin import SignIn
from tests.conftest import (
    ENTERPRISE_USCC,
    REFERENCE,
    REVIEWERS,
    application_body,
    init_keys,
    review_body,
    run,
)
from tests.test_console_signin import GOOD


def account(env: dict[str, str], *args: str) -> int:
    result = run(env, "account", "create", *args)
    assert result.exit_code == 0, result.output
    return int(result.output.split()[1].rstrip(":"))


def test_application_through_the_cli(env: dict[str, str], tmp_path: Path) -> None:
    init_keys(env)
    bureau = account(env, "--role", "provincial", "--bureau", "浙")
    enterprise = account(env, "--role", "enterprise", "--uscc", ENTERPRISE_USCC,
                         "--name", "华光电缆")
    other = account(env, "--role", "provincial", "--bureau", "32")
    lab = run(env, "institution", "add", "--name", "浙江省检测院", "--accreditation", "CMA-1",
              "--level", "1")
    assert lab.exit_code == 0, lab.output
    with freeze_time("2026-06-01 02:00"):
        document = tmp_path / "营业执照.pdf"
        document.write_bytes(EXAMPLE_PDF)
        uploaded = run(env, "application", "upload", str(document), "--as", str(enterprise))
        assert uploaded.exit_code == 0, uploaded.output
        assert json.loads(uploaded.output)["ref"] == EXAMPLE_REFERENCE
        renamed = tmp_path / "licence.pdf"
        renamed.write_bytes(b"MZ\x90\x00" + bytes(60))  # a Windows program named .pdf
        assert run(env, "application", "upload", str(renamed), "--as",
                   str(enterprise)).exit_code == 2
        submitted = run(env, "application", "submit", "--as", str(enterprise),
                        "--data", json.dumps(application_body(), ensure_ascii=False))
        assert submitted.exit_code == 0, submitted.output
        application_id = str(json.loads(submitted.output)["id"])
        refused = run(env, "application", "act", application_id, "accept", "--as", str(other))
        assert refused.exit_code == 2 and "does not exist or is not yours" in refused.output
        with make_engine(env["CERTSVC_DATABASE_URL"]).begin() as conn:
            body_id = review_body(conn, "zhejiang")
        no_id = run(env, "account", "create", "--role", "review_body", "--name", "审查中心")
        assert no_id.exit_code == 2 and "--review-body" in no_id.output
        reviewing = account(env, "--role", "review_body", "--review-body", str(body_id),
                            "--name", "浙江省产品质量审查中心")
        steps = [("accept", None, bureau),
                 ("assign_review", {"review_body_id": body_id, "reviewers": REVIEWERS},
                  bureau),
                 ("record_onsite", {"passed": True, "reviewers": REVIEWERS}, reviewing),
                 ("accept_prior_report", {"institution_id": 1, "commissioned": "2026-05-20",
                                          "passed": True, "report_number": "R-1"}, bureau),
                 ("approve", None, bureau), ("issue", None, bureau)]
        for action, data, who in steps:
            args = ["application", "act", application_id, action, "--as", str(who)]
            if data:
                args += ["--data", json.dumps(data, ensure_ascii=False)]
            result = run(env, *args)
            assert result.exit_code == 0, (action, result.output)
        number = json.loads(result.output)["licence_number"]
        assert number == "浙XK06-001-00001"
        listed = run(env, "application", "list", "--as", str(bureau))
        assert f"{application_id}\tissued" in listed.output
        suspended = run(env, "licence", "act", number, "suspend", "--as", str(bureau),
                        "--data", '{"order": "stop_production", "reason": "安全事故"}')
        assert suspended.exit_code == 0, suspended.output
        assert json.loads(suspended.output)["status"] == "suspended"
        wrong = run(env, "licence", "act", number, "lift", "--as", str(bureau))
        assert wrong.exit_code == 2 and "lift_suspension" in wrong.output
    log = run(env, "audit", "--subject", f"licence:{number}")
    entries = [json.loads(line) for line in log.output.splitlines()]
    assert [e["action"] for e in entries] == ["suspend"]
    assert entries[0]["request_id"].startswith("cli-")


def test_tokens_are_shown_once_and_revocable(env: dict[str, str]) -> None:
    auditor = account(env, "--role", "auditor", "--name", "审计员")
    made = run(env, "token", "create", str(auditor), "--days", "30")
    assert made.exit_code == 0
    secret = made.stdout.strip().splitlines()[-1]
    assert secret.startswith("cst_") and len(secret) > 40
    revoked = run(env, "token", "revoke", "1")
    assert revoked.exit_code == 0 and "revoked" in revoked.output
    again = run(env, "token", "revoke", "1")
    assert again.exit_code == 2
    bad = run(env, "account", "create", "--role", "enterprise", "--uscc", "91330106MA2H7K3LXB")
    assert bad.exit_code == 2 and "check character" in bad.output


def test_operator_commands_are_audited(env: dict[str, str]) -> None:
    init_keys(env)
    with freeze_time("2026-03-15 02:00"):
        issued = run(env, "licence", "issue", "--file", str(REFERENCE))
        assert issued.exit_code == 0, issued.output
        rotated = run(env, "keys", "rotate", "浙")
        assert rotated.exit_code == 0, rotated.output
    entries = [json.loads(line) for line in run(env, "audit", "--limit", "100"
                                                 ).output.splitlines()]
    actions = [e["action"] for e in entries]
    assert actions.count("keys.init") == 32  # each key made, also a leaf of the log
    issue = next(e for e in entries if e["action"] == "licence.issue")
    assert issue["subject"] == "licence:浙XK06-001-00012"
    assert issue["actor"].startswith("operator:") and issue["account_id"] is None
    rotations = [e for e in entries if e["action"] == "keys.rotate"]
    assert sorted(e["after"]["state"] for e in rotations) == ["active", "retired"]
    assert {e["bureau_code"] for e in rotations} == {"33"}


def test_a_development_server_prints_the_current_code(env: dict[str, str]) -> None:
    """``account totp-code`` opens the sealed seed with the keys' passphrase (development
    only: refused where a real passphrase is set)."""
    development = {k: v for k, v in env.items() if k != "CERTSVC_KEY_PASSPHRASE"}
    init_keys(development)
    clerk = account(development, "--role", "provincial", "--bureau", "33")
    link = run(development, "account", "invite", str(clerk))
    assert link.exit_code == 0, link.output
    box = secret_box(Path(env["CERTSVC_KEYS_DIR"]), DEVELOPMENT_PASSPHRASE.encode())
    signin = SignIn(make_engine(env["CERTSVC_DATABASE_URL"]), box)
    invite = next(line for line in link.output.splitlines() if "/console/invite/" in line)
    seed = signin.accept_invite(invite.rsplit("/", 1)[1], GOOD, utcnow(),
                                "test").totp_secret
    assert seed is not None
    code = run(development, "account", "totp-code", str(clerk))
    assert code.exit_code == 0 and code.output.splitlines()[0] == pyotp.TOTP(seed).now()
    assert run(env, "account", "totp-code", str(clerk)).exit_code != 0


def test_the_operator_names_each_bureau_s_staff_administrator(env: dict[str, str]) -> None:
    init_keys(env)
    admin = run(env, "account", "create", "--role", "provincial", "--bureau", "浙",
                "--staff-admin")
    assert admin.exit_code == 0 and "(staff administrator)" in admin.output, admin.output
    clerk = account(env, "--role", "provincial", "--bureau", "浙", "--name", "科员")
    refused = run(env, "account", "create", "--role", "enterprise", "--uscc",
                  ENTERPRISE_USCC, "--name", "x", "--staff-admin")
    assert refused.exit_code == 2 and "--staff-admin" in refused.output
    on = run(env, "account", "staff-admin", str(clerk))
    assert on.exit_code == 0 and "staff administrator on" in on.output
    off = run(env, "account", "staff-admin", str(clerk), "--off")
    assert off.exit_code == 0 and "staff administrator off" in off.output
    log = run(env, "audit", "--action", "account.staff_admin")
    assert sorted(json.loads(line)["after"]["staff_admin"]
                  for line in log.output.splitlines()) == [False, True]
