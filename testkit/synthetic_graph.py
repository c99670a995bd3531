"""A synthetic graph of any size in the project's RDF model (docs/model.md), for view tests and
benchmarks: entities of every class with labels and aliases, scale-free relations (Barabási–Albert,
as news graphs have a few hubs) each reified with its source, and a quantity on every tenth entity.
Nothing here is real data: sources are `res:source/SYN-k`, entities `res:syn-N`.
"""

from __future__ import annotations


import networkx as nx
import pyoxigraph as ox

from testkit import REPO

KC = "https://w3id.org/kzcn/ontology#"
ONTOLOGY = REPO / "ontology" / "kc.ttl"
RES = "https://w3id.org/kzcn/resource/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SCHEMA = "https://schema.org/"
XSD = "http://www.w3.org/2001/XMLSchema#"

# class -> the superclasses the build materialises (RDFS closure, kc: part)
CLASSES = {
    "Organization": ["Agent", "Entity"], "Person": ["Agent", "Entity"], "Place": ["Entity"],
    "Project": ["Entity"], "Pipeline": ["Asset", "Entity"], "Road": ["Asset", "Entity"],
    "Facility": ["Asset", "Entity"], "Meeting": ["Event", "Entity"], "Post": ["Entity"],
}
RELATIONS = ["partner", "ownedBy", "locatedIn", "operator", "participant", "concerns", "supplies"]
SOURCES = 5


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def synthetic_store(nodes: int, *, seed: int = 0) -> ox.Store:
    """An in-memory store with `nodes` entities and about 2 relations per entity."""
    graph = nx.barabasi_albert_graph(nodes, 2, seed=seed)
    classes = list(CLASSES)
    quads: list[ox.Quad] = []

    def add(s, p, o, g):
        quads.append(ox.Quad(s, p, o, g))

    graphs = [_n(f"{RES}source/SYN-{k}") for k in range(SOURCES)]
    for k, g in enumerate(graphs):
        add(g, _n(RDF + "type"), _n(KC + "Source"), g)
        add(g, _n("http://purl.org/dc/terms/title"), ox.Literal(f"Synthetic source {k}"), g)
        add(g, _n(SCHEMA + "url"), ox.Literal(f"https://example.org/synthetic/{k}", datatype=_n(XSD + "anyURI")), g)
    for i in graph:
        e, g, cls = _n(f"{RES}syn-{i}"), graphs[i % SOURCES], classes[i % len(classes)]
        for c in [cls, *CLASSES[cls]]:
            add(e, _n(RDF + "type"), _n(KC + c), g)
        add(e, _n(RDFS + "label"), ox.Literal(f"{cls} {i}", language="en"), g)
        if i % 3 == 0:
            add(e, _n(RDFS + "label"), ox.Literal(f"объект {i}", language="ru"), g)
            add(e, _n(RDFS + "label"), ox.Literal(f"实体{i}", language="zh"), g)
        add(e, _n("http://www.w3.org/2004/02/skos/core#altLabel"), ox.Literal(f"SYN{i}"), g)
        if i % 10 == 0:
            q = _n(f"{g.value}/q/{i}")
            add(q, _n(RDF + "type"), _n(SCHEMA + "QuantitativeValue"), g)
            add(q, _n(SCHEMA + "value"), ox.Literal(str(100 + i), datatype=_n(XSD + "decimal")), g)
            add(q, _n(SCHEMA + "unitText"), ox.Literal("km"), g)
            _fact(add, e, _n(KC + "length"), q, g, f"{i}-length")
    for j, (a, b) in enumerate(graph.edges()):
        s, o = _n(f"{RES}syn-{max(a, b)}"), _n(f"{RES}syn-{min(a, b)}")
        _fact(add, s, _n(KC + RELATIONS[j % len(RELATIONS)]), o, graphs[j % SOURCES], f"r{j}")
    store = ox.Store()
    store.extend(quads)
    # the ontology graph, as every build has it: the view reads class and relation labels from it
    store.load(path=str(ONTOLOGY), format=ox.RdfFormat.TURTLE, to_graph=_n("https://w3id.org/kzcn/ontology"))
    return store


def _fact(add, s, p, o, g, key: str) -> None:
    """The triple and its reified statement, as the build writes them."""
    add(s, p, o, g)
    st = _n(f"{g.value}/stmt/{key}")
    add(st, _n(RDF + "type"), _n(RDF + "Statement"), g)
    add(st, _n(RDF + "subject"), s, g)
    add(st, _n(RDF + "predicate"), p, g)
    add(st, _n(RDF + "object"), o, g)
    add(st, _n("http://www.w3.org/ns/prov#wasDerivedFrom"), g, g)
