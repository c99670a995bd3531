"""Compiling checked documents into RDF: one named graph per article and per reference source.

Each statement becomes its triple plus a reified `rdf:Statement` in the same graph carrying the
provenance (source graph, verbatim quote, `<article#char=start,end>` span) and its qualifiers.
The RDFS closure (superclasses and superproperties of everything asserted) is added to each
graph so that plain SPARQL on any engine, without a reasoner, sees `kc:Asset`, `schema:Event`,
`org:heldBy` and the other aligned terms.

Output is N-Quads text, one string per document, written term by term: building rdflib objects
for millions of triples is what made large builds slow, and Oxigraph loads N-Quads directly.
A document's output depends only on the document, the ontology and the coordinates of the
places on its routes, which is what lets `kg.build.cache` reuse it between builds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

from rdflib import RDF, RDFS, SKOS, XSD, Literal
from rdflib.namespace import DCTERMS, PROV

from kg.seeds.facts import CONVERTIBLE_BASES, UNITS, Document, Entity, Quantity, Statement, temporal_kind
from kg.ontology import Ontology
from kg.seeds.quotes import locate
from kg.vocab import GEO, KC, ONTOLOGY_IRI, SCHEMA, WD, article_iri, entity_iri, source_iri, span_iri, statement_iri


def graph_iri(doc: Document) -> str:
    """The IRI naming a document's graph (the article or the source itself)."""
    return str(article_iri(doc.id) if doc.kind == "article" else source_iri(doc.id))


def iri(value) -> str:
    """An IRI as an N-Quads term."""
    return f"<{value}>"


_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


def literal(value, datatype=None, lang: str | None = None) -> str:
    """A literal as an N-Quads term (plain strings are xsd:string, left implicit)."""
    text = '"' + str(value).translate(_ESCAPES) + '"'
    if lang:
        return f"{text}@{lang}"
    if datatype is not None and datatype != XSD.string:
        return f"{text}^^<{datatype}>"
    return text


def decimal(value: Decimal) -> str:
    # canonical-ish lexical form: no exponent, so every engine parses it the same way
    return literal(format(value, "f"), XSD.decimal)


class GraphWriter:
    """Collects the quads of one graph, adding the RDFS closure of each triple as it goes."""

    def __init__(self, graph: str, onto: Ontology):
        self.graph = iri(graph)
        self.quads: dict[str, None] = {}  # insertion-ordered set of lines
        self._supers = {iri(k): [iri(v) for v in vs] for k, vs in onto.superclasses.items()}
        self._superprops = {iri(k): [iri(v) for v in vs] for k, vs in onto.superproperties.items()}

    def add(self, s: str, p: str, o: str) -> None:
        self.quads[f"{s} {p} {o} {self.graph} .\n"] = None
        if p == _TYPE:
            for sup in self._supers.get(o, ()):
                self.quads[f"{s} {p} {sup} {self.graph} .\n"] = None
        else:
            for sup in self._superprops.get(p, ()):
                self.quads[f"{s} {sup} {o} {self.graph} .\n"] = None

    def text(self) -> str:
        return "".join(self.quads)


_TYPE = iri(RDF.type)


class _Terms:
    """`_KC.role` is `iri(KC.role)`, made once: rdflib's Namespace builds a new URIRef on every
    attribute access, ~180,000 times for 500 articles (4% of compiling them)."""

    def __init__(self, namespace):
        self._namespace = namespace

    def __getattr__(self, name: str) -> str:
        term = iri(self._namespace[name])
        setattr(self, name, term)
        return term


_DCTERMS = _Terms(DCTERMS)
_GEO = _Terms(GEO)
_KC = _Terms(KC)
_PROV = _Terms(PROV)
_RDF = _Terms(RDF)
_RDFS = _Terms(RDFS)
_SCHEMA = _Terms(SCHEMA)
_SKOS = _Terms(SKOS)


def ontology_nquads(onto: Ontology) -> str:
    """The ontology in its own graph."""
    g = iri(ONTOLOGY_IRI)
    return "".join(f"{s.n3()} {p.n3()} {_n3(o)} {g} .\n" for s, p, o in onto.graph)


def _n3(term) -> str:
    # rdflib's n3() may write long strings with triple quotes, which N-Quads does not allow
    if isinstance(term, Literal):
        return literal(str(term), term.datatype, term.language)
    return term.n3()


