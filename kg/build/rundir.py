"""The build directory: each build in a new folder, made current by one atomic symlink swap.

Layout of ``build/``::

    runs/<id>/store      embedded Oxigraph store
    runs/<id>/kg.trig    the same quads as TriG
    runs/<id>/graph.html the graph view
    current -> runs/<id> the build in use (replaced atomically with os.replace)
    previous -> runs/<id> the build `current` pointed to before the last switch (what `kg diff` compares)
    store, kg.trig, graph.html -> current/...   stable paths for users and servers

A build writes a complete new run folder first and swaps ``current`` last, so a crash or an
error at any point leaves the previous build untouched, and a server reading an old run keeps
its snapshot (Oxigraph holds a lock on a store folder: writer and server never share one).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox

from kg.problems import UsageError
from kg.project import OUTPUTS, STORE

KEEP_RUNS = 3  # old runs kept for servers still reading them


class MissingBuild(UsageError):
    """No build exists yet in the build directory."""


@contextmanager
def build_lock(build_dir: Path, say: Callable[[str], None]):
    """Hold the build folder's lock (`BUILD/.lock`, flock): one build at a time; a second waits, saying so."""
    build_dir.mkdir(parents=True, exist_ok=True)
    with open(build_dir / ".lock", "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say(f"another kg build is writing {build_dir}: waiting for it to finish")
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def new_run(build_dir: Path):
    """Yield a fresh run folder; on success make it current, on any error remove it."""
    runs = build_dir / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    run_id = time.strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}-{time.monotonic_ns() % 10**6}"
    tmp = runs / f".tmp-{run_id}"
    tmp.mkdir()
    try:
        yield tmp
        final = runs / run_id
        tmp.rename(final)
        _make_current(build_dir, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _prune(runs, keep={final.name, _target_name(build_dir / "previous")})


def _make_current(build_dir: Path, run: Path) -> None:
    link = build_dir / "current"
    before = os.readlink(link) if link.is_symlink() else None
    _point(build_dir, "current", Path("runs") / run.name)  # atomic: readers see the old or the new run, never none
    if before is not None and Path(before).name != run.name:
        _point(build_dir, "previous", Path(before))
    for name in OUTPUTS:
        stable = build_dir / name
        if not stable.is_symlink():
            if stable.exists():
                _remove(stable)
            stable.symlink_to(Path("current") / name)


def _point(build_dir: Path, name: str, target: Path) -> None:
    """Make the symlink BUILD/name point to `target`, replacing it in one step (os.replace)."""
    tmp_link = build_dir / f".{name}-{os.getpid()}"
    if tmp_link.is_symlink() or tmp_link.exists():
        tmp_link.unlink()
    tmp_link.symlink_to(target)
    os.replace(tmp_link, build_dir / name)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


def _target_name(link: Path) -> str | None:
    return Path(os.readlink(link)).name if link.is_symlink() else None


def _prune(runs: Path, keep: set[str | None]) -> None:
    finished = sorted((p for p in runs.iterdir() if not p.name.startswith(".")), key=lambda p: p.name)
    for old in finished[:-KEEP_RUNS]:
        if old.name not in keep:
            shutil.rmtree(old, ignore_errors=True)
    for stale in runs.glob(".tmp-*"):
        # a temp folder of a build that was killed; a live build's own folder is seconds old
        if time.time() - stale.stat().st_mtime > 3600:
            shutil.rmtree(stale, ignore_errors=True)


def current_run(build_dir: Path) -> Path:
    """The folder of the current build; raises MissingBuild when there is none."""
    link = build_dir / "current"
    if not link.exists():
        raise MissingBuild(f"no build in {build_dir}/: run `kg build` first")
    return link.resolve()


def previous_run(build_dir: Path) -> Path:
    """The folder of the build before the current one; raises MissingBuild when there is none."""
    current_run(build_dir)
    link = build_dir / "previous"
    if not link.exists():
        raise MissingBuild(f"no previous build in {build_dir}/: `kg build` keeps one when a new build replaces it "
                           "(or give OLD and NEW)")
    return link.resolve()


def open_store(build_dir: Path) -> ox.Store:
    """The current build's store, opened read-only (safe beside a running server)."""
    return ox.Store.read_only(str(current_run(build_dir) / STORE))
