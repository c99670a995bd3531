"""The entity network: a networkx projection of the RDF graph, for the view and GraphML export.

Nodes are entities (members of kc:Entity), never literals or statement nodes; edges are the kc:
relations between two entities, one edge per relation and direction (a MultiDiGraph keeps
several relations between the same two nodes apart), with the graphs asserting each.
`ego_network` and `construct_network` cut it down for focused views.
"""

from __future__ import annotations

import networkx as nx
import pyoxigraph as ox

from kg.vocab import KC, ONTOLOGY_IRI, entity_id_of, sparql_prefixes

# Each query pattern is anchored on a class or a property so it reads one index range: filters
# over every quad (or NOT EXISTS per node) took minutes at 1,000 articles.
_TYPES = sparql_prefixes("kc") + """SELECT DISTINCT ?e ?cls WHERE { VALUES ?cls { %s } ?e a ?cls }"""

_LABELS = sparql_prefixes("kc", "rdfs") + """SELECT ?e (SAMPLE(?l) AS ?label) WHERE { ?e a kc:Entity ; rdfs:label ?l . FILTER (LANG(?l) = "en") } GROUP BY ?e"""

_EDGES = """
SELECT ?s ?p ?o ?g WHERE { VALUES ?p { %s } GRAPH ?g { ?s ?p ?o } }"""

_ONTOLOGY = sparql_prefixes("rdfs", "owl") + """SELECT ?term ?kind ?super ?label WHERE {
  GRAPH <%s> {
    { ?term a owl:Class . BIND ("class" AS ?kind) OPTIONAL { ?term rdfs:subClassOf ?super } }
    UNION { ?term a owl:ObjectProperty . BIND ("property" AS ?kind) }
    OPTIONAL { ?term rdfs:label ?label . FILTER (LANG(?label) = "en") }
  }
}""" % ONTOLOGY_IRI

_ABSTRACT = {"Entity", "Agent", "Asset"}


def _vocabulary(store: ox.Store) -> tuple[dict[str, set[str]], dict[str, str]]:
    """Entity classes -> their kc: superclasses, and kc: object properties -> English label."""
    supers: dict[str, set[str]] = {}
    props: dict[str, str] = {}
    for row in store.query(_ONTOLOGY):
        term = row["term"].value
        if not term.startswith(str(KC)):
            continue
        name = term.removeprefix(str(KC))
        if row["kind"].value == "class":
            supers.setdefault(name, set())
            if row["super"] is not None and row["super"].value.startswith(str(KC)):
                supers[name].add(row["super"].value.removeprefix(str(KC)))
        else:
            props[name] = row["label"].value if row["label"] is not None else name
    return supers, props


def entity_network(store: ox.Store) -> nx.MultiDiGraph:
    """Entities as nodes (id, class, English label) and kc: relations as keyed edges."""
    supers, props = _vocabulary(store)
    classes = [c for c in supers if c not in _ABSTRACT and c not in ("Article", "Source", "RouteStop", "Temporal")]
    types: dict[str, set[str]] = {}
    for row in store.query(_TYPES % " ".join(f"kc:{c}" for c in classes), use_default_graph_as_union=True):
        types.setdefault(row["e"].value, set()).add(row["cls"].value.removeprefix(str(KC)))
    labels = {row["e"].value: row["label"].value for row in store.query(_LABELS, use_default_graph_as_union=True)}
    net = nx.MultiDiGraph()
    for iri, found in types.items():
        node_id = entity_id_of(iri)
        if node_id is None:
            continue
        # the most specific class: the one that is no other found class's superclass (Meeting, not Event)
        specific = sorted(c for c in found if not any(c in supers.get(other, ()) for other in found if other != c))
        net.add_node(node_id, iri=iri, cls=specific[0], label=labels.get(iri, node_id))
    query = _EDGES % " ".join(f"<{KC}{p}>" for p in sorted(props))
    for row in store.query(query):
        s, o = entity_id_of(row["s"].value), _entity(row["o"])
        if s not in net or o not in net:
            continue
        prop = row["p"].value.removeprefix(str(KC))
        if net.has_edge(s, o, key=prop):
            sources = net.edges[s, o, prop]["sources"]
            net.edges[s, o, prop]["sources"] = " ".join(sorted(set(sources.split()) | {row["g"].value}))
        else:
            net.add_edge(s, o, key=prop, property=prop, label=props[prop], sources=row["g"].value)
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
