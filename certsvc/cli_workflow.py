"""The bureau staff's command line: accounts, tokens, applications, licence actions, audit.

Every action runs as an account (``--as ACCOUNT_ID``) through the same workflow code as the
API, so it is authorised by role and jurisdiction and audited the same way.

    certsvc account create --role provincial --bureau 33
    certsvc token create 2 --days 90
    certsvc application act 7 accept --as 2
    certsvc licence act 浙XK06-001-00012 suspend --as 2 --data '{"order": "rectify", ...}'
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import click

from certsvc.api.dispatch import Dispatcher, load_app
from certsvc.api.routing import RoutingTable, nginx_config
from certsvc.cli_context import current_context, fail
from certsvc.config import Settings
from certsvc.credential.status_list import REPUBLISH_EVERY
from certsvc.domain.accounts import Principal, Role
from certsvc.domain.areas import Area
from certsvc.domain.bureaus import find_bureau
from certsvc.domain.licence_number import LicenceNumber
from certsvc.domain.sharing import FEED_FAMILIES
from certsvc.domain.time import utcnow
from certsvc.domain.uscc import validate_uscc
from certsvc.errors import CertsvcError, ValidationError
from certsvc.publish.artefacts import publish_status_list, publish_trust_list
from certsvc.publish.log import publish_log
from certsvc.store import accounts, audit, review_bodies
from certsvc.store import log as stored_log
from certsvc.store.documents import DocumentStore, document_store
from certsvc.workflow.applications import Applications
from certsvc.workflow.documents import Documents
from certsvc.workflow.holiday_notices import HolidayNotices
from certsvc.workflow.licences import LicenceActions

ROLES = [r.value for r in Role]






def _as(account_id: int) -> Principal:
    with current_context().engine.connect() as conn:
        return accounts.principal_for_account(conn, account_id)


def _data(raw: str | None) -> Any:
    if raw is None:
        return {}
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValidationError("--data", f"is not JSON: {exc.msg}") from None


def _publish() -> None:
    ctx = current_context()
    publish_status_list(ctx.engine, ctx.signer, ctx.settings.publish_dir, utcnow())


def _publish_all() -> None:
    """The trust list and the status list, each current again for its whole lifetime, and a
    fresh checkpoint of the log (cosigned again, so a witness's cosignature stays recent)."""
    ctx = current_context()
    now = utcnow()
    publish_trust_list(ctx.signer, ctx.settings.trust_list_path, now)
    publish_status_list(ctx.engine, ctx.signer, ctx.settings.publish_dir, now)
    publish_log(ctx.engine, ctx.signer, ctx.settings.publish_dir, now)


LOG_POLL_SECONDS = 10


def publish_log_as_it_grows(seconds: int = LOG_POLL_SECONDS) -> None:
    """Publish a checkpoint soon after each append batch: look at the log's size every
    ``seconds`` and publish when it grew (``publish_every`` republishes it regardless)."""
    ctx = current_context()
    published = -1
    while True:
        time.sleep(seconds)
        try:
            with ctx.engine.connect() as conn:
                size = stored_log.size(conn)
            if size != published:
                publish_log(ctx.engine, ctx.signer, ctx.settings.publish_dir, utcnow())
                published = size
        except Exception as exc:  # a database away now is back later: keep polling
            click.echo(f"log not published: {exc}", err=True)


def _echo(body: Any) -> None:
    click.echo(json.dumps(body, ensure_ascii=False, indent=2, default=str))


# --- accounts and tokens ----------------------------------------------------------------
@click.group("account")
def account() -> None:
    """Accounts: bureaus, enterprises, inspection institutions, auditors."""


@account.command("create")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--name", help="Default: the bureau's name.")
@click.option("--bureau", help="provincial: the bureau (code, name or abbreviation).")
@click.option("--area", help="local (a city or county bureau): its GB/T 2260 area code, "
                             "e.g. 330106; --name is its name.")
@click.option("--uscc", help="enterprise: its Unified Social Credit Code.")
@click.option("--institution", "institution_id", type=int, help="institution: its id.")
@click.option("--kinds", help="department: the feed's event families it may read, comma "
                              "separated (" + ", ".join(FEED_FAMILIES) + ").")
@click.option("--review-body", "review_body_id", type=int,
              help="review_body: the review body's id in the register.")
@click.option("--staff-admin", is_flag=True,
              help="national or provincial: the bureau's staff administrator (adds staff, "
                   "makes their set-up links, unlocks them in the console).")
def account_create(role: str, name: str | None, bureau: str | None, area: str | None,
                   kinds: str | None, uscc: str | None,
                   institution_id: int | None, review_body_id: int | None,
                   staff_admin: bool) -> None:
    """Create an account and print its id."""
    try:
        kind = Role(role)
        bureau_code = area_code = None
        granted: list[str] | None = None
        if kind is Role.NATIONAL:
            found = find_bureau("00")
            bureau_code, name = found.code, name or found.name
        elif kind is Role.PROVINCIAL:
            found = find_bureau(bureau or "", "--bureau")
            if found.is_national:
                raise ValidationError("--bureau", "a provincial account needs a province")
            bureau_code, name = found.code, name or found.name
        elif kind is Role.LOCAL:
            area_code = Area.parse(area or "", "--area").code
            bureau_code = area_code[:2]
        elif kind is Role.ENTERPRISE:
            uscc = validate_uscc(uscc or "", "--uscc")
        elif kind is Role.INSTITUTION and institution_id is None:
            raise ValidationError("--institution", "an institution account needs its id")
        elif kind is Role.DEPARTMENT:
            granted = _families(kinds)
        elif kind is Role.REVIEW_BODY and review_body_id is None:
            raise ValidationError("--review-body", "a review body's account needs its id")
        if not name:
            raise ValidationError("--name", "is required for this role")
        if staff_admin and kind not in (Role.NATIONAL, Role.PROVINCIAL):
            raise ValidationError("--staff-admin", "only a bureau account administers staff")
        with current_context().engine.begin() as conn:
            if institution_id is not None:
                accounts.institution(conn, institution_id)
            if review_body_id is not None and kind is Role.REVIEW_BODY:
                review_bodies.body(conn, review_body_id)
            account_id = accounts.create_account(
                conn, kind, name, utcnow(), bureau_code=bureau_code,
                uscc=uscc if kind is Role.ENTERPRISE else None,
                institution_id=institution_id if kind is Role.INSTITUTION else None,
                review_body_id=review_body_id if kind is Role.REVIEW_BODY else None,
                area_code=area_code, granted_kinds=granted, staff_admin=staff_admin)
    except CertsvcError as exc:
        fail(exc)
    click.echo(f"account {account_id}: {role} {name}"
               + (" (staff administrator)" if staff_admin else ""))


@account.command("grant")
@click.argument("account_id", type=int)
@click.option("--kinds", required=True,
              help="the feed's event families, comma separated (" + ", ".join(FEED_FAMILIES)
                   + ").")
def account_grant(account_id: int, kinds: str) -> None:
    """Set the feed's event families a department account may read (audited)."""
    try:
        granted = _families(kinds)
        with current_context().engine.begin() as conn:
            accounts.grant(conn, account_id, granted)
            audit.record_operator(conn, "account.grant", f"account:{account_id}", None,
                                  {"granted_kinds": granted}, utcnow())
    except CertsvcError as exc:
        fail(exc)
    click.echo(f"account {account_id}: {', '.join(granted)}")


def _families(kinds: str | None) -> list[str]:
    """A department's grant: known event families, at least one."""
    granted = sorted({k.strip() for k in (kinds or "").split(",") if k.strip()})
    unknown = [k for k in granted if k not in FEED_FAMILIES]
    if not granted or unknown:
        raise ValidationError("--kinds", "names the event families a department reads, from "
                              + ", ".join(FEED_FAMILIES))
    return granted


@account.command("staff-admin")
@click.argument("account_id", type=int)
@click.option("--off", is_flag=True, help="Take the role away.")
def account_staff_admin(account_id: int, off: bool) -> None:
    """Make ACCOUNT_ID its bureau's staff administrator (or, with --off, no longer)."""
    ctx = current_context()
    try:
        with ctx.engine.begin() as conn:
            accounts.set_staff_admin(conn, account_id, not off)
            audit.record_operator(conn, "account.staff_admin", f"account:{account_id}", None,
                                  {"staff_admin": not off}, utcnow())
    except CertsvcError as exc:
        fail(exc)
    click.echo(f"account {account_id}: staff administrator {'off' if off else 'on'}")


@account.command("list")
def account_list() -> None:
    with current_context().engine.connect() as conn:
        for p in accounts.list_accounts(conn):
            which = p.area_code or p.bureau_code or p.uscc or (
                f"body {p.review_body_id}" if p.review_body_id else "")
            click.echo(f"{p.account_id}\t{p.role.value}\t{which}\t{p.name}")


@account.command("invite")
@click.argument("account_id", type=int)
def account_invite(account_id: int) -> None:
    """Print a one-time link (72 hours) with which ACCOUNT_ID sets its console password."""
    ctx = current_context()
    try:
        token = ctx.signin.invite(None, account_id, utcnow(), _request_id())
    except CertsvcError as exc:
        fail(exc)
    click.echo(f"{ctx.settings.public_url}/console/invite/{token}")


@account.command("unlock")
@click.argument("account_id", type=int)
def account_unlock(account_id: int) -> None:
    """Lift the lock that repeated wrong passwords put on ACCOUNT_ID."""
    try:
        current_context().signin.unlock(None, account_id, utcnow(), _request_id())
    except CertsvcError as exc:
        fail(exc)
    click.echo(f"account {account_id} unlocked")


@account.command("totp-code")
@click.argument("account_id", type=int)
def account_totp_code(account_id: int) -> None:
    """Development only: print ACCOUNT_ID's current TOTP code (refused with real keys, i.e.
    when CERTSVC_KEY_PASSPHRASE is set)."""
    ctx = current_context()
    if ctx.settings.passphrase_from_env:
        fail(ValidationError("totp-code", "is for development servers only"))
    code = ctx.signin.current_code(account_id, utcnow())
    if code is None:
        fail(ValidationError("account", f"{account_id} has no second factor"))
    click.echo(code)


@click.group("token")
def token() -> None:
    """API tokens: shown once, stored only as a hash, expiring, revocable."""


@token.command("create")
@click.argument("account_id", type=int)
@click.option("--days", type=click.IntRange(1, 366), default=90, show_default=True)
def token_create(account_id: int, days: int) -> None:
    """Create a token for an account; it is printed once and never again."""
    try:
        with current_context().engine.begin() as conn:
            token_id, secret = accounts.create_token(conn, account_id, utcnow(),
                                                     dt.timedelta(days=days))
    except CertsvcError as exc:
        fail(exc)
    click.echo(f"token {token_id} for account {account_id}, valid {days} days "
               "(shown once; store it now):", err=True)
    click.echo(secret)


@token.command("revoke")
@click.argument("token_id", type=int)
def token_revoke(token_id: int) -> None:
    try:
        with current_context().engine.begin() as conn:
            accounts.revoke_token(conn, token_id, utcnow())
    except CertsvcError as exc:
        fail(exc)
    click.echo(f"token {token_id} revoked")


@click.group("institution")
def institution() -> None:
    """Inspection institutions (检验机构)."""


@institution.command("add")
@click.option("--name", required=True)
@click.option("--accreditation", required=True, help="计量认证 (CMA) certificate number.")
@click.option("--level", type=click.IntRange(1, 3), required=True, help="1 = I, 2 = II, 3 = III")
@click.option("--filed/--not-filed", default=True, help="Filed with the national authority.")
def institution_add(name: str, accreditation: str, level: int, filed: bool) -> None:
    with current_context().engine.begin() as conn:
        institution_id = accounts.create_institution(conn, name, accreditation, level, filed)
    click.echo(f"institution {institution_id}: {name}")


# --- the working-day calendar ------------------------------------------------------------
@click.group("calendar")
def calendar_command() -> None:
    """Working days: load a year's State Council holiday notice, show a year."""


@calendar_command.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "account_id", type=int, required=True, help="A national account.")
def calendar_load(path: Path, account_id: int) -> None:
    """Load a notice from a JSON file: year, notice, holidays, workdays (as the API takes)."""
    try:
        _echo(HolidayNotices(current_context().engine).load(
            _as(account_id), _data(path.read_text("utf-8")), utcnow(), _request_id()))
    except CertsvcError as exc:
        fail(exc)


