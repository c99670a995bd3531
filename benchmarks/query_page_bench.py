"""The first screen of the query page of `kg serve` on a large build, against the old page's work.

Build a corpus first (``python -m testkit.corpus 10000 /tmp/corpus-10k``, then ``kg build
--seeds /tmp/corpus-10k --build-dir /tmp/build-10k``), then::

    python -m benchmarks.query_page_bench /tmp/build-10k [--query meetings] [--runs 3]

In headless Chromium (Debian's, as the tests use it), each run measures from the click on Run to
the first rows on screen:

- **cold**: a fresh `kg serve` (nothing held), the query run through the guarded endpoint, the
  row count and the first 300 rows with their names sent to the page;
- **held**: Run again on the same server: the result is held (`kg.serve.resultpages`), as after
  `kg serve --warm QUERY`;
- **baseline, in the same run**: what the page did before (the whole result as SPARQL JSON from
  the endpoint, then one table row per result row, written with textContent), reproduced by
  a few lines of script on the same page: the first screen came only once every row was built.

Prints a Markdown table for benchmarks/RESULTS.md, with the load average of the machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

from kg.query.library import load_library
from kg.serve.server import serving

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# the former page's work: every row of the endpoint's SPARQL JSON into the table
OLD_PAGE = """async ([endpoint, sparql]) => {
  const response = await fetch(endpoint, {method: 'POST', headers: {Accept: 'application/sparql-results+json'},
                                          body: new URLSearchParams({query: sparql})});
  const data = await response.json();
  const table = document.createElement('table');
  for (const row of data.results.bindings) {
    const tr = table.insertRow();
    for (const v of data.head.vars) tr.insertCell().textContent = row[v] ? row[v].value : '';
  }
  document.body.append(table);
  return data.results.bindings.length;
}"""


def first_screen(page, pages_url: str, name: str) -> tuple[float, str]:
    """Seconds from the click on Run to the first row on screen, and the status line shown."""
    section = page.locator(f"section#{name}")
    start = time.perf_counter()
    section.locator("form button").click()
    page.wait_for_function(f"document.querySelector('section#{name} .result tbody tr') !== null", timeout=600_000)
    took = time.perf_counter() - start
    return took, section.locator(".status").inner_text()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("build", type=Path)
    parser.add_argument("--query", default="meetings")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    from kg.query.run import prepare
    from testkit.servers import free_port

    library = load_library(REPO / "queries")
    sparql = prepare(library[args.query])
    times = {"baseline": [], "cold": [], "held": []}
    status = ""
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for _ in range(args.runs):
            with serving(args.build, library, port=free_port(), ui_port=free_port(), say=lambda line: None) as service:
                page = browser.new_page()
                page.goto(service.pages + "queries")
                took, status = first_screen(page, service.pages, args.query)
                times["cold"].append(took)
                took, _ = first_screen(page, service.pages, args.query)
                times["held"].append(took)
                blank = browser.new_page()
                blank.goto(service.pages)  # same origin as the old page
                start = time.perf_counter()
                rows = blank.evaluate(OLD_PAGE, [service.endpoint, sparql])
                times["baseline"].append(time.perf_counter() - start)
                page.close()
                blank.close()
        browser.close()
    load = os.getloadavg()
    base = statistics.median(times["baseline"])
    print(f"query page, `{args.query}` ({rows:,} rows), {args.runs} runs, median s; "
          f"load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}; page says: {status}\n")
    print("| what | first screen (s) | runs (s) | / baseline |")
    print("|---|---:|---:|---:|")
    for what, label in (("baseline", "before: whole result, every row a table row"),
                        ("cold", "now, cold: count + first 300 rows with names"),
                        ("held", "now, held (run again, or `--warm`)")):
        median = statistics.median(times[what])
        print(f"| {label} | {median:.2f} | {', '.join(f'{t:.2f}' for t in times[what])} | {median / base:.2f} |")


if __name__ == "__main__":
    main()
