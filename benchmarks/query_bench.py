"""Query library timings: per-query p50/p95 on a built corpus, and the ratio to rdflib's engine.

Build a synthetic corpus first (``benchmarks/corpus.py``, then ``kg build --seeds DIR
--build-dir BUILD``), then::

    python benchmarks/query_bench.py BUILD [--runs 20]              # Oxigraph p50/p95 per query
    python benchmarks/query_bench.py BUILD --rdflib [--runs 3]      # and rdflib on the same TriG

Each query runs with its default parameters through `kg.query` exactly as `kg query` runs it
(prepared text, embedded store, union default graph), results fully read. Prints a Markdown
table for benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset

from kg.library import load_library
from kg.query import prepare, store_runner
from kg.results import render
from kg.store import open_store

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


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("build_dir", type=Path)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--rdflib", action="store_true", help="also time rdflib's own engine on BUILD/kg.trig")
    args = parser.parse_args()
    store = open_store(args.build_dir)
    runner = store_runner(store)
    dataset = None
    if args.rdflib:
        start = time.perf_counter()
        dataset = Dataset(default_union=True)
        dataset.parse(str(args.build_dir / "kg.trig"), format="trig")
        print(f"rdflib loaded {len(dataset):,} quads in {time.perf_counter() - start:.1f} s")
    header = ("| query | rows | Oxigraph p50 ms | p95 ms | raw pyoxigraph p50 ms | kg/raw |"
              + (" rdflib median ms | ratio |" if dataset is not None else ""))
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for name, query in load_library(REPO / "queries").items():
        text = prepare(query)
        result = runner(text, query.form)
        ms = timings(lambda: runner(text, query.form), args.runs)
        size = len(result.rows) if result.boolean is None and not result.triples else len(result.triples)
        # the same text on the bare store, every term read: what `kg query` adds is binding,
        # result conversion and formatting (the table renderer runs too, as `kg query` does)
        raw = timings(lambda: consume(store.query(text, use_default_graph_as_union=True)), args.runs)
        ours = timings(lambda: render(runner(prepare(query), query.form), "csv", None), args.runs)
        line = (f"| {name} | {size:,} | {statistics.median(ms):.1f} | {percentile(ms, 95):.1f} "
                f"| {statistics.median(raw):.1f} | {statistics.median(ours) / statistics.median(raw):.2f} |")
        if dataset is not None:
            theirs = statistics.median(timings(lambda: list(dataset.query(text)), max(1, args.runs // 10)))
            line += f" {theirs:.0f} | {theirs / statistics.median(ms):.0f}x |"
        print(line, flush=True)


if __name__ == "__main__":
    main()
