"""Vocabulary: namespaces and their prefixes, the kc: ontology terms, resource IRIs, label languages.

Every IRI the code writes is minted here, and every namespace, prefix and label language is
declared here, so a reader finds the naming scheme in one place.
`KC` is a closed namespace: a misspelt term raises at import time instead of silently producing
a new IRI (rdflib's ``DefinedNamespace`` with ``_fail = True``); ``tests/test_vocab.py`` checks
that it matches ``ontology/kc.ttl`` exactly.
"""

from __future__ import annotations

from urllib.parse import quote

from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace

ONTOLOGY_IRI = URIRef("https://w3id.org/kzcn/ontology")
RESOURCE = "https://w3id.org/kzcn/resource/"

# The prefixes of every output (Turtle, TriG, query results, the served /prefixes.json) and the
# ones a query may use without declaring them.
PREFIXES = {
    "kc": "https://w3id.org/kzcn/ontology#",
    "res": RESOURCE,
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "schema": "https://schema.org/",
    "org": "http://www.w3.org/ns/org#",
    "prov": "http://www.w3.org/ns/prov#",
    "geo": "http://www.opengis.net/ont/geosparql#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "dcterms": "http://purl.org/dc/terms/",
}
XSD = PREFIXES["xsd"]
SCHEMA = Namespace(PREFIXES["schema"])
ORG = Namespace(PREFIXES["org"])
GEO = Namespace(PREFIXES["geo"])
SEM = Namespace("http://semanticweb.cs.vu.nl/2009/11/sem/")
WD = Namespace("http://www.wikidata.org/entity/")

# Languages of labels: English first, the fallback wherever a label is missing in another.
LANGUAGES = ("en", "ru", "kk", "zh")
DEFAULT_LANGUAGE = LANGUAGES[0]


def sparql_prefixes(*names: str) -> str:
    """PREFIX declarations for `names` (all of `PREFIXES` when none are given), one per line.

    >>> print(sparql_prefixes("kc", "rdfs"))
    PREFIX kc: <https://w3id.org/kzcn/ontology#>
    PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
    <BLANKLINE>
    """
    return "".join(f"PREFIX {n}: <{PREFIXES[n]}>\n" for n in (names or PREFIXES))


class KC(DefinedNamespace):
    """The kc: ontology (``ontology/kc.ttl``)."""

    _NS = Namespace(PREFIXES["kc"])
    _fail = True

    # classes
    Acquisition: URIRef
    Agent: URIRef
    Agreement: URIRef
    Article: URIRef
    Asset: URIRef
    BorderCrossing: URIRef
    Deposit: URIRef
    Entity: URIRef
    Event: URIRef
    Facility: URIRef
    Financing: URIRef
    Meeting: URIRef
    Organization: URIRef
    Person: URIRef
    Pipeline: URIRef
    Place: URIRef
    Post: URIRef
    Project: URIRef
    Railway: URIRef
    Road: URIRef
    RouteStop: URIRef
    Source: URIRef
    Temporal: URIRef
    # properties
    acquired: URIRef
    acquirer: URIRef
    amount: URIRef
    articleText: URIRef
    asOf: URIRef
    aspect: URIRef
    baseUnit: URIRef
    baseValue: URIRef
    birthDate: URIRef
    borrower: URIRef
    capacity: URIRef
    charEnd: URIRef
    charStart: URIRef
    commissioned: URIRef
    commodity: URIRef
    completedDate: URIRef
    concerns: URIRef
    constructionStart: URIRef
    contractor: URIRef
    country: URIRef
    dateline: URIRef
    description: URIRef
    diameter: URIRef
    discussed: URIRef
    employees: URIRef
    endDate: URIRef
    entryIntoForce: URIRef
    evidence: URIRef
    financedBy: URIRef
    finances: URIRef
    foundingYear: URIRef
    headquarters: URIRef
    heldBy: URIRef
    heldIn: URIRef
    investment: URIRef
    lender: URIRef
    length: URIRef
    locatedIn: URIRef
    note: URIRef
    onAsset: URIRef
    operator: URIRef
    outcome: URIRef
    outOf: URIRef
    ownedBy: URIRef
    ownershipType: URIRef
    parentOrganization: URIRef
    participant: URIRef
    partner: URIRef
    partOfEvent: URIRef
    party: URIRef
    passesThrough: URIRef
    postIn: URIRef
    progress: URIRef
    qualifier: URIRef
    quote: URIRef
    reportedBy: URIRef
    role: URIRef
    routeStop: URIRef
    sector: URIRef
    seller: URIRef
    share: URIRef
    signedAt: URIRef
    signedDate: URIRef
    signedIn: URIRef
    since: URIRef
    sourceKind: URIRef
    stake: URIRef
    startDate: URIRef
    status: URIRef
    stopIndex: URIRef
    stopPlace: URIRef
    supplies: URIRef
    targetCapacity: URIRef
    topic: URIRef
    tradeWithChina: URIRef
    workforceShare: URIRef
    worksScope: URIRef

def _slug(text: str) -> str:
    # ids are validated to [a-z0-9_-]; quoting is a second guard for ids from other tools
    return quote(text, safe="-_.")


def entity_iri(entity_id: str) -> URIRef:
    """IRI of an entity, e.g. ``cnpc`` -> ``https://w3id.org/kzcn/resource/cnpc``."""
    return URIRef(RESOURCE + _slug(entity_id))


def article_iri(article_id: str) -> URIRef:
    """IRI of an article; it also names the article's graph."""
    return URIRef(f"{RESOURCE}article/{_slug(article_id)}")


def source_iri(source_id: str) -> URIRef:
    """IRI of a reference source; it also names the source's graph."""
    return URIRef(f"{RESOURCE}source/{_slug(source_id)}")


def span_iri(article: URIRef, start: int, end: int) -> URIRef:
    """The quote span ``<article#char=start,end>`` (NewsReader / RFC 5147 convention)."""
    return URIRef(f"{article}#char={start},{end}")


def statement_iri(graph: URIRef, key: str) -> URIRef:
    """IRI of a reified statement or quantity node, unique within its graph."""
    return URIRef(f"{graph}/{key}")


def entity_id_of(iri: str) -> str | None:
    """The id of an entity IRI, or None for any other IRI."""
    if iri.startswith(RESOURCE) and "/" not in iri[len(RESOURCE):]:
        return iri[len(RESOURCE):]
    return None
