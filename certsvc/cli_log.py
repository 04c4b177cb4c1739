"""``certsvc log``, ``certsvc witness`` and ``certsvc monitor``: the transparency log's
operator, its witnesses, and whoever watches it.

    certsvc log status
    certsvc log witnesses --add "<vkey> <url>" --quorum 1
    certsvc witness init witness.example/w1
    certsvc witness serve witness.example/w1 --log-key <vkey> --state witness.json
    certsvc monitor --uscc 91330000… --url https://certsvc.example --state monitor.json
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from certsvc.cli_context import EXIT_INVALID, EXIT_STATUS_UNKNOWN, EXIT_UNUSABLE, Context
from certsvc.credential.rollback import SequenceMemory
from certsvc.credential.trust_list import TrustList, pinned_root
from certsvc.domain.bureaus import find_bureau
from certsvc.domain.time import utcnow
from certsvc.domain.uscc import validate_uscc
from certsvc.errors import CertsvcError, ValidationError
from certsvc.signer.keystore import minimum_quorum
from certsvc.store import log as stored_log
from certsvc.transparency.client import Fetch, LogClient, http_fetch
from certsvc.transparency.cosignature import Cosigner
from certsvc.transparency.note import NoteError, NoteVerifier, check_key_name
from certsvc.workflow.key_events import record_policy_event

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

EXIT_UNAVAILABLE = EXIT_STATUS_UNKNOWN  # the log did not answer


def _context() -> Context:
    return Context()


def fail(error: CertsvcError) -> NoReturn:
    click.echo(f"error: {error.detail}", err=True)
    sys.exit(EXIT_UNUSABLE)


@click.group("log")
def log_group() -> None:
    """The transparency log of every licence, declaration and key event."""


@log_group.command("status")
def log_status() -> None:
    """The log's size, its latest published checkpoint and its witness policy."""
    ctx = _context()
    with ctx.engine.connect() as conn:
        size = stored_log.size(conn)
        latest = stored_log.latest_checkpoint(conn)
    policy = ctx.keystore.log_policy()
    click.echo(f"leaves: {size}")
    click.echo(f"published checkpoint: {latest[0] if latest else 'none yet'}")
    if policy is not None:
        click.echo(f"origin: {policy.origin}")
        click.echo(f"log key: {policy.log_key}")
        click.echo(f"witnesses: {len(policy.witnesses)}, quorum {policy.quorum}")
        for vkey, url in ctx.keystore.witness_urls():
            click.echo(f"  {vkey} {url}")


@log_group.command("witnesses")
@click.option("--add", "added", multiple=True, metavar="'VKEY URL'",
              help="A witness: its cosigner key (as `certsvc witness init` prints it) and "
                   "the URL prefix of its add-checkpoint endpoint (repeatable).")
@click.option("--remove", "removed", multiple=True, metavar="NAME",
              help="Stop asking the witness of this name (repeatable).")
@click.option("--quorum", type=click.IntRange(0), required=True,
              help="How many of the witnesses must cosign a checkpoint for a verifier: a "
                   "majority of them at least.")
@click.option("--force", is_flag=True,
              help="Set a quorum below a majority (warned, and logged as such).")
def log_witnesses(added: tuple[str, ...], removed: tuple[str, ...],
                  quorum: int, force: bool) -> None:
    """Set the witnesses the log asks and the trust list names, and the quorum. The change
    is a leaf of the log itself, so every monitor sees it."""
    ctx = _context()
    witnesses = [(v, u) for v, u in ctx.keystore.witness_urls()
                 if Cosigner.parse(v).name not in removed]
    for item in added:
        vkey, _, url = item.strip().partition(" ")
        try:
            cosigner = Cosigner.parse(vkey)
        except NoteError as exc:
            raise click.BadParameter(str(exc), param_hint="--add") from None
        if not url.startswith(("http://", "https://")):
            raise click.BadParameter("give the witness's URL after its key",
                                     param_hint="--add")
        witnesses = [(v, u) for v, u in witnesses if Cosigner.parse(v).name != cosigner.name]
        witnesses.append((vkey, url.strip()))
    weak = quorum < minimum_quorum(len(witnesses))
    try:
        policy = ctx.keystore.set_witnesses(witnesses, quorum, force)
    except CertsvcError as exc:
        fail(exc)
    if weak:
        click.echo(f"WARNING: a quorum of {quorum} of {len(witnesses)} witnesses is below a "
                   "majority: verifiers will accept a checkpoint a minority cosigned (or, at "
                   "0, none)", err=True)
    ctx.audit("log.witnesses", "log:witnesses", None,
              {"witnesses": list(policy.witnesses), "quorum": quorum, "forced": weak})
    record_policy_event(ctx.engine, policy, weak, utcnow())
    click.echo(f"{len(policy.witnesses)} witnesses, quorum {policy.quorum}")
    click.echo(f"trust list: {ctx.publish_trust_list()}")


@click.group("witness")
def witness_group() -> None:
    """Run a witness: cosign the log's checkpoints after checking they are consistent."""


@witness_group.command("init")
@click.argument("name")
def witness_init(name: str) -> None:
    """Make NAME's cosigning key (in keys/witnesses/, encrypted) and print its verifier key,
    which the log operator adds with `certsvc log witnesses --add`."""
    ctx = _context()
    try:
        check_key_name(name)
        public_key = ctx.keystore.create_witness_key(name)
    except NoteError as exc:
        raise click.BadParameter(str(exc), param_hint="NAME") from None
    except CertsvcError as exc:
        fail(exc)
    click.echo(str(Cosigner(name, public_key)))


