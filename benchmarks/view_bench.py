"""Benchmark of the graph view: time to generate the page and time until it is interactive in
headless Chromium, for synthetic graphs of 1,000 and 5,000 entities (testkit/synthetic_graph.py).

"Interactive" is the page's own ready mark (`kgView.readyAt`, performance.now() at the first
drawing of the laid-out network, counted from navigation start); "focus" is one search hit
focused, highlighted and its details panel built. Each figure is the median of RUNS loads.

The map and timeline (issue 16) are measured on a graph of SPACE_TIME entities, every one with
coordinates and about 2,000 dated facts: the page opened on each view by its URL hash, until
that view's ready mark; then switching tabs once all three are built, until the next frame is
painted, starting once the browser is idle after building them. The network-first load of the
same page is the baseline each view's load is divided by.
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

from kg.view import VIEWS
from kg.view.network import entity_network
from kg.view.page import ATLAS, SCRIPTS, STYLES, write_view
from kg.view.positions import spread
from testkit import CHROMIUM, CHROMIUM_ARGS, REPO as ROOT
from testkit.synthetic_graph import synthetic_store

SIZES = (1000, 5000)
SPACE_TIME = 5000
RUNS = 3
# the browser idle: the views built, their first paints and the garbage of building them done
IDLE = "() => new Promise((done) => requestIdleCallback(() => setTimeout(done, 200), { timeout: 10000 }))"
# a tab switch: show the view, then wait for the frame that paints it
SWITCH = """async (view) => {
  const t = performance.now();
  kgView.show(view);
  await new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)));
  return performance.now() - t;
}"""
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


def measure_views(size: int, browser, folder: Path) -> dict:
    """Load time per opening view and tab-switch time, on a graph with coordinates and dates."""
    store = synthetic_store(size, space_time=True)
    path = folder / f"explorer-{size}.html"
    net = write_view(store, path)
    loads = {view: [] for view in VIEWS}
    switches = {view: [] for view in VIEWS}
    for _ in range(RUNS):
        for view in VIEWS:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(path.as_uri() + f"#{view}")
            page.wait_for_function("() => window.kgView && window.kgView.ready", timeout=120_000)
            loads[view].append(page.evaluate("kgView.readyAt") / 1000)
            page.wait_for_function("() => Object.values(kgView.views).every(v => v.ready)", timeout=120_000)
            page.evaluate(IDLE)  # a user switches tabs after looking at the page, not during its set-up
            for target in (*VIEWS[VIEWS.index(view) + 1:], *VIEWS[:VIEWS.index(view) + 1]):
                switches[target].append(page.evaluate(SWITCH, target) / 1000)
            counts = page.evaluate("[Object.keys(kgView.map.markers).length, kgView.timeline.events.length]")
            page.close()
    return {"size": size, "size_mb": path.stat().st_size / 1e6, "markers": counts[0], "events": counts[1],
            "relations": net.number_of_edges(), "load": {v: statistics.median(t) for v, t in loads.items()},
            "switch": {v: (statistics.median(t), max(t)) for v, t in switches.items()}}


def libraries_mb() -> float:
    """What the inlined libraries, styles and outlines weigh in every page, whatever its data."""
    return sum(path.stat().st_size for path in (*SCRIPTS, *STYLES, ATLAS)) / 1e6


def machine() -> list[str]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), "unknown")
    memory = subprocess.run(["free", "-h"], capture_output=True, text=True).stdout.splitlines()[1].split()[1]
    chromium = subprocess.run([str(CHROMIUM), "--version"], capture_output=True, text=True).stdout.strip()
    nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    return [f"- date: {dt.date.today().isoformat()}", f"- CPU: {cpu}; `nproc`: {nproc}; memory (`free -h`): {memory}",
            f"- Python {platform.python_version()}; {chromium} (headless, `--disable-gpu`)"]


def section(rows: list[dict], views: dict) -> str:
    lines = [TITLE, "", "`python -m benchmarks.view_bench` (synthetic graphs, ~2 relations per entity; "
             f"median of {RUNS} page loads). Target: interactive in ≤ 3 s at 5,000 nodes.", "", *machine(), "",
             "| entities | page (MB) | generate (s) | of which layout (s) | interactive in Chromium (s) | search → focus (s) |",
             "| ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        lines.append(f"| {r['size']:,} | {r['size_mb']:.1f} | {r['generate']:.2f} | {r['layout']:.2f} | {r['ready']:.2f} | {r['focus']:.2f} |")
    base = views["load"]["network"]
    lines += ["", f"Map and timeline: {views['size']:,} entities, all with coordinates ({views['markers']:,} markers), "
              f"{views['relations']:,} relations, {views['events']:,} dated facts on the timeline; page "
              f"{views['size_mb']:.1f} MB, of which {libraries_mb():.1f} MB libraries, styles and country outlines "
              "(the same in every page). Targets: interactive in each view ≤ 3 s; a tab switch < 0.5 s "
              f"({RUNS * len(VIEWS)} switches to each view: median and slowest).", "",
              "| opened on | interactive (s) | ÷ network-first load | switch to it, median (s) | slowest (s) |",
              "| --- | ---: | ---: | ---: | ---: |"]
    for v in VIEWS:
        median, slowest = views["switch"][v]
        lines.append(f"| #{v} | {views['load'][v]:.2f} | {views['load'][v] / base:.2f} | {median:.3f} | {slowest:.3f} |")
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
        views = measure_views(SPACE_TIME, browser, Path(folder))
        browser.close()
    text = section(rows, views)
    print(text)
    write(text)


if __name__ == "__main__":
    main()
