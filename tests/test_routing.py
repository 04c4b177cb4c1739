"""One URL space: every operation of the OpenAPI document reaches the app that implements
it, through the development dispatcher and through the rendered nginx configuration run by
a real nginx; every ``security: []`` operation answers without credentials."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect
from werkzeug.serving import make_server
from werkzeug.test import Client

from certsvc.api.dispatch import Dispatcher
from certsvc.api.openapi import METHODS, openapi_document
from certsvc.api.routing import BUREAU, PUBLIC, RoutingTable, nginx_config
from certsvc.domain.time import utcnow
from certsvc.publish.artefacts import publish_trust_list
from tests.conftest import PASSPHRASE, PUBLIC_URL, Api

SAMPLES = {"id": "1", "number": "浙XK06-001-00012", "uscc": "91330106MA2H7K3LXA",
           "year": "2027", "material": "report", "tile": "0/x001/234.p/7",
           "identifier": "1.2.156.3005.2.11100000MB0143028R000.11330000MB0000033X."
                         "330600100012.001.X"}


def operations() -> list[tuple[str, str, bool]]:
    """(method, concrete path, public) for every operation in the document."""
    found = []
    for template, item in openapi_document()["paths"].items():
        path = template
        for name, value in SAMPLES.items():
            path = path.replace("{" + name + "}", value)
        for method, op in item.items():
            if method in METHODS:
                found.append((method.upper(), path, op.get("security") == []))
    return found


def implements(app: Flask, method: str, path: str) -> bool:
    try:
        app.url_map.bind("localhost").match(path, method=method)
    except RequestRedirect:
        return True
    except HTTPException:
        return False
    return True


@pytest.fixture
def apps(api: Api, database_url: str, signer: Any, tmp_path: Path) -> tuple[Flask, Flask]:
    from public_site import create_app

    publish_trust_list(signer, tmp_path / "trust-list.cose", utcnow())
    public = create_app({"DATABASE_URL": database_url, "PUBLISH_DIR": str(tmp_path),
                         "ROOT_CERTIFICATE": str(signer.keystore.root_cert_path),
                         "PUBLIC_URL": PUBLIC_URL})
    bureau = api.client.application
    return bureau, public


def test_each_operation_is_implemented_by_exactly_one_app(apps: tuple[Flask, Flask]) -> None:
    bureau, public = apps
    table = RoutingTable.of(bureau.url_map)
    for method, path, _ in operations():
        owners = [name for name, app in ((BUREAU, bureau), (PUBLIC, public))
                  if implements(app, method, path)]
        assert len(owners) == 1, (method, path, owners)
        assert table.app_for(method, path) == owners[0], (method, path)


def test_the_dispatcher_sends_each_operation_to_its_app(
    apps: tuple[Flask, Flask], api: Api
) -> None:
    """The bureau marks every answer with X-Request-Id; the public site never does."""
    bureau, public = apps
    client = Client(Dispatcher(bureau, public))
    for method, path, open_to_all in operations():
        answer = client.open(quote(path), method=method)
        reached = BUREAU if "X-Request-Id" in answer.headers else PUBLIC
        expected = BUREAU if implements(bureau, method, path) else PUBLIC
        assert reached == expected, (method, path, answer.status)
        if open_to_all:
            assert answer.status_code not in (401, 405, 500), (method, path, answer.status)
    # a newcomer types /console: the bureau's redirect to /console/, as a path (it fell
    # through to the public site's 404)
    typed = client.get("/console", headers={"Host": "evil.example"})
    assert typed.status_code in (301, 308) and typed.headers["Location"] == "/console/"
    # the case the review found: a public read and a bureau write on one path
    assert client.get("/api/v1/institutions").status_code == 200
    token = api.tokens["national"]
    listed = client.get("/api/v1/institutions", headers={"Authorization": f"Bearer {token}"})
    assert listed.status_code == 200


# --- the rendered configuration, in a real nginx ------------------------------------------
def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def nginx(apps: tuple[Flask, Flask], tmp_path: Path) -> Iterator[int]:
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    assert Path(binary).exists(), "nginx is installed by the Makefile (Debian nginx-light)"
    bureau, public = apps
    servers = [make_server("127.0.0.1", 0, app, threaded=True) for app in (bureau, public)]
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in servers]
    for thread in threads:
        thread.start()
    port = _free_port()
    published = tmp_path / "published-log"
    rendered = nginx_config(RoutingTable.of(bureau.url_map),
                            f"127.0.0.1:{servers[0].server_port}",
                            f"127.0.0.1:{servers[1].server_port}", str(published))
    server_block = rendered.replace("listen 80;", f"listen 127.0.0.1:{port};")
    prefix = tmp_path / "nginx"
    (prefix / "logs").mkdir(parents=True)
    config = prefix / "nginx.conf"
    config.write_text(
        f"daemon off; pid {prefix}/nginx.pid; error_log {prefix}/logs/error.log;\n"
        # the workers read the published files under pytest's private temporary folder
        + ("user root;\n" if os.geteuid() == 0 else "") +
        "events {}\n"
        f"http {{ access_log off; client_body_temp_path {prefix}/body; "
        f"proxy_temp_path {prefix}/proxy;\n{server_block}}}\n")
    process = subprocess.Popen([binary, "-p", str(prefix), "-c", str(config)],
                               stderr=subprocess.PIPE)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
    yield port
    process.terminate()
    process.wait(10)
    for server in servers:
        server.shutdown()


def test_nginx_with_the_rendered_config_sends_each_operation_to_its_app(
    nginx: int, apps: tuple[Flask, Flask]
) -> None:
    bureau, _ = apps
    for method, path, open_to_all in operations():
        request = urllib.request.Request(f"http://127.0.0.1:{nginx}{quote(path)}",
                                         method=method, data=b"" if method == "POST" else None)
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                headers, status = answer.headers, answer.status
        except urllib.error.HTTPError as refused:
            headers, status = refused.headers, refused.code
        reached = BUREAU if "X-Request-Id" in headers else PUBLIC
        expected = BUREAU if implements(bureau, method, path) else PUBLIC
        assert reached == expected, (method, path, status)
        if open_to_all:
            assert status not in (401, 405, 500, 502), (method, path, status)


def test_nginx_serves_the_log_as_static_files(nginx: int, tmp_path: Path) -> None:
    """The checkpoint with one charset, tiles immutable (partial ones too), entry bundles
    gzip-compressed from the publisher's .gz where the client accepts it (issue 24)."""
    import gzip

    log = tmp_path / "published-log" / "log"
    (log / "tile" / "entries").mkdir(parents=True)
    (log / "checkpoint").write_text("example.org/log\n1\nAAAA\n\n— sig\n", "utf-8")
    bundle = b"\x00\x05hello" * 100
    (log / "tile" / "entries" / "000.p").mkdir()
    (log / "tile" / "entries" / "000.p" / "1").write_bytes(bundle)
    (log / "tile" / "entries" / "000.p" / "1.gz").write_bytes(gzip.compress(bundle))
    base = f"http://127.0.0.1:{nginx}/log"
    with urllib.request.urlopen(f"{base}/checkpoint", timeout=10) as answer:
        assert answer.headers.get_all("Content-Type") == ["text/plain; charset=utf-8"]
        assert "max-age=5" in answer.headers["Cache-Control"]
    request = urllib.request.Request(f"{base}/tile/entries/000.p/1",
                                     headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.headers["Content-Encoding"] == "gzip"
        assert "immutable" in answer.headers["Cache-Control"]
        assert gzip.decompress(answer.read()) == bundle
    with urllib.request.urlopen(f"{base}/tile/entries/000.p/1", timeout=10) as answer:
        assert answer.headers.get("Content-Encoding") is None and answer.read() == bundle


def test_proxy_config_command_prints_the_table(env: dict[str, str]) -> None:
    from certsvc.signer.secret_box import secret_box
    from tests.conftest import init_keys, run

    # with the keys of a running deployment there (its console's secret box included):
    # the routes need none of them (it raised SealedSecretInvalid)
    assert init_keys(env).exit_code == 0
    secret_box(Path(env["CERTSVC_KEYS_DIR"]), env["CERTSVC_KEY_PASSPHRASE"].encode())
    result = run(env | {"CERTSVC_KEY_PASSPHRASE": PASSPHRASE.decode()}, "proxy-config",
                 "nginx", "--bureau", "10.0.0.1:8001", "--public", "10.0.0.2:8002")
    assert result.exit_code == 0, result.output
    assert "upstream certsvc_bureau { server 10.0.0.1:8001; }" in result.output
    assert '"~^POST /api/v1/institutions$" certsvc_bureau;' in result.output
    assert '"~^GET /api/v1/institutions$"' not in result.output
    assert f"root {Path(env['CERTSVC_PUBLISH_DIR']).resolve()};" in result.output


def test_an_over_long_request_line_is_a_414_problem_at_every_layer(
    nginx: int, apps: tuple[Flask, Flask]
) -> None:
    """The apps refuse a request target over 8,000 bytes themselves; nginx (with the rendered
    configuration) refuses one over its 8 KB buffer with the same problem JSON."""
    bureau, public = apps
    for app, path in ((bureau, "/api/v1/applications?x="), (public, "/api/v1/search?q=")):
        answer = app.test_client().get(path + "a" * 8100)
        assert answer.status_code == 414 and answer.mimetype == "application/problem+json"
        assert answer.json is not None
        assert answer.json["type"] == "urn:certsvc:problem:uri-too-long"
    page = public.test_client().get("/search?q=" + "a" * 8100)
    assert page.status_code == 414 and page.mimetype == "text/html"
    for length in (8100, 20_000):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{nginx}/api/v1/search?q={'a' * length}",
                                   timeout=10)
        except urllib.error.HTTPError as refused:
            assert refused.code == 414, length
            assert refused.headers["Content-Type"].startswith("application/problem+json")
            assert b"uri-too-long" in refused.read()
        else:
            raise AssertionError("accepted")
