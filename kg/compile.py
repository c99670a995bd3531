"""Compiling checked documents into RDF: one named graph per article and per reference source.

Each statement becomes its triple plus a reified `rdf:Statement` in the same graph carrying the
provenance (source graph, verbatim quote, `<article#char=start,end>` span) and its qualifiers.
The RDFS closure (superclasses and superproperties of everything asserted) is added to each
graph so that plain SPARQL on any engine, without a reasoner, sees `kc:Asset`, `schema:Event`,
`org:heldBy` and the other aligned terms.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

from rdflib import OWL, RDF, RDFS, SKOS, XSD, Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV

from .facts import Document, Entity, Quantity, Statement, UNITS, temporal_kind
from .ontology import Ontology
from .quotes import locate
from .vocab import GEO, KC, ONTOLOGY_IRI, SCHEMA, WD, article_iri, entity_iri, source_iri, span_iri, statement_iri


def graph_iri(doc: Document) -> URIRef:
    """The IRI naming a document's graph (the article or the source itself)."""
    return article_iri(doc.id) if doc.kind == "article" else source_iri(doc.id)


def compile_documents(docs: list[Document], onto: Ontology) -> Dataset:
    """All documents as an rdflib Dataset, with the ontology in its own graph and the closure."""
    ds = Dataset()
    ontology_graph = ds.graph(ONTOLOGY_IRI)
    for triple in onto.graph:
        ontology_graph.add(triple)
    coords = {e.id: e.coords for doc in docs for e in doc.entities if e.coords}
    for doc in docs:
        g = ds.graph(graph_iri(doc))
        compile_document(doc, g, coords)
        add_closure(g, onto)
    return ds


def compile_document(doc: Document, g: Graph, coords: dict) -> None:
    """Write one document's triples into its graph `g`."""
    me = g.identifier
    if doc.kind == "article":
        _article(doc, g)
    else:
        _source(doc, g)
    for entity in doc.entities:
        _entity(doc, entity, g, coords)
    for stmt in doc.statements:
        _statement(doc, stmt, g, me)


def _article(doc: Document, g: Graph) -> None:
    me, meta = g.identifier, doc.meta
    g.add((me, RDF.type, KC.Article))
    g.add((me, SCHEMA.headline, Literal(str(meta["title"]), lang=meta.get("language", "en"))))
    g.add((me, SCHEMA.datePublished, Literal(meta["date"], datatype=XSD.date)))
    g.add((me, SCHEMA.publisher, Literal(str(meta["publisher"]))))
    g.add((me, SCHEMA.url, Literal(str(meta["url"]), datatype=XSD.anyURI)))
    g.add((me, SCHEMA.inLanguage, Literal(str(meta.get("language", "en")))))
    g.add((me, KC.articleText, Literal(doc.text)))
    if meta.get("dateline"):
        g.add((me, KC.dateline, entity_iri(str(meta["dateline"]))))


def _source(doc: Document, g: Graph) -> None:
    me, meta = g.identifier, doc.meta
    g.add((me, RDF.type, KC.Source))
    g.add((me, DCTERMS.title, Literal(str(meta["title"]))))
    g.add((me, DCTERMS.identifier, Literal(doc.id)))
    if meta.get("url"):
        g.add((me, SCHEMA.url, Literal(str(meta["url"]), datatype=XSD.anyURI)))
    if meta.get("publisher"):
        g.add((me, SCHEMA.publisher, Literal(str(meta["publisher"]))))
    if meta.get("date"):
        g.add((me, DCTERMS.date, _temporal_literal(meta["date"])))
    if meta.get("note"):
        g.add((me, RDFS.comment, Literal(str(meta["note"]))))


def _entity(doc: Document, entity: Entity, g: Graph, coords: dict) -> None:
    node = entity_iri(entity.id)
    type_triple = (node, RDF.type, KC[entity.type])
    g.add(type_triple)
    _reify(doc, g, type_triple, entity.quote, key=f"decl|{entity.id}")
    for lang, label in entity.labels.items():
        g.add((node, RDFS.label, Literal(label, lang=lang)))
    for alias in entity.aliases:
        g.add((node, SKOS.altLabel, Literal(alias)))
    if entity.wikidata:
        g.add((node, SCHEMA.sameAs, WD[entity.wikidata]))
    if entity.coords:
        lat, lon = entity.coords
        g.add((node, SCHEMA.latitude, Literal(lat, datatype=XSD.decimal)))
        g.add((node, SCHEMA.longitude, Literal(lon, datatype=XSD.decimal)))
        _geometry(g, node, f"POINT({lon} {lat})")
    if entity.route:
        for index, place in enumerate(entity.route, start=1):
            # stop IRIs are global, not per source: sources that agree on a route assert the same
            # triples, and sources that disagree give one stop two places, which SHACL reports
            stop = URIRef(f"{node}/route/{index}")
            g.add((node, KC.routeStop, stop))
            g.add((stop, RDF.type, KC.RouteStop))
            g.add((stop, KC.stopIndex, Literal(index, datatype=XSD.positiveInteger)))
            g.add((stop, KC.stopPlace, entity_iri(place)))
            g.add((node, KC.passesThrough, entity_iri(place)))
        points = [coords.get(place) for place in entity.route]
        if all(points):
            line = ", ".join(f"{lon} {lat}" for lat, lon in points)
            _geometry(g, node, f"LINESTRING({line})")


