"""Load on `kg serve`: throughput and latency of queries at 1, 16 and 64 concurrent clients, through
the guarded front end and on the bare engine behind it, in the same run.

Builds the graph into a temporary folder, serves it on a free loopback port exactly as `kg serve`
does, and drives it with wrk (Debian package `wrk`: C, so the client does not steal the CPU the
server is measured on) for a bounded time per run: first through the front end (`kg.serve.front`), then
straight at the engine's private port (the same Oxigraph process and store), so `ratio` is what
the guard costs. Every request must succeed: any non-2xx answer, socket error or timeout fails
the run. `cheap` is `SELECT ?s WHERE { ?s ?p ?o } LIMIT 1`, the query where the guard shows most.

    python -m benchmarks.load_bench                      # cheap, people-posts and neighbourhood, 10 s each
    python -m benchmarks.load_bench --queries entity --clients 1,16 --seconds 20
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import urllib.parse
from pathlib import Path

from kg.build.pipeline import build
from kg.project import Project
from kg.query.endpoint import select
from kg.query.library import Query, load_library
from kg.query.run import prepare
from kg.serve.server import serving

REPO = Path(__file__).resolve().parent.parent
CHEAP = Query.from_text("SELECT ?s WHERE { ?s ?p ?o } LIMIT 1", origin="cheap", name="cheap")
ACCEPT = {"SELECT": "application/sparql-results+json", "ASK": "application/sparql-results+json",
          "CONSTRUCT": "application/n-triples", "DESCRIBE": "application/n-triples"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def seconds(text: str) -> float:
    """A wrk duration ('850.00us', '1.20ms', '2.01s') in seconds."""
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[unit]


def run_wrk(url: str, sparql: str, accept: str, clients: int, duration: int) -> dict:
    """One bounded wrk run POSTing the query (the form clients use for long queries);
    requests/s, p50, p99 and every kind of error it counted."""
    body = urllib.parse.urlencode({"query": sparql})
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(f'wrk.method = "POST"\nwrk.body = {json.dumps(body)}\n'
                     f'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
                     f'wrk.headers["Accept"] = "{accept}"\n')
        script.flush()
        cmd = ["wrk", "-t", str(min(clients, 2)), "-c", str(clients), "-d", f"{duration}s", "--timeout", "60s",
               "--latency", "-s", script.name, url]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 120)
    if done.returncode:
        sys.exit(f"wrk failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")
    out = done.stdout
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": seconds(re.search(r"\s50%\s+(\S+)", out).group(1)),
        "p99": seconds(re.search(r"\s99%\s+(\S+)", out).group(1)),
        "errors": (sum(map(int, socket_errors.groups())) if socket_errors else 0) + (int(non_2xx.group(1)) if non_2xx else 0),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", default="cheap,people-posts,neighbourhood", help="library queries, cheap first")
    parser.add_argument("--clients", default="1,16,64", help="concurrent connections, comma-separated")
    parser.add_argument("--seconds", type=int, default=10, help="duration of each run")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install wrk")
    library = load_library(REPO / "queries")
    with tempfile.TemporaryDirectory() as tmp:
        build(Project(root=REPO, build_dir=Path(tmp)))
        with serving(Path(tmp), port=free_port(), ui_port=free_port()) as service:
            print("| query | clients | requests | req/s | p50 ms | p99 ms | errors | bare engine req/s | ratio |")
            print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
            failed = False
            for name in args.queries.split(","):
                query = CHEAP if name == "cheap" else library[name]
                sparql, accept = prepare(query), ACCEPT[query.form]
                assert select(service.endpoint, sparql, accept=accept), f"{name} gives no answer"
                for clients in map(int, args.clients.split(",")):
                    r = run_wrk(service.endpoint, sparql, accept, clients, args.seconds)
                    bare = run_wrk(service.engine.url + "/query", sparql, accept, clients, args.seconds)
                    failed |= r["errors"] > 0 or r["requests"] == 0
                    print(f"| {name} | {clients} | {r['requests']:,} | {r['rps']:,.0f} | {r['p50'] * 1e3:.1f} | "
                          f"{r['p99'] * 1e3:.1f} | {r['errors']} | {bare['rps']:,.0f} ({bare['errors']} errors) | "
                          f"{r['rps'] / bare['rps'] if bare['rps'] else float('nan'):.2f} |",
                          flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
