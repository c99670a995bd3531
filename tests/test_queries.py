"""The query library on the seed graph: expected results, portability to rdflib, safe parameters.

Expected results live in ``tests/expected/``: ``CASE.json`` (SPARQL 1.1 results JSON) for SELECT
and ASK, ``CASE.nt`` (sorted N-Triples) for CONSTRUCT. After a deliberate change to a query or
to the seeds, rewrite them with ``KG_UPDATE_EXPECTED=1 python -m pytest tests/test_queries.py``
and review the diff.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import BNode, Dataset, URIRef

from kg.query.library import Param, Query, QueryError, load_library
from kg.problems import ProblemsFound
from kg.query.run import bindings, prepare, run, store_runner
from kg.query.results import as_json
from testkit import REPO

EXPECTED = Path(__file__).resolve().parent / "expected"
LIBRARY = load_library(REPO / "queries")
XSD = "http://www.w3.org/2001/XMLSchema#"
NUMERIC = {XSD + t for t in ("integer", "decimal", "double", "float", "int", "long",
                             "nonNegativeInteger", "positiveInteger")}

# (case name, query, parameters): every query with its defaults, and the cases that prove the
# parameters work (labels and aliases in other languages, fallback to English, shared aliases)
CASES = [(name, name, {}) for name in LIBRARY] + [
    ("labels-kk", "labels", {"lang": "kk"}),
    ("labels-zh", "labels", {"lang": "zh"}),
    ("entity-zh-alias", "entity", {"entity": "中石油"}),
    ("entity-ru-label", "entity", {"entity": "шымкент"}),
    ("entity-kenkiyak", "entity", {"entity": "Kenkiyak"}),
    # an alias names one entity (kg validate refuses a name shared by two ids): the post, not its holder
    ("entity-post-alias", "entity", {"entity": "Chinese President"}),
    ("assets-through-place-ru", "assets-through-place", {"place": "Кенкияк"}),
    ("neighbourhood-shymkent", "neighbourhood", {"entity": "Shymkent"}),
    ("capacity-history-pipeline", "capacity-history", {"asset": "Kazakhstan-China Oil Pipeline"}),
    ("entity-sources-zh", "entity-sources", {"entity": "中石油"}),
]
HOSTILE = [
    'x" } UNION { ?s ?p ?o } #',
    "x' } UNION { ?s ?p ?o } #",
    '<http://evil>',
    '} UNION { ?s ?p ?o }',
    'CNPC" || true || "',
    'line\nbreak } UNION {',
    'back\\slash\\',
    '\\u0022 } UNION { ?s ?p ?o } #',
    '"""',
    '" . ?s ?p ?o . FILTER("1" = "1',
]


def term_key(term) -> tuple:
    """A pyoxigraph or rdflib term as engines must agree on it: numbers by value, strings plain."""
    if term is None:
        return ("unbound",)
    if isinstance(term, (ox.BlankNode, BNode)):
        return ("blank",)
    if isinstance(term, (ox.NamedNode, URIRef)):
        return ("iri", str(term) if isinstance(term, URIRef) else term.value)
    if isinstance(term, ox.Literal):
        value, lang, datatype = term.value, term.language, term.datatype.value
    else:
        value, lang, datatype = str(term), term.language, str(term.datatype or XSD + "string")
    if lang:
        return ("text", value, lang.lower())
    if datatype in NUMERIC:
        return ("number", Decimal(value).normalize())
    return ("text", value, None if datatype == XSD + "string" else datatype)


def same_rows(query: Query, got: list[tuple], want: list[tuple]) -> bool:
    return got == want if query.ordered else Counter(got) == Counter(want)


def keyed(result) -> list[tuple]:
    return [tuple(term_key(t) for t in row) for row in result.rows]


def triples_of(result) -> set[str]:
    return {f"{t.subject} {t.predicate} {t.object} ." for t in result.triples}


@pytest.fixture(scope="module")
def runner(seed_store):
    return store_runner(seed_store)


@pytest.fixture(scope="module")
def rdflib_dataset(seed_build) -> Dataset:
    ds = Dataset(default_union=True)
    ds.parse(str(seed_build / "kg.trig"), format="trig")
    return ds


