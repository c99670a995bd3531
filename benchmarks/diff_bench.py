"""Diff benchmark: `kg diff` between builds of the synthetic corpus, wall time and peak memory.

Builds (each by the real `kg build`; at 10,000 articles it writes no view): A, the corpus; B, the
same again (an unchanged pair); C, B with 1% of the articles edited (a figure revised and a label
changed in each); D, another corpus of the same size (seed 1: every graph differs). Each
`kg diff` runs as its own process writing to a file (-o); peak memory is the largest sum of the
resident sets of it and any children, sampled every 50 ms from /proc (os.wait4's maximum alone
misleads: a forked child starts with the bench's own resident set). The baseline, in the same
run, is the floor of any comparison of two dumps: parsing both TriG files with pyoxigraph.

    python -m benchmarks.diff_bench 10000 [--work /tmp/kg-diff-bench]

Corpora and builds are kept in --work and reused by the next run (delete it to start afresh).
Prints a Markdown table; the figures in benchmarks/RESULTS.md come from it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from benchmarks.build_bench import machine
from testkit import REPO
from testkit.corpus import generate

NEWLINE = b"\n"
BASELINE = ("import sys, pyoxigraph as ox\n"
            "print(sum(sum(1 for _ in ox.parse(path=p)) for p in sys.argv[1:]))")


def tree_rss(pid: int) -> int:
    """Resident kB of a process and all its descendants."""
    total = 0
    try:
        with open(f"/proc/{pid}/status") as status:
            total += next((int(line.split()[1]) for line in status if line.startswith("VmRSS:")), 0)
        with open(f"/proc/{pid}/task/{pid}/children") as children:
            total += sum(tree_rss(int(child)) for child in children.read().split())
    except (OSError, ValueError):
        pass  # the process ended between two reads
    return total


def timed(args: list[str]) -> tuple[float, float, bytes]:
    """Wall seconds, peak RSS in MB (the sum over the process and its children, sampled every
    50 ms) and standard output of one process."""
    started = time.perf_counter()
    peak = [0]
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=errors)

        def sample() -> None:
            while proc.returncode is None and not done.is_set():
                peak[0] = max(peak[0], tree_rss(proc.pid))
                time.sleep(0.05)

        done = threading.Event()
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        stdout = proc.stdout.read()  # then wait4, which reaps the process with its resource usage
        done.set()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        sampler.join()
        if os.waitstatus_to_exitcode(status) != 0:
            errors.seek(0)
            raise SystemExit(f"{' '.join(args[:4])} failed: {errors.read().decode()[-2000:]}")
    return wall, (peak[0] or usage.ru_maxrss) / 1024, stdout


def kg(*args: str) -> list[str]:
    return [sys.executable, "-m", "kg", *args]


def build(seeds: Path, out: Path) -> Path:
    """Build `seeds` into `out`; the folder of the run it made."""
    subprocess.run(kg("build", "--project", str(REPO), "--seeds", str(seeds), "--build-dir", str(out), "-q"),
                   check=True)
    return (out / "current").resolve()


def edit_articles(seeds: Path, share: float) -> int:
    """Revise one figure and one label in `share` of the synthetic articles; the number edited."""
    facts = sorted((seeds / "facts").glob("syn_*.yaml"))
    step = max(1, round(1 / share))
    edited = 0
    for path in facts[::step]:
        text = path.read_text(encoding="utf-8")
        new = re.sub(r"amount: (\d+)", lambda m: f"amount: {int(m.group(1)) + 1}", text, count=1)
        new = new.replace("    en: ", "    en: Revised ", 1)
        if new != text:
            path.write_text(new, encoding="utf-8")
            edited += 1
    return edited


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int)
    parser.add_argument("--work", type=Path, default=Path("/tmp/kg-diff-bench"))
    args = parser.parse_args()
    work, n = args.work, args.n
    runs_file = work / f"runs-{n}.txt"
    if not runs_file.is_file():
        seeds, other = work / f"corpus-{n}", work / f"corpus-{n}-seed1"
        for folder, seed in ((seeds, 0), (other, 1)):
            shutil.rmtree(folder, ignore_errors=True)
            generate(n, folder, seed=seed)
        out = work / f"build-{n}"
        shutil.rmtree(out, ignore_errors=True)
        a = build(seeds, out)
        b = build(seeds, out)
        edited = edit_articles(seeds, 0.01)
        c = build(seeds, out)
        d = build(other, work / f"build-{n}-seed1")
        runs_file.write_text(f"{a}\n{b}\n{c}\n{d}\n{edited}\n", encoding="utf-8")
    a, b, c, d, edited = runs_file.read_text(encoding="utf-8").split()
    size = sum(os.path.getsize(Path(r) / "kg.trig") for r in (c, d)) / 2**20
    print(f"Machine: {machine()}\n")
    print(f"{n:,} articles; dumps of C and D: {size:,.0f} MB together\n")
    print("| diff | wall | peak RSS | vs. baseline | summary |")
    print("|---|---:|---:|---:|---|")
    base, base_rss, quads = timed([sys.executable, "-c", BASELINE, str(Path(c) / "kg.trig"), str(Path(d) / "kg.trig")])
    print(f"| baseline: parse both dumps of C and D ({int(quads):,} quads) with pyoxigraph | {base:.1f} s | {base_rss:,.0f} MB | 1.00 | |")
    cases = [
        ("unchanged pair (A, B), md", [a, b, "--format", "md"]),
        (f"{edited} articles edited (B, C), md", [b, c, "--format", "md"]),
        (f"{edited} articles edited (B, C), nq patch", [b, c, "--format", "nq"]),
        ("every graph differs (C, D), md", [c, d, "--format", "md"]),
        ("every graph differs (C, D), json", [c, d, "--format", "json"]),
        ("every graph differs (C, D), nq patch", [c, d, "--format", "nq"]),
        ("TriG files, every graph differs (C, D), md", [str(Path(c) / "kg.trig"), str(Path(d) / "kg.trig")]),
        ("TriG files, unchanged pair (A, B), md", [str(Path(a) / "kg.trig"), str(Path(b) / "kg.trig")]),
    ]
    report = Path(work) / "report.out"
    for label, diff_args in cases:
        wall, rss, _ = timed(kg("diff", *diff_args, "-o", str(report)))  # to a file, as a user keeps a large one
        with open(report, "rb") as written:
            if "json" in diff_args:  # the summary is in the head: the bench must not grow (a fork copies it)
                summary = json.loads(re.search(rb'"summary": ("(?:[^"\\]|\\.)*")', written.read(1 << 16)).group(1))
            elif "nq" in diff_args:
                summary = f"{sum(chunk.count(NEWLINE) for chunk in iter(lambda: written.read(1 << 24), b'')) - 2:,} patch rows"
            else:
                lines = written.read(1 << 16).decode("utf-8", "replace").splitlines()
                summary = next((line[2:] for line in lines if line.startswith("- ") and not line.startswith(("- old", "- new"))), "")
        print(f"| {label} | {wall:.1f} s | {rss:,.0f} MB | {wall / base:.2f} | {summary[:90]} |", flush=True)


if __name__ == "__main__":
    main()
