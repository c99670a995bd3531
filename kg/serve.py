"""`kg serve`: the build as a SPARQL 1.1 endpoint (the Oxigraph server) and a few local pages.

Two listeners on the same host:

- PORT: ``oxigraph serve-read-only`` (``serve`` with --writable) over a private snapshot of the
  current build: SPARQL 1.1 Protocol at ``/query``, Graph Store Protocol at ``/store`` and
  Oxigraph's offline YASGUI page at ``/``. The union of the named graphs is the default graph.
- UI PORT (PORT+1): a small standard-library HTTP server for what Oxigraph does not serve: an
  index, the graph view and the files of the build, and a page listing ``queries/`` whose buttons
  run each query through ``/run`` (same origin, so the page needs neither a CDN nor CORS).

The snapshot is a RocksDB checkpoint of the build's store (hard links, so instant) in
``build/.serve-PID-*``, removed on exit. `kg build` swaps ``build/current`` and prunes old runs
without ever touching it: a rebuild while serving cannot change or break what is served. The
server says when a newer build is ready; restarting ``kg serve`` serves it.
"""

from __future__ import annotations

import html
import json
import mimetypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pyoxigraph as ox

from .endpoint import SPARQL_JSON, EndpointError, select
from .push import N_TRIPLES
from .query import prepare
from .store import PREFIXES, current_run

DEFAULT_PORT = 7878
READY_TIMEOUT_S = 30
STORE = "store"
LOG = "oxigraph.log"


class ServeError(OSError):
    """The server cannot start (busy port, server exited); an OSError so the CLI exits 2."""


@dataclass
class Service:
    """A running `kg serve`: the endpoint, the pages, and the build they show."""

    endpoint: str  # SPARQL 1.1 Protocol query URL
    pages: str  # index of the local pages
    run: Path  # the build being served
    writable: bool
    process: subprocess.Popen
    log: Path  # the server's output

    @property
    def base(self) -> str:
        return self.endpoint.removesuffix("/query")


def http_url(host: str, port: int) -> str:
    """``http://host:port``, with an IPv6 host in brackets; a wildcard host is reached on loopback."""
    host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


@contextmanager
def serving(build_dir: Path, queries: dict | None = None, *, host: str = "127.0.0.1", port: int = DEFAULT_PORT,
            ui_port: int | None = None, timeout_s: int | None = None, writable: bool = False):
    """Start the endpoint and the pages over a snapshot of the current build; stop both on exit.

    `queries` is the query library (`kg.library.load_library`) shown on the queries page.
    `timeout_s` is off by default: Oxigraph 0.5 keeps one sleeping thread per query for the whole
    timeout, so a steady R queries/s holds R x timeout_s threads, and near 15,000 threads (a loop
    of cheap queries at 1,500/s with a 10 s timeout) the server aborts (upstream issue #1874).
    Raises MissingBuild without a build and ServeError when a port is busy.
    """
    run = current_run(build_dir)
    ui_port = port + 1 if ui_port is None else ui_port
    _ensure_free(host, port)
    pages = _bind_pages(host, ui_port)  # bound before anything starts, so a busy port fails first
    _remove_stale_snapshots(build_dir)
    snapshot = Path(tempfile.mkdtemp(prefix=f".serve-{os.getpid()}-", dir=build_dir))
    process = thread = None
    try:
        _snapshot(run, snapshot)
        process = _start_oxigraph(snapshot, host, port, timeout_s, writable)
        service = Service(f"{http_url(host, port)}/query", f"{http_url(host, ui_port)}/", run, writable, process,
                          snapshot / LOG)
        pages.RequestHandlerClass = _handler(service, snapshot, queries or {})
        thread = threading.Thread(target=pages.serve_forever, name="kg-serve-pages", daemon=True)
        thread.start()
        yield service
    finally:
        if thread is not None:
            pages.shutdown()
        pages.server_close()
        if process is not None:
            stop_process(process)
        shutil.rmtree(snapshot, ignore_errors=True)


