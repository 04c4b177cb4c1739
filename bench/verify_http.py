"""POST /api/v1/verify under gunicorn with 1,000,000 licences, against a trivial endpoint.

1. Builds (once, then reuses) a SQLite database of COUNT licences, imported and signed like
   paper licences, and publishes the trust list and status list.
2. Starts the public site under gunicorn (WORKERS sync workers, no rate limit).
3. Runs wrk with 50 connections in alternating rounds: GET /healthz (the trivial endpoint of
   the same app), then POST /api/v1/verify with the QR text of a random licence per request.
   This shared machine's speed drifts by up to 2x within a minute; back-to-back rounds see
   the same drift, so each round's ratio is fair, and the median of them is reported.
4. Prints every round, the median ratio (goal >= 0.6) and the median verify p99 (goal < 30 ms).

Needs Debian's wrk.   Run: .venv/bin/python bench/verify_http.py [COUNT] [WORKERS]
"""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import NOW, PUBLIC_URL, bench_licence, reference_licence
from sqlalchemy import Engine, select

from certsvc.credential.qr_text import qr_text
from certsvc.domain.time import utcnow
from certsvc.publish.artefacts import publish_status_list, publish_trust_list
from certsvc.signer.keystore import KeyStore
from certsvc.signer.signer import Signer
from certsvc.store.db import make_engine, migrate
from certsvc.store.models import LicenceRow
from certsvc.workflow.issuance import Issuer

WORK = Path(tempfile.gettempdir()) / "certsvc-bench-http-2"  # 2: varied names, migration 0010
PASSPHRASE = "bench"
SAMPLE = 20_000  # QR texts wrk draws from
ROUNDS = 5  # alternating rounds: the machine's speed drifts by 2x within a minute
ROUND = "8s"
CONNECTIONS = 50
LUA = """
-- every request is formatted once, at start-up, so that wrk spends its share of the CPU
-- on sending and receiving, not on building strings (it shares the cores with gunicorn)
local requests = {}
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
for line in io.lines("%s") do
  requests[#requests + 1] = wrk.format(nil, "/api/v1/verify", nil, '{"qr_text": "' .. line .. '"}')
end
math.randomseed(os.time())
request = function()
  return requests[math.random(#requests)]
end
"""


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    workers = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    if shutil.which("wrk") is None:
        sys.exit("needs wrk: apt-get install wrk")
    texts, site_settings = prepared(count)
    script = WORK / "verify.lua"
    script.write_text(LUA % texts)
    rounds = alternate_rounds(site_settings, workers, script)
    print(f"licences in the database:  {count:,}; gunicorn workers: {workers}; "
          f"wrk: {CONNECTIONS} connections, 2 threads; {ROUNDS} rounds of {ROUND} each")
    for (trivial, verify) in rounds:
        print(f"  /healthz {trivial[0]:6.0f} req/s p99 {trivial[1]:5.1f} ms   "
              f"verify {verify[0]:6.0f} req/s p99 {verify[1]:5.1f} ms   "
              f"ratio {verify[0] / trivial[0]:4.2f}")
    ratio = statistics.median(v[0] / t[0] for t, v in rounds)
    p99 = statistics.median(v[1] for _, v in rounds)
    print(f"median ratio:              {ratio:8.2f}   (goal >= 0.6)")
    print(f"median verify p99:         {p99:8.1f} ms (goal < 30 ms)")


Rate = tuple[float, float]  # requests per second, p99 in ms


def alternate_rounds(site_settings: dict[str, str], workers: int, script: Path
                     ) -> list[tuple[Rate, Rate]]:
    """The public site under gunicorn; ROUNDS pairs of (GET /healthz, the script's requests),
    after a warm-up of each."""
    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", "python:certsvc.gunicorn_conf",
         "-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level", "warning",
         "public_site.app:create_app()"],
        env=dict(os.environ, **site_settings))
    try:
        wait_for(port)
        base = f"http://127.0.0.1:{port}"
        wrk(base + "/healthz", None, "5s")  # warm up every worker
        wrk(base, script, "5s")
        return [(wrk(base + "/healthz", None, ROUND), wrk(base, script, ROUND))
                for _ in range(ROUNDS)]
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def prepared(count: int) -> tuple[Path, dict[str, str]]:
    """The QR texts of the COUNT-licence database (built if missing), and the environment
    the public site runs on it with (no rate limit)."""
    database, texts = WORK / f"licences-{count}.db", WORK / f"qr-{count}.txt"
    if not database.exists() or not texts.exists():
        build(count, database, texts)
    publish_lists(make_engine(f"sqlite:///{database}"),
                  Signer(KeyStore(WORK / "keys", PASSPHRASE.encode())))
    return texts, {
        "CERTSVC_DATABASE_URL": f"sqlite:///{database}",
        "CERTSVC_PUBLISH_DIR": str(WORK / "published"), "CERTSVC_KEYS_DIR": str(WORK / "keys"),
        "CERTSVC_PUBLIC_URL": PUBLIC_URL, "CERTSVC_PUBLIC_RATE_LIMIT": "100000000 per minute"}


def build(count: int, database: Path, texts: Path) -> None:
    """COUNT licences with varied names, random status indices, 1% revoked, and a sample of
    QR texts."""
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    keys = KeyStore(WORK / "keys", PASSPHRASE.encode())
    keys.init(NOW.replace(year=NOW.year - 1))
    signer = Signer(keys)
    engine = make_engine(f"sqlite:///{database}")
    migrate(engine)
    base = reference_licence()
    started = time.perf_counter()
    batch = 100_000
    for start in range(0, count, batch):
        licences = [bench_licence(base, i) for i in range(start, min(count, start + batch))]
        Issuer(engine, signer, PUBLIC_URL).import_licences(licences, NOW)
        print(f"  {start + len(licences):,} licences ({time.perf_counter() - started:.0f} s)",
              file=sys.stderr)
    with engine.begin() as conn:
        numbers = conn.execute(select(LicenceRow.number)).scalars().all()
        revoked = random.Random(1).sample(list(numbers), count // 100)
        conn.execute(LicenceRow.__table__.update()  # type: ignore[attr-defined]
                     .where(LicenceRow.number.in_(revoked)).values(status="revoked"))
        tokens = conn.execute(select(LicenceRow.token).order_by(LicenceRow.id)
                              .limit(SAMPLE * 50)).scalars().all()
    sample = random.Random(2).sample(list(tokens), min(SAMPLE, len(tokens)))
    texts.write_text("\n".join(qr_text(PUBLIC_URL, t) for t in sample) + "\n")
    publish_lists(engine, signer)


def publish_lists(engine: Engine, signer: Signer) -> None:
    """Both lists, current now (they are current for 24 hours and 7 days: a run republishes
    them, as ``certsvc publish --every`` would)."""
    publish_trust_list(signer, WORK / "published" / "trust-list.cose", utcnow())
    publish_status_list(engine, signer, WORK / "published", utcnow())


def wrk(url: str, script: Path | None, duration: str) -> Rate:
    """Requests per second and p99 latency in ms."""
    command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{duration}", "--latency", url]
    if script:
        command[1:1] = ["-s", str(script)]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", output).groups()  # type: ignore[union-attr]
    p99 = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        sys.exit(f"{errors.group(1)} failed requests:\n{output}")
    return rate, p99


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    sys.exit("gunicorn did not start")


if __name__ == "__main__":
    main()
