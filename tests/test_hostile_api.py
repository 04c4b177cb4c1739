"""The bureau API under malformed input, and both apps with the database away.

Each class of defect the outside review found, tested as a class over every write route:
ids beyond any column, JSON nested thousands deep, text no database stores, objects where
a scalar belongs, a lower-case ``bearer``, an Idempotency-Key whose first request died.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from freezegun import freeze_time
from hypothesis import given, settings
from hypothesis import strategies as st

from certsvc.api.json_body import MAX_DEPTH, parse_json_body
from certsvc.domain.fields import digits
from certsvc.errors import ValidationError
from certsvc.store import idempotency
from tests.conftest import PASSPHRASE, PUBLIC_URL, Api, application_body

WRITES = [  # every write route with an id or a body
    "/api/v1/applications",
    "/api/v1/applications/1/accept",
    "/api/v1/licences/浙XK06-001-00012/suspend",
    "/api/v1/declarations",
    "/api/v1/accidents",
    "/api/v1/accidents/1/follow_up",
    "/api/v1/spot-checks",
    "/api/v1/recalls",
    "/api/v1/recalls/1/close",
    "/api/v1/institutions",
    "/api/v1/institutions/1/filing",
    "/api/v1/measures",
    "/api/v1/measures/1/outcome",
]
ID_PATHS = [
    ("GET", "/api/v1/applications/{n}"),
    ("POST", "/api/v1/applications/{n}/accept"),
    ("POST", "/api/v1/accidents/{n}/follow_up"),
    ("POST", "/api/v1/recalls/{n}/close"),
    ("POST", "/api/v1/institutions/{n}/filing"),
    ("POST", "/api/v1/measures/{n}/outcome"),
]


@pytest.mark.parametrize(("method", "path"), ID_PATHS)
@pytest.mark.parametrize("number", [2**31, 2**63, 10**30, 0])
def test_ids_beyond_any_column_name_nothing(api: Api, method: str, path: str,
                                            number: int) -> None:
    response = api.call(method, path.format(n=number), "national", {})
    assert response.status_code == 404, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize("path", WRITES)
@pytest.mark.parametrize("who", ["national", "zhejiang", "enterprise"])
def test_deep_nesting_surrogates_and_nul_are_422_on_every_write(
    api: Api, path: str, who: str
) -> None:
    bodies = [
        b"[" * 2000 + b"]" * 2000,
        b'{"a":' * 2000 + b"1" + b"}" * 2000,
        b'{"reason": "\\ud800", "note": "x"}',
        b'{"reason": "\\u0000", "note": "x"}',
        b'{"reason": NaN}',
    ]
    for body in bodies:
        response = api.client.post(path, data=body, content_type="application/json",
                                   headers={"Authorization": f"Bearer {api.tokens[who]}"})
        assert response.status_code in (403, 404, 422), (path, body[:20], response.json)
        assert response.mimetype == "application/problem+json"


@freeze_time("2026-06-01 02:00:00")
def test_a_lone_surrogate_in_a_valid_body_names_its_field(api: Api) -> None:
    raw = ('{"kind": "new", "bureau": "浙江省市场监督管理局", "enterprise": {"residence": '
           '"\\ud800杭州"}}').encode()
    response = api.client.post("/api/v1/applications", data=raw,
                               content_type="application/json",
                               headers={"Authorization": f"Bearer {api.tokens['enterprise']}"})
    assert response.status_code == 422
    assert response.json is not None and response.json["field"] == "enterprise.residence"
    assert api.call("GET", "/api/v1/applications", "enterprise").json == {
        "items": [], "next_after": None}


SCALARS = [  # (path, body with a field that must be a scalar, the field)
    ("/api/v1/licences/浙XK06-001-00012/suspend", {"order": {"x": 1}, "reason": "r"}, "order"),
    ("/api/v1/licences/浙XK06-001-00012/suspend", {"order": ["rectify"], "reason": "r"},
     "order"),
    ("/api/v1/measures", {"licence_number": "浙XK06-001-00012", "kind": {"a": 1},
                          "reason": "r"}, "kind"),
    ("/api/v1/measures", {"licence_number": "浙XK06-001-00012", "kind": ["rectify"],
                          "reason": "r"}, "kind"),
    ("/api/v1/spot-checks", {"uscc": "91330106MA2H7K3LXA", "products": [4],
                             "level": {"p": 1}, "checked_on": "2026-03-01",
                             "institution_id": 1, "passed": True, "reference": "x"}, "level"),
]


@pytest.mark.parametrize(("path", "body", "field"), SCALARS)
@freeze_time("2026-06-01 02:00:00")
def test_an_object_or_array_where_a_scalar_belongs_is_422(
    api: Api, issuer: Any, path: str, body: dict[str, Any], field: str
) -> None:
    from tests.test_authorisation import _licence

    _licence(api, issuer)
    response = api.post(path, "zhejiang", body)
    assert response.status_code == 422, response.json
    assert response.json is not None and response.json["field"] == field
    kinds = api.post("/api/v1/applications", "enterprise", application_body(kind={"a": 1}))
    assert kinds.status_code == 422 and kinds.json is not None
    assert kinds.json["field"] == "kind"


NUMBERS_THAT_ARE_NOT = ["9" * 5000, "²", "١٢", "１２", "0x10", "-0"]


@pytest.mark.parametrize("text", NUMBERS_THAT_ARE_NOT)
@freeze_time("2026-06-01 02:00:00")
def test_digits_that_int_cannot_read_are_422_everywhere(api: Api, issuer: Any,
                                                         text: str) -> None:
    """Text that ``str.isdigit`` calls digits but ``int`` refuses (thousands of digits,
    superscripts) or reads otherwise: a unit reference, a query number, a public page."""
    from tests.test_authorisation import _licence

    _licence(api, issuer)
    answer = api.post("/api/v1/accidents", "enterprise", {
        "product": text, "occurred_at": "2026-06-01T08:00", "learned_at": "2026-06-01T09:00",
        "description": "x", "measures": "y"})
    assert answer.status_code == 422 and answer.json is not None
    assert answer.json["field"] == "product"
    for query in (f"/api/v1/measures?limit={text}", f"/api/v1/measures?before={text}",
                  f"/api/v1/applications?after={text}", f"/api/v1/audit?limit={text}"):
        assert api.get(query, "national").status_code == 422, query
    assert digits(text) is None


@pytest.mark.parametrize("text", NUMBERS_THAT_ARE_NOT)
def test_a_public_search_page_that_is_not_a_number_is_refused(site: Any, text: str) -> None:
    for path in ("/search", "/api/v1/search"):
        answer = site.get(path, query_string={"q": "华光", "page": text})
        assert answer.status_code in (400, 422), (path, text, answer.status_code)


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER", "bEaReR"])
def test_the_bearer_scheme_is_case_insensitive(api: Api, scheme: str) -> None:
    response = api.client.get("/api/v1/me",
                              headers={"Authorization": f"{scheme} {api.tokens['zhejiang']}"})
    assert response.status_code == 200


def test_an_abandoned_idempotency_key_is_taken_over_once(api: Api) -> None:
    """A request killed mid-way leaves its key claimed; after IN_PROGRESS_FOR a retry runs."""
    raw = json.dumps(application_body()).encode()
    fingerprint = hashlib.sha256(b"POST /api/v1/applications\n" + raw).hexdigest()
    start = dt.datetime(2026, 6, 1, 2, 0, tzinfo=dt.UTC)

    def post() -> Any:
        return api.client.post("/api/v1/applications", data=raw,
                               content_type="application/json", headers={
                                   "Authorization": f"Bearer {api.tokens['enterprise']}",
                                   "Idempotency-Key": "died"})

    with api.engine.begin() as conn:  # a request that claimed the key and then died
        assert idempotency.claim(conn, api.accounts["enterprise"], "died", fingerprint,
                                 start) is None
    with freeze_time(start + dt.timedelta(seconds=30)):
        assert post().status_code == 409  # maybe still running: wait
    with freeze_time(start + idempotency.IN_PROGRESS_FOR + dt.timedelta(seconds=1)):
        retried = post()
        assert retried.status_code == 201, retried.json
        again = post()
        assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
        assert again.json == retried.json
    listed = api.get("/api/v1/applications", "enterprise").json
    assert listed is not None and len(listed["items"]) == 1  # run once


@given(st.binary(max_size=200))
@settings(max_examples=300, deadline=None)
def test_any_bytes_parse_or_are_refused_with_a_field(raw: bytes) -> None:
    try:
        parse_json_body(raw)
    except ValidationError as error:
        assert error.field


def test_nesting_at_the_limit_passes() -> None:
    assert parse_json_body(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH) is not None


# --- the database away ------------------------------------------------------------------
@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP port that accepts connections and never answers (a hung database)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    for connection in held:
        connection.close()
    listener.close()


def _refused_port() -> int:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = int(probe.getsockname()[1])
    probe.close()  # nothing listens there now
    return port


@pytest.mark.parametrize("kind", ["refused", "silent"])
def test_a_database_away_is_503_with_retry_after_within_the_timeout(
    kind: str, silent_server: int, keystore: Any, tmp_path: Path, signer: Any
) -> None:
    from certsvc.api.app import create_app as bureau_app
    from certsvc.domain.time import utcnow
    from certsvc.publish.artefacts import publish_trust_list
    from public_site import create_app as public_app

    port = _refused_port() if kind == "refused" else silent_server
    url = f"postgresql+psycopg://root@127.0.0.1:{port}/test"
    publish_trust_list(signer, tmp_path / "trust-list.cose", utcnow())
    config = {"DATABASE_URL": url, "DB_CONNECT_TIMEOUT": 1, "DB_STATEMENT_TIMEOUT": 2,
              "PUBLISH_DIR": str(tmp_path), "PUBLIC_URL": PUBLIC_URL}
    bureau = bureau_app(config | {"KEYS_DIR": str(keystore.directory),
                                  "KEY_PASSPHRASE": PASSPHRASE}).test_client()
    public = public_app(config | {"ROOT_CERTIFICATE": str(keystore.root_cert_path)}
                        ).test_client()
    started = time.monotonic()
    answers = [
        bureau.get("/api/v1/me", headers={"Authorization": "Bearer x"}),
        bureau.get("/bureau/readyz"),
        public.get("/api/v1/licences/浙XK06-001-00012"),
        public.get("/api/v1/search?q=华光"),
        public.get("/readyz"),
    ]
    elapsed = time.monotonic() - started
    for answer in answers:
        assert answer.status_code == 503, answer.get_data(as_text=True)
        assert answer.headers["Retry-After"] == "5"
        assert answer.mimetype == "application/problem+json"
        assert answer.json is not None
        assert answer.json["type"] == "urn:certsvc:problem:service-unavailable"
    page = public.get("/licence/浙XK06-001-00012")
    assert page.status_code == 503 and page.mimetype == "text/html"
    assert "Traceback" not in page.get_data(as_text=True)
    assert bureau.get("/bureau/healthz").status_code == 200
    assert public.get("/healthz").status_code == 200
    assert elapsed < 5 * 3  # a bounded wait per request (1 s connect timeout), not a hang
