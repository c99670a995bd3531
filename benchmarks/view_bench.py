"""Benchmark of the graph view: time to generate the page and time until it is interactive in
headless Chromium, for synthetic graphs of 1,000 and 5,000 entities (testkit/synthetic_graph.py).

"Interactive" is the page's own ready mark (`kgView.readyAt`, performance.now() at the first
drawing of the laid-out network, counted from navigation start); "focus" is one search hit
focused, highlighted and its details panel built. Each figure is the median of RUNS loads.
Writes (or replaces) the "View" section of benchmarks/RESULTS.md.

Run from the repository: python -m benchmarks.view_bench
"""

from __future__ import annotations

import datetime as dt
import platform
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from kg.view.network import entity_network
from kg.view.page import write_view
from kg.view.positions import spread
from testkit import CHROMIUM, CHROMIUM_ARGS, REPO as ROOT
from testkit.synthetic_graph import synthetic_store

SIZES = (1000, 5000)
RUNS = 3
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
TITLE = "## View"


def measure(size: int, browser, folder: Path) -> dict:
    store = synthetic_store(size)
    path = folder / f"view-{size}.html"
    start = time.perf_counter()
    write_view(store, path)
    generate = time.perf_counter() - start
    start = time.perf_counter()
    spread(entity_network(store))
    layout = time.perf_counter() - start
    ready, focus = [], []
    for _ in range(RUNS):
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(path.as_uri())
        page.wait_for_function("() => window.kgView && window.kgView.ready", timeout=120_000)
        ready.append(page.evaluate("kgView.readyAt") / 1000)
        focus.append(page.evaluate("() => { const t = performance.now(); kgView.focusNode('syn-42'); return performance.now() - t; }") / 1000)
        page.close()
    return {"size": size, "size_mb": path.stat().st_size / 1e6, "generate": generate, "layout": layout,
            "ready": statistics.median(ready), "focus": statistics.median(focus)}


def machine() -> list[str]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), "unknown")
    memory = subprocess.run(["free", "-h"], capture_output=True, text=True).stdout.splitlines()[1].split()[1]
    chromium = subprocess.run([str(CHROMIUM), "--version"], capture_output=True, text=True).stdout.strip()
    nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    return [f"- date: {dt.date.today().isoformat()}", f"- CPU: {cpu}; `nproc`: {nproc}; memory (`free -h`): {memory}",
            f"- Python {platform.python_version()}; {chromium} (headless, `--disable-gpu`)"]


def section(rows: list[dict]) -> str:
    lines = [TITLE, "", "`python -m benchmarks.view_bench` (synthetic graphs, ~2 relations per entity; "
             f"median of {RUNS} page loads). Target: interactive in ≤ 3 s at 5,000 nodes.", "", *machine(), "",
             "| entities | page (MB) | generate (s) | of which layout (s) | interactive in Chromium (s) | search → focus (s) |",
             "| ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        lines.append(f"| {r['size']:,} | {r['size_mb']:.1f} | {r['generate']:.2f} | {r['layout']:.2f} | {r['ready']:.2f} | {r['focus']:.2f} |")
    return "\n".join(lines) + "\n"


def write(text: str) -> None:
    """Replace this benchmark's section of RESULTS.md; other sections belong to other benchmarks."""
    old = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    if TITLE + "\n" in old:
        before, rest = old.split(TITLE + "\n", 1)
        after = rest[rest.index("\n## "):] if "\n## " in rest else ""
        RESULTS.write_text(before + text + after, encoding="utf-8")
    else:
        RESULTS.write_text(old.rstrip("\n") + "\n\n" + text, encoding="utf-8")


def main() -> None:
    with sync_playwright() as pw, tempfile.TemporaryDirectory() as folder:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        rows = [measure(size, browser, Path(folder)) for size in SIZES]
        browser.close()
    text = section(rows)
    print(text)
    write(text)


if __name__ == "__main__":
    main()
