"""The query engine behind `kg serve`: an Oxigraph server process on a private loopback port.

Nobody talks to it directly: `kg.serve.front` listens on the public port, checks every request and
forwards it here. The engine is a child process in its own session (Ctrl-C reaches only
`kg serve`, which stops it in order) that dies with its parent (Linux), and `restart` replaces
it after a crash or when runaway queries pile up (see `kg.serve.front`).
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from kg.query.endpoint import EndpointError, select

READY_TIMEOUT_S = 30
LOG = "oxigraph.log"


class ServeError(OSError):
    """The server cannot start (busy port, server exited); an OSError so the CLI exits 2."""


class Engine:
    """One Oxigraph server over a store folder, restartable, on a free loopback port."""

    def __init__(self, store: Path, log: Path, writable: bool = False):
        self.store, self.log, self.writable = store, log, writable
        self.process: subprocess.Popen | None = None
        self.url = ""  # http://127.0.0.1:PORT of the running process
        self.restarts: list[float] = []  # monotonic times of restarts, for the supervisor's rate limit

    def start(self) -> None:
        """Start the process and wait until it answers; raise ServeError if it does not."""
        port = _free_loopback_port()
        cmd = [oxigraph_program(), "serve" if self.writable else "serve-read-only", "--location", str(self.store),
               "--bind", f"127.0.0.1:{port}", "--union-default-graph"]
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                            start_new_session=True, preexec_fn=_die_with_parent)
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServeError(f"the Oxigraph server did not start: {self.last_words().removeprefix('Error: ')}")
            try:
                select(f"{self.url}/query", "ASK {}", timeout=2)
                return
            except EndpointError:
                time.sleep(0.05)
        self.stop()
        raise ServeError(f"the Oxigraph server did not answer within {READY_TIMEOUT_S} s")

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def restart(self) -> None:
        self.stop()
        self.restarts.append(time.monotonic())
        self.start()

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)

    def last_words(self) -> str:
        """The server's last message, without Rust's backtrace notes."""
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return "no message"
        lines = [line for line in text.splitlines()
                 if line.strip() and not line.startswith((" ", "note:", "stack backtrace"))]
        return lines[-1] if lines else "no message"


def _free_loopback_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def oxigraph_program() -> str:
    """The `oxigraph` program of this Python environment (the PyPI package), else the one on PATH."""
    beside = Path(sys.executable).with_name("oxigraph")
    found = str(beside) if beside.exists() else shutil.which("oxigraph")
    if not found:
        raise ServeError("the `oxigraph` server program is missing: pip install 'oxigraph>=0.5,<0.6'")
    return found


def _die_with_parent() -> None:
    """In the child: get SIGTERM if `kg serve` dies without cleaning up (Linux), so no orphan stays."""
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
