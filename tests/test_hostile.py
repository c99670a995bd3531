"""A hostile user against `kg serve`, `kg push`, `kg query`, `kg build` and `kg draft`: one test per
defect a deliberate attempt to break the tool found (issue 13), each through the real command or
the real server."""

from __future__ import annotations

import http.server
import json
import re
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
import pytest

from kg.build.pipeline import build
from kg.project import Project
from kg.query.library import load_library
from kg.serve.push import push
from kg.serve.push import prune
from kg.serve.server import serving
from kg.build.rundir import open_store

from testkit import REPO, SEEDS
from testkit.servers import free_port, oxigraph_server, virtuoso_server

DEEP = "SELECT * WHERE " + "{" * 5000 + "}" * 5000
FACTS = "facts/000_617ef15b8252d5c0.yaml"


def kg(*args: str, cwd: Path = REPO, timeout: float = 120, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, **kwargs)


def one_line(result: subprocess.CompletedProcess) -> str:
    """The command's single line of error, checked to be one line and no traceback."""
    err = result.stderr.strip()
    assert "Traceback" not in err and "internal error" not in err, err
    assert err.count("\n") == 0, err
    return err


def post(url: str, headers: dict | None = None, data: bytes | None = None, **fields) -> tuple[int, bytes]:
    body = data if data is not None else urllib.parse.urlencode(fields).encode()
    request = urllib.request.Request(url, data=body, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def raw(port: int, request: bytes) -> bytes:
    """Send raw bytes to a local server; return what it answers before closing (or 5 s)."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(request)
        chunks = []
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except TimeoutError:
            pass
    return b"".join(chunks)


@pytest.fixture(scope="module")
def served(seed_build):
    lines: list[str] = []
    with serving(seed_build, load_library(REPO / "queries"), port=free_port(), ui_port=free_port(),
                 say=lines.append) as service:
        yield service, lines


# --- 1. one request killed `kg serve` (and `kg query` segfaulted) -------------------------------

def test_a_query_nested_5000_deep_is_refused_and_the_server_lives(served):
    service, _ = served
    for send in (lambda: post(service.endpoint, query=DEEP),
                 lambda: post(service.endpoint, headers={"Content-Type": "text/plain"}, data=DEEP.encode())):
        status, body = send()
        assert status in (400, 415) and b"Traceback" not in body
    status, body = post(service.endpoint, query=DEEP)
    assert status == 400 and b"nests 5000 levels deep" in body
    assert service.engine.alive()
    assert post(service.endpoint, query="ASK {}")[0] == 200


def test_kg_query_refuses_deep_nesting_without_crashing(seed_build):
    result = kg("query", "--build-dir", str(seed_build), "--sparql", DEEP)
    assert result.returncode == 2
    assert "nests 5000 levels deep" in one_line(result)


def test_a_dead_engine_is_restarted_and_the_reason_said(served):
    service, lines = served
    old = service.engine.process.pid
    os.kill(old, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (service.engine.process.pid == old or not service.engine.alive()):
        time.sleep(0.2)
    assert service.engine.process.pid != old and service.engine.alive()
    assert any("restarting the engine: the engine stopped" in line for line in lines), lines
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and post(service.endpoint, query="ASK {}")[0] != 200:
        time.sleep(0.2)
    assert post(service.endpoint, query="ASK {}")[0] == 200


# --- 2. SPARQL injection through `kg push --prune --protocol update` ------------------------------

@contextmanager
def stub_server(content_type: str, body: bytes):
    """A local server answering every POST with `body`: a hostile SPARQL server, or no SPARQL server at all."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/sparql"
    finally:
        server.shutdown()
        server.server_close()


def fake_query_endpoint(graph_names: list[str]):
    """A server answering every query with these graph names, as a hostile SPARQL server could."""
    answer = {"head": {"vars": ["g"]}, "results": {"bindings": [{"g": {"type": "uri", "value": g}} for g in graph_names]}}
    return stub_server("application/sparql-results+json", json.dumps(answer).encode())


@pytest.mark.server
def test_prune_never_splices_a_hostile_graph_name_into_an_update(seed_store, tmp_path):
    other = "https://other-dataset.example/g"
    hostile = (f"https://w3id.org/kzcn/x> ; DROP SILENT GRAPH <{other}> ; "
               "INSERT DATA { GRAPH <https://w3id.org/kzcn/evil> { <a:b> <a:c> <a:d> } } ; DROP SILENT GRAPH <urn:y")
    with oxigraph_server(tmp_path) as server, fake_query_endpoint([hostile, "https://w3id.org/kzcn/stale"]) as fake:
        ox_update = server.update
        urllib.request.urlopen(urllib.request.Request(ox_update, data=urllib.parse.urlencode(
            {"update": f"INSERT DATA {{ GRAPH <{other}> {{ <x:s> <x:p> <x:o> }} }}"}).encode()), timeout=30).read()
        removed = prune(seed_store, ox_update, fake, protocol="update")
        assert removed == ["https://w3id.org/kzcn/stale"]  # the hostile name is not an IRI: left alone
        rows = json.loads(urllib.request.urlopen(urllib.request.Request(server.query, data=urllib.parse.urlencode(
            {"query": "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"}).encode(),
            headers={"Accept": "application/sparql-results+json"}), timeout=30).read())["results"]["bindings"]
        graphs = {r["g"]["value"]: int(r["n"]["value"]) for r in rows}
    assert graphs == {other: 1}, graphs  # the other dataset's graph survives; nothing was inserted


# --- 3. a seed file that is a device, a FIFO or a folder ----------------------------------------

@pytest.mark.parametrize("kind", ["device", "fifo", "folder"])
def test_a_seed_file_that_is_no_regular_file_is_refused_at_once(kind, seeds_copy, tmp_path):
    path = seeds_copy / "facts" / "odd.yaml"
    if kind == "device":
        path.symlink_to("/dev/zero")
    elif kind == "fifo":
        os.mkfifo(path)
    else:
        path.mkdir()
    result = kg("validate", "--project", str(REPO), "--seeds", str(seeds_copy), cwd=tmp_path, timeout=60)
    assert result.returncode == 1
    problems = result.stderr.strip().splitlines()[:-1]
    expected = "is a folder, not a file" if kind == "folder" else "is not a regular file"
    assert len(problems) == 1 and re.match(rf"^\S*seeds/facts/odd\.yaml: {expected}", problems[0]), problems


def test_kg_draft_of_a_device_is_one_line():
    result = kg("draft", "/dev/zero", timeout=60)
    assert result.returncode in (1, 2) and "not a regular file" in one_line(result)


# --- 4. SERVICE sends requests from the machine ---------------------------------------------------

def test_service_is_off_at_the_endpoint_and_in_kg_query(served, seed_build):
    service, _ = served
    status, body = post(service.endpoint, query="SELECT * WHERE { SERVICE <http://127.0.0.1:9/secret> { ?s ?p ?o } }")
    assert status == 400 and b"federated queries are off" in body
    result = kg("query", "--build-dir", str(seed_build), "--sparql", "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }")
    assert result.returncode == 2 and "federated queries are off" in one_line(result)
    allowed = kg("query", "--build-dir", str(seed_build), "--allow-service", "http://127.0.0.1:9/",
                 "--sparql", "SELECT * WHERE { SERVICE SILENT <http://127.0.0.1:9/> { ?s ?p ?o } }")
    assert "federated queries are off" not in allowed.stderr  # past the guard: the engine decides


# --- 5. pushes to Virtuoso: large graphs by SPARQL Update -----------------------------------------

@pytest.mark.server
def test_a_graph_over_5000_triples_pushes_to_virtuoso_by_update(tmp_path):
    store = ox.Store()
    graph = ox.NamedNode("https://w3id.org/kzcn/resource/source/BIG")
    for i in range(12_000):
        store.add(ox.Quad(ox.NamedNode(f"https://w3id.org/kzcn/resource/e{i}"), ox.NamedNode("https://w3id.org/kzcn/ontology#note"),
                          ox.Literal(f"note {i}"), graph))
    with virtuoso_server(tmp_path) as server:
        pushed = push(store, server.update, protocol="update", auth=server.auth)
        query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph.value}> {{ ?s ?p ?o }} }}"
        answer = urllib.request.urlopen(f"{server.query}?{urllib.parse.urlencode({'query': query, 'format': 'json'})}",
                                        timeout=60).read()
    assert pushed.triples == 12_000
    assert int(json.loads(answer)["results"]["bindings"][0]["n"]["value"]) == 12_000


