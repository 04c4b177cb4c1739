"""The ``certsvc`` command: keys, issuance, import, verification, publishing.

    certsvc keys init
    certsvc licence issue --file licence.json --qr-png licence.png
    certsvc verify --qr-image photo.jpg --status-list instance/published/status-list.cose
"""

from __future__ import annotations

import io
import json
import sys
import zipfile
from pathlib import Path
from typing import Any

import click

from certsvc import cli_log
from certsvc import cli_workflow as w
from certsvc.cli_context import (
    EXIT_INVALID,
    EXIT_STATUS_UNKNOWN,
    EXIT_UNUSABLE,
    EXIT_VALID,
    Context,
    fail,
    pass_context,
)
from certsvc.credential.algorithms import Algorithm
from certsvc.credential.qr_image import qr_png, qr_svg, read_qr
from certsvc.credential.rollback import SequenceMemory, default_state_path
from certsvc.credential.status_list import REPUBLISH_EVERY, StatusList
from certsvc.credential.trust_list import TrustList, pinned_root
from certsvc.credential.verifier import Verdict, VerdictCode, verify
from certsvc.domain.bureaus import find_bureau
from certsvc.domain.catalogue import catalogue
from certsvc.domain.licence import Licence
from certsvc.domain.time import china_time, utcnow
from certsvc.errors import CertsvcError
from certsvc.publish.artefacts import publish_status_list, publish_trust_list
from certsvc.publish.log import publish_log
from certsvc.signer.keystore import LOG_ORIGIN
from certsvc.workflow.issuance import IssuedLicence
from certsvc.workflow.licence_file import read_licence_file

MAX_REPUBLISH_SECONDS = int(REPUBLISH_EVERY.total_seconds())


@click.group()
def main() -> None:
    """certsvc: electronic production licences (工业产品生产许可证)."""


# --- keys -------------------------------------------------------------------------------
@main.group()
def keys() -> None:
    """The national root and the bureaus' signing keys (in keys/)."""


ALGORITHM = click.Choice([a.value for a in Algorithm], case_sensitive=False)


def _bureau_algorithms(choices: tuple[str, ...]) -> dict[str, Algorithm]:
    """``--bureau-algorithm 32=sm2`` (code, abbreviation or name) as {code: algorithm}."""
    chosen = {}
    for choice in choices:
        bureau, _, name = choice.partition("=")
        try:
            chosen[find_bureau(bureau).code] = Algorithm.named(name)
        except (CertsvcError, ValueError) as exc:
            raise click.BadParameter(str(exc), param_hint="--bureau-algorithm") from None
    return chosen


@keys.command("init")
@click.option("--algorithm", type=ALGORITHM, default="ed25519", show_default=True,
              help="Algorithm of every new bureau key: ed25519, or sm2 (SM2 with SM3).")
@click.option("--root-algorithm", type=ALGORITHM, default=None,
              help="Algorithm of a new root key (default: --algorithm).")
@click.option("--bureau-algorithm", multiple=True, metavar="BUREAU=ALG",
              help="Another algorithm for one bureau's new key, e.g. 32=sm2 (repeatable).")
@click.option("--log-origin", default=LOG_ORIGIN, show_default=True,
              help="The transparency log's name, if its key is made now (every checkpoint "
                   "names it: choose it once).")
@pass_context
def keys_init(ctx: Context, algorithm: str, root_algorithm: str | None,
              bureau_algorithm: tuple[str, ...], log_origin: str) -> None:
    """Create the root and one signing key per bureau; existing keys are kept."""
    before = ctx.keystore.records()
    try:
        lines = ctx.keystore.init(
            utcnow(), Algorithm.named(algorithm),
            Algorithm.named(root_algorithm) if root_algorithm else None,
            _bureau_algorithms(bureau_algorithm), log_origin)
    except CertsvcError as exc:
        fail(exc)
    ctx.key_events("keys.init", before)
    for line in lines:
        click.echo(line)
    click.echo(f"trust list: {ctx.publish_trust_list()}")