@witness_group.command("serve")
@click.argument("name")
@click.option("--log-key", "log_keys", multiple=True, required=True, metavar="VKEY",
              help="The checkpoint key of a log to witness (`certsvc log status` shows it).")
@click.option("--state", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Where the latest cosigned checkpoint of each log is kept.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8100, type=int, show_default=True)
def witness_serve(name: str, log_keys: tuple[str, ...], state: Path,
                  host: str, port: int) -> None:
    """Serve POST /add-checkpoint (c2sp.org/tlog-witness) as witness NAME."""
    from werkzeug.serving import run_simple

    app = witness_app(_context(), name, log_keys, state)
    run_simple(host, port, app, threaded=True)


def witness_app(ctx: Context, name: str, log_keys: tuple[str, ...], state: Path
                ) -> WSGIApplication:
    """The witness as a WSGI application."""
    from werkzeug.wrappers import Request, Response

    from certsvc.transparency.witness import LatestCheckpoints, Witness

    try:
        logs = {v.name: v for v in (NoteVerifier.parse(k) for k in log_keys)}
        cosigner, sign = ctx.signer.witness_signer(name)
    except (CertsvcError, NoteError) as exc:
        click.echo(f"error: {getattr(exc, 'detail', exc)}", err=True)
        sys.exit(EXIT_UNUSABLE)
    witness = Witness(cosigner, sign, logs, LatestCheckpoints(state),
                      lambda: int(time.time()))

    @Request.application
    def app(request: Request) -> Response:
        if request.path == "/evidence" and request.method == "GET":  # refused forks, kept
            return Response(witness.evidence.read(), 200, content_type="application/jsonl")
        if request.path != "/add-checkpoint":
            return Response("not found\n", 404)
        if request.method != "POST":
            return Response("POST only\n", 405, headers={"Allow": "POST"})
        if (request.content_length or 0) > 1 << 16:
            return Response("too large\n", 413)
        answer = witness.add_checkpoint(request.get_data(cache=False)[:1 << 16])
        return Response(answer.body, answer.status, content_type=answer.content_type)

    return app


@click.command("monitor")
@click.option("--uscc", help="Watch one enterprise (its USCC).")
@click.option("--province", help="Watch one provincial bureau (code, abbreviation or name).")
@click.option("--all", "everything", is_flag=True, help="Watch everything.")
@click.option("--url", help="The public site (default: CERTSVC_PUBLIC_URL).")
@click.option("--state", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Where the monitor keeps what it has read (make one per scope).")
@click.option("--trust-list", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Default: the one the site publishes, checked against the root.")
@click.option("--root", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The pinned root certificate or public key (default keys/root/root.crt).")
def monitor(uscc: str | None, province: str | None, everything: bool,
            url: str | None, state: Path, trust_list: Path | None,
            root: Path | None) -> None:
    """Follow the log: report every event in scope, and exit 1 on any inconsistency — a
    forked or rewritten log, a leaf the register contradicts, or a licence in the register
    whose issuance the log lacks. Exit 3 if the log could not be reached."""
    ctx = _context()
    from certsvc.transparency.monitor import Monitor, Scope

    if sum((uscc is not None, province is not None, everything)) != 1:
        raise click.UsageError("give exactly one of --uscc, --province and --all")
    try:
        scope = Scope(uscc=validate_uscc(uscc, "--uscc") if uscc else None,
                      bureau=find_bureau(province, "--province").code if province else None)
        fetch = http_fetch(url or ctx.settings.public_url)
        trusted = _trust_list(ctx, fetch, trust_list, root,
                              state.with_name(state.name + ".trust-list"))
        if trusted.log is None:
            click.echo("error: the trust list names no transparency log", err=True)
            sys.exit(EXIT_UNUSABLE)
        client = LogClient(trusted.log, state.with_name(state.name + ".checkpoints"), fetch)
        report = Monitor(client, fetch, scope, state, trusted, utcnow).run()
    except CertsvcError as exc:
        click.echo(f"error: {exc.detail}", err=True)
        sys.exit(EXIT_UNAVAILABLE if exc.status == 503 else EXIT_UNUSABLE)
    if report.checkpoint is not None:
        click.echo(f"checkpoint {report.checkpoint.size} accepted; {report.read} new leaves read")
    for line in report.events:
        click.echo(line)
    for line in report.pending:
        click.echo(f"pending: {line}")
    for line in report.problems:
        click.echo(f"INCONSISTENT: {line}", err=True)
    sys.exit(EXIT_INVALID if report.problems else 0)


def _trust_list(ctx: Context, fetch: Fetch, path: Path | None, root: Path | None,
                memory: Path) -> TrustList:
    """The trust list (from the watched site unless given), checked against the pinned
    root and against the highest sequence this monitor has seen: a site that serves an
    older list (one naming other witnesses, say) is refused."""
    root_key = pinned_root(root or ctx.settings.root_certificate_path)
    try:
        data = path.read_bytes() if path else fetch("/.well-known/certsvc/trust-list")
    except OSError as exc:
        raise ValidationError("--trust-list", f"cannot be read: {exc.strerror}") from None
    trusted = TrustList.load(data, root_key)
    SequenceMemory(memory).check_and_remember(trusted.root_fingerprint, trusted.sequence)
    return trusted
