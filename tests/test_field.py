"""The field graph itself (seeds/): every fact sourced to a page, one id per thing, the assets drawable.

The rest of the suite runs on the frozen test project (tests/data/); these tests build the real
seeds once and check the promises of docs/sources.md on all of it.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from kg.build.pipeline import build
from kg.project import Project
from kg.seeds.checks import name_key
from kg.query.library import load_library
from kg.query.run import run, store_runner
from kg.build.rundir import open_store

from testkit import REPO

# Places on a route that no stored page gives coordinates for (searched for in Russian, English,
# Chinese and German; see docs/sources.md). A new route stop must come with its coordinates.
WITHOUT_COORDINATES = {
    "altynkol", "atasu", "bakhty", "beineu", "bozoi", "jetigen", "kenkiyak", "kumkol", "moiynty",
    "nur-zholy-crossing", "kazakhstan-uzbekistan-gas-border",
}


@pytest.fixture(scope="module")
def field(tmp_path_factory):
    out = tmp_path_factory.mktemp("field")
    summary = build(Project(root=REPO, build_dir=out))
    return summary, open_store(out)


def rows(store, sparql: str) -> list[tuple]:
    return [tuple(None if t is None else t.value for t in row)
            for row in store.query(sparql, use_default_graph_as_union=True)]


def test_the_field_is_in_the_graph(field):
    summary, _ = field
    # the seed article declares 53 entities; the field adds at least 150 beyond them
    assert summary.entity_count >= 53 + 150, summary.entities
    for cls in ("Pipeline", "Railway", "Facility", "Deposit", "Agreement", "Financing", "Acquisition", "BorderCrossing"):
        assert summary.entities[cls] > 0, cls
    assert summary.sources >= 300


def test_every_reference_source_names_its_page(field):
    _, store = field
    missing = rows(store, """
        PREFIX kc: <https://w3id.org/kzcn/ontology#>
        SELECT ?source WHERE { ?source a kc:Source
          FILTER NOT EXISTS { ?source <https://schema.org/url> ?url ; kc:sourceKind ?kind ; <http://purl.org/dc/terms/title> ?t } }""")
    assert missing == []
    bad = rows(store, """SELECT ?u WHERE { ?s a <https://w3id.org/kzcn/ontology#Source> ; <https://schema.org/url> ?u
                          FILTER (!STRSTARTS(STR(?u), "http://") && !STRSTARTS(STR(?u), "https://")) }""")
    assert bad == []


def test_every_reference_statement_comes_from_a_page(field):
    _, store = field
    orphans = rows(store, """
        PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT ?st WHERE { ?st a <http://www.w3.org/1999/02/22-rdf-syntax-ns#Statement> ; prov:wasDerivedFrom ?g
          FILTER NOT EXISTS { ?g <https://schema.org/url> ?url } }""")
    assert orphans == []


def test_every_entity_has_an_english_label(field):
    _, store = field
    assert rows(store, """SELECT ?e WHERE { ?e a <https://w3id.org/kzcn/ontology#Entity>
        FILTER NOT EXISTS { ?e <http://www.w3.org/2000/01/rdf-schema#label> ?l FILTER (LANG(?l) = "en") } }""") == []


def test_every_place_on_a_route_has_coordinates(field):
    _, store = field
    found = {r[0].rsplit("/", 1)[-1] for r in rows(store, """
        PREFIX kc: <https://w3id.org/kzcn/ontology#>
        SELECT DISTINCT ?place WHERE { ?asset kc:passesThrough ?place FILTER NOT EXISTS { ?place <https://schema.org/latitude> ?lat } }""")}
    assert found <= WITHOUT_COORDINATES, f"route stops without coordinates: {sorted(found - WITHOUT_COORDINATES)}"


def test_no_two_entities_share_a_name(field):
    _, store = field
    owners: dict[str, set[str]] = {}
    for entity, name in rows(store, """SELECT DISTINCT ?e ?n WHERE { ?e a <https://w3id.org/kzcn/ontology#Entity> .
            { ?e <http://www.w3.org/2000/01/rdf-schema#label> ?n } UNION { ?e <http://www.w3.org/2004/02/skos/core#altLabel> ?n } }"""):
        owners.setdefault(name_key(name), set()).add(entity)
    assert {n: ids for n, ids in owners.items() if len(ids) > 1} == {}


def test_counts_per_sector_come_from_a_query(field):
    _, store = field
    result = run(load_library(REPO / "queries")["sectors"], store_runner(store))
    sectors = {}
    for row in result.rows:
        sectors[row[0].value] = sectors.get(row[0].value, 0) + int(row[2].value)
    assert set(sectors) >= {"oil", "gas", "refining", "transport", "mining-power", "finance", "diplomacy"}
    assert all(pages >= 10 for pages in sectors.values()), sectors


def test_disagreeing_sources_are_both_kept(field):
    _, store = field
    result = run(load_library(REPO / "queries")["disagreements"], store_runner(store))
    claims = {}
    for row in result.rows:
        claims.setdefault((row[0].value, row[1].value), set()).add(row[4].value)
    assert sum(1 for sources in claims.values() if len(sources) > 1) >= 20


@pytest.mark.parametrize("plant, expected", [
    ("source: {id: X, title: A page}\nstatements:\n  - {subject: cnpc, property: foundingYear, value: 1988}\n",
     "a source needs `url:`"),
    ("source: {id: X, title: A page, url: 'https://example.org/x'}\nentities:\n"
     "  - {id: cnpc-again, type: Organization, labels: {en: China National Petroleum Corporation}}\n",
     "are both named 'china national petroleum corporation'"),
])
def test_a_planted_unsourced_fact_or_duplicate_is_refused(plant, expected, seeds_copy, tmp_path):
    (seeds_copy / "reference" / "planted.yaml").write_text(plant, encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "kg", "validate", "--project", str(REPO), "--seeds", str(seeds_copy)],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert any(line.startswith("seeds/reference/planted.yaml:") and expected in line
               for line in result.stderr.splitlines()), result.stderr