def _geometry(g: Graph, node: URIRef, wkt: str) -> None:
    geometry = URIRef(f"{node}/geometry")
    g.add((node, GEO.hasGeometry, geometry))
    g.add((geometry, RDF.type, GEO.Geometry))
    g.add((geometry, GEO.asWKT, Literal(wkt, datatype=GEO.wktLiteral)))


def _statement(doc: Document, stmt: Statement, g: Graph, me: URIRef) -> None:
    subject = entity_iri(stmt.subject)
    if stmt.object is not None:
        obj = entity_iri(stmt.object)
    elif isinstance(stmt.value, Quantity):
        obj = _quantity(stmt, g, me)
    else:
        obj = _literal(stmt.value, stmt.property.kind)
    triple = (subject, stmt.property.iri, obj)
    g.add(triple)
    node = _reify(doc, g, triple, stmt.quote, key=f"stmt|{triple}|{stmt.quote}|{stmt.role}|{stmt.share}|{stmt.note}|{stmt.on}|{stmt.as_of}")
    if stmt.role:
        g.add((node, KC.role, Literal(stmt.role)))
    if stmt.share is not None:
        g.add((node, KC.share, Literal(stmt.share, datatype=XSD.decimal)))
    if stmt.note:
        g.add((node, KC.note, Literal(stmt.note)))
    if stmt.as_of is not None:
        g.add((node, KC.asOf, _temporal_literal(stmt.as_of)))
    for asset in stmt.on:
        g.add((node, KC.onAsset, entity_iri(asset)))


def _reify(doc: Document, g: Graph, triple, quote: str | None, key: str) -> URIRef:
    """Add the rdf:Statement describing where `triple` comes from; return its node."""
    me = g.identifier
    node = statement_iri(me, "stmt/" + _digest(key))
    s, p, o = triple
    g.add((node, RDF.type, RDF.Statement))
    g.add((node, RDF.subject, s))
    g.add((node, RDF.predicate, p))
    g.add((node, RDF.object, o))
    g.add((node, PROV.wasDerivedFrom, me))
    if quote is not None and doc.text is not None:
        span = locate(doc.text, quote)
        if span is not None:  # kg.checks guarantees it; the guard keeps compile usable alone
            start, end = span
            g.add((node, KC.quote, Literal(quote)))
            g.add((node, KC.evidence, span_iri(me, start, end)))
            g.add((node, KC.charStart, Literal(start, datatype=XSD.nonNegativeInteger)))
            g.add((node, KC.charEnd, Literal(end, datatype=XSD.nonNegativeInteger)))
    return node


def _quantity(stmt: Statement, g: Graph, me: URIRef) -> URIRef:
    q: Quantity = stmt.value
    node = statement_iri(me, "q/" + _digest(f"{stmt.subject}|{stmt.property.name}|{q}|{stmt.on}"))
    g.add((node, RDF.type, SCHEMA.MonetaryAmount if q.currency else SCHEMA.QuantitativeValue))
    g.add((node, SCHEMA.value, Literal(q.amount, datatype=XSD.decimal)))
    if q.currency:
        g.add((node, SCHEMA.currency, Literal(q.currency)))
    if q.unit:
        g.add((node, SCHEMA.unitText, Literal(q.unit)))
        g.add((node, RDFS.label, Literal(f"{_plain(q.amount)} {UNITS[q.unit]}", lang="en")))
    else:
        g.add((node, RDFS.label, Literal(f"{_plain(q.amount)} {q.currency}", lang="en")))
    if q.out_of is not None:
        g.add((node, KC.outOf, Literal(q.out_of, datatype=XSD.decimal)))
    if q.qualifier:
        g.add((node, KC.qualifier, Literal(q.qualifier)))
    if q.aspect:
        g.add((node, KC.aspect, Literal(q.aspect)))
    if q.as_of is not None:
        g.add((node, KC.asOf, _temporal_literal(q.as_of)))
    return node


def _plain(number: Decimal) -> str:
    return f"{number:,f}".rstrip("0").rstrip(".") if "." in f"{number:f}" else f"{number:,f}"


def _literal(value, kind: str) -> Literal:
    if kind in ("date", "temporal") or kind == "year":
        return _temporal_literal(value)
    if kind in ("number", "integer"):
        return Literal(value, datatype=XSD.integer if kind == "integer" else XSD.decimal)
    return Literal(str(value))


def _temporal_literal(value) -> Literal:
    kind = temporal_kind(value)
    if kind == "date":
        return Literal(value.isoformat() if isinstance(value, dt.date) else str(value), datatype=XSD.date)
    if kind == "yearmonth":
        return Literal(str(value), datatype=XSD.gYearMonth)
    return Literal(f"{int(value):04d}", datatype=XSD.gYear)


def _digest(key: str) -> str:
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def add_closure(g: Graph, onto: Ontology) -> None:
    """Add to `g` the superclasses of its types and the superproperties of its predicates."""
    supers, superprops = onto.superclasses, onto.superproperties
    additions = []
    for s, p, o in g:
        if p == RDF.type:
            additions.extend((s, RDF.type, sup) for sup in supers.get(o, ()))
        elif p in superprops:
            additions.extend((s, sup, o) for sup in superprops[p])
    for triple in additions:
        g.add(triple)


__all__ = ["compile_documents", "compile_document", "graph_iri", "add_closure", "OWL"]