@calendar_command.command("show")
@click.argument("year", type=int)
def calendar_show(year: int) -> None:
    """A year as deadlines count it: from its notice or provisional."""
    try:
        _echo(HolidayNotices(current_context().engine).year(year))
    except CertsvcError as exc:
        fail(exc)


# --- applications and licences ------------------------------------------------------------
def _applications() -> Applications:
    ctx = current_context()
    HolidayNotices(ctx.engine).refresh()  # deadlines count on the notices loaded so far
    return Applications(ctx.engine, ctx.issuer,
                        Documents(ctx.engine, _document_store(ctx.settings)),
                        _publish)


@click.group("application")
def application() -> None:
    """Licence applications: submit, act, list what is due."""


@application.command("submit")
@click.option("--as", "account_id", type=int, required=True, help="The enterprise's account.")
@click.option("--data", required=True, help="The application as JSON.")
def application_submit(account_id: int, data: str) -> None:
    try:
        _echo(_applications().submit(_as(account_id), _data(data), utcnow(), _request_id()))
    except CertsvcError as exc:
        fail(exc)


@application.command("upload")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "account_id", type=int, required=True,
              help="The enterprise (or institution) uploading it.")
def application_upload(path: Path, account_id: int) -> None:
    """Upload a document (PDF, OFD, JPEG, PNG) and print its reference for the materials."""
    ctx = current_context()
    documents = Documents(ctx.engine, _document_store(ctx.settings))
    try:
        _echo(documents.upload(_as(account_id), path.name, path.read_bytes(), utcnow(),
                               _request_id()))
    except CertsvcError as exc:
        fail(exc)


