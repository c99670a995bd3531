"""The entity network: a networkx projection of the RDF graph, for the view and GraphML export.

Nodes are entities (members of kc:Entity), never literals or statement nodes; edges are the kc:
relations between two entities, one edge per relation and direction (a MultiDiGraph keeps
several relations between the same two nodes apart), with the graphs asserting each.
`ego_network` and `construct_network` cut it down for focused views.
"""

from __future__ import annotations

import networkx as nx
import pyoxigraph as ox

from .vocab import KC, entity_id_of

_NODES = """
PREFIX kc: <https://w3id.org/kzcn/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?e ?cls ?label WHERE {
  ?e a kc:Entity ; a ?cls .
  FILTER (STRSTARTS(STR(?cls), STR(kc:)) && ?cls NOT IN (kc:Entity, kc:Agent, kc:Asset))
  FILTER NOT EXISTS { ?e a ?sub . ?sub rdfs:subClassOf ?cls . FILTER (?sub != ?cls) }
  OPTIONAL { ?e rdfs:label ?label . FILTER (LANG(?label) = "en") }
}"""

_EDGES = """
PREFIX kc: <https://w3id.org/kzcn/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?s ?p ?o ?plabel ?g WHERE {
  GRAPH ?g { ?s ?p ?o }
  FILTER (STRSTARTS(STR(?p), STR(kc:)))
  ?s a kc:Entity . ?o a kc:Entity .
  OPTIONAL { ?p rdfs:label ?plabel . FILTER (LANG(?plabel) = "en") }
}"""


def entity_network(store: ox.Store) -> nx.MultiDiGraph:
    """Entities as nodes (id, class, English label) and kc: relations as keyed edges."""
    net = nx.MultiDiGraph()
    for row in store.query(_NODES, use_default_graph_as_union=True):
        node_id = entity_id_of(row["e"].value)
        cls = row["cls"].value.removeprefix(str(KC))
        label = row["label"].value if row["label"] is not None else node_id
        net.add_node(node_id, iri=row["e"].value, cls=cls, label=label)
    for row in store.query(_EDGES, use_default_graph_as_union=True):
        s, o = entity_id_of(row["s"].value), entity_id_of(row["o"].value)
        prop = row["p"].value.removeprefix(str(KC))
        if s is None or o is None:
            continue
        if net.has_edge(s, o, key=prop):
            sources = net.edges[s, o, prop]["sources"]
            net.edges[s, o, prop]["sources"] = " ".join(sorted(set(sources.split()) | {row["g"].value}))
        else:
            label = row["plabel"].value if row["plabel"] is not None else prop
            net.add_edge(s, o, key=prop, property=prop, label=label, sources=row["g"].value)
    return net


def ego_network(net: nx.MultiDiGraph, center: str, depth: int) -> nx.MultiDiGraph:
    """The entities within `depth` relations of `center`, in either direction, and their relations."""
    return nx.ego_graph(net, center, radius=depth, undirected=True)


def construct_network(net: nx.MultiDiGraph, triples) -> nx.MultiDiGraph:
    """The part of `net` a CONSTRUCT result shows: the entities it mentions, the kc: relations it holds."""
    sub = nx.MultiDiGraph()
    relations = []
    for triple in triples:
        s, o = _entity(triple.subject), _entity(triple.object)
        for node in (s, o):
            if node in net:
                sub.add_node(node, **net.nodes[node])
        relations.append((s, o, triple.predicate.value.removeprefix(str(KC))))
    for s, o, prop in relations:
        if net.has_edge(s, o, key=prop):
            sub.add_edge(s, o, key=prop, **net.edges[s, o, prop])
    return sub


def _entity(term) -> str | None:
    return entity_id_of(term.value) if isinstance(term, ox.NamedNode) else None
