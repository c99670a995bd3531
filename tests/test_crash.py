"""A build killed with SIGKILL at any point leaves the previous build whole: it opens and answers
every library query exactly as before. Runs the real `kg build` on a 1,000-article corpus."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kg.query.library import load_library
from kg.query.run import run, store_runner
from kg.build.rundir import open_store

from testkit.corpus import generate

pytestmark = [pytest.mark.slow]


def kg_build(seeds: Path, out: Path, repo: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "kg", "build", "--project", str(repo), "--seeds", str(seeds),
                             "--build-dir", str(out), "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def answers(build_dir: Path, repo: Path) -> dict:
    """Every library query with its defaults, run on the current build."""
    runner = store_runner(open_store(build_dir))
    out = {}
    for name, query in load_library(repo / "queries").items():
        if any(p.default is None for p in query.params):
            continue
        result = run(query, runner, {}, None)
        out[name] = (result.boolean, sorted(map(str, result.rows)), sorted(map(str, result.triples)))
    return out


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return generate(1000, tmp_path_factory.mktemp("corpus") / "seeds", seed=7)


def edit(corpus: Path, mark: str) -> None:
    """Change the English label of one entity in every 50th article: a build then has real work."""
    for facts in sorted((corpus / "facts").glob("syn_*.yaml"))[::50]:
        text = facts.read_text(encoding="utf-8")
        facts.write_text(text.replace("    en: ", f"    en: {mark} ", 1), encoding="utf-8")


def test_sigkill_during_a_build_leaves_the_previous_build_intact(corpus, repo, tmp_path):
    out = tmp_path / "build"
    first = kg_build(corpus, out, repo)
    assert first.wait(timeout=900) == 0, first.stderr.read().decode()
    # one edited (incremental) build, timed: the kills below land anywhere inside such a build
    edit(corpus, "Edited")
    started = time.monotonic()
    second = kg_build(corpus, out, repo)
    assert second.wait(timeout=900) == 0, second.stderr.read().decode()
    duration = time.monotonic() - started
    before, current = answers(out, repo), (out / "current").resolve()

    rng, kills = random.Random(1), 0
    for round_ in range(3):
        edit(corpus, f"Round{round_}")
        victim = kg_build(corpus, out, repo)
        time.sleep(rng.uniform(0.05, 0.95) * duration)
        if victim.poll() is None:
            victim.send_signal(signal.SIGKILL)
            victim.wait()
            if (out / "current").resolve() == current:
                kills += 1
                assert answers(out, repo) == before
                continue
            # killed after it had switched `current` to its complete run (while saving its cache
            # index or exiting): that run is the build now, and it must answer like any other
        else:  # it finished first
            assert victim.returncode == 0, victim.stderr.read().decode()
        assert (out / "current").resolve() != current
        before, current = answers(out, repo), (out / "current").resolve()  # the build the next kill must keep
    assert kills >= 1, "the builds all finished before the kill: nothing was tested"

    # and the next build after all that completes and serves the edits
    last = kg_build(corpus, out, repo)
    assert last.wait(timeout=900) == 0, last.stderr.read().decode()
    assert (out / "current").resolve() != current
    assert "Round2" in str(answers(out, repo)["labels"])
