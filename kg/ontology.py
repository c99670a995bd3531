"""The ontology contract as the code sees it: classes, properties and their ranges from kc.ttl.

`ontology/kc.ttl` is the single place where a property is declared; the facts loader asks this
module what a property accepts (an entity of some class, a date, a quantity...) instead of
keeping its own list.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from rdflib import OWL, RDF, RDFS, XSD, Graph, URIRef

from kg.vocab import KC, SCHEMA

# Abstract classes: they group others for queries and are never the declared type of an entity.
ABSTRACT = {KC.Entity, KC.Agent, KC.Asset}
# Properties the compiler writes from an entity's `route:`; a facts file never states them.
COMPILED = {KC.passesThrough, KC.routeStop, KC.stopPlace, KC.stopIndex}

# How a value of each range is written in a facts file.
LITERAL_RANGES = {
    XSD.string: "text",
    XSD.date: "date",
    XSD.gYear: "year",
    KC.Temporal: "temporal",
    XSD.decimal: "number",
    XSD.integer: "integer",
    XSD.positiveInteger: "integer",
}
QUANTITY_RANGES = {SCHEMA.QuantitativeValue: "quantity", SCHEMA.MonetaryAmount: "money"}


@dataclass(frozen=True)
class PropertySpec:
    """What a facts file may say with one kc: property."""

    name: str
    iri: URIRef
    domains: frozenset  # kc classes whose members may be the subject
    kind: str  # "entity", "quantity", "money" or a literal kind from LITERAL_RANGES
    ranges: frozenset  # for kind "entity": the kc classes the object must belong to
    functional: bool


class Ontology:
    """The parsed kc.ttl with the lookups the loader, compiler and view need."""

    def __init__(self, path: Path):
        self.path = path
        self.graph = Graph().parse(path, format="turtle")

    @cached_property
    def superclasses(self) -> dict[URIRef, set[URIRef]]:
        """Every class -> all its superclasses (itself excluded), across vocabularies."""
        direct: dict[URIRef, set[URIRef]] = {}
        for sub, sup in self.graph.subject_objects(RDFS.subClassOf):
            if isinstance(sub, URIRef) and isinstance(sup, URIRef):
                direct.setdefault(sub, set()).add(sup)
        return {cls: _transitive(cls, direct) for cls in direct}

    @cached_property
    def superproperties(self) -> dict[URIRef, set[URIRef]]:
        """Every property -> all its superproperties (itself excluded)."""
        direct: dict[URIRef, set[URIRef]] = {}
        for sub, sup in self.graph.subject_objects(RDFS.subPropertyOf):
            direct.setdefault(sub, set()).add(sup)
        return {p: _transitive(p, direct) for p in direct}

    @cached_property
    def entity_classes(self) -> dict[str, URIRef]:
        """Local name -> IRI of each class an entity may be declared as."""
        return {
            str(cls).removeprefix(str(KC)): cls
            for cls, sups in self.superclasses.items()
            if KC.Entity in sups and cls not in ABSTRACT
        }

    def is_a(self, cls: URIRef, other: URIRef) -> bool:
        return cls == other or other in self.superclasses.get(cls, ())

    @cached_property
    def properties(self) -> dict[str, PropertySpec]:
        """Local name -> spec of each property a facts file may state."""
        g, specs = self.graph, {}
        for prop in set(g.subjects(RDF.type, OWL.ObjectProperty)) | set(g.subjects(RDF.type, OWL.DatatypeProperty)):
            if not str(prop).startswith(str(KC)) or prop in COMPILED:
                continue
            domains = frozenset(g.objects(prop, RDFS.domain)) | frozenset(g.objects(prop, SCHEMA.domainIncludes))
            if not any(d == KC.Entity or self.is_a(d, KC.Entity) for d in domains):
                continue  # qualifiers and provenance: written by the compiler, not stated
            ranges = frozenset(g.objects(prop, RDFS.range)) | frozenset(g.objects(prop, SCHEMA.rangeIncludes))
            kind = _kind(ranges)
            name = str(prop).removeprefix(str(KC))
            specs[name] = PropertySpec(name, prop, domains, kind, ranges if kind == "entity" else frozenset(),
                                       (prop, RDF.type, OWL.FunctionalProperty) in g)
        return specs

    def label(self, iri: URIRef, lang: str = "en") -> str:
        """English (or given language) label of an ontology term, else its local name."""
        for label in self.graph.objects(iri, RDFS.label):
            if getattr(label, "language", None) == lang:
                return str(label)
        return str(iri).rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _kind(ranges: frozenset) -> str:
    for r in ranges:
        if r in LITERAL_RANGES:
            return LITERAL_RANGES[r]
        if r in QUANTITY_RANGES:
            return QUANTITY_RANGES[r]
    return "entity"


def _transitive(start, direct: dict) -> set:
    seen, todo = set(), list(direct.get(start, ()))
    while todo:
        item = todo.pop()
        if item not in seen:
            seen.add(item)
            todo.extend(direct.get(item, ()))
    return seen