@application.command("act")
@click.argument("application_id", type=int)
@click.argument("action")
@click.option("--as", "account_id", type=int, required=True)
@click.option("--data", help="The action's details as JSON.")
def application_act(application_id: int, action: str, account_id: int,
                    data: str | None) -> None:
    """Apply an action (accept, record_onsite, approve, issue, …) to an application."""
    try:
        _echo(_applications().act(_as(account_id), application_id, action, _data(data),
                                  utcnow(), _request_id()))
    except CertsvcError as exc:
        fail(exc)


@application.command("list")
@click.option("--as", "account_id", type=int, required=True)
@click.option("--state")
@click.option("--overdue", is_flag=True)
@click.option("--due-within", type=int, help="Working days left at most.")
def application_list(account_id: int, state: str | None, overdue: bool,
                     due_within: int | None) -> None:
    try:
        items = _applications().list(_as(account_id), utcnow(), state=state, overdue=overdue,
                                     due_within=due_within, limit=500)
    except CertsvcError as exc:
        fail(exc)
    for item in items:
        d = item["deadline"] or {}
        due = d.get("due") or d.get("error", "")
        click.echo(f"{item['id']}\t{item['state']}\t{item['enterprise']['name']}\t"
                   f"due {due}\tleft {d.get('working_days_left', '')}"
                   + ("\tprovisional" if d.get("provisional") else ""))


