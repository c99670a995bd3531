"""`kg push`: the seed build uploaded to real Oxigraph and Virtuoso servers, by the Graph Store
Protocol and by SPARQL Update; twice leaves one copy; failures are one clear line."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pyoxigraph as ox
import pytest

from kg.query.endpoint import Credentials, EndpointError, select, update
from kg.serve.push import GRAPH_STORE, UPDATE, graph_iris, prune, push

from testkit.servers import oxigraph_server, virtuoso_server
from testkit import REPO

pytestmark = [pytest.mark.server]



@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory):
    with oxigraph_server(tmp_path_factory.mktemp("oxigraph")) as server:
        yield server


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory):
    with virtuoso_server(tmp_path_factory.mktemp("virtuoso")) as server:
        yield server


def counts(url: str, graphs: list[str]) -> dict[str, int]:
    """Triples per graph on the server, for the given graphs (a server may hold others)."""
    values = " ".join(f"<{g}>" for g in graphs)
    body = select(url, f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }} GROUP BY ?g")
    return {row["g"]["value"]: int(row["n"]["value"]) for row in json.loads(body)["results"]["bindings"]}


def expected_counts(store: ox.Store) -> dict[str, int]:
    return {g: sum(1 for _ in store.quads_for_pattern(None, None, None, ox.NamedNode(g))) for g in graph_iris(store)}


def blank_nodes(url: str) -> int:
    body = select(url, "SELECT (COUNT(DISTINCT ?b) AS ?n) WHERE { GRAPH <https://w3id.org/kzcn/ontology> { ?b ?p ?o } FILTER(isBlank(?b)) }")
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


@pytest.mark.parametrize("protocol", [GRAPH_STORE, UPDATE])
@pytest.mark.parametrize("engine", ["oxigraph", "virtuoso"])
def test_pushing_twice_leaves_one_copy(engine, protocol, seed_store, request):
    server = request.getfixturevalue(engine)
    url = server.graph_store if protocol == GRAPH_STORE else server.update
    expected = expected_counts(seed_store)
    for _ in range(2):
        pushed = push(seed_store, url, protocol=protocol, auth=server.auth, chunk=500)  # several chunks per graph
        assert (pushed.graphs, pushed.triples) == (len(expected), len(seed_store))
        assert counts(server.query, list(expected)) == expected
    blanks = {q.subject for q in seed_store if isinstance(q.subject, ox.BlankNode)}
    assert blank_nodes(server.query) == len(blanks), "a blank node must not be torn across requests"


def test_progress_reports_every_triple(oxigraph, seed_store):
    seen = []
    push(seed_store, oxigraph.graph_store, chunk=1000, progress=seen.append)
    assert sum(seen) == len(seed_store) and max(seen) <= 1000


def test_wrong_password_is_a_clear_error_without_the_password(virtuoso, seed_store):
    with pytest.raises(EndpointError) as failure:
        push(seed_store, virtuoso.graph_store, auth=Credentials("dba", "not-the-password"))
    message = str(failure.value)
    assert "HTTP 401" in message and "KG_PASSWORD" in message and "not-the-password" not in message


def kg_push(*args: str, password: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "KG_PASSWORD"}
    if password is not None:
        env["KG_PASSWORD"] = password
    return subprocess.run([sys.executable, "-m", "kg", "push", *args], capture_output=True, text=True,
                          env=env, stdin=subprocess.DEVNULL, timeout=120, cwd=REPO)


def test_cli_push_with_credentials_from_the_environment(virtuoso, seed_build, seed_store):
    result = kg_push("--build-dir", str(seed_build), "--endpoint", virtuoso.graph_store, "--user", "dba", password="dba")
    assert result.returncode == 0, result.stderr
    assert f"pushed {len(graph_iris(seed_store))} graphs, {len(seed_store):,} triples" in result.stdout


def test_cli_auth_failure_exit_2_and_password_never_printed(virtuoso, seed_build):
    result = kg_push("--build-dir", str(seed_build), "--endpoint", virtuoso.graph_store, "--user", "dba", password="s3cret-word")
    assert result.returncode == 2
    assert "HTTP 401" in result.stderr and "s3cret-word" not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_cli_without_password_or_terminal_says_how(seed_build):
    result = kg_push("--build-dir", str(seed_build), "--endpoint", "http://127.0.0.1:9/store", "--user", "dba")
    assert result.returncode == 2 and "KG_PASSWORD" in result.stderr


def test_cli_unreachable_server_exit_2(seed_build):
    result = kg_push("--build-dir", str(seed_build), "--endpoint", "http://127.0.0.1:9/store")
    assert result.returncode == 2 and "cannot reach http://127.0.0.1:9/store" in result.stderr
    assert "Traceback" not in result.stderr


def graphs_on(url: str) -> set[str]:
    body = select(url, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    return {row["g"]["value"] for row in json.loads(body)["results"]["bindings"]}


@pytest.mark.parametrize("protocol", [GRAPH_STORE, UPDATE])
@pytest.mark.parametrize("engine", ["oxigraph", "virtuoso"])
def test_prune_deletes_the_graphs_the_build_no_longer_has_and_nothing_else(engine, protocol, seed_store, request):
    server = request.getfixturevalue(engine)
    url = server.graph_store if protocol == GRAPH_STORE else server.update
    foreign = "http://example.org/another-dataset"
    update(server.update, f"INSERT DATA {{ GRAPH <{foreign}> {{ <http://example.org/a> <http://example.org/b> 1 }} }}",
           auth=server.auth)
    push(seed_store, url, protocol=protocol, auth=server.auth)
    # the next build lacks one article's graph (its files were deleted from the seeds)
    smaller = ox.Store()
    smaller.extend(seed_store)
    gone = next(g for g in graph_iris(seed_store) if "/article/" in g)
    smaller.remove_graph(ox.NamedNode(gone))
    push(smaller, url, protocol=protocol, auth=server.auth)
    assert gone in graphs_on(server.query)  # replacing graphs alone leaves it behind

    assert prune(smaller, url, server.query, protocol=protocol, auth=server.auth) == [gone]
    on_server = graphs_on(server.query)
    assert gone not in on_server and foreign in on_server
    assert set(graph_iris(smaller)) <= on_server
    assert counts(server.query, graph_iris(smaller)) == expected_counts(smaller)
    assert prune(smaller, url, server.query, protocol=protocol, auth=server.auth) == []  # idempotent


def test_cli_prune_reports_what_it_deleted(oxigraph, seed_build, seed_store):
    update(oxigraph.update, "INSERT DATA { GRAPH <https://w3id.org/kzcn/resource/article/removed_long_ago> "
                            "{ <http://example.org/a> <http://example.org/b> 1 } }")
    result = kg_push("--build-dir", str(seed_build), "--endpoint", oxigraph.graph_store, "--prune", oxigraph.query)
    assert result.returncode == 0, result.stderr
    assert "deleted 1 graph(s) the build no longer has\n  https://w3id.org/kzcn/resource/article/removed_long_ago" in result.stdout
    assert "https://w3id.org/kzcn/resource/article/removed_long_ago" not in graphs_on(oxigraph.query)