@keys.command("rotate")
@click.argument("bureau")
@click.option("--algorithm", type=ALGORITHM, default=None,
              help="The new key's algorithm (default: the bureau's current one).")
@pass_context
def keys_rotate(ctx: Context, bureau: str, algorithm: str | None) -> None:
    """Add a new signing key for BUREAU (code, abbreviation or name); old licences still verify."""
    before = ctx.keystore.records()
    try:
        record = ctx.keystore.rotate(find_bureau(bureau), utcnow(),
                                     Algorithm.named(algorithm) if algorithm else None)
    except CertsvcError as exc:
        fail(exc)
    ctx.key_events("keys.rotate", before)
    click.echo(f"new signing key {record.kid} for bureau {record.bureau_code} "
               f"({record.algorithm.label})")
    click.echo(f"trust list: {ctx.publish_trust_list()}")


@keys.command("revoke")
@click.argument("kid")
@click.option("--reason", required=True, help="Why, e.g. 'private key disclosed'.")
@pass_context
def keys_revoke(ctx: Context, kid: str, reason: str) -> None:
    """Mark key KID compromised: everything it signed fails verification."""
    before = ctx.keystore.records()
    try:
        record = ctx.keystore.revoke(kid, reason, utcnow())
    except CertsvcError as exc:
        fail(exc)
    ctx.key_events("keys.revoke", before)
    click.echo(f"revoked key {record.kid} of bureau {record.bureau_code}: {reason}")
    click.echo(f"trust list: {ctx.publish_trust_list()}")


@keys.command("list")
@pass_context
def keys_list(ctx: Context) -> None:
    """Every key with its bureau, state and validity window."""
    for r in ctx.keystore.records():
        reason = f" ({r.revoked_reason})" if r.revoked_reason else ""
        click.echo(
            f"{r.kid}  {r.bureau_code}  {r.algorithm.value:7}  {r.state.name.lower():8} "
            f"{r.not_before:%Y-%m-%d}..{r.not_after:%Y-%m-%d}{reason}"
        )


@keys.command("trust-list")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@pass_context
def keys_trust_list(ctx: Context, out: Path) -> None:
    """Write the root-signed trust list to OUT."""
    try:
        data = ctx.signer.trust_list(utcnow())
    except CertsvcError as exc:
        fail(exc)
    out.write_bytes(data)
    click.echo(f"wrote {out} ({len(data)} bytes, {len(ctx.keystore.records())} keys)")


# --- licences ---------------------------------------------------------------------------
@main.group()
def licence() -> None:
    """Issue and import licences."""


