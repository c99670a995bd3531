"""kg.query.ordering: library queries sorted in Python come out in exactly the engine's ORDER BY order.

Each SELECT of the library runs twice on the real store: as written (Oxigraph sorts) and through
`kg.query.run.store_runner` (ORDER BY removed, rows sorted by kg.query.ordering); the row lists must be
equal, on the seed graph and on a 150-article synthetic corpus (many rows, shared values)."""

from __future__ import annotations


import pyoxigraph as ox
import pytest

from kg.query import ordering
from kg.build.pipeline import build
from kg.project import Project
from kg.query.library import load_library
from kg.query.run import _result, prepare, store_runner
from kg.build.rundir import open_store

from testkit.corpus import generate

pytestmark = [pytest.mark.slow]

E = "http://example.org/"


@pytest.fixture(scope="module")
def corpus_store(tmp_path_factory, repo) -> ox.Store:
    seeds = generate(150, tmp_path_factory.mktemp("corpus") / "seeds", seed=3)
    out = tmp_path_factory.mktemp("corpus-build")
    build(Project(root=repo, seeds=seeds, build_dir=out))
    return open_store(out)


def ordered_selects(repo):
    return [q for name, q in sorted(load_library(repo / "queries").items()) if q.form == "SELECT" and q.ordered]


@pytest.mark.parametrize("graph", ["seed", "corpus"])
def test_library_queries_sorted_in_python_match_the_engine(graph, repo, seed_store, corpus_store, monkeypatch):
    store = seed_store if graph == "seed" else corpus_store
    sorted_here = []
    real_sort = ordering.sort_rows
    monkeypatch.setattr(ordering, "sort_rows", lambda *a: sorted_here.append(1) or real_sort(*a))
    run = store_runner(store)
    checked = 0
    for query in ordered_selects(repo):
        text = prepare(query)
        engine = _result("SELECT", store.query(text, use_default_graph_as_union=True)).rows
        before = len(sorted_here)
        assert run(text, "SELECT").rows == engine, query.name
        checked += len(sorted_here) > before
    # the comparison must be of Python's order, not of the fallback: most library queries qualify
    assert checked >= len(ordered_selects(repo)) - 3


def rows(*values):
    return [(v,) for v in values]


def test_sparql_order_unbound_iris_then_literals_numbers_by_value():
    a, b = ox.NamedNode(E + "a"), ox.NamedNode(E + "b")
    ten, two = ox.Literal("10", datatype=ox.NamedNode(ordering.XSD + "integer")), ox.Literal("2.5", datatype=ox.NamedNode(ordering.XSD + "decimal"))
    assert ordering.sort_rows(rows(ten, b, None, two, a), ["x"], [("x", False, False)]) == rows(None, a, b, two, ten)
    assert ordering.sort_rows(rows(ten, two), ["x"], [("x", False, True)]) == rows(ten, two)
    # STR(): every value compared as a string
    assert ordering.sort_rows(rows(ten, two), ["x"], [("x", True, False)]) == rows(ten, two)


@pytest.mark.parametrize("values", [
    (ox.Literal("a"), ox.Literal("1", datatype=ox.NamedNode(ordering.XSD + "integer"))),  # string vs number
    (ox.Literal("a", language="en"), ox.Literal("b", language="ru")),  # language-tagged strings
    (ox.BlankNode("x"), ox.NamedNode(E + "a")),
])
def test_values_without_a_known_order_are_left_to_the_engine(values):
    with pytest.raises(ordering.Unorderable):
        ordering.sort_rows(rows(*values), ["x"], [("x", False, False)])
    store = ox.Store()
    for i, value in enumerate(values):
        if isinstance(value, ox.Literal):
            store.add(ox.Quad(ox.NamedNode(E + f"s{i}"), ox.NamedNode(E + "p"), value, ox.NamedNode(E + "g")))
    text = f"SELECT ?x WHERE {{ ?s <{E}p> ?x }} ORDER BY ?x"
    assert store_runner(store)(text, "SELECT").rows == _result("SELECT", store.query(text, use_default_graph_as_union=True)).rows


@pytest.mark.parametrize("tail", ["ORDER BY ?x LIMIT 2", "ORDER BY IF(BOUND(?x), 0, 1)", "ORDER BY ?x OFFSET 1",
                                  'GROUP BY ?x HAVING (MAX(STR(?s)) != "ORDER BY ?s") ORDER BY ?x',
                                  "GROUP BY ?x HAVING (EXISTS { ?x ?p ?s }) ORDER BY ?x"])
def test_only_plain_final_order_by_clauses_are_taken_over(tail):
    assert ordering.split_order(f"SELECT ?x WHERE {{ ?s ?p ?x }} {tail}") is None


def test_an_iri_with_a_hash_in_a_having_clause_is_kept_whole():
    text = "SELECT ?x (COUNT(?s) AS ?n) WHERE { ?s ?p ?x }\nGROUP BY ?x HAVING (?x != <http://example.org/a#b>) # note\nORDER BY ?x"
    assert ordering.split_order(text) == (
        "SELECT ?x (COUNT(?s) AS ?n) WHERE { ?s ?p ?x }\nGROUP BY ?x HAVING (?x != <http://example.org/a#b>)\n",
        [("x", False, False)])


def test_a_group_by_stays_in_the_query_and_its_groups_are_sorted_here():
    text = "SELECT ?x (COUNT(?s) AS ?n) WHERE { ?s ?p ?x }\nGROUP BY ?x HAVING (COUNT(?s) > 1)\nORDER BY DESC(?n) ?x"
    split = ordering.split_order(text)
    assert split == ("SELECT ?x (COUNT(?s) AS ?n) WHERE { ?s ?p ?x }\nGROUP BY ?x HAVING (COUNT(?s) > 1)\n",
                     [("n", False, True), ("x", False, False)])
    store = ox.Store()
    for s, o in [("a", "x"), ("b", "x"), ("c", "y"), ("d", "y"), ("e", "y"), ("f", "w"), ("g", "w"), ("h", "z")]:
        store.add(ox.Quad(ox.NamedNode(E + s), ox.NamedNode(E + "p"), ox.NamedNode(E + o), ox.NamedNode(E + "g")))
    engine = _result("SELECT", store.query(text, use_default_graph_as_union=True)).rows
    assert [row[0].value[-1] for row in engine] == ["y", "w", "x"]  # z has one member: HAVING kept
    grouped = _result("SELECT", store.query(split[0], use_default_graph_as_union=True))
    assert ordering.sort_rows(grouped.rows, grouped.variables, split[1]) == engine
    assert store_runner(store)(text, "SELECT").rows == engine


def test_a_brace_or_order_by_inside_a_string_or_comment_does_not_mislead():
    text = 'SELECT ?x WHERE { ?s ?p "} ORDER BY ?y" } # ORDER BY ?z\nORDER BY DESC(?x) # last'
    assert ordering.split_order(text) == ('SELECT ?x WHERE { ?s ?p "} ORDER BY ?y" }\n', [("x", False, True)])
