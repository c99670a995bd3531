"""Proof of portability: every library query gives the same results on the embedded store, on an
Oxigraph server and on Virtuoso, each loaded with `kg push` (real servers on loopback).

Results are compared as RDF terms, normalised where engines may legally differ in spelling:
numbers by value, `xsd:string` and plain literals alike, language tags case-insensitively, blank
nodes all alike (their labels are local to a result), and WKT geometry to 5 decimals (Virtuoso
stores `geo:wktLiteral` as its own single-precision `virtrdf:Geometry`: about 1e-6 degrees, a
tenth of a metre). Rows compare as a multiset; for a query with ORDER BY, the sequence of its
sort variables must match too.
"""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal, InvalidOperation

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.query.library import load_library
from kg.query.sparqltext import words
from kg.serve.push import push
from kg.query.run import Result, endpoint_runner, run, store_runner

from testkit.servers import oxigraph_server, virtuoso_server
from testkit import REPO

pytestmark = [pytest.mark.server, pytest.mark.slow]

QUERIES = load_library(REPO / "queries")
XSD = "http://www.w3.org/2001/XMLSchema#"
GEOMETRY = {"http://www.opengis.net/ont/geosparql#wktLiteral", "http://www.openlinksw.com/schemas/virtrdf#Geometry"}
NUMERIC = {XSD + t for t in ("integer", "decimal", "double", "float", "int", "long", "short", "byte",
                             "nonNegativeInteger", "positiveInteger", "negativeInteger", "nonPositiveInteger",
                             "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte")}


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory, seed_store):
    with oxigraph_server(tmp_path_factory.mktemp("oxigraph")) as server:
        push(seed_store, server.graph_store)
        yield server


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory, seed_store):
    with virtuoso_server(tmp_path_factory.mktemp("virtuoso")) as server:
        push(seed_store, server.graph_store, auth=server.auth)
        yield server


def term_key(term) -> tuple:
    """A term as engines must agree on it."""
    if term is None:
        return ("unbound",)
    if isinstance(term, ox.BlankNode):
        return ("blank",)
    if isinstance(term, ox.NamedNode):
        return ("iri", term.value)
    datatype = term.datatype.value
    if datatype in NUMERIC:
        try:
            return ("number", Decimal(term.value).normalize())
        except InvalidOperation:
            pass
    if term.language:
        return ("text", term.value, term.language.lower())
    if datatype in GEOMETRY:
        return ("wkt", re.sub(r"-?\d+(?:\.\d+)?", lambda n: f"{float(n.group()):.5f}", term.value.strip()))
    return ("literal", term.value, datatype)


def order_variables(text: str) -> list[str]:
    """The variables of the ORDER BY clause (empty without one)."""
    found = [(w.upper(), pos) for w, pos in words(text)]
    for (a, start), (b, _) in zip(found, found[1:]):
        if (a, b) == ("ORDER", "BY"):
            clause = re.split(r"\b(?:LIMIT|OFFSET)\b", text[start:], flags=re.I)[0]
            return re.findall(r"[?$](\w+)", clause)
    return []


def comparable(result: Result, text: str) -> dict:
    """What must be identical across engines."""
    if result.boolean is not None:
        return {"boolean": result.boolean}
    if result.form in ("CONSTRUCT", "DESCRIBE"):
        return {"triples": Counter(tuple(term_key(t) for t in (tr.subject, tr.predicate, tr.object))
                                   for tr in result.triples)}
    rows = [tuple(term_key(t) for t in row) for row in result.rows]
    keyed = [result.variables.index(v) for v in order_variables(text) if v in result.variables]
    return {"variables": result.variables, "rows": Counter(rows),
            "order": [tuple(row[i] for i in keyed) for row in rows]}


@pytest.mark.parametrize("engine", ["oxigraph", "virtuoso"])
@pytest.mark.parametrize("name", sorted(QUERIES))
def test_same_results_as_embedded_store(name, engine, seed_store, request):
    query = QUERIES[name]
    server = request.getfixturevalue(engine)
    expected = run(query, store_runner(seed_store))
    got = run(query, endpoint_runner(server.query))
    assert comparable(got, query.text) == comparable(expected, query.text)
    if not name.endswith("-violation"):  # a violation check passes by finding nothing
        assert expected.rows or expected.triples or expected.boolean is not None, "a library query should find something in the seed graph"


def test_term_key_treats_equal_values_alike():
    string = ox.NamedNode(XSD + "string")
    assert term_key(ox.Literal("a")) == term_key(ox.Literal("a", datatype=string))
    assert term_key(ox.Literal("1.50", datatype=ox.NamedNode(XSD + "decimal"))) == \
        term_key(ox.Literal("1.5E0", datatype=ox.NamedNode(XSD + "double")))
    assert term_key(ox.Literal("x", language="en-GB")) == term_key(ox.Literal("x", language="en-gb"))
    wkt = "http://www.opengis.net/ont/geosparql#wktLiteral"
    assert term_key(ox.Literal("POINT(51.15 43.65)", datatype=ox.NamedNode(wkt))) == term_key(ox.Literal(
        "POINT(51.150001525879 43.650001525879)", datatype=ox.NamedNode("http://www.openlinksw.com/schemas/virtrdf#Geometry")))
    assert term_key(ox.Literal("1")) != term_key(ox.Literal("1", datatype=ox.NamedNode(XSD + "integer")))


def test_order_variables():
    assert order_variables("SELECT * WHERE { ?a ?b ?c } ORDER BY DESC(?b) ?a LIMIT 3") == ["b", "a"]
    assert order_variables("SELECT * WHERE { ?a ?b ?c }") == []


@pytest.mark.parametrize("engine", ["oxigraph", "virtuoso"])
def test_kg_query_endpoint_prints_what_the_embedded_store_gives(engine, seed_build, request):
    server = request.getfixturevalue(engine)
    runner = CliRunner()
    for args in (["pipelines", "--format", "csv"], ["entity", "--param", "entity=中石油", "--format", "md", "--lang", "zh"]):
        local = runner.invoke(main, ["query", *args, "--build-dir", str(seed_build)])
        remote = runner.invoke(main, ["query", *args, "--build-dir", str(seed_build), "--endpoint", server.query])
        assert local.exit_code == remote.exit_code == 0, remote.output
        assert remote.output == local.output