@licence.command("issue")
@click.option("--file", "path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              required=True, help="A licence in the shape of reference-licence.json.")
@click.option("--qr-png", "qr_png_path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--qr-svg", "qr_svg_path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def licence_issue(
    ctx: Context, path: Path, qr_png_path: Path | None, qr_svg_path: Path | None,
    as_json: bool,
) -> None:
    """Issue one licence: sign it and print it with its token and QR text."""
    try:
        data = json.loads(path.read_text("utf-8"))
        issued = ctx.issuer.issue(Licence.from_dict(data), utcnow())
    except json.JSONDecodeError as exc:
        click.echo(f"error: {path} is not JSON: {exc.msg} (line {exc.lineno})", err=True)
        sys.exit(EXIT_UNUSABLE)
    except CertsvcError as exc:
        fail(exc)
    ctx.audit("licence.issue", f"licence:{issued.number.canonical}", issued.number.bureau_code,
              issued.licence.to_dict())
    if qr_png_path:
        qr_png_path.write_bytes(qr_png(issued.qr_text))
    if qr_svg_path:
        qr_svg_path.write_text(qr_svg(issued.qr_text), "utf-8")
    _print_issued(issued, as_json)


def _print_issued(issued: IssuedLicence, as_json: bool) -> None:
    body = issued.licence.to_dict() | {"token": issued.token.hex(), "qr_text": issued.qr_text}
    if as_json:
        click.echo(json.dumps(body, ensure_ascii=False, indent=2))
        return
    for key, value in body.items():
        if key == "enterprise":
            for k, v in value.items():
                click.echo(f"enterprise.{k}: {v}")
        elif key == "scope":
            click.echo(f"scope: {'、'.join(value)}")
        else:
            click.echo(f"{key}: {value}")


@licence.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_context
def licence_import(ctx: Context, path: Path) -> None:
    """Migrate paper licences in bulk from PATH (.csv or .jsonl); all rows or none."""
    parsed = read_licence_file(path)
    if parsed.bad:
        for bad in parsed.bad:
            click.echo(f"{path}:{bad.line}: {bad.reason}", err=True)
        click.echo(f"error: {len(parsed.bad)} bad rows; nothing was imported", err=True)
        sys.exit(EXIT_UNUSABLE)
    try:
        with click.progressbar(length=len(parsed.licences), label="signing",
                               file=sys.stderr) as bar:
            count = ctx.issuer.import_licences(parsed.licences, utcnow(), bar.update)
    except CertsvcError as exc:
        fail(exc)
    ctx.audit("licence.import", f"file:{path.name}", None, {"licences": count})
    click.echo(f"imported {count} licences")


@licence.command("ofd")
@click.argument("number")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@pass_context
def licence_ofd(ctx: Context, number: str, out: Path) -> None:
    """Write the licence's sealed OFD (made now if its current version has none) to OUT."""
    from certsvc.domain.licence_number import LicenceNumber
    from certsvc.store.reader import LicenceReader
    from certsvc.workflow.licence_files import LicenceFiles

    try:
        record = LicenceReader(ctx.engine).by_number(LicenceNumber.parse(number))
        data, name = LicenceFiles(ctx.engine, ctx.signer, ctx.settings.public_url).ofd(
            record, utcnow())
    except CertsvcError as exc:
        fail(exc)
    out.write_bytes(data)
    click.echo(f"wrote {out} ({len(data)} bytes): {name}")


@licence.command("sign-pending")
@pass_context
def licence_sign_pending(ctx: Context) -> None:
    """Finish licences whose signing was interrupted (a crash between store and sign)."""
    click.echo(f"signed {ctx.issuer.sign_pending()} pending licences")


# --- publishing -------------------------------------------------------------------------
@main.command("publish")
@click.option("--every", type=click.IntRange(10, MAX_REPUBLISH_SECONDS), metavar="SECONDS",
              help="Then keep republishing both lists and the log at this interval (at most "
                   "half the status list's lifetime, so a list is always current), and "
                   "publish a log checkpoint within seconds of each append.")
@pass_context
def publish(ctx: Context, every: int | None) -> None:
    """Write the signed trust list, a new status list version and the transparency log's
    checkpoint, tiles and entry bundles to the publish directory."""
    now = utcnow()
    try:
        publish_trust_list(ctx.signer, ctx.settings.trust_list_path, now)
        version = publish_status_list(ctx.engine, ctx.signer, ctx.settings.publish_dir, now)
        published = publish_log(ctx.engine, ctx.signer, ctx.settings.publish_dir, now)
    except CertsvcError as exc:
        fail(exc)
    click.echo(f"published {ctx.settings.trust_list_path} and {ctx.settings.status_list_path} "
               f"(version {version})")
    click.echo(f"published the log's checkpoint of {published.checkpoint.size} leaves "
               f"({published.tiles_written} tiles and bundles written; cosigned by "
               f"{', '.join(published.cosigned_by) or 'no witness'})")
    for name in published.tiles_repaired:
        click.echo(f"warning: the published {name} did not hold what the log holds: "
                   "rewritten from the database (was the web server's copy altered?)", err=True)
    if every:
        import threading

        from certsvc.cli_workflow import publish_every, publish_log_as_it_grows

        threading.Thread(target=publish_log_as_it_grows, name="publish-log",
                         daemon=True).start()
        publish_every(every)


# --- verifying --------------------------------------------------------------------------
@main.command("verify")
@click.option("--qr-image", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--qr-text")
@click.option("--trust-list", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Default: the published trust list.")
@click.option("--root", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The pinned root certificate or public key (default keys/root/root.crt).")
@click.option("--status-list", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--product", help="A product unit (name or id) that must be in scope.")
@click.option("--state", type=click.Path(dir_okay=False, path_type=Path),
              help="Where the highest trust-list sequence seen is kept "
                   "(default $XDG_STATE_HOME/certsvc/verifier.json).")
@click.option("--check-log", is_flag=True,
              help="Online: also prove the licence's issuance is in the transparency log, "
                   "in a checkpoint cosigned by the witnesses the trust list requires and "
                   "consistent with the last one seen.")
@click.option("--log-url", help="Where the log is served (default: CERTSVC_PUBLIC_URL).")
@click.option("--json", "as_json", is_flag=True)
@pass_context
def verify_command(
    ctx: Context, qr_image: Path | None, qr_text: str | None, trust_list: Path | None,
    root: Path | None, status_list: Path | None, product: str | None, state: Path | None,
    check_log: bool, log_url: str | None, as_json: bool,
) -> None:
    """Verify a licence QR offline. Exit 0 valid, 1 not valid, 2 unusable input, 3 status
    not checked (no status list, or a trust list or status list past its next update).
    A trust list older than one seen before is refused (exit 2). With --check-log, a
    licence whose issuance the log cannot prove is not valid (exit 1; 3 if the log does
    not answer)."""
    if (qr_image is None) == (qr_text is None):
        raise click.UsageError("give exactly one of --qr-image and --qr-text")
    try:
        text = read_qr(qr_image.read_bytes()) if qr_image else str(qr_text)
        root_key = pinned_root(root or ctx.settings.root_certificate_path)
        trusted = TrustList.load(
            (trust_list or ctx.settings.trust_list_path).read_bytes(), root_key)
        SequenceMemory(state or default_state_path()).check_and_remember(
            trusted.root_fingerprint, trusted.sequence)
        statuses = StatusList.load(status_list.read_bytes(), trusted) if status_list else None
        if product is not None:
            catalogue().resolve(product, "product")
    except OSError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_UNUSABLE)
    except CertsvcError as exc:
        fail(exc)
    verdict = verify(text, trusted, statuses, product, utcnow())
    code = exit_code(verdict)
    logged = None
    if check_log and verdict.authentic:
        logged = _check_log(ctx, trusted, text, log_url, (state or default_state_path()))
        if not logged["in_log"]:
            code = EXIT_STATUS_UNKNOWN if logged.get("unavailable") else EXIT_INVALID
    if as_json:
        body = verdict_json(verdict)
        if logged is not None:
            body["log"] = logged
        click.echo(json.dumps(body, ensure_ascii=False, indent=2))
    else:
        _print_verdict(verdict, False)
        if logged is not None:
            click.echo(f"  透明日志 Log:          {logged['message']}")
    sys.exit(code)


def _check_log(ctx: Context, trusted: TrustList, text: str, log_url: str | None,
               state: Path) -> dict[str, Any]:
    """Prove the token's leaf in a checked checkpoint: what was found, as JSON."""
    from certsvc.credential.qr_text import token_from_text
    from certsvc.errors import NotFound
    from certsvc.transparency.client import LogClient, http_fetch

    if trusted.log is None:
        return {"in_log": False, "unavailable": True,
                "message": "未核对 not checked: the trust list names no transparency log"}
    client = LogClient(trusted.log, state.with_name(state.stem + "-log.json"),
                       http_fetch(log_url or ctx.settings.public_url))
    try:
        checkpoint = client.checkpoint()
        index, _ = client.prove_token(token_from_text(text), checkpoint)
    except NotFound as exc:
        return {"in_log": False, "message": f"未记入 NOT in the transparency log: {exc.detail}"}
    except CertsvcError as exc:
        return {"in_log": False, "unavailable": exc.status == 503,
                "message": f"核对失败 check failed: {exc.detail}"}
    return {"in_log": True, "index": index, "size": checkpoint.size,
            "origin": checkpoint.origin,
            "message": f"已记入 leaf {index} of {checkpoint.size} ({checkpoint.origin}), "
                       "inclusion proved in a checkpoint consistent with the last seen"}


@main.command("verify-ofd")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--trust-list", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Default: the published trust list.")
@click.option("--root", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The pinned root certificate or public key (default keys/root/root.crt).")
@click.option("--status-list", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The signed status list: says whether the licence is still valid.")
@pass_context
def verify_ofd_command(ctx: Context, file: Path, trust_list: Path | None,
                       root: Path | None, status_list: Path | None) -> None:
    """Verify a sealed licence OFD offline: its parts, its electronic seal (GB/T 38540) and
    the sealing bureau key — and the licence itself, from the QR code sealed inside, as
    `certsvc verify` does: the file states the status as of its making, the status list
    says what it is now. Exit 0 sealed, intact and valid; 1 not intact, or the licence not
    valid (revoked, suspended, expired …); 2 unusable input; 3 intact, but the licence's
    status could not be checked (no status list, or an old one)."""
    from certsvc.render.ofd import check_ofd

    try:
        root_key = pinned_root(root or ctx.settings.root_certificate_path)
        trusted = TrustList.load(
            (trust_list or ctx.settings.trust_list_path).read_bytes(), root_key)
        statuses = StatusList.load(status_list.read_bytes(), trusted) if status_list else None
        data = file.read_bytes()
    except OSError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_UNUSABLE)
    except CertsvcError as exc:
        fail(exc)
    if not zipfile.is_zipfile(io.BytesIO(data)):
        click.echo(f"error: {file} is not an OFD package (a ZIP)", err=True)
        sys.exit(EXIT_UNUSABLE)
    try:
        checked = check_ofd(data, trusted)
    except CertsvcError as exc:
        click.echo(f"未通过 Not intact: {exc.detail}")
        sys.exit(EXIT_INVALID)
    click.echo("电子印章有效 Seal valid: every part is as the bureau sealed it")
    click.echo(f"  印章 Seal:             {checked.seal.seal_name} "
               f"(bureau {checked.seal.bureau_code})")
    click.echo(f"  盖章时间 Sealed at:     {china_time(checked.seal.signed_at)}")
    click.echo(f"  电子证照标识 Identifier: {checked.identifier}")
    click.echo(f"  证照编号 Number:        {checked.custom_data.get('证照编号', '')}")
    stated = checked.custom_data.get("证照状态")
    if stated:
        click.echo(f"  文件所载状态 Status as sealed: {stated} "
                   f"(as of {china_time(checked.seal.signed_at)})")
    try:
        text = read_qr(checked.qr_png) if checked.qr_png else ""
    except CertsvcError:
        text = ""
    if not text:
        click.echo("未通过 Not intact: the sealed file carries no readable licence QR code")
        sys.exit(EXIT_INVALID)
    verdict = verify(text, trusted, statuses, None, utcnow())
    click.echo(f"证照核验 The licence now: {verdict.message_zh} {verdict.message_en}"
               + (f" ({verdict.detail})" if verdict.detail else ""))
    sys.exit(exit_code(verdict))  # without --status-list: 3, the status not checked


def exit_code(verdict: Verdict) -> int:
    if verdict.code is VerdictCode.VALID:
        return EXIT_VALID
    if verdict.code is VerdictCode.STATUS_UNKNOWN:
        return EXIT_STATUS_UNKNOWN
    if verdict.code is VerdictCode.MALFORMED:
        return EXIT_UNUSABLE
    return EXIT_INVALID


def verdict_json(verdict: Verdict) -> dict[str, Any]:
    body: dict[str, Any] = {
        "verdict": verdict.code.value, "valid": verdict.valid,
        "message_zh": verdict.message_zh, "message_en": verdict.message_en,
        "detail": verdict.detail,
    }
    if verdict.claims is not None:
        c = verdict.claims
        units = catalogue()
        body["licence"] = {
            "number": c.number.canonical, "enterprise_name": c.enterprise_name, "uscc": c.uscc,
            "scope": [units.unit(u).name for u in c.scope], "issued": c.issued.isoformat(),
            "valid_until": c.valid_until.isoformat(), "issuer": c.number.bureau.name,
            "signed_at": c.signed_at.isoformat(),
        }
    if verdict.status_as_of is not None:
        body["status_as_of"] = verdict.status_as_of.isoformat()
    return body


def _print_verdict(verdict: Verdict, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(verdict_json(verdict), ensure_ascii=False, indent=2))
        return
    click.echo(f"{verdict.message_zh} / {verdict.message_en}")
    if verdict.detail:
        click.echo(f"  {verdict.detail}")
    if verdict.claims is not None:
        c = verdict.claims
        click.echo(f"  许可证编号 Number:     {c.number}")
        click.echo(f"  企业名称 Enterprise:   {c.enterprise_name} ({c.uscc})")
        click.echo(f"  产品 Products:         "
                   f"{'、'.join(catalogue().unit(u).name for u in c.scope)}")
        click.echo(f"  有效期 Valid:          {c.issued} – {c.valid_until}")
        click.echo(f"  发证机关 Issuer:       {c.number.bureau.name}")
    if verdict.status_as_of is not None:
        click.echo(f"  状态截至 Status as of: {china_time(verdict.status_as_of)}")


# --- development ------------------------------------------------------------------------
@main.command("dev-setup")
@pass_context
def dev_setup(ctx: Context) -> None:
    """Development keys, database and demo licences, each only if absent."""
    from certsvc.demo import (
        DEMO_PASSWORD,
        create_demo_accounts,
        create_demo_licences,
        make_demo_ofds,
    )

    # The demo's root is SM2, and Zhejiang signs with SM2 (its licences get a sealed OFD):
    # a 国密 chain end to end, root to seal; the other bureaus sign with Ed25519 under the
    # same root, so both algorithms are live side by side. (The transparency log's key is
    # Ed25519: C2SP signed notes define no SM2 signature.)
    before = ctx.keystore.records()
    for line in ctx.keystore.init(utcnow(), root_algorithm=Algorithm.SM2,
                                  bureau_algorithms={"33": Algorithm.SM2}):
        click.echo(line)
    ctx.key_events("keys.init", before)
    created = create_demo_licences(ctx.issuer, ctx.engine, utcnow())
    click.echo(f"demo licences: {created} created" if created else "demo licences: kept")
    sealed = make_demo_ofds(ctx.engine, ctx.signer, ctx.settings.public_url, utcnow())
    click.echo(f"sealed OFD files: {sealed} made")
    ctx.publish_trust_list()
    created_accounts = create_demo_accounts(ctx.engine, ctx.signin, utcnow())
    if created_accounts:
        click.echo("demo accounts: " + ", ".join(created_accounts))
    click.echo(f"console: {ctx.settings.public_url}/console/sign-in — account numbers: "
               "`certsvc account list` (2 Zhejiang bureau, 4 enterprise, 5 institution, "
               f"8 review body, 9 county bureau); password: {DEMO_PASSWORD}; bureau, "
               "national, auditor and review-body accounts then ask for a code: "
               "`certsvc account totp-code NUMBER`")
    publish_status_list(ctx.engine, ctx.signer, ctx.settings.publish_dir, utcnow())
    published = publish_log(ctx.engine, ctx.signer, ctx.settings.publish_dir, utcnow())
    click.echo(f"published to {ctx.settings.publish_dir} (the log: "
               f"{published.checkpoint.size} leaves)")


def _register_workflow_commands() -> None:
    for command in (w.account, w.token, w.institution, w.application, w.audit_command,
                    w.calendar_command, w.serve, w.proxy_config):
        main.add_command(command)
    licence.add_command(w.licence_act)
    licence.add_command(w.licence_merge)
    for command in (cli_log.log_group, cli_log.witness_group, cli_log.monitor):
        main.add_command(command)


_register_workflow_commands()