@pytest.mark.parametrize("case, name, params", CASES, ids=[c[0] for c in CASES])
def test_expected_results(case, name, params, runner):
    query = LIBRARY[name]
    result = run(query, runner, params)
    graph = query.form == "CONSTRUCT"
    path = EXPECTED / f"{case}.{'nt' if graph else 'json'}"
    if os.environ.get("KG_UPDATE_EXPECTED"):
        EXPECTED.mkdir(exist_ok=True)
        text = "".join(f"{t}\n" for t in sorted(triples_of(result))) if graph else \
            json.dumps(as_json(result), ensure_ascii=False, indent=1) + "\n"
        path.write_text(text, encoding="utf-8")
    assert path.is_file(), f"no expected result: run KG_UPDATE_EXPECTED=1 pytest {__file__}"
    if graph:
        assert triples_of(result) == set(path.read_text(encoding="utf-8").splitlines())
        return
    want = ox.parse_query_results(path.read_text(encoding="utf-8"), format=ox.QueryResultsFormat.JSON)
    if isinstance(want, ox.QueryBoolean):
        assert result.boolean == bool(want)
        return
    assert result.variables == [v.value for v in want.variables]
    assert same_rows(query, keyed(result), [tuple(term_key(t) for t in row) for row in want])


@pytest.mark.parametrize("case, name, params", CASES, ids=[c[0] for c in CASES])
def test_same_results_on_rdflib(case, name, params, runner, rdflib_dataset):
    """rdflib's own engine agrees with Oxigraph: the queries rely on no engine's quirks."""
    query = LIBRARY[name]
    text = prepare(query, params)
    oxigraph, theirs = runner(text, query.form), rdflib_dataset.query(text)
    if query.form == "CONSTRUCT":
        assert {tuple(term_key(t) for t in (tr.subject, tr.predicate, tr.object)) for tr in oxigraph.triples} \
            == {tuple(term_key(t) for t in triple) for triple in theirs}
    elif query.form == "ASK":
        assert oxigraph.boolean == theirs.askAnswer
    else:
        rows = [tuple(term_key(row[v]) if v in row.labels else ("unbound",) for v in oxigraph.variables) for row in theirs]
        assert same_rows(query, keyed(oxigraph), rows)


def test_library_covers_the_competency_questions():
    assert len(LIBRARY) >= 15
    assert any(q.form == "CONSTRUCT" for q in LIBRARY.values())
    readme = (REPO / "queries" / "README.md").read_text(encoding="utf-8")
    for name, query in LIBRARY.items():
        assert query.summary and query.tags, name
        assert query.example.startswith(f"kg query {name}"), name
        assert f"`{name}`" in readme, f"queries/README.md does not list {name}"
        for param in query.params:
            assert f"?{param.name}" in query.text and param.default is not None, (name, param.name)


@pytest.mark.parametrize("name", [n for n in LIBRARY if n.endswith("-violation")])
def test_violation_checks_find_nothing(name, runner):
    assert run(LIBRARY[name], runner).rows == []


def test_unquoted_facts_check_finds_each_missing_part(seed_build):
    """The check finds an article statement missing its quote, or either end of its span, and not
    a statement from a reference source (which quotes nothing)."""
    store = ox.Store()
    store.load(path=str(seed_build / "kg.trig"), format=ox.RdfFormat.TRIG)
    article = "https://w3id.org/kzcn/resource/article/000_617ef15b8252d5c0"
    quote, start = (ox.NamedNode(f"https://w3id.org/kzcn/ontology#{p}") for p in ("quote", "charStart"))
    statements = [row["s"] for row in store.query(
        f"SELECT ?s WHERE {{ GRAPH <{article}> {{ ?s a <http://www.w3.org/1999/02/22-rdf-syntax-ns#Statement> }} }} "
        "ORDER BY ?s LIMIT 2")]
    for statement, part in zip(statements, (quote, start)):
        for q in list(store.quads_for_pattern(statement, part, None, None)):
            store.remove(q)
    found = run(LIBRARY["unquoted-facts-violation"], store_runner(store)).rows
    assert [(row[0].value, row[1]) for row in found] == [(article, s) for s in sorted(statements, key=str)]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_parameter_is_one_literal(value, runner, rdflib_dataset):
    query = LIBRARY["entity"]
    text = prepare(query, {"entity": value})
    assert f"VALUES ?entity {{ {ox.Literal(value)} }}" in text
    assert run(query, runner, {"entity": value}).rows == []
    assert list(rdflib_dataset.query(text)) == []


def test_a_value_with_quotes_is_matched_as_data(runner):
    rows = run(LIBRARY["entity"], runner, {"entity": "prime minister’s press service"}).rows
    assert {r[0].value for r in rows} == {"https://w3id.org/kzcn/resource/pm-press-service"}


