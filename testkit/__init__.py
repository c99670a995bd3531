"""What the tests and the benchmarks share: the project's paths, the browser, servers, synthetic data.

Tests and benchmarks import from here, never from each other:

- `REPO`, `SEEDS` — the repository and the frozen test project's seeds (tests/data/README.md);
- `CHROMIUM`, `CHROMIUM_ARGS` — Debian's Chromium, as Playwright drives it, offline;
- `testkit.servers` — real Oxigraph and Virtuoso servers on 127.0.0.1, free ports;
- `testkit.synthetic_graph` — a synthetic store of N entities for view tests and benchmarks;
- `testkit.corpus` — a synthetic corpus of N articles in the seeds format
  (``python -m testkit.corpus 10000 /tmp/corpus-10k``).

The test suite finds this package through ``pythonpath`` in pyproject.toml; benchmarks run as
modules from the repository root (``python -m benchmarks.build_bench``).
"""

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# the frozen test project's seeds: the suite and the benchmarks never read the field graph's
SEEDS = REPO / "tests" / "data" / "seeds"
CHROMIUM = Path("/usr/bin/chromium")  # Debian's Chromium: Playwright never downloads a browser here
# without the background-networking flags Chromium tries Google's hosts, refused on this network
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