def compile_document(doc: Document, onto: Ontology, coords: dict) -> str:
    """One document's graph as N-Quads text."""
    w = GraphWriter(graph_iri(doc), onto)
    if doc.kind == "article":
        _article(doc, w)
    else:
        _source(doc, w)
    for entity in doc.entities:
        _entity(doc, entity, w, coords)
    for stmt in doc.statements:
        _statement(doc, stmt, w)
    return w.text()


def _article(doc: Document, w: GraphWriter) -> None:
    me, meta = w.graph, doc.meta
    lang = str(meta.get("language", "en"))
    w.add(me, _TYPE, _KC.Article)
    w.add(me, _SCHEMA.headline, literal(meta["title"], lang=lang))
    w.add(me, _SCHEMA.datePublished, literal(meta["date"], XSD.date))
    w.add(me, _SCHEMA.publisher, literal(meta["publisher"]))
    w.add(me, _SCHEMA.url, literal(meta["url"], XSD.anyURI))
    w.add(me, _SCHEMA.inLanguage, literal(lang))
    w.add(me, _KC.articleText, literal(doc.text))
    if meta.get("dateline"):
        w.add(me, _KC.dateline, iri(entity_iri(str(meta["dateline"]))))


# a source's optional metadata: key in the file, property, and how the value becomes a term
_SOURCE_META = (
    ("url", _SCHEMA.url, lambda v: literal(v, XSD.anyURI)),
    ("publisher", _SCHEMA.publisher, literal),
    ("date", _DCTERMS.date, lambda v: _temporal(v)),
    ("language", _DCTERMS.language, literal),
    ("kind", _KC.sourceKind, literal),
    ("sector", _KC.sector, literal),
    ("note", _RDFS.comment, literal),
)


def _source(doc: Document, w: GraphWriter) -> None:
    me, meta = w.graph, doc.meta
    w.add(me, _TYPE, _KC.Source)
    w.add(me, _DCTERMS.title, literal(meta["title"]))
    w.add(me, _DCTERMS.identifier, literal(doc.id))
    for key, prop, term in _SOURCE_META:
        if meta.get(key):
            w.add(me, prop, term(meta[key]))


def _entity(doc: Document, entity: Entity, w: GraphWriter, coords: dict) -> None:
    node = iri(entity_iri(entity.id))
    cls = iri(KC[entity.type])
    w.add(node, _TYPE, cls)
    _reify(doc, w, (node, _TYPE, cls), entity.quote, key=f"decl|{entity.id}", occurrence=entity.occurrence or 1)
    for lang, label in entity.labels.items():
        w.add(node, _RDFS.label, literal(label, lang=lang))
    for alias in entity.aliases:
        w.add(node, _SKOS.altLabel, literal(alias))
    if entity.wikidata:
        w.add(node, _SCHEMA.sameAs, iri(WD[entity.wikidata]))
    if entity.coords:
        lat, lon = entity.coords
        w.add(node, _SCHEMA.latitude, decimal(lat))
        w.add(node, _SCHEMA.longitude, decimal(lon))
        _geometry(w, entity.id, f"POINT({lon} {lat})")
    if entity.route:
        for index, place in enumerate(entity.route, start=1):
            # stop IRIs are global, not per source: sources that agree on a route assert the same
            # triples, and sources that disagree give one stop two places, which SHACL reports
            stop = iri(f"{entity_iri(entity.id)}/route/{index}")
            w.add(node, _KC.routeStop, stop)
            w.add(stop, _TYPE, _KC.RouteStop)
            w.add(stop, _KC.stopIndex, literal(index, XSD.integer))
            w.add(stop, _KC.stopPlace, iri(entity_iri(place)))
            w.add(node, _KC.passesThrough, iri(entity_iri(place)))
        points = [coords.get(place) for place in entity.route]
        if all(points):
            _geometry(w, entity.id, "LINESTRING(" + ", ".join(f"{lon} {lat}" for lat, lon in points) + ")")


def _geometry(w: GraphWriter, entity_id: str, wkt: str) -> None:
    node, geometry = iri(entity_iri(entity_id)), iri(f"{entity_iri(entity_id)}/geometry")
    w.add(node, _GEO.hasGeometry, geometry)
    w.add(geometry, _TYPE, _GEO.Geometry)
    w.add(geometry, _GEO.asWKT, literal(wkt, GEO.wktLiteral))