# --- 6. an incremental build far slower than a clean one ---------------------------------------------

def test_a_change_to_most_of_the_graph_is_built_clean(seeds_copy, tmp_path):
    lines = ["source: {id: BIG, title: A big reference file, url: 'https://example.org/big'}", "entities:"]
    lines += [f"  - {{id: place-{i}, type: Place, labels: {{en: Place {i}}}, coords: [45.0, 70.0]}}" for i in range(3000)]
    big = seeds_copy / "reference" / "big.yaml"
    big.write_text("\n".join(lines) + "\n", encoding="utf-8")
    project = Project(root=REPO, seeds=seeds_copy, build_dir=tmp_path / "build")
    assert build(project).mode == "clean"
    with big.open("a") as f:
        f.write("# a comment\n")
    assert build(project).mode == "clean"  # most of the quads are that file's: replaced wholesale
    with (seeds_copy / "reference" / "ref.yaml").open("a") as f:
        f.write("# a comment\n")
    assert build(project).mode == "incremental"  # a small change stays incremental


# --- 7. a damaged cache ----------------------------------------------------------------------------

def test_a_damaged_cache_is_rebuilt_not_trusted(seeds_copy, tmp_path, seed_store):
    out = tmp_path / "build"
    project = Project(root=REPO, seeds=seeds_copy, build_dir=out)
    build(project)
    for cached in (out / "cache").glob("*.nq"):
        cached.write_text("")
    shutil.rmtree(out / "runs")
    (out / "current").unlink()
    summary = build(project)
    assert summary.cache_damage and "not the file the build wrote" in summary.cache_damage
    assert len(open_store(out)) == len(seed_store)
    (out / "cache" / "index.json").write_text("{not json")
    shutil.rmtree(out / "runs")
    (out / "current").unlink()
    assert len(open_store(out) if build(project) else None) == len(seed_store)