def serve_until_stopped(service: Service, build_dir: Path, echo: Callable[[str], None], poll_s: float = 1.0) -> None:
    """Wait for Ctrl-C or SIGTERM; tell once when a newer build is ready; fail if the server dies."""
    # both signals explicitly: a shell starting `kg serve &` leaves SIGINT ignored
    previous = {sig: signal.signal(sig, _interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    told = service.run
    try:
        while True:
            time.sleep(poll_s)
            if service.process.poll() is not None:
                raise ServeError(f"the Oxigraph server stopped (exit {service.process.returncode}): {_last_words(service.log)}")
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


def _last_words(log: Path) -> str:
    """The server's last message, without Rust's backtrace notes."""
    lines = [line for line in log.read_text(errors="replace").splitlines()
             if line.strip() and not line.startswith((" ", "note:", "stack backtrace"))]
    return lines[-1] if lines else "no message"


def _interrupt(_signum, _frame):
    raise KeyboardInterrupt


def _newest_run(build_dir: Path) -> Path | None:
    try:
        return current_run(build_dir)
    except Exception:  # noqa: BLE001 - a build directory being swapped or cleaned: ask again next time
        return None


def _ensure_free(host: str, port: int) -> None:
    """Fail with one clear line if the port is taken (Oxigraph itself would print a backtrace)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server will: ignore TIME_WAIT
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror}; choose another with --port") from None


class _Pages6(ThreadingHTTPServer):
    address_family = socket.AF_INET6


def _bind_pages(host: str, port: int) -> ThreadingHTTPServer:
    try:
        server = (_Pages6 if ":" in host else ThreadingHTTPServer)((host, port), BaseHTTPRequestHandler)
    except OSError as exc:
        raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror}; choose another with --ui-port") from None
    server.daemon_threads = True
    return server


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


def _start_oxigraph(snapshot: Path, host: str, port: int, timeout_s: int | None, writable: bool) -> subprocess.Popen:
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    cmd = [_oxigraph(), "serve" if writable else "serve-read-only", "--location", str(snapshot / STORE),
           "--bind", bind, "--union-default-graph"]
    if timeout_s:
        cmd += ["--timeout-s", str(timeout_s)]
    if not writable:
        # read-only data may be read by browser tools on other origins (a YASGUI page elsewhere);
        # a writable server keeps the browser's same-origin rule so no web page can write to it
        cmd.append("--cors")
    log = snapshot / LOG
    with log.open("wb") as out:
        # own session: Ctrl-C reaches only `kg serve`, which stops the server in order
        process = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True, preexec_fn=_die_with_parent)
    endpoint = f"{http_url(host, port)}/query"
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServeError(f"the Oxigraph server did not start on {bind}: {_last_words(log).removeprefix('Error: ')}")
        try:
            select(endpoint, "ASK {}", timeout=2)
            return process
        except EndpointError:
            time.sleep(0.1)
    stop_process(process)
    raise ServeError(f"the Oxigraph server did not answer on {bind} within {READY_TIMEOUT_S} s")


def _oxigraph() -> str:
    """The `oxigraph` program of this Python environment (the PyPI package), else the one on PATH."""
    beside = Path(sys.executable).with_name("oxigraph")
    found = str(beside) if beside.exists() else shutil.which("oxigraph")
    if not found:
        raise ServeError("the `oxigraph` server program is missing: pip install 'oxigraph>=0.5,<0.6'")
    return found


def _die_with_parent() -> None:
    """In the child: get SIGTERM if `kg serve` dies without cleaning up (Linux), so no orphan keeps the port."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass  # not Linux: the parent's normal exit still stops the server


def stop_process(process: subprocess.Popen, timeout: float = 10) -> None:
    """Stop a server process: SIGTERM, then SIGKILL if it has not exited within `timeout` seconds."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- the pages -----------------------------------------------------------------------------------

def _handler(service: Service, snapshot: Path, queries: dict):
    """The request handler class of the pages, closed over what it serves."""
    files = {f"/{p.relative_to(snapshot).as_posix()}": p for p in snapshot.rglob("*")
             if p.is_file() and p.name != LOG and STORE not in p.relative_to(snapshot).parts}
    index = _index_page(service, files).encode("utf-8")
    listing = _queries_page(queries).encode("utf-8")

    class Pages(BaseHTTPRequestHandler):
        server_version = "kg-serve"

        def do_GET(self):
            path = self.path.split("?", 1)[0]
            if path == "/":
                self._reply(200, "text/html; charset=utf-8", index)
            elif path == "/queries":
                self._reply(200, "text/html; charset=utf-8", listing)
            elif path in files:
                kind = mimetypes.guess_type(path)[0] or "application/octet-stream"
                self._reply(200, kind + ("; charset=utf-8" if kind.startswith("text/") else ""), files[path].read_bytes())
            else:
                self._reply(404, "text/plain; charset=utf-8", b"not found\n")

        def do_POST(self):
            if self.path != "/run":
                return self._reply(404, "text/plain; charset=utf-8", b"not found\n")
            length = int(self.headers.get("Content-Length") or 0)
            fields = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode("utf-8")).items()}
            status, body, text = _run(service, queries, fields)
            self._reply(status, "text/plain; charset=utf-8" if text else SPARQL_JSON, body)

        def _reply(self, status: int, kind: str, body: bytes):
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("X-Content-Type-Options", "nosniff")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):  # quiet: the terminal shows only what the user needs
            pass

    return Pages


def _run(service: Service, queries: dict, fields: dict[str, str]) -> tuple[int, bytes, bool]:
    """Run a library query with the page's parameters on the endpoint: (status, body, is RDF text)."""
    query = queries.get(fields.pop("name", ""))
    if query is None:
        return 404, b"no such query\n", True
    graph = query.form in ("CONSTRUCT", "DESCRIBE")
    try:
        sparql = prepare(query, {k: v for k, v in fields.items() if v != ""})
        return 200, select(service.endpoint, sparql, accept=N_TRIPLES if graph else SPARQL_JSON), graph
    except EndpointError as exc:
        return 502, str(exc).encode("utf-8"), True
    except Exception as exc:  # noqa: BLE001 - a bad parameter: show it on the page
        return 400, str(exc).encode("utf-8"), True


def _index_page(service: Service, files: dict[str, Path]) -> str:
    e = html.escape
    links = [f'<li><a href="/queries">Query library</a>: run each query of <code>queries/</code></li>',
             f'<li><a href="{e(service.base)}/">YASGUI</a> on the endpoint: write your own SPARQL</li>']
    links += [f'<li><a href="{e(path)}">{e(path.lstrip("/"))}</a></li>' for path in sorted(files)]
    mode = "read-write (updates go to a private copy, discarded on exit)" if service.writable else "read-only"
    return _page("kg serve", f"""
<p>SPARQL 1.1 endpoint ({mode}): <code>{e(service.endpoint)}</code><br>
Graph Store Protocol: <code>{e(service.base)}/store</code><br>
Build: <code>{e(service.run.name)}</code></p>
<ul>{''.join(links)}</ul>
<pre>curl -H 'Accept: text/csv' --data-urlencode 'query=SELECT * WHERE {{ ?s ?p ?o }} LIMIT 5' {e(service.endpoint)}</pre>""")


def _queries_page(queries: dict) -> str:
    e = html.escape
    sections = []
    for name, query in queries.items():
        inputs = "".join(
            f'<label>{e(p.name)} <input name="{e(p.name)}" value="{e(p.default or "")}" '
            f'title="{e(p.meaning)}" placeholder="{e(p.meaning)}"></label> ' for p in query.params)
        sections.append(f"""
<section id="{e(name)}"><h2>{e(query.summary or name)} <small><code>{e(name)}</code></small></h2>
<p>{e(query.description)}</p>
<form class="run"><input type="hidden" name="name" value="{e(name)}">{inputs}<button>Run</button></form>
<details><summary>SPARQL</summary><pre>{e(query.text)}</pre></details>
<div class="result"></div></section>""")
    body = "".join(sections) or "<p>No queries: add <code>.rq</code> files to <code>queries/</code>.</p>"
    prefixes = json.dumps(PREFIXES).replace("<", "\\u003c")  # nothing may close the script element
    return _page("Query library", body, script=f"const PREFIXES = {prefixes};\n{_RUN_SCRIPT}")


def _page(title: str, body: str, script: str = "") -> str:
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title><link rel="icon" href="data:,">
<style>body{{font-family:sans-serif;max-width:70em;margin:1em auto;padding:0 1em}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:.2em .4em;vertical-align:top}}
pre{{background:#f4f4f4;padding:.5em;overflow:auto}}.error{{color:#a00}}</style></head>
<body><h1>{html.escape(title)}</h1>{body}<script>{script}</script></body></html>
"""


# Results are written with textContent only: labels and quotes come from articles (untrusted).
_RUN_SCRIPT = """
function cell(term) {
  if (!term) return '';
  if (term.type === 'literal' && term['xml:lang']) return term.value + ' @' + term['xml:lang'];
  if (term.type === 'uri') {  // res:cnpc rather than the full IRI, as `kg query` shows it
    for (const [prefix, iri] of Object.entries(PREFIXES)) {
      if (term.value.startsWith(iri)) return prefix + ':' + term.value.slice(iri.length);
    }
  }
  return term.value;
}
for (const form of document.querySelectorAll('form.run')) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const out = form.parentElement.querySelector('.result');
    out.textContent = 'running…';
    const response = await fetch('/run', {method: 'POST', body: new URLSearchParams(new FormData(form))});
    if (!response.ok) {
      out.textContent = await response.text();
      out.className = 'result error';
      return;
    }
    out.className = 'result';
    if (response.headers.get('Content-Type').startsWith('text/plain')) {  // CONSTRUCT: N-Triples
      const pre = document.createElement('pre');
      pre.textContent = await response.text();
      out.textContent = '';
      out.append(pre);
      return;
    }
    const data = await response.json();
    out.textContent = '';
    if (data.boolean !== undefined) { out.textContent = String(data.boolean); return; }
    const table = document.createElement('table');
    const head = table.insertRow();
    for (const v of data.head.vars) { const th = document.createElement('th'); th.textContent = v; head.appendChild(th); }
    for (const row of data.results.bindings) {
      const tr = table.insertRow();
      for (const v of data.head.vars) tr.insertCell().textContent = cell(row[v]);
    }
    const count = document.createElement('p');
    count.textContent = data.results.bindings.length + ' row(s)';
    out.append(count, table);
  });
}
"""
