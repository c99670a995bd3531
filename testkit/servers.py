"""Real SPARQL servers for tests: Oxigraph and Virtuoso on free loopback ports in temp folders.

Each is a context manager that starts the server, waits until it answers a query, yields its
URLs, and always stops it. Virtuoso comes from the Debian package `virtuoso-opensource`; where it
is missing, `require_virtuoso()` fails on CI (CI=true) and skips with the reason elsewhere.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from kg.query.endpoint import Credentials
from kg.serve.engine import stop_process

VIRTUOSO_INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")


@dataclass(frozen=True)
class Server:
    """Where a running server takes queries, updates and Graph Store requests."""

    query: str
    update: str
    graph_store: str
    auth: Credentials | None = None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_ready(url: str, proc: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    """Poll `url` with a trivial query until it answers 200; fail with the log if the server dies."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}:\n{log.read_text(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}?query=ASK%7B%7D", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server at {url} not ready after {timeout} s:\n{log.read_text(errors='replace')[-2000:]}")


@contextmanager
def _running(cmd: list[str], log: Path, ready_url: str, timeout: float):
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=log.parent)
    try:
        wait_ready(ready_url, proc, log, timeout)
        yield proc
    finally:
        stop_process(proc, timeout=30)  # Virtuoso writes a checkpoint on the way out


@contextmanager
def oxigraph_server(folder: Path):
    """A writable Oxigraph server on a fresh store in `folder`."""
    base = f"http://127.0.0.1:{free_port()}"
    cmd = ["oxigraph", "serve", "--location", str(folder / "store"), "--bind", base.removeprefix("http://"),
           "--union-default-graph"]  # as `kg serve` and docs/serve.md deploy it
    with _running(cmd, folder / "oxigraph.log", f"{base}/query", timeout=30):
        yield Server(f"{base}/query", f"{base}/update", f"{base}/store")


def virtuoso_missing() -> str | None:
    """Why Virtuoso cannot be started here, or None when it can."""
    if not shutil.which("virtuoso-t"):
        return "virtuoso-t not found: apt-get install virtuoso-opensource"
    if not VIRTUOSO_INI.is_file():
        return f"{VIRTUOSO_INI} not found: apt-get install virtuoso-opensource"
    return None


def require_virtuoso() -> None:
    reason = virtuoso_missing()
    if reason and os.environ.get("CI") == "true":
        pytest.fail(f"Virtuoso is required on CI: {reason}")
    if reason:
        pytest.skip(reason)


def virtuoso_ini(template: str, folder: Path, sql_port: int, http_port: int) -> str:
    """The packaged virtuoso.ini with its database files in `folder` and its ports on loopback."""
    section, lines = "", []
    for line in template.splitlines():
        if match := re.match(r"\s*\[(.+)\]", line):
            section = match.group(1)
        key, _, value = line.partition("=")
        key = key.strip()
        if key in ("DatabaseFile", "ErrorLogFile", "LockFile", "TransactionFile", "xa_persistent_file"):
            line = f"{key} = {folder / Path(value.split(';')[0].strip()).name}"
        elif key == "ServerPort":
            line = f"ServerPort = 127.0.0.1:{sql_port if section == 'Parameters' else http_port}"
        elif key == "DefaultHost":
            line = f"DefaultHost = 127.0.0.1:{http_port}"
        lines.append(line)
    return "\n".join(lines) + "\n"


@contextmanager
def virtuoso_server(folder: Path):
    """A fresh Virtuoso database in `folder` (user dba, password dba), SQL and HTTP on loopback."""
    require_virtuoso()
    http_port = free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(virtuoso_ini(VIRTUOSO_INI.read_text(), folder, free_port(), http_port))
    base = f"http://127.0.0.1:{http_port}"
    cmd = ["virtuoso-t", "+foreground", "+configfile", str(ini)]
    with _running(cmd, folder / "virtuoso.out", f"{base}/sparql", timeout=120):
        yield Server(f"{base}/sparql", f"{base}/sparql-auth", f"{base}/sparql-graph-crud-auth",
                     Credentials("dba", "dba"))
