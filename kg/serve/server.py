"""`kg serve`: the build as a guarded SPARQL 1.1 endpoint, with a few local pages.

Two listeners on the same host, both served by `kg.serve.front` (aiohttp, in a thread of its own):

- PORT: the SPARQL 1.1 Protocol at ``/query``, the Graph Store Protocol at ``/store`` (and
  ``/update`` with --writable), and a YASGUI page at ``/``. Every request is checked, then
  forwarded to the engine (`kg.serve.engine`: an Oxigraph server on a private loopback port, the union
  of the named graphs as its default graph), which a supervisor restarts if it dies.
- UI PORT (PORT+1): an index, the graph view and the files of the build, and a page listing
  ``queries/`` whose buttons run each query through ``/run``.

The engine serves a snapshot: a RocksDB checkpoint of the build's store (hard links, so instant)
in ``build/.serve-PID-*``, removed on exit. `kg build` swaps ``build/current`` and prunes old runs
without ever touching it: a rebuild while serving cannot change or break what is served. The
server says when a newer build is ready; restarting ``kg serve`` serves it.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg.serve.engine import LOG, Engine, ServeError
from kg.serve.front import DEADLINE_S, Front, Pages
from kg.serve.pages import index_page, queries_page
from kg.build.rundir import current_run
from kg.project import STORE
from kg.serve import DEFAULT_PORT


@dataclass
class Service:
    """A running `kg serve`: the endpoint, the pages, and the build they show."""

    endpoint: str  # SPARQL 1.1 Protocol query URL
    pages: str  # index of the local pages
    run: Path  # the build being served
    writable: bool
    engine: Engine
    front: Front

    @property
    def base(self) -> str:
        return self.endpoint.removesuffix("/query")

    @property
    def log(self) -> Path:
        """The engine's output."""
        return self.engine.log


def http_url(host: str, port: int) -> str:
    """``http://host:port``, with an IPv6 host in brackets; a wildcard host is reached on loopback."""
    host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


@contextmanager
def serving(build_dir: Path, queries: dict | None = None, *, host: str = "127.0.0.1", port: int = DEFAULT_PORT,
            ui_port: int | None = None, timeout_s: float | None = None, writable: bool = False,
            allow_services: tuple[str, ...] = (), warm: tuple[str, ...] = (), say: Callable[[str], None] = print):
    """Start the endpoint and the pages over a snapshot of the current build; stop both on exit.

    `queries` is the query library (`kg.query.library.load_library`) shown on the queries page;
    `timeout_s` the deadline of a query (default `kg.serve.front.DEADLINE_S`); `allow_services` the URL
    prefixes SERVICE may call; `warm` the library queries the query page runs at start, in the
    background, so their first screen is at once; `say` prints what the user should know.
    Raises MissingBuild without a build and ServeError when a port is busy or unusable.
    """
    run = current_run(build_dir)
    unknown = [name for name in warm if name not in (queries or {})]
    if unknown:
        raise ServeError(f"--warm {unknown[0]}: no such query in the library (see `kg queries`)")
    ui_port = port + 1 if ui_port is None else ui_port
    for number, option in ((port, "--port"), (ui_port, "--ui-port")):
        if not 1 <= number <= 65535:
            raise ServeError(f"{option} {number} is not a port: choose one from 1 to 65535")
    if ui_port == port:
        raise ServeError(f"the endpoint and the pages need two ports, both are {port}: choose another --ui-port")
    sockets = [_listen(host, port, "--port"), _listen(host, ui_port, "--ui-port")]  # busy ports fail first
    _remove_stale_snapshots(build_dir)
    snapshot = Path(tempfile.mkdtemp(prefix=f".serve-{os.getpid()}-", dir=build_dir))
    engine = loop = None
    try:
        _snapshot(run, snapshot)
        engine = Engine(snapshot / STORE, snapshot / LOG, writable)
        engine.start()
        front = Front(engine, writable=writable, allow_services=tuple(allow_services),
                      deadline_s=timeout_s or DEADLINE_S, say=say)
        service = Service(f"{http_url(host, port)}/query", f"{http_url(host, ui_port)}/", run, writable, engine, front)
        front.origins = {http_url(host, port), http_url(host, ui_port)} | (
            {http_url("localhost", port), http_url("localhost", ui_port)} if host in ("127.0.0.1", "localhost") else set())
        files = {f"/{p.relative_to(snapshot).as_posix()}": p for p in snapshot.rglob("*")
                 if p.is_file() and p.name != LOG and STORE not in p.relative_to(snapshot).parts}
        pages = Pages(front, files, index_page(service, files), queries_page(queries or {}, "/graph.html" in files),
                      queries or {}, service.endpoint)
        loop = _Loop(front, [(sockets[0], front.app()), (sockets[1], pages.app())])
        if warm:
            threading.Thread(target=_warm, args=(pages.results, list(warm), say), name="kg-warm", daemon=True).start()
        yield service
    finally:
        if engine is not None:
            engine.stop()  # first: requests waiting on it then end at once, and the front end stops quickly
        if loop is not None:
            loop.stop()
        for sock in sockets:
            sock.close()
        shutil.rmtree(snapshot, ignore_errors=True)


