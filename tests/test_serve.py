"""`kg serve`: a real Oxigraph server over the seed build, standard clients, the pages, the
command's lifecycle (Ctrl-C, busy port, no build) and a rebuild while queries are in flight."""

from __future__ import annotations

import csv
import io
import json
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from kg.build.pipeline import build
from kg.project import Project
from kg.query.library import load_library
from kg.serve.server import serving

from testkit.servers import free_port
from testkit import REPO, SEEDS
from testkit.browser import watched_page
from testkit.http import get, post

pytestmark = [pytest.mark.server]

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
ORGS = "SELECT ?o WHERE { ?o a <https://w3id.org/kzcn/ontology#Organization> } ORDER BY ?o"


@pytest.fixture(scope="module")
def service(seed_build, seed_store):
    with serving(seed_build, load_library(REPO / "queries"), port=free_port(), ui_port=free_port()) as running:
        yield running


def test_sparql_json_and_csv_like_curl(service, seed_store):
    status, kind, body = post(service.endpoint, query=COUNT)
    assert (status, kind) == (200, "application/sparql-results+json")
    assert int(json.loads(body)["results"]["bindings"][0]["n"]["value"]) == len(seed_store)  # union default graph
    status, kind, body = post(service.endpoint, accept="text/csv", query=COUNT)
    assert (status, kind) == (200, "text/csv")
    assert list(csv.reader(io.StringIO(body.decode()))) == [["n"], [str(len(seed_store))]]


def test_sparqlwrapper_unchanged(service):
    sparqlwrapper = pytest.importorskip("SPARQLWrapper", reason="pip install SPARQLWrapper (test extra)")
    client = sparqlwrapper.SPARQLWrapper(service.endpoint)
    client.setQuery(ORGS)
    client.setReturnFormat(sparqlwrapper.JSON)
    rows = client.query().convert()["results"]["bindings"]
    assert any(row["o"]["value"].endswith("/cnpc") for row in rows)


def test_rdflib_sparqlstore_unchanged(service, seed_store):
    from rdflib import Graph
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    graph = Graph(SPARQLStore(service.endpoint))
    assert [int(row[0]) for row in graph.query(COUNT)] == [len(seed_store)]


def test_updates_are_refused(service):
    status, _, body = post(service.endpoint.replace("/query", "/update"), update="INSERT DATA { <x:a> <x:b> <x:c> }")
    assert status == 403, body


def test_writable_updates_a_private_copy(seed_build, seed_store):
    with serving(seed_build, port=free_port(), ui_port=free_port(), writable=True) as running:
        status, _, body = post(running.base + "/update", update="INSERT DATA { GRAPH <x:g> { <x:a> <x:b> <x:c> } }")
        assert status in (200, 204), body
        _, _, body = post(running.endpoint, query=COUNT)
        assert int(json.loads(body)["results"]["bindings"][0]["n"]["value"]) == len(seed_store) + 1
    from kg.build.rundir import open_store

    assert len(open_store(seed_build)) == len(seed_store)  # the build itself is untouched


def test_pages_list_and_run_every_library_query(service):
    status, index = get(service.pages)
    assert status == 200 and b"/queries" in index and service.endpoint.encode() in index
    status, page = get(service.pages + "queries")
    library = load_library(REPO / "queries")
    assert status == 200
    for name, query in library.items():
        assert f'value="{name}"'.encode() in page
    assert b"<script src" not in page and b"stylesheet" not in page, "offline: no script or style from elsewhere"
    for name, query in library.items():  # every query runs: a row count and the first rows, or a graph
        status, kind, body = post(service.pages + "run", name=name)
        assert (status, kind) == (200, "application/json"), body
        answer = json.loads(body)
        assert answer["form"] == query.form and ("count" in answer or "text" in answer)


def test_pages_refuse_bad_parameters_and_unknown_paths(service):
    status, _, body = post(service.pages + "run", name="entity", nosuch="1")
    assert status == 400 and b"nosuch" in body
    assert post(service.pages + "run", name="no-such-query")[0] == 404
    assert get(service.pages + "store/CURRENT")[0] == 404  # the store's files are not pages
    assert get(service.pages + "oxigraph.log")[0] == 404


# --- the command, as a user runs it ------------------------------------------------------------

def start_cli(build_dir: Path, port: int, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "kg", "serve", "--build-dir", str(build_dir), "--port", str(port),
                             "--ui-port", str(free_port()), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)


def wait_for_line(proc: subprocess.Popen, text: str, timeout: float = 60) -> list[str]:
    """Lines of stdout up to the one containing `text` (the command prints it once serving)."""
    lines, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            raise AssertionError(f"kg serve exited {proc.wait()}: {proc.stderr.read()}")
        lines.append(line)
        if text in line:
            return lines
    raise AssertionError(f"no line with {text!r} within {timeout} s: {lines}")


def children(pid: int) -> list[int]:
    found = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in found.read_text().split()] if found.exists() else []


