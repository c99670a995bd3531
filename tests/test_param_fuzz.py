"""Property-based fuzzing (hypothesis) of query parameters: whatever text a user passes, it is data.

The oracle is Oxigraph's own parameter binding (`substitutions=`, SEP-0007), which never goes
through query text: every library query with a parameter, given any value through `kg.query.run`
(VALUES spliced as an escaped RDF term), must return exactly what the engine returns with the
value bound natively, or refuse the value with a QueryError (an IRI parameter given a non-IRI);
a CONSTRUCT (which Oxigraph cannot bind natively) finds nothing unless the value is a name.
Through the `kg` command the same values give exit 0 or one clear line and exit 2, never a
traceback.
"""

from __future__ import annotations

from collections import Counter

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings, strategies as st

from kg.cli import main
from kg.query.library import QueryError, load_library
from kg.query.sparqltext import words
from kg.query.run import prepare, run, store_runner, term
from kg.vocab import PREFIXES
from testkit import REPO

LIBRARY = load_library(REPO / "queries")
PARAMETRISED = sorted((name, param) for name, query in LIBRARY.items() for param in query.params)

# Hostile pieces mixed into generated text: quotes, braces, comments, escapes, IRIs, SPARQL words.
PIECES = ['"', "'", '"""', "}", "{", "} UNION { ?s ?p ?o }", "#", "\\", "\\u0022", "<", ">", "\n",
          "VALUES", "FILTER(true)", "?entity", "$place", "CNPC", "Шымкент", "中石油", "000_617ef15b8252d5c0"]
# Values that match something (names in any case, languages, the seed article's id) half the
# time: a mangled binding must then show as a different answer, not only as an error.
MATCHING = ["CNPC", "cnpc", "Шымкент", "中石油", "Kenkiyak", "SHYMKENT", "en", "kk", "zh", "ru",
            "000_617ef15b8252d5c0", "https://w3id.org/kzcn/resource/article/000_617ef15b8252d5c0"]
values = st.one_of(st.sampled_from(MATCHING),
                   st.lists(st.one_of(st.text(max_size=12), st.sampled_from(PIECES)), max_size=6).map("".join))
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def rows(result) -> Counter:
    return Counter(tuple(str(t) if t is not None else "None" for t in row) for row in result.rows) + \
        Counter(map(str, result.triples))


def names(store: ox.Store) -> set[str]:
    """Every label and alias in the store, lower-cased (what an entity parameter can match)."""
    found = store.query("SELECT ?n WHERE { { ?e <http://www.w3.org/2000/01/rdf-schema#label> ?n } UNION "
                        "{ ?e <http://www.w3.org/2004/02/skos/core#altLabel> ?n } }", use_default_graph_as_union=True)
    return {row["n"].value.lower() for row in found}


def natively(store: ox.Store, query, bound: dict) -> Counter:
    """The query text as written, its parameters bound by the engine (no text is spliced).

    Oxigraph substitutes only projected variables, so each is added to the projection (a
    constant column: the rows stay the same) and left out of the comparison."""
    text = query.text
    if query.form == "SELECT":
        at = next(pos for word, pos in words(text) if word.upper() == "SELECT")
        at += len("SELECT")
        if text[at:].lstrip().upper().startswith("DISTINCT"):
            at = text.upper().index("DISTINCT", at) + len("DISTINCT")
        text = text[:at] + "".join(f" ?{name}" for name in bound) + text[at:]
    text = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items()) + text
    result = store.query(text, use_default_graph_as_union=True,
                         substitutions={ox.Variable(name): value for name, value in bound.items()})
    if isinstance(result, ox.QueryTriples):
        return Counter(map(str, result))
    keep = [v.value for v in result.variables if v.value not in bound]
    return Counter(tuple(str(row[v]) if row[v] is not None else "None" for v in keep) for row in result)


@pytest.mark.parametrize("name, param", PARAMETRISED, ids=[f"{n}-{p.name}" for n, p in PARAMETRISED])
@FUZZ
@given(value=values)
def test_any_value_is_bound_as_data(name, param, value, seed_store):
    query = LIBRARY[name]
    try:
        bound = term(param, value)
    except QueryError:
        assert param.type != "string", "a string parameter takes any text"
        with pytest.raises(QueryError):
            prepare(query, {param.name: value})
        return
    got = rows(run(query, store_runner(seed_store), {param.name: value}))
    if query.form != "SELECT":  # Oxigraph substitutes projected variables only: a weaker oracle
        # a value is trimmed before it becomes a term (kg.query.run.term): "\nCNPC" names CNPC
        assert not got or value.strip().lower() in names(seed_store)
        return
    others = {p.name: term(p, p.default) for p in query.params if p.name != param.name}
    assert got == natively(seed_store, query, {param.name: bound, **others})


@FUZZ
@given(value=values)
def test_the_command_answers_or_refuses_in_one_line(value, seed_build):
    for name in ("entity", "article-facts"):
        result = CliRunner().invoke(main, ["query", name, "--param", f"{name.split('-')[0]}={value}",
                                           "--format", "csv", "--build-dir", str(seed_build)])
        assert result.exit_code in (0, 2), result.output
        assert "Traceback" not in result.output
        if result.exit_code == 2:
            assert len(result.output.strip().splitlines()) == 1, result.output
