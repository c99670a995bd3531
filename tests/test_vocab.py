"""The code's closed kc: namespace matches ontology/kc.ttl term for term."""

from __future__ import annotations

import pytest
from rdflib import Graph

from kg.vocab import KC, entity_id_of, entity_iri


def test_kc_namespace_matches_the_ontology(repo):
    g = Graph().parse(repo / "ontology" / "kc.ttl")
    declared = {str(s).removeprefix(str(KC)) for s in g.subjects() if str(s).startswith(str(KC))}
    in_code = {name for name in KC.__annotations__}
    assert declared == in_code


def test_a_misspelt_term_raises_instead_of_minting_an_iri():
    with pytest.raises(AttributeError):
        KC.Organisation  # noqa: B018


def test_entity_ids_round_trip():
    assert entity_id_of(str(entity_iri("kenkiyak-atyrau"))) == "kenkiyak-atyrau"
    assert entity_id_of("https://w3id.org/kzcn/resource/article/x") is None


def test_the_ontology_has_no_blank_nodes(repo):
    # blank node labels change with every parse, and a changing ontology graph would make every
    # incremental build replace it
    from rdflib import BNode

    g = Graph().parse(repo / "ontology" / "kc.ttl")
    assert not [t for t in g if any(isinstance(x, BNode) for x in t)]


@pytest.mark.parametrize("prop, values", [
    ("https://schema.org/unitText", "UNITS"),
    ("https://schema.org/currency", "CURRENCIES"),
    ("https://w3id.org/kzcn/ontology#sourceKind", "SOURCE_KINDS"),
])
def test_the_shapes_allow_exactly_the_loaders_lists(repo, prop, values):
    """shapes.ttl repeats three lists of kg.seeds.facts as sh:in (SHACL cannot import them): they must agree."""
    from kg.seeds import facts

    shapes = Graph().parse(repo / "ontology" / "shapes.ttl", format="turtle")
    rows = shapes.query(f"""
        PREFIX sh: <http://www.w3.org/ns/shacl#>
        PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
        SELECT ?v WHERE {{ ?p sh:path <{prop}> ; sh:in/rdf:rest*/rdf:first ?v }}""")
    assert [str(r[0]) for r in rows] and sorted(str(r[0]) for r in rows) == sorted(getattr(facts, values))
