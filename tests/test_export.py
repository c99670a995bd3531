"""`kg export` writes what the store holds, in every format, readable by other tools."""

from __future__ import annotations

import io

import networkx as nx
import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph

from kg.export import export


def exported(store, fmt: str) -> bytes:
    out = io.BytesIO()
    export(store, fmt, out)
    return out.getvalue()


@pytest.mark.parametrize("fmt, rdf_format", [("trig", ox.RdfFormat.TRIG), ("nq", ox.RdfFormat.N_QUADS),
                                             ("jsonld", ox.RdfFormat.JSON_LD)])
def test_dataset_formats_keep_every_quad_and_graph(seed_store, fmt, rdf_format):
    copy = ox.Store()
    copy.load(exported(seed_store, fmt), format=rdf_format)
    assert len(copy) == len(seed_store)
    assert set(copy.named_graphs()) == set(seed_store.named_graphs())


def test_turtle_merges_the_graphs(seed_store):
    g = Graph().parse(data=exported(seed_store, "ttl"), format="turtle")
    distinct = {(q.subject, q.predicate, q.object) for q in seed_store.quads_for_pattern(None, None, None, None)}
    assert len(g) == len(distinct) < len(seed_store)  # a triple asserted by two sources is written once


def test_graphml_holds_the_entity_network(seed_store, tmp_path):
    path = tmp_path / "kg.graphml"
    path.write_bytes(exported(seed_store, "graphml"))
    net = nx.read_graphml(path)
    entities = {r["e"].value for r in seed_store.query(
        "SELECT DISTINCT ?e WHERE { ?e a <https://w3id.org/kzcn/ontology#Entity> }", use_default_graph_as_union=True)}
    assert net.number_of_nodes() == len(entities)
    assert net.nodes["cnpc"]["label"] == "China National Petroleum Corporation"
    assert any(d["property"] == "participant" for _, _, d in net.edges(data=True))


def test_the_build_dump_reads_back_as_the_store(seed_build, seed_store):
    ds = Dataset()
    ds.parse(seed_build / "kg.trig", format="trig")
    assert sum(1 for _ in ds.quads()) == len(seed_store)