@click.command("act")
@click.argument("number")
@click.argument("action")
@click.option("--as", "account_id", type=int, required=True)
@click.option("--data", help="reason, legal_basis, order, deadline … as JSON.")
def licence_act(number: str, action: str, account_id: int, data: str | None) -> None:
    """Change, suspend, lift, revoke, penalty_revoke, cancel a licence."""
    ctx = current_context()
    try:
        service = LicenceActions(ctx.engine, ctx.issuer, _publish)
        _echo(service.act(_as(account_id), LicenceNumber.parse(number), action, _data(data),
                          utcnow(), _request_id()))
    except CertsvcError as exc:
        fail(exc)


@click.command("merge")
@click.option("--uscc", required=True, help="The enterprise holding several licences.")
@click.option("--bureau", required=True, help="The issuing bureau: code, abbreviation or name.")
@click.option("--as", "account_id", type=int, required=True)
def licence_merge(uscc: str, bureau: str, account_id: int) -> None:
    """一企一证: merge an enterprise's licences from one bureau into its oldest one."""
    ctx = current_context()
    try:
        service = LicenceActions(ctx.engine, ctx.issuer, _publish)
        _echo(service.merge(_as(account_id), validate_uscc(uscc, "--uscc"),
                            find_bureau(bureau, "--bureau").code, utcnow(), _request_id()))
    except CertsvcError as exc:
        fail(exc)


