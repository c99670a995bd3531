"""`kg query` and `kg queries` through the CLI: formats, parameters, errors, remote endpoints."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import struct
import subprocess
import sys
import termios

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.query.library import load_library
from kg.serve.push import push
from kg.query.run import run, store_runner

from testkit.servers import oxigraph_server
from testkit import REPO


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


def test_table_shows_labels_and_fits_the_terminal(seed_build):
    # on a terminal (a pseudo-terminal 100 columns wide) long labels are cut to fit
    main_fd, child_fd = pty.openpty()
    fcntl.ioctl(child_fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    process = subprocess.Popen([sys.executable, "-m", "kg", "query", "meetings", "--build-dir", str(seed_build)],
                               stdout=child_fd, stderr=subprocess.PIPE, env=env)
    os.close(child_fd)
    chunks = []
    while True:
        try:
            chunk = os.read(main_fd, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    assert process.wait(timeout=60) == 0, process.stderr.read()
    os.close(main_fd)
    output = b"".join(chunks).decode("utf-8").replace("\r\n", "\n")
    assert "Dai Houliang" in output and "https://" not in output
    assert "…" in output
    assert all(len(line) <= 100 for line in output.splitlines())


def test_piped_table_is_not_cut(kg):
    result = kg("query", "meetings")  # CliRunner's output is no terminal, as a pipe
    assert result.exit_code == 0, result.output
    assert "…" not in result.output
    assert "Meeting of Olzhas Bektenov and Xi Guohua (July 2024)" in result.output
    assert max(len(line) for line in result.output.splitlines()) > 100


def test_an_update_is_refused_as_an_update(kg):
    result = kg("query", "--sparql", "INSERT DATA { <a:b> <a:c> <a:d> }")
    assert result.exit_code == 2
    assert "SPARQL update" in result.output and "run queries" in result.output and "syntax" not in result.output


def test_an_unknown_prefix_is_named_with_the_known_ones(kg):
    result = kg("query", "--sparql", "SELECT ?s WHERE {\n ?s foo:bar ?o }")
    assert result.exit_code == 1
    line = result.output.strip()
    assert line.startswith("--sparql:2: unknown prefix 'foo:'") and "kc:, res:" in line and "\\u{" not in line


def test_lang_adds_label_columns_to_machine_formats(kg):
    csv_out = kg("query", "--sparql", "SELECT ?o ?share WHERE { res:kazmunaygas kc:ownedBy ?o } ORDER BY ?o",
                 "--format", "csv", "--lang", "ru").output.splitlines()
    assert csv_out[0] == "o,o_label,share"
    assert "https://w3id.org/kzcn/resource/ministry-of-finance-kz,Ministry of Finance of Kazakhstan," in csv_out
    tsv_out = kg("query", "pipelines", "--format", "tsv", "--lang", "zh").output.splitlines()
    assert tsv_out[0] == "?pipeline\t?pipeline_label\t?commodity\t?stop\t?place\t?place_label"
    assert any("\"肯基亚克\"" in line for line in tsv_out)
    data = json.loads(kg("query", "pipelines", "--format", "json", "--lang", "zh").output)
    assert data["head"]["vars"] == ["pipeline", "pipeline_label", "commodity", "stop", "place", "place_label"]
    assert {"type": "literal", "value": "肯基亚克-库姆科尔"} in [b.get("pipeline_label") for b in data["results"]["bindings"]]
    # without --lang the machine formats keep IRIs only, as SPARQL's own formats do
    assert kg("query", "pipelines", "--format", "csv").output.splitlines()[0] == "pipeline,commodity,stop,place"


def test_parameter_values_are_trimmed(kg):
    assert kg("query", "entity", "--param", "entity= CNPC ").output == kg("query", "entity", "--param", "entity=CNPC").output
    assert "(no rows)" not in kg("query", "entity", "--param", "entity= CNPC ").output


def test_a_label_that_matches_nothing_suggests_the_closest(kg):
    result = kg("query", "entity", "--param", "entity=CNCP")
    assert result.exit_code == 0
    assert "no entity has the label or alias 'CNCP' (entity); closest: CNPC" in result.output


def test_select_star_keeps_the_query_variable_order(kg):
    data = json.loads(kg("query", "--sparql", "SELECT * WHERE { ?s kc:ownedBy ?o . ?s a ?type } LIMIT 3",
                         "--format", "json").output)
    assert data["head"]["vars"] == ["s", "o", "type"]
    csv_out = kg("query", "--sparql", "SELECT * WHERE { ?z kc:ownedBy ?a } LIMIT 1", "--format", "csv").output
    assert csv_out.splitlines()[0] == "z,a"
    empty = kg("query", "--sparql", "SELECT * WHERE { ?z kc:ownedBy ?a FILTER (false) }", "--format", "csv").output
    assert empty.splitlines() == ["z,a"]  # the header keeps the order with no rows too


@pytest.fixture(scope="module")
def pipeline_rows(seed_store) -> int:
    """The rows of the pipelines query on the seed graph, counted without any output format."""
    return len(run(load_library(REPO / "queries")["pipelines"], store_runner(seed_store)).rows)


def test_json_is_sparql_results_json_with_iris(kg, pipeline_rows):
    result = kg("query", "pipelines", "--format", "json")
    data = json.loads(result.output)
    assert data["head"]["vars"] == ["pipeline", "commodity", "stop", "place"]
    assert data["results"]["bindings"][0]["pipeline"] == {"type": "uri", "value": "https://w3id.org/kzcn/resource/atasu-alashankou"}
    assert len(list(ox.parse_query_results(result.output, format=ox.QueryResultsFormat.JSON))) == pipeline_rows


@pytest.mark.parametrize("fmt, first_line", [
    ("csv", "pipeline,commodity,stop,place"),
    ("tsv", "?pipeline\t?commodity\t?stop\t?place"),
    ("md", "| pipeline | commodity | stop | place |"),
])
def test_other_formats(kg, fmt, first_line, pipeline_rows):
    result = kg("query", "pipelines", "--format", fmt)
    assert result.exit_code == 0 and result.output.splitlines()[0] == first_line
    assert len(result.output.splitlines()) == pipeline_rows + (2 if fmt == "md" else 1)


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
    assert result.exit_code == 0 and result.stdout == "(no rows)\n"
    assert result.stderr == "no entity has the label or alias 'x\" } UNION { ?s ?p ?o } #' (entity)\n"


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


@pytest.mark.server
def test_endpoint_gives_what_the_store_gives(kg, seed_store, tmp_path):
    with oxigraph_server(tmp_path) as server:
        push(seed_store, server.graph_store)
        for name, fmt in [("disagreements", "json"), ("neighbourhood", "table"), ("meetings", "table")]:
            remote = kg("query", name, "--endpoint", server.query, "--format", fmt)
            assert remote.exit_code == 0 and remote.output == kg("query", name, "--format", fmt).output