# --- 8. two builds at once --------------------------------------------------------------------------

def test_two_builds_at_once_both_succeed(tmp_path):
    out = tmp_path / "build"
    args = ["build", "--project", str(REPO), "--seeds", str(SEEDS), "--build-dir", str(out)]
    first = subprocess.Popen([sys.executable, "-m", "kg", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    second = subprocess.Popen([sys.executable, "-m", "kg", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    outs = [p.communicate(timeout=300) for p in (first, second)]
    assert first.returncode == second.returncode == 0, outs
    assert all("Traceback" not in err for _, err in outs)


# --- 9. kg query: Ctrl-C and --timeout ----------------------------------------------------------------

CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def test_kg_query_stops_at_its_timeout(seed_build):
    started = time.monotonic()
    result = kg("query", "--build-dir", str(seed_build), "--sparql", CARTESIAN, "--timeout", "1")
    assert result.returncode == 2 and "ran past 1 s" in one_line(result)
    assert time.monotonic() - started < 20


def test_kg_query_stops_on_ctrl_c(seed_build):
    proc = subprocess.Popen([sys.executable, "-m", "kg", "query", "--build-dir", str(seed_build), "--sparql", CARTESIAN],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))  # as `&` in a shell
    time.sleep(2)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=10)
    assert proc.returncode == 130 and err.strip() == "interrupted"


# --- 10. a writable server took writes from other websites -----------------------------------------------

@pytest.mark.server
def test_a_writable_server_refuses_writes_from_other_origins(seed_build, seed_store):
    with serving(seed_build, port=free_port(), ui_port=free_port(), writable=True, say=lambda _: None) as running:
        update = running.base + "/update"
        status, body = post(update, headers={"Origin": "https://evil.example"}, update="INSERT DATA { <x:a> <x:b> <x:c> }")
        assert status == 403 and b"another origin" in body
        status, _ = post(update, headers={"Content-Type": "text/plain", "Sec-Fetch-Site": "cross-site"},
                         data=b"update=INSERT DATA { <x:a> <x:b> <x:c> }")
        assert status == 403
        assert post(update, update="INSERT DATA { GRAPH <x:g> { <x:a> <x:b> <x:c> } }")[0] in (200, 204)  # curl: no Origin
        _, body = post(running.endpoint, query="SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        assert int(json.loads(body)["results"]["bindings"][0]["n"]["value"]) == len(seed_store) + 1


# --- 11. the pages: malformed requests, broken connections, large bodies -----------------------------------

@pytest.mark.server
def test_the_pages_answer_malformed_requests_without_tracebacks(seed_build):
    ui_port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--build-dir", str(seed_build), "--port", str(free_port()),
                             "--ui-port", str(ui_port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
    try:
        deadline = time.monotonic() + 60
        while "pages:" not in (proc.stdout.readline() or "pages:"):
            assert time.monotonic() < deadline
        for length in (b"abc", b"-5"):
            answer = raw(ui_port, b"POST /run HTTP/1.1\r\nHost: x\r\nContent-Length: " + length + b"\r\n\r\n")
            assert answer.split(b"\r\n", 1)[0].endswith(b" 400 Bad Request"), answer[:80]
        answer = raw(ui_port, b"POST /run HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                              b"Content-Length: 2\r\nConnection: close\r\n\r\n\xff\xfe")
        assert answer.split(b"\r\n", 1)[0].endswith(b" 400 Bad Request"), answer[:80]
        status, _ = post(f"http://127.0.0.1:{ui_port}/run", data=b"name=" + b"x" * (2 << 20),
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 413
        for _ in range(50):  # clients that go away mid-answer
            with socket.create_connection(("127.0.0.1", ui_port)) as sock:
                sock.sendall(b"GET /graph.html HTTP/1.1\r\nHost: x\r\n\r\n")
        assert post(f"http://127.0.0.1:{ui_port}/run", name="meetings")[0] == 200
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    assert "Traceback" not in err and "BrokenPipe" not in err, err[-2000:]


# --- 12., 15., 17. seeds the checks let through, and their messages -------------------------------------------

@pytest.mark.parametrize("entity, expected", [
    ('{id: "evil-id\\n", type: Place, labels: {en: X}}', "entity id 'evil-id\\n' must be lower-case letters"),
    ("{id: " + "a" * 101 + ", type: Place, labels: {en: X}}", "is 101 characters long: keep it to 100"),
    ('{id: nul, type: Place, labels: {en: "a\\0b"}}', "control character U+0000"),
])
def test_bad_ids_and_labels_are_refused(entity, expected, seeds_copy, tmp_path):
    (seeds_copy / "reference" / "x.yaml").write_text(
        f"source: {{id: X, title: T, url: 'https://example.org/x'}}\nentities:\n  - {entity}\n", encoding="utf-8")
    result = kg("validate", "--project", str(REPO), "--seeds", str(seeds_copy), cwd=tmp_path)
    assert result.returncode == 1
    problems = result.stderr.strip().splitlines()[:-1]
    assert len(problems) == 1 and problems[0].startswith("seeds/reference/x.yaml:3: ") and expected in problems[0], problems


@pytest.mark.parametrize("source, value, expected", [
    ("url: 'javascript:alert(1)'", "{amount: 5, currency: USD}", "url 'javascript:alert(1)' must be a web address"),
    ("url: 'https://a.example/x y'", "{amount: 5, currency: USD}", "must be a web address"),
    ("url: 'https://a.example/x', language: xx", "{amount: 5, currency: USD}", "language 'xx' must be an ISO 639-1 code"),
    ("url: 'https://a.example/x'", "{amount: 5, currency: XYZ}", "got 'XYZ'"),
    ("url: 'https://a.example/x'", "{amount: 1000000000000000000000, currency: USD}", "is too large"),
])
def test_source_and_value_gaps_are_closed(source, value, expected, seeds_copy, tmp_path):
    (seeds_copy / "reference" / "x.yaml").write_text(
        f"source: {{id: X, title: T, {source}}}\nstatements:\n  - {{subject: kazakhstan, property: tradeWithChina, value: {value}}}\n",
        encoding="utf-8")
    result = kg("validate", "--project", str(REPO), "--seeds", str(seeds_copy), cwd=tmp_path)
    assert result.returncode == 1
    problems = result.stderr.strip().splitlines()[:-1]
    assert any(p.startswith("seeds/reference/x.yaml:") and expected in p for p in problems), problems


def test_yaml_merge_keys_are_one_line(seeds_copy, tmp_path):
    (seeds_copy / "reference" / "x.yaml").write_text(
        "source: {id: X, title: T, url: 'https://example.org/x'}\nentities:\n  - {<<: {id: y}, type: Place, labels: {en: Y}}\n",
        encoding="utf-8")
    result = kg("validate", "--project", str(REPO), "--seeds", str(seeds_copy), cwd=tmp_path)
    assert result.returncode == 1
    problems = result.stderr.strip().splitlines()[:-1]
    assert len(problems) >= 1 and all(p.startswith("seeds/reference/x.yaml:") for p in problems), problems


def test_graphml_export_reads_back(seed_build, tmp_path):
    out = tmp_path / "kg.graphml"
    result = kg("export", "--build-dir", str(seed_build), "--format", "graphml", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert nx.read_graphml(out).number_of_nodes() > 10


# --- 13., 14. endpoints that are not SPARQL servers, ports that are not ports -----------------------------------

def test_an_endpoint_answering_html_is_one_line(seed_build):
    with stub_server("text/html", b"<html><body>Welcome</body></html>") as url:
        result = kg("query", "meetings", "--build-dir", str(seed_build), "--endpoint", url)
    assert result.returncode == 2 and "is it a SPARQL query endpoint?" in one_line(result)


@pytest.mark.parametrize("args, expected", [
    (["serve", "--port", "65536"], "--port 65536 is not a port"),
    (["serve", "--port", "0"], "--port 0 is not a port"),
    (["push", "--endpoint", "http://[::1"], "is not a usable URL"),
    (["push", "--endpoint", "file:///etc/passwd#"], "is not an http:// or https:// URL"),
])
def test_bad_ports_and_urls_are_one_line(args, expected, seed_build):
    port = free_port()
    if args[0] == "serve" and "--ui-port" not in args:
        args = [*args, "--ui-port", str(port)]
    result = kg(*args, "--build-dir", str(seed_build), timeout=30)
    assert result.returncode == 2 and expected in one_line(result)


@pytest.mark.server
def test_the_same_port_twice_is_one_line(seed_build):
    port = str(free_port())
    result = kg("serve", "--build-dir", str(seed_build), "--port", port, "--ui-port", port, timeout=30)
    assert result.returncode == 2 and "need two ports" in one_line(result)


# --- 18. a quote that occurs more than once -------------------------------------------------------------------

def test_a_repeated_quote_must_say_which_occurrence(seeds_copy, tmp_path):
    facts = seeds_copy / FACTS
    text = facts.read_text(encoding="utf-8")
    planted = ('\n  - {subject: shymkent-refinery, property: commodity, value: oil products, '
               'quote: "the Shymkent oil refinery"OCCURRENCE}\n')
    facts.write_text(text.rstrip("\n") + planted.replace("OCCURRENCE", ""), encoding="utf-8")
    result = kg("validate", "--project", str(REPO), "--seeds", str(seeds_copy), cwd=tmp_path)
    assert result.returncode == 1
    assert "quote 'the Shymkent oil refinery' occurs 2 times" in result.stderr and "occurrence: N" in result.stderr
    facts.write_text(text.rstrip("\n") + planted.replace("OCCURRENCE", ", occurrence: 2"), encoding="utf-8")
    out = tmp_path / "build"
    build(Project(root=REPO, seeds=seeds_copy, build_dir=out))
    rows = list(open_store(out).query(
        "SELECT ?start WHERE { GRAPH ?g { ?st <http://www.w3.org/1999/02/22-rdf-syntax-ns#subject> "
        "<https://w3id.org/kzcn/resource/shymkent-refinery> ; <http://www.w3.org/1999/02/22-rdf-syntax-ns#predicate> "
        "<https://w3id.org/kzcn/ontology#commodity> ; <https://w3id.org/kzcn/ontology#charStart> ?start } }"))
    article = (seeds_copy / "articles" / "000_617ef15b8252d5c0.txt").read_text(encoding="utf-8")
    second = article.index("the Shymkent oil refinery", article.index("the Shymkent oil refinery") + 1)
    assert [int(r["start"].value) for r in rows] == [second]
