"""Query library timings: per-query p50/p95 on a built corpus, and the ratio to rdflib's engine.

Build a synthetic corpus first (``testkit/corpus.py``, then ``kg build --seeds DIR
--build-dir BUILD``), then::

    python -m benchmarks.query_bench BUILD [--runs 20]              # Oxigraph p50/p95 per query
    python -m benchmarks.query_bench BUILD --rdflib [--runs 3]      # and rdflib on the same TriG

Each query runs with its default parameters through `kg.query.run` exactly as `kg query` runs it
(prepared text, embedded store, union default graph), results fully read. Prints a Markdown
table for benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import signal
import statistics
import time
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset

from kg.query.library import load_library
from kg.query.run import prepare, store_runner
from kg.query.results import render
from kg.build.rundir import open_store

REPO = Path(__file__).resolve().parent.parent


def timings(fn, runs: int) -> list[float]:
    """Wall times in milliseconds of `runs` calls of `fn` (after one warm-up call)."""
    fn()
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def consume(result):
    """Read every term of a raw pyoxigraph result."""
    if isinstance(result, bool):
        return result
    if isinstance(result, ox.QuerySolutions):
        return [list(row) for row in result]
    return list(result)


class TooSlow(Exception):
    pass


def rdflib_median(dataset, text: str, runs: int, limit: float) -> float | None:
    """Median ms of rdflib's engine on `text`, or None when one run exceeds `limit` seconds.

    rdflib's engine is pure Python, so a SIGALRM raised in the main thread stops it."""
    def expire(*_):
        raise TooSlow

    previous = signal.signal(signal.SIGALRM, expire)
    try:
        out = []
        for _ in range(runs):
            signal.setitimer(signal.ITIMER_REAL, limit)
            start = time.perf_counter()
            list(dataset.query(text))
            out.append((time.perf_counter() - start) * 1000)
            signal.setitimer(signal.ITIMER_REAL, 0)
        return statistics.median(out)
    except TooSlow:
        return None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("build_dir", type=Path)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--rdflib", action="store_true", help="also time rdflib's own engine on BUILD/kg.trig")
    parser.add_argument("--rdflib-timeout", type=float, default=300, metavar="S",
                        help="give up on an rdflib run after S seconds (reported as '> S')")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="time only these queries")
    parser.add_argument("--slow", type=float, default=2.0, metavar="S",
                        help="a query whose first run takes longer than S seconds is timed 3 times, not --runs")
    args = parser.parse_args()
    store = open_store(args.build_dir)
    runner = store_runner(store)
    dataset = None
    if args.rdflib:
        start = time.perf_counter()
        dataset = Dataset(default_union=True)
        dataset.parse(str(args.build_dir / "kg.trig"), format="trig")
        print(f"rdflib loaded {len(dataset):,} quads in {time.perf_counter() - start:.1f} s")
    header = ("| query | rows | runs | Oxigraph p50 ms | p95 ms | raw pyoxigraph p50 ms | kg/raw |"
              + (" rdflib median ms | ratio |" if dataset is not None else ""))
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for name, query in load_library(REPO / "queries").items():
        if args.only and name not in args.only:
            continue
        text = prepare(query)
        start = time.perf_counter()
        result = runner(text, query.form)
        runs = args.runs if time.perf_counter() - start <= args.slow else 3
        ms = timings(lambda: runner(text, query.form), runs)
        size = len(result.rows) if result.boolean is None and not result.triples else len(result.triples)
        # the same text on the bare store, every term read: what `kg query` adds is binding,
        # result conversion and formatting (the table renderer runs too, as `kg query` does)
        raw = timings(lambda: consume(store.query(text, use_default_graph_as_union=True)), runs)
        ours = timings(lambda: render(runner(prepare(query), query.form), "csv", None), runs)
        line = (f"| {name} | {size:,} | {runs} | {statistics.median(ms):.1f} | {percentile(ms, 95):.1f} "
                f"| {statistics.median(raw):.1f} | {statistics.median(ours) / statistics.median(raw):.2f} |")
        if dataset is not None:
            theirs = rdflib_median(dataset, text, max(1, runs // 10), args.rdflib_timeout)
            if theirs is None:
                line += f" > {args.rdflib_timeout * 1000:,.0f} | > {args.rdflib_timeout * 1000 / statistics.median(ms):,.0f}x |"
            else:
                line += f" {theirs:.0f} | {theirs / statistics.median(ms):,.0f}x |"
        print(line, flush=True)


if __name__ == "__main__":
    main()