def test_ctrl_c_stops_everything_and_exits_0(seed_build):
    port = free_port()
    proc = start_cli(seed_build, port, "--timeout", "5")
    try:
        wait_for_line(proc, "pages:")
        server_pids = children(proc.pid)
        assert server_pids, "the Oxigraph server runs as a child of kg serve"
        command = Path(f"/proc/{server_pids[0]}/cmdline").read_bytes().split(b"\0")
        # the engine is read-only and private: on loopback, on another port than the public one
        assert b"serve-read-only" in command
        bind = command[command.index(b"--bind") + 1].decode()
        assert bind.startswith("127.0.0.1:") and bind != f"127.0.0.1:{port}"
        assert post(f"http://127.0.0.1:{port}/query", query=COUNT)[0] == 200
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0
        assert "Traceback" not in proc.stderr.read()
    finally:
        proc.kill()
    for pid in server_pids:
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()
    assert not list(seed_build.glob(f".serve-{proc.pid}-*")), "the snapshot is removed on exit"
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers do: TIME_WAIT is no owner
        sock.bind(("127.0.0.1", port))  # the port is free again


def test_busy_port_is_one_line_and_exit_2(seed_build):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        result = subprocess.run([sys.executable, "-m", "kg", "serve", "--build-dir", str(seed_build),
                                 "--port", str(sock.getsockname()[1])], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "cannot listen" in result.stderr and "--port" in result.stderr


def test_missing_build_is_one_line_and_exit_2(tmp_path):
    result = subprocess.run([sys.executable, "-m", "kg", "serve", "--build-dir", str(tmp_path), "--port", str(free_port())],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "kg build" in result.stderr and "Traceback" not in result.stderr


def test_rebuild_while_serving_keeps_queries_answering(tmp_path):
    build_dir = tmp_path / "build"
    project = Project(root=REPO, seeds=SEEDS, build_dir=build_dir)
    build(project)
    port = free_port()
    proc = start_cli(build_dir, port)
    answers, errors, done = [], [], threading.Event()

    def query_in_a_loop():
        while not done.is_set():
            try:
                status, _, body = post(f"http://127.0.0.1:{port}/query", query=ORGS)
                answers.append((status, body))
            except OSError as exc:
                errors.append(exc)

    try:
        wait_for_line(proc, "pages:")
        clients = [threading.Thread(target=query_in_a_loop) for _ in range(4)]
        for client in clients:
            client.start()
        for _ in range(4):  # more rebuilds than the build folder keeps runs: the served run is pruned
            build(project)
        time.sleep(1.5)  # the server notices the new build within a second
        done.set()
        for client in clients:
            client.join()
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0
        out = proc.stdout.read()
    finally:
        done.set()
        proc.kill()
    assert not errors and len(answers) > 20
    assert {status for status, _ in answers} == {200}
    assert len({body for _, body in answers}) == 1, "every answer comes from the same snapshot"
    assert "a newer build is ready" in out and "restart `kg serve`" in out


# --- the pages in a real browser ---------------------------------------------------------------

def test_the_endpoint_query_page_asks_no_other_host(service, browser):
    """YASGUI's prefix completer fetched prefix.cc (and its class completer LOV): an error offline."""
    page, requests, errors = watched_page(browser)
    page.goto(service.base + "/")
    page.wait_for_selector(".yasqe", timeout=15_000)
    page.locator(".CodeMirror").first.click()
    page.keyboard.type("PREFIX rd")  # where the prefix completer would ask prefix.cc
    page.wait_for_timeout(1_000)
    page.keyboard.type("\nSELECT * WHERE { ?s rdf:ty")  # where the property completer would ask LOV
    page.wait_for_timeout(1_500)
    page.close()
    others = [url for url in requests if not url.startswith((service.base, "data:"))]
    assert others == [] and not errors, (others, errors)


def test_queries_page_runs_a_query_offline_and_shows_a_table(service, browser):
    page, requests, errors = watched_page(browser)
    page.goto(service.pages + "queries")
    section = page.locator("section#pipelines")
    section.locator("form button").click()
    section.locator(".result table").wait_for(timeout=15_000)
    assert section.locator(".result table tr").count() > 1
    section = page.locator("section#entity")
    section.locator("input[name=entity]").fill("中石油")
    section.locator("form button").click()
    section.locator(".result table").wait_for(timeout=15_000)
    assert "China National Petroleum Corporation" in section.locator(".result table").inner_text()
    artifacts = Path(__file__).parent / "artifacts"
    artifacts.mkdir(exist_ok=True)
    page.screenshot(path=str(artifacts / "serve-queries.png"), full_page=False)
    page.close()
    assert not errors
    assert all(url.startswith(service.pages) for url in requests), "only the local pages: no CDN, no other origin"


def test_graph_view_is_served_when_the_build_has_one(tmp_path):
    from kg.view.page import write_view

    build_dir = tmp_path / "build"
    build(Project(root=REPO, seeds=SEEDS, build_dir=build_dir), view=write_view)
    with serving(build_dir, port=free_port(), ui_port=free_port()) as running:
        status, index = get(running.pages)
        assert b'href="/graph.html"' in index
        status, page = get(running.pages + "graph.html")
        assert status == 200 and page.startswith(b"<!")
