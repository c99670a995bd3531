"""`kg query` and `kg queries` through the CLI: formats, parameters, errors, remote endpoints."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.library import load_library
from kg.push import push

from servers import oxigraph_server
from test_queries import REPO


@pytest.fixture(scope="module")
def kg(seed_build):
    """Run `kg ARGS...` on the seed build; returns the click result."""

    def invoke(*args, env=None):
        return CliRunner().invoke(main, [*args[:1], "--build-dir", str(seed_build), *args[1:]],
                                  env={"COLUMNS": "100", **(env or {})})

    return invoke


def test_queries_lists_every_name_with_its_summary(kg):
    result = kg("queries")
    assert result.exit_code == 0
    for name, query in load_library(REPO / "queries").items():
        assert f"{name} " in result.output and query.summary in result.output


def test_table_shows_labels_and_fits_the_terminal(kg):
    result = kg("query", "meetings")
    assert result.exit_code == 0, result.output
    assert "Dai Houliang" in result.output and "https://" not in result.output
    assert "…" in result.output  # long labels are cut...
    assert all(len(line) <= 100 for line in result.output.splitlines())  # ...to the terminal width


def test_json_is_sparql_results_json_with_iris(kg):
    result = kg("query", "pipelines", "--format", "json")
    data = json.loads(result.output)
    assert data["head"]["vars"] == ["pipeline", "commodity", "stop", "place"]
    assert data["results"]["bindings"][0]["pipeline"] == {"type": "uri", "value": "https://w3id.org/kzcn/resource/beineu-bozoi-shymkent"}
    assert len(list(ox.parse_query_results(result.output, format=ox.QueryResultsFormat.JSON))) == 7


@pytest.mark.parametrize("fmt, first_line", [
    ("csv", "pipeline,commodity,stop,place"),
    ("tsv", "?pipeline\t?commodity\t?stop\t?place"),
    ("md", "| pipeline | commodity | stop | place |"),
])
def test_other_formats(kg, fmt, first_line):
    result = kg("query", "pipelines", "--format", fmt)
    assert result.exit_code == 0 and result.output.splitlines()[0] == first_line
    assert len(result.output.splitlines()) == 7 + (2 if fmt == "md" else 1)


def test_tsv_parses_back_as_sparql_tsv(kg):
    result = kg("query", "article-facts", "--format", "tsv")
    assert len(list(ox.parse_query_results(result.output, format=ox.QueryResultsFormat.TSV))) == 99


def test_construct_prints_turtle(kg):
    result = kg("query", "neighbourhood", "--param", "entity=中石油", "--format", "json")
    triples = list(ox.parse(result.output, format=ox.RdfFormat.TURTLE))
    assert ox.NamedNode("https://w3id.org/kzcn/resource/cnpc") in {q.subject for q in triples}


def test_lang_picks_label_language_with_fallback(kg):
    result = kg("query", "labels", "--lang", "kk", "--format", "csv")
    assert "Қазақстан,kk" in result.output and "Bozoi,en" in result.output
    table = kg("query", "pipelines", "--lang", "zh")
    assert "肯基亚克" in table.output and "Bozoi" in table.output


def test_hostile_parameter_finds_nothing_and_is_no_error(kg):
    result = kg("query", "entity", "--param", 'entity=x" } UNION { ?s ?p ?o } #')
    assert result.exit_code == 0 and result.output == "(no rows)\n"


def test_file_and_sparql_text_run_too(kg, tmp_path):
    path = tmp_path / "mine.rq"
    path.write_text("SELECT ?p WHERE { ?p a kc:Pipeline } ORDER BY ?p", encoding="utf-8")
    assert "Kenkiyak-Kumkol oil pipeline" in kg("query", str(path)).output
    assert kg("query", "--sparql", "ASK { ?m a kc:Meeting }").output == "true\n"
    empty = kg("query", "--sparql", "SELECT ?s WHERE { ?s a <http://example.org/Nothing> }", "--format", "json")
    assert empty.exit_code == 0 and json.loads(empty.output)["results"]["bindings"] == []


def test_syntax_error_names_line_and_column(kg, tmp_path):
    path = tmp_path / "broken.rq"
    path.write_text("#+ summary: broken\nSELECT ?s\nWHERE { ?s ?p ?o FILTER(?o = ) }\n", encoding="utf-8")
    result = kg("query", str(path))
    assert result.exit_code == 1
    assert "broken.rq:3: SPARQL syntax error at line 3, column" in result.output
    assert kg("query", "--sparql", "SELECT * WHERE { ?s ?p ?o").output.startswith("--sparql:1: SPARQL syntax error at line 1, column")


def test_unknown_name_lists_the_known_ones(kg):
    result = kg("query", "meetngs")
    assert result.exit_code == 2 and "no query named 'meetngs'" in result.output and "meetings" in result.output


def test_missing_and_unknown_parameters_are_named(kg, tmp_path):
    path = tmp_path / "needs.rq"
    path.write_text("#+ summary: needs a year\n#+ params:\n#+   - {name: year, meaning: a year, type: integer}\n"
                    "SELECT ?s WHERE { ?s ?p ?year }\n", encoding="utf-8")
    missing = kg("query", str(path))
    assert missing.exit_code == 2 and "needs --param year=VALUE (a year)" in missing.output
    unknown = kg("query", "meetings", "--param", "colour=red")
    assert unknown.exit_code == 2 and "has no parameter 'colour'" in unknown.output


def test_no_build_is_an_environment_error(tmp_path):
    result = CliRunner().invoke(main, ["query", "meetings", "--build-dir", str(tmp_path)])
    assert result.exit_code == 2 and "kg build" in result.output


def test_endpoint_gives_what_the_store_gives(kg, seed_store, tmp_path):
    with oxigraph_server(tmp_path) as server:
        push(seed_store, server.graph_store)
        for name, fmt in [("disagreements", "json"), ("neighbourhood", "table"), ("meetings", "table")]:
            remote = kg("query", name, "--endpoint", server.query, "--format", fmt)
            assert remote.exit_code == 0 and remote.output == kg("query", name, "--format", fmt).output
