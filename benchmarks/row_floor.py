"""The cost of reading rows out of the store into Python, with no other work: the floor under a
listing query's time, whatever its shape.

    python -m benchmarks.row_floor BUILD [--rows 10000 119531 229732]

Each size is a LIMIT-ed scan of the reified statements, once as one pattern with 2 columns and
once as three joined patterns with 4 columns, read into Python tuples as `kg query` reads them;
the median of 3 runs is printed as a Markdown table for benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from kg.build.rundir import open_store

PREFIX = "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>\n"
SHAPES = {
    "one pattern, 2 columns": "SELECT ?st ?s WHERE { ?st rdf:subject ?s } LIMIT %d",
    "three joined patterns, 4 columns":
        "SELECT ?st ?s ?p ?o WHERE { ?st rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o } LIMIT %d",
}


def read_ms(store, text: str, runs: int = 3) -> tuple[int, float]:
    """(rows read, median milliseconds) of running `text` and reading every row into tuples."""
    times, count = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        count = len([tuple(row) for row in store.query(text, use_default_graph_as_union=True)])
        times.append((time.perf_counter() - start) * 1000)
    return count, statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("build_dir", type=Path)
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 119_531, 229_732])
    args = parser.parse_args()
    store = open_store(args.build_dir)
    print("| rows | " + " | ".join(SHAPES) + " |")
    print("|---:|" + "---:|" * len(SHAPES))
    for size in args.rows:
        cells = []
        for text in SHAPES.values():
            count, ms = read_ms(store, PREFIX + text % size)
            cells.append(f"{ms:,.0f} ms" + ("" if count == size else f" ({count:,} rows)"))
        print(f"| {size:,} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
