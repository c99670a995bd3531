"""Shared fixtures: the repository, the seed graph built once per session, and copies of the seeds."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.build.pipeline import build
from kg.project import Project
from kg.build.rundir import open_store
from testkit import CHROMIUM, CHROMIUM_ARGS, REPO, SEEDS



# fixtures that start a real server: a test that uses one is marked `server`
SERVER_FIXTURES = {"service", "served", "odd_service", "oxigraph", "virtuoso"}


def pytest_collection_modifyitems(items):
    """Mark each test by what it drives, from the fixtures it uses (directly or not), so that
    `pytest -m "not browser and not server"` is the quick loop; tests that start a server in
    their own body carry the mark themselves."""
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        if "browser" in used:
            item.add_marker(pytest.mark.browser)
        if used & SERVER_FIXTURES:
            item.add_marker(pytest.mark.server)


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def seeds() -> Path:
    """The frozen test project's seeds."""
    return SEEDS


@pytest.fixture(scope="session")
def seed_build(tmp_path_factory) -> Path:
    """Build folder of the seed graph, built once per test session through the real pipeline."""
    out = tmp_path_factory.mktemp("seed-build")
    build(Project(root=REPO, seeds=SEEDS, build_dir=out))
    return out


@pytest.fixture(scope="session")
def seed_store(seed_build) -> ox.Store:
    """The seed graph's Oxigraph store, opened read-only."""
    return open_store(seed_build)


@pytest.fixture()
def seeds_copy(tmp_path) -> Path:
    """A private copy of seeds/ that a test may break."""
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target)
    return target


@pytest.fixture(scope="module")
def browser():
    """Headless Debian Chromium driven by Playwright."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
