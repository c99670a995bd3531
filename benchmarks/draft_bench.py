"""Throughput of `kg draft`: articles drafted per second, the known-entity index built once.

Usage: python -m benchmarks.draft_bench [ROUNDS]   (from the repository root)
Drafts the seed article and the evaluation articles of tests/draft/ ROUNDS times (default 20)
and prints articles per second; the issue asks for at least 50.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from kg.draft.draft import draft_text, known_index
from kg.ontology import Ontology

ROOT = Path(__file__).resolve().parent.parent


def main(rounds: int = 20) -> float:
    onto = Ontology(ROOT / "ontology" / "kc.ttl")
    started = time.perf_counter()
    index = known_index(ROOT / "seeds", onto)
    setup = time.perf_counter() - started
    paths = sorted((ROOT / "tests" / "draft" / "articles").glob("*.txt")) + sorted((ROOT / "seeds" / "articles").glob("*.txt"))
    texts = [(p.stem, p.read_text(encoding="utf-8")) for p in paths]
    started = time.perf_counter()
    for _ in range(rounds):
        for stem, text in texts:
            draft_text(text, stem, index, onto)
    elapsed = time.perf_counter() - started
    rate = rounds * len(texts) / elapsed
    print(f"index of the seeds built in {setup:.2f} s; {rounds * len(texts)} drafts in {elapsed:.2f} s: "
          f"{rate:.0f} articles/s ({sum(len(t) for _, t in texts) // len(texts)} characters on average)")
    return rate


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
