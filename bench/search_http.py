"""GET /api/v1/search by part of a name under gunicorn with 1,000,000 licences, against a
trivial endpoint of the same app in the same run.

Uses verify_http.py's database (varied holder names; built once, then reused). Alternating
rounds of wrk with 50 connections: GET /healthz, then GET /api/v1/search?q=<fragment>, a
random two-to-four-character piece of a random holder's name per request (the 字号 a person
types most, and longer pieces). Prints each round and the median of the rounds' p99 ratio
(goal: search p99 <= 10x the trivial endpoint's p99).

Needs Debian's wrk.   Run: .venv/bin/python bench/search_http.py [COUNT] [WORKERS]
"""

from __future__ import annotations

import random
import shutil
import statistics
import sys
from urllib.parse import quote

from common import enterprise_name
from verify_http import ROUND, ROUNDS, WORK, alternate_rounds, prepared

SAMPLE = 5_000
LUA = """
local requests = {}
for line in io.lines("%s") do
  requests[#requests + 1] = wrk.format("GET", "/api/v1/search?q=" .. line)
end
math.randomseed(os.time())
request = function()
  return requests[math.random(#requests)]
end
"""


def fragments(count: int) -> list[str]:
    """Pieces of real holders' names: the two-character 字号, and 3–4 characters anywhere."""
    rng = random.Random(3)
    pieces = []
    for _ in range(SAMPLE):
        name = enterprise_name(rng.randrange(count))
        length = rng.choice((2, 2, 3, 4))
        start = rng.randrange(len(name) - length + 1)
        pieces.append(quote(name[start:start + length]))
    return pieces


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    workers = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    if shutil.which("wrk") is None:
        sys.exit("needs wrk: apt-get install wrk")
    _, site_settings = prepared(count)
    queries = WORK / "search-queries.txt"
    queries.write_text("\n".join(fragments(count)) + "\n")
    script = WORK / "search.lua"
    script.write_text(LUA % queries)
    rounds = alternate_rounds(site_settings, workers, script)
    print(f"licences in the database:  {count:,}; gunicorn workers: {workers}; "
          f"{ROUNDS} rounds of {ROUND} each")
    for trivial, search in rounds:
        print(f"  /healthz {trivial[0]:6.0f} req/s p99 {trivial[1]:6.1f} ms   "
              f"search {search[0]:6.0f} req/s p99 {search[1]:6.1f} ms   "
              f"p99 ratio {search[1] / trivial[1]:5.1f}")
    ratio = statistics.median(s[1] / t[1] for t, s in rounds)
    print(f"median p99 ratio:          {ratio:8.1f}   (goal <= 10)")


if __name__ == "__main__":
    main()