class _Loop:
    """The aiohttp applications and the engine's supervisor, in an event loop on a thread of its own."""

    def __init__(self, front: Front, sites: list):
        from aiohttp import web

        self.front, self.loop = front, asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="kg-serve", daemon=True)
        self.thread.start()

        async def start():
            await front.open()
            runners = []
            for sock, app in sites:
                runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=5)
                await runner.setup()
                await web.SockSite(runner, sock).start()
                runners.append(runner)
            return runners, asyncio.ensure_future(front.supervise())

        self.runners, self.supervisor = asyncio.run_coroutine_threadsafe(start(), self.loop).result(timeout=30)

    def stop(self) -> None:
        async def stop():
            self.supervisor.cancel()
            for runner in self.runners:
                await runner.cleanup()
            await self.front.close()

        try:
            asyncio.run_coroutine_threadsafe(stop(), self.loop).result(timeout=30)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout=10)


def serve_until_stopped(service: Service, build_dir: Path, echo: Callable[[str], None], poll_s: float = 1.0) -> None:
    """Wait for Ctrl-C or SIGTERM; tell once when a newer build is ready; fail if the engine cannot be kept up."""
    # both signals explicitly: a shell starting `kg serve &` leaves SIGINT ignored
    previous = {sig: signal.signal(sig, _interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    told = service.run
    try:
        while True:
            time.sleep(poll_s)
            if service.front.failed is not None:
                raise ServeError(f"the Oxigraph server stopped: {service.front.failed}")
            newest = _newest_run(build_dir)
            if newest is not None and newest != told:
                echo(f"a newer build is ready ({newest.name}); this server keeps serving {service.run.name}: "
                     "restart `kg serve` to serve the new one")
                told = newest
    except KeyboardInterrupt:
        echo("stopping")
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _warm(results, names: list[str], say: Callable[[str], None]) -> None:
    started = time.monotonic()
    try:
        results.warm(names)
    except Exception as exc:  # noqa: BLE001 - warming is an optimization: say why it stopped, keep serving
        say(f"--warm stopped: {exc}")
        return
    say(f"warm: {', '.join(names)} ready on the query page ({time.monotonic() - started:.1f} s)")


def _interrupt(_signum, _frame):
    raise KeyboardInterrupt


def _newest_run(build_dir: Path) -> Path | None:
    try:
        return current_run(build_dir)
    except Exception:  # noqa: BLE001 - a build directory being swapped or cleaned: ask again next time
        return None


def _listen(host: str, port: int, option: str) -> socket.socket:
    """A listening socket on host:port, or one clear line saying why not (never a backtrace)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers do: ignore TIME_WAIT
    try:
        sock.bind((host, port))
        sock.listen(512)
    except OSError as exc:
        sock.close()
        raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror}; choose another with {option}") from None
    except (OverflowError, socket.gaierror) as exc:
        sock.close()
        raise ServeError(f"cannot listen on {host}:{port}: {exc}; choose another with {option} or --host") from None
    return sock


def _remove_stale_snapshots(build_dir: Path) -> None:
    """Remove snapshots left by a `kg serve` that was killed (its process id no longer runs)."""
    for folder in build_dir.glob(".serve-*-*"):
        pid = folder.name.split("-")[1]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _snapshot(run: Path, target: Path) -> None:
    """A private copy of a build: a store checkpoint, and hard links to its other files."""
    ox.Store.read_only(str(run / STORE)).backup(str(target / STORE))
    for item in run.iterdir():
        if item.name != STORE:
            copy = shutil.copytree if item.is_dir() else _link_or_copy
            copy(item, target / item.name, **({"copy_function": _link_or_copy} if item.is_dir() else {}))


def _link_or_copy(src, dst) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)