@pytest.mark.parametrize("kind, value", [("iri", "http://x> } UNION { ?s ?p ?o } <http://y"), ("iri", "not an iri"),
                                         ("integer", "1 } UNION {"), ("decimal", "NaN"), ("date", "2024-13-01")])
def test_typed_parameters_refuse_what_is_not_their_type(kind, value):
    query = Query("q", "SELECT * WHERE { ?s ?p ?x }", "q.rq", params=[Param("x", type=kind)])
    with pytest.raises(QueryError, match="is not a valid"):
        bindings(query, {"x": value})


def test_an_article_is_named_by_its_id_or_its_iri(runner):
    query = load_library(REPO / "queries")["article-facts"]
    by_id = run(query, runner, {"article": "000_617ef15b8252d5c0"})
    by_iri = run(query, runner, {"article": "https://w3id.org/kzcn/resource/article/000_617ef15b8252d5c0"})
    assert len(by_id.rows) > 20 and by_id.rows == by_iri.rows
    assert run(query, runner, {"article": "no_such_article"}).rows == []
    with pytest.raises(QueryError, match="is not a valid iri"):
        run(query, runner, {"article": "x> } UNION { ?s ?p ?o } <y"})


def test_base_belongs_to_iri_parameters():
    with pytest.raises(ProblemsFound, match="only applies to `type: iri`"):
        Query.from_text("#+ params:\n#+   - {name: x, base: 'http://e/'}\nSELECT * WHERE { ?s ?p ?x }", "q.rq")


@pytest.mark.parametrize("name", ["x } UNION {", "x y", "", "é"])
def test_parameter_names_are_plain_variable_names(name):
    with pytest.raises(QueryError):
        bindings(Query("q", "SELECT * WHERE { ?s ?p ?x }", "q.rq"), {name: "1"})


def test_missing_and_unknown_parameters_are_named():
    query = Query("q", "SELECT * WHERE { ?s ?p ?x }", "q.rq", params=[Param("x", "the object")])
    with pytest.raises(QueryError, match="needs --param x=VALUE"):
        bindings(query, {})
    with pytest.raises(QueryError, match="no parameter 'y'"):
        bindings(query, {"y": "1"})


@pytest.mark.parametrize("text", [
    'SELECT ?s { ?s <http://e/p> ?x }',
    '# WHERE { in a comment\nSELECT ?s WHERE { ?s <http://e/p> ?x FILTER(?x != "}{ WHERE") }',
    'SELECT ?s WHERE { SELECT ?s ?x WHERE { ?s <http://e/p> ?x } }',
    # a group that opens with a sub-select is not one: the FILTER beside it must see ?x
    'SELECT ?s WHERE { { SELECT ?s ?n WHERE { ?s <http://e/p> ?n } } FILTER(STR(?n) = STR(?x)) }',
    'CONSTRUCT { ?s <http://e/q> ?x } WHERE { ?s <http://e/p> ?x }',
    'CONSTRUCT { ?s <http://e/q> ?x } { ?s <http://e/p> ?x }',
    'ASK { ?s <http://e/p> ?x }',
])
def test_values_open_the_where_clause_of_every_query_form(text):
    store = ox.Store()
    for name in ("a", "b"):
        store.add(ox.Quad(ox.NamedNode(f"http://e/{name}"), ox.NamedNode("http://e/p"), ox.Literal(name)))
    result = run(Query.from_text(text, "t.rq"), store_runner(store), {"x": "a"})
    assert len(result.rows or result.triples) == 1 or result.boolean is True


def test_short_construct_cannot_take_parameters():
    with pytest.raises(QueryError, match="long form"):
        prepare(Query.from_text("CONSTRUCT WHERE { ?s ?p ?x }", "t.rq"), {"x": "a"})


def test_syntax_error_names_line_and_column():
    with pytest.raises(ProblemsFound) as caught:
        prepare(Query.from_text("#+ summary: broken\nSELECT ?s\nWHERE { ?s ?p }", "broken.rq"))
    problem = caught.value.problems[0]
    assert (problem.path, problem.line) == ("broken.rq", 3)
    assert "line 3, column" in problem.message


def test_bad_header_is_reported_at_its_line():
    with pytest.raises(ProblemsFound) as caught:
        Query.from_text("#+ summary: x\n#+ colour: red\nSELECT * {}", "h.rq")
    assert caught.value.problems[0].line == 2
