"""Build benchmark: clean and incremental `kg build` on synthetic corpora, wall time and peak memory.

Each build runs as its own `python -m kg build --json` process (the real command, with the graph
view); peak memory is that process's maximum resident set size (os.wait4). The incremental build
edits one article's facts file and rebuilds into the same build folder.

    python -m benchmarks.build_bench 1000 10000 [--work /tmp/kg-bench] [--no-view]

Prints a Markdown table; the figures in benchmarks/RESULTS.md come from it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

from testkit import REPO
from testkit.corpus import generate


def run_build(seeds: Path, out: Path) -> tuple[float, float, dict]:
    """Wall seconds, peak RSS in MB and the --json summary of one `kg build`."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "kg", "build", "--project", str(REPO), "--seeds", str(seeds),
                             "--build-dir", str(out), "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stdout = proc.stdout.read()
    stderr = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"kg build failed: {stderr.decode()[-2000:]}")
    return wall, usage.ru_maxrss / 1024, json.loads(stdout)


def edit_one_article(seeds: Path) -> None:
    facts = sorted((seeds / "facts").glob("syn_*.yaml"))[len(list((seeds / "facts").glob("syn_*.yaml"))) // 2]
    text = facts.read_text(encoding="utf-8")
    facts.write_text(text.replace("    en: ", "    en: Revised ", 1), encoding="utf-8")  # a label: one graph changes


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    return f"{os.cpu_count()} CPUs ({cpu}), {int(mem) / 2**20:.1f} GiB RAM, Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="+", type=int)
    parser.add_argument("--work", type=Path, default=Path("/tmp/kg-bench"))
    args = parser.parse_args()
    print(f"Machine: {machine()}\n")
    print("| articles | quads | clean build | peak RSS | phases (s) | incremental (1 article edited) | phases (s) |")
    print("|---:|---:|---:|---:|---|---:|---|")
    for n in args.sizes:
        seeds = args.work / f"corpus-{n}"
        if not (seeds / "facts").is_dir():
            generate(n, seeds)
        out = args.work / f"build-{n}"
        shutil.rmtree(out, ignore_errors=True)
        wall, rss, summary = run_build(seeds, out)
        edit_one_article(seeds)
        wall2, _, summary2 = run_build(seeds, out)
        print(f"| {n:,} | {summary['quads']:,} | {wall:.1f} s | {rss:,.0f} MB | {summary['timings']} "
              f"| {wall2:.1f} s ({summary2['files_read']} file read) | {summary2['timings']} |", flush=True)


if __name__ == "__main__":
    main()
