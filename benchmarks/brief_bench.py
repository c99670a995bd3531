"""`kg brief` on a large build: seconds per briefing, on the store and through a served endpoint.

    python -m benchmarks.brief_bench /tmp/build-10k [--entity CNPC --entity Shymkent ...] [--runs 3]

For each entity: the briefing as Markdown (resolution, facts both ways, related entities, names,
sources, rendering) on the build's store and through `kg serve`'s endpoint, against the library's
`entity` query on the same entity in the same run (one query, its rows read: the baseline of
"everything about one entity"). Prints a Markdown table for benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import pyoxigraph as ox

from kg.query.library import load_library
from kg.query.run import endpoint_runner, run, store_runner
from kg.report.render import brief_as
from kg.serve.server import serving

REPO = Path(__file__).resolve().parent.parent


def median_s(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("build", type=Path)
    parser.add_argument("--entity", action="append", default=None)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from testkit.servers import free_port

    names = args.entity or ["CNPC", "syn-org-3", "Shymkent"]
    library = load_library(REPO / "queries")
    store = store_runner(ox.Store.read_only(str(args.build / "store")))
    rows = []
    with serving(args.build, library, port=free_port(), ui_port=free_port(), say=lambda line: None) as service:
        remote = endpoint_runner(service.endpoint)
        for name in names:
            text = brief_as(store, name)
            base = median_s(lambda: run(library["entity"], store, {"entity": name}), args.runs)
            local = median_s(lambda: brief_as(store, name), args.runs)
            served = median_s(lambda: brief_as(remote, name), args.runs)
            notes = text.count("\n[^")
            rows.append(f"| {name} | {text.count(chr(10)):,} | {notes:,} | {base:.2f} | {local:.2f} | {served:.2f} | {local / base:.1f} |")
    load = os.getloadavg()
    print(f"kg brief, {args.runs} runs, median s; load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}\n")
    print("| entity | lines | source notes | `kg query entity` (baseline) | brief, store | brief, endpoint | store / baseline |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