@click.command("audit")
@click.option("--subject")
@click.option("--action")
@click.option("--limit", type=click.IntRange(1, 1000), default=50)
def audit_command(subject: str | None, action: str | None, limit: int) -> None:
    """Read the audit log (the CLI runs with database access: an operator's view)."""
    with current_context().engine.connect() as conn:
        for entry in audit.search(conn, subject=subject, action=action, limit=limit):
            click.echo(json.dumps(entry.to_dict(), ensure_ascii=False, default=str))


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, type=int, show_default=True)
@click.option("--public-app", default="public_site.app:create_app", show_default=True)
def serve(host: str, port: int, public_app: str) -> None:
    """Development server: the bureau API and the public site on one port. It republishes
    both lists and the log every 12 hours, as ``certsvc publish --every`` does in
    production, so that a development server left running never serves lists past their
    next update, and publishes a log checkpoint within seconds of each append."""
    from werkzeug.serving import is_running_from_reloader, run_simple

    from certsvc.api.app import create_app

    if not is_running_from_reloader():
        threading.Thread(target=publish_every, args=(REPUBLISH_SECONDS, False),
                         name="republish", daemon=True).start()
        threading.Thread(target=publish_log_as_it_grows, name="publish-log",
                         daemon=True).start()
    run_simple(host, port, Dispatcher(create_app(), load_app(public_app)), threaded=True)


@click.command("proxy-config")
@click.argument("server", type=click.Choice(["nginx"]))
@click.option("--bureau", "bureau_upstream", default="127.0.0.1:8001", show_default=True,
              help="host:port of the bureau service's gunicorn")
@click.option("--public", "public_upstream", default="127.0.0.1:8002", show_default=True,
              help="host:port of the public site's gunicorn")
def proxy_config(server: str, bureau_upstream: str, public_upstream: str) -> None:
    """Print the proxy configuration that routes each request to the app implementing it
    (the routing table the development server uses, rendered for SERVER)."""
    import tempfile

    from certsvc.api.app import create_app

    with tempfile.TemporaryDirectory() as scratch:  # routes only: no key, no database
        app = create_app({"KEY_PASSPHRASE": b"not used: no key is loaded",
                          "KEYS_DIR": scratch, "DATABASE_URL": f"sqlite:///{scratch}/r.db",
                          "DOCUMENTS_DIR": scratch, "PUBLISH_DIR": scratch})
        table = RoutingTable.of(app.url_map)
    published = str(Settings.from_env().publish_dir.resolve())
    click.echo(nginx_config(table, bureau_upstream, public_upstream, published), nl=False)


REPUBLISH_SECONDS = int(REPUBLISH_EVERY.total_seconds())


def publish_every(seconds: int, first_now: bool = True) -> None:
    """Republish the trust list, the status list and the log on an interval, so that
    neither list passes its next update (a verifier then says the status could not be
    checked) and the log's checkpoint is never older than the interval."""
    if not first_now:
        time.sleep(seconds)
    while True:
        _publish_all()
        click.echo(f"published trust list, status list and log at {utcnow():%Y-%m-%d %H:%M:%S}Z")
        time.sleep(seconds)


def _request_id() -> str:
    return f"cli-{uuid.uuid4().hex}"


def _document_store(settings: Settings) -> DocumentStore:
    return document_store(settings.documents_dir, settings.documents_s3_bucket,
                          settings.documents_s3_endpoint)