def _statement(doc: Document, stmt: Statement, w: GraphWriter) -> None:
    subject = iri(entity_iri(stmt.subject))
    if stmt.object is not None:
        obj = iri(entity_iri(stmt.object))
    elif isinstance(stmt.value, Quantity):
        obj = _quantity(stmt, w)
    else:
        obj = _plain_value(stmt.value, stmt.property.kind)
    triple = (subject, iri(stmt.property.iri), obj)
    w.add(*triple)
    node = _reify(doc, w, triple, stmt.quote, occurrence=stmt.occurrence or 1,
                  key=f"stmt|{triple}|{stmt.quote}|{stmt.role}|{stmt.share}|{stmt.note}|{stmt.on}|{stmt.as_of}"
                      + (f"|{stmt.occurrence}" if stmt.occurrence else ""))
    if stmt.role:
        w.add(node, _KC.role, literal(stmt.role))
    if stmt.share is not None:
        w.add(node, _KC.share, decimal(stmt.share))
    if stmt.note:
        w.add(node, _KC.note, literal(stmt.note))
    if stmt.as_of is not None:
        w.add(node, _KC.asOf, _temporal(stmt.as_of))
    for asset in stmt.on:
        w.add(node, _KC.onAsset, iri(entity_iri(asset)))


def _reify(doc: Document, w: GraphWriter, triple: tuple[str, str, str], quote: str | None, key: str,
           occurrence: int = 1) -> str:
    """Add the rdf:Statement describing where `triple` comes from; return its node."""
    graph = w.graph[1:-1]
    node = iri(statement_iri(graph, "stmt/" + _digest(key)))
    s, p, o = triple
    w.add(node, _TYPE, _RDF.Statement)
    w.add(node, _RDF.subject, s)
    w.add(node, _RDF.predicate, p)
    w.add(node, _RDF.object, o)
    w.add(node, _PROV.wasDerivedFrom, w.graph)
    if quote is not None and doc.text is not None:
        span = locate(doc.text, quote, occurrence)
        if span is not None:  # kg.seeds.checks guarantees it; the guard keeps compile usable alone
            start, end = span
            w.add(node, _KC.quote, literal(quote))
            w.add(node, _KC.evidence, iri(span_iri(graph, start, end)))
            w.add(node, _KC.charStart, literal(start, XSD.integer))
            w.add(node, _KC.charEnd, literal(end, XSD.integer))
    return node


def _quantity(stmt: Statement, w: GraphWriter) -> str:
    q: Quantity = stmt.value
    node = iri(statement_iri(w.graph[1:-1], "q/" + _digest(f"{stmt.subject}|{stmt.property.name}|{q}|{stmt.on}")))
    w.add(node, _TYPE, _SCHEMA.MonetaryAmount if q.currency else _SCHEMA.QuantitativeValue)
    w.add(node, _SCHEMA.value, decimal(q.amount))
    if q.currency:
        w.add(node, _SCHEMA.currency, literal(q.currency))
        w.add(node, _RDFS.label, literal(f"{_readable(q.amount)} {q.currency}", lang="en"))
    if q.unit:
        w.add(node, _SCHEMA.unitText, literal(q.unit))
        unit = UNITS[q.unit]
        w.add(node, _RDFS.label, literal(f"{_readable(q.amount)} {unit.label}", lang="en"))
        if unit.base in CONVERTIBLE_BASES:
            w.add(node, _KC.baseValue, decimal(q.amount * unit.factor))
            w.add(node, _KC.baseUnit, literal(unit.base))
    if q.out_of is not None:
        w.add(node, _KC.outOf, decimal(q.out_of))
    if q.qualifier:
        w.add(node, _KC.qualifier, literal(q.qualifier))
    if q.aspect:
        w.add(node, _KC.aspect, literal(q.aspect))
    if q.as_of is not None:
        w.add(node, _KC.asOf, _temporal(q.as_of))
    return node


def _readable(number: Decimal) -> str:
    """45000000000 -> '45,000,000,000'; 98.3 -> '98.3'."""
    text = f"{number:,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _plain_value(value, kind: str) -> str:
    if kind in ("date", "temporal", "year"):
        return _temporal(value)
    if kind == "integer":
        return literal(value, XSD.integer)
    if kind == "number":
        return decimal(Decimal(value))
    return literal(value)


def _temporal(value) -> str:
    kind = temporal_kind(value)
    if kind == "date":
        return literal(value.isoformat() if isinstance(value, dt.date) else value, XSD.date)
    if kind == "yearmonth":
        return literal(value, XSD.gYearMonth)
    return literal(f"{int(value):04d}", XSD.gYear)


def _digest(key: str) -> str:
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


