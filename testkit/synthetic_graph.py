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


def synthetic_store(nodes: int, *, seed: int = 0, space_time: bool = False) -> ox.Store:
    """An in-memory store with `nodes` entities and about 2 relations per entity; with `space_time`,
    coordinates, routes and dated facts too (`_space_time`)."""
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
    if space_time:
        _space_time(add, nodes, classes, graphs, seed)
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


GEO = "http://www.opengis.net/ont/geosparql#"
SECTORS = ["oil", "gas", "transport", "finance"]
# dated facts of the classes that have them, each at one precision: a day, a year, a month
DATES = {"Meeting": ("startDate", "day"), "Project": ("commissioned", "year"), "Facility": ("constructionStart", "month"),
         "Road": ("commissioned", "day")}


def _space_time(add, nodes: int, classes: list[str], graphs: list, seed: int) -> None:
    """Every entity at a place in Kazakhstan or western China (schema:latitude/longitude and a
    WKT point, as the build writes them), every Pipeline and Road a route of 2 to 4 stops through
    Places (kc:routeStop, kc:stopIndex, kc:stopPlace and a WKT line), every Meeting, Project,
    Facility and Road one dated fact (DATES), every entity a sector."""
    import random

    rnd = random.Random(seed)
    coords = {i: (round(rnd.uniform(40.5, 55.0), 3), round(rnd.uniform(50.0, 95.0), 3)) for i in range(nodes)}
    places = [i for i in range(nodes) if classes[i % len(classes)] == "Place"]
    decimal = _n(XSD + "decimal")
    for i in range(nodes):
        e, g, cls = _n(f"{RES}syn-{i}"), graphs[i % SOURCES], classes[i % len(classes)]
        lat, lon = coords[i]
        add(e, _n(SCHEMA + "latitude"), ox.Literal(str(lat), datatype=decimal), g)
        add(e, _n(SCHEMA + "longitude"), ox.Literal(str(lon), datatype=decimal), g)
        _geometry(add, e, f"POINT({lon} {lat})", g)
        _fact(add, e, _n(KC + "sector"), ox.Literal(SECTORS[i % len(SECTORS)]), g, f"{i}-sector")
        if cls in ("Pipeline", "Road") and len(places) >= 2:
            stops = rnd.sample(places, rnd.randint(2, min(4, len(places))))
            for k, place in enumerate(stops, start=1):
                stop = _n(f"{e.value}/route/{k}")
                add(e, _n(KC + "routeStop"), stop, g)
                add(stop, _n(RDF + "type"), _n(KC + "RouteStop"), g)
                add(stop, _n(KC + "stopIndex"), ox.Literal(str(k), datatype=_n(XSD + "integer")), g)
                add(stop, _n(KC + "stopPlace"), _n(f"{RES}syn-{place}"), g)
            line = ", ".join(f"{coords[p][1]} {coords[p][0]}" for p in stops)
            _geometry(add, e, f"LINESTRING({line})", g)
        if cls in DATES:
            prop, precision = DATES[cls]
            year, month, day = 2000 + i % 25, 1 + i % 12, 1 + i % 28
            value, datatype = {"day": (f"{year}-{month:02d}-{day:02d}", "date"), "month": (f"{year}-{month:02d}", "gYearMonth"),
                               "year": (str(year), "gYear")}[precision]
            _fact(add, e, _n(KC + prop), ox.Literal(value, datatype=_n(XSD + datatype)), g, f"{i}-{prop}")


def _geometry(add, e, wkt: str, g) -> None:
    geometry = _n(f"{e.value}/geometry/{wkt.split('(')[0].lower()}")
    add(e, _n(GEO + "hasGeometry"), geometry, g)
    add(geometry, _n(GEO + "asWKT"), ox.Literal(wkt, datatype=_n(GEO + "wktLiteral")), g)
