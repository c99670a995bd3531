"""What the view's details panel says about each entity, read from the store with SPARQL.

For every entity: its labels per language, aliases, Wikidata link, coordinates, the sources
that declare it (with the quote naming it), and its facts. A fact is one kc: triple with the
entity as subject: a plain value, a quantity (value, unit or currency, out of, qualifier, aspect,
as of) or a relation to another entity; it carries one claim per source graph asserting it,
each with the source, the verbatim quote and its character span, and the statement's qualifiers
(role, share, note, as of, assets). Everything is returned as JSON-ready dicts of plain strings:
the page shows them as text, never as HTML.

The queries read rows through a `Rows` function, so the same extraction runs on the embedded
store (`store_rows`, the whole graph at once for the view) or on any runner of `kg.query`, a
SPARQL endpoint included (`runner_rows`, one entity at a time for `kg brief`: `entity_data`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation

import pyoxigraph as ox

from kg.problems import UsageError
from kg.vocab import KC, PREFIXES, XSD, entity_id_of, entity_iri, sparql_prefixes

_PREFIXES = sparql_prefixes("kc", "rdf", "rdfs", "skos", "schema", "dcterms", "owl")

_NAMES = _PREFIXES + """
SELECT DISTINCT ?e ?p ?v WHERE {
  VALUES ?p { rdfs:label skos:altLabel schema:sameAs schema:latitude schema:longitude }
  ?e a kc:Entity ; ?p ?v .
}"""

# Every kc: triple about an entity, in the graph asserting it, with its reified statement; and
# the reified rdf:type triples, which carry the quote where a source names the entity.
_FACTS = _PREFIXES + """
SELECT ?s ?p ?o ?g ?st WHERE {
  {
    GRAPH ?g {
      ?s ?p ?o .
      FILTER (STRSTARTS(STR(?p), STR(kc:)) && ?p != kc:routeStop)
      OPTIONAL { ?st rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o }
    }
  } UNION {
    GRAPH ?g { ?st rdf:subject ?s ; rdf:predicate rdf:type ; rdf:object ?o }
    BIND (rdf:type AS ?p)
  }
  FILTER EXISTS { ?s a kc:Entity }
}"""

_ANNOTATIONS = _PREFIXES + """
SELECT ?st ?q ?v WHERE {
  GRAPH ?g {
    ?st a rdf:Statement ; ?q ?v .
    VALUES ?q { kc:quote kc:charStart kc:charEnd kc:role kc:share kc:note kc:asOf kc:onAsset }
  }
}"""

_QUANTITIES = _PREFIXES + """
SELECT ?n ?q ?v WHERE {
  GRAPH ?g {
    ?n schema:value ?x ; ?q ?v .
    VALUES ?q { schema:value schema:unitText schema:currency kc:outOf kc:aspect kc:qualifier kc:asOf }
  }
}"""

# a source's description, one value per row (no OPTIONAL: joined to a VALUES block, an OPTIONAL
# is evaluated on its own first, which reads every article's title to describe two)
_SOURCES = _PREFIXES + """
SELECT ?g ?q ?v WHERE {
  GRAPH ?g {
    ?g ?q ?v .
    VALUES ?q { rdf:type schema:headline dcterms:title schema:datePublished dcterms:date schema:url schema:publisher }
  }
}"""
_SOURCE_FIELDS = {"headline": "title", "title": "title", "datePublished": "date", "date": "date", "url": "url", "publisher": "publisher"}

# the ontology's terms by their type (a scan of every rdfs:label would read each entity's labels
# in every graph that states them)
_TERM_LABELS = _PREFIXES + """
SELECT DISTINCT ?t ?label WHERE {
  VALUES ?kind { owl:Class owl:ObjectProperty owl:DatatypeProperty rdfs:Datatype }
  ?t a ?kind ; rdfs:label ?label . FILTER (STRSTARTS(STR(?t), STR(kc:)) && LANG(?label) = "en")
}"""

# Restricted to a VALUES block (`entity_data`, `entities_data`): patterns simple enough for the
# engine to start from the values (a second VALUES block, or an OPTIONAL, joined to it makes
# Oxigraph scan the whole graph first: 10-30 s at 10,000 articles); properties chosen by FILTER,
# the statements read apart and joined in Python.
_FACTS_AROUND = _PREFIXES + """
SELECT ?s ?p ?o ?g WHERE {
  GRAPH ?g { ?s ?p ?o }
  FILTER (STRSTARTS(STR(?p), STR(kc:)) && ?p != kc:routeStop)
  FILTER EXISTS { ?s a kc:Entity }
}"""
_STATEMENTS_AROUND = _PREFIXES + """
SELECT ?st ?s ?p ?o ?g WHERE {
  GRAPH ?g { ?st rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o }
}"""
_ANNOTATIONS_AROUND = _PREFIXES + """
SELECT ?st ?q ?v WHERE {
  GRAPH ?g { ?st ?q ?v }
  FILTER (?q IN (kc:quote, kc:charStart, kc:charEnd, kc:role, kc:share, kc:note, kc:asOf, kc:onAsset))
}"""
_QUANTITIES_AROUND = _PREFIXES + """
SELECT ?n ?q ?v WHERE {
  GRAPH ?g { ?n ?q ?v }
  FILTER (?q IN (schema:value, schema:unitText, schema:currency, kc:outOf, kc:aspect, kc:qualifier, kc:asOf))
}"""
_SOURCES_AROUND = _PREFIXES + """
SELECT ?g ?q ?v WHERE {
  GRAPH ?g { ?g ?q ?v }
  FILTER (?q IN (rdf:type, schema:headline, dcterms:title, schema:datePublished, dcterms:date, schema:url, schema:publisher))
}"""
_NAMES_AROUND = _PREFIXES + """
SELECT DISTINCT ?e ?p ?v WHERE {
  ?e ?p ?v .
  FILTER (?p IN (rdfs:label, skos:altLabel, schema:sameAs, schema:latitude, schema:longitude))
  FILTER EXISTS { ?e a kc:Entity }
}"""

_RDF_TYPE = PREFIXES["rdf"] + "type"
_SCHEMA = PREFIXES["schema"]
_NUMERIC = {XSD + "decimal", XSD + "integer", XSD + "nonNegativeInteger", XSD + "positiveInteger"}
_QUALIFIERS = {"role": "role", "share": "share (%)", "note": "note", "asOf": "as of", "onAsset": "applies to"}
_SCALES = ((Decimal(10) ** 12, "trillion"), (Decimal(10) ** 9, "billion"), (Decimal(10) ** 6, "million"))


Rows = Callable[[str], Iterable]  # SPARQL SELECT text -> rows, each indexed by variable name (None: unbound)
_CHUNK = 400  # IRIs per VALUES block when the queries are restricted (a request stays a few kilobytes)


def store_rows(store: ox.Store) -> Rows:
    """Rows from the embedded store, over the union of its graphs."""
    return lambda sparql: store.query(sparql, use_default_graph_as_union=True)


def runner_rows(runner) -> Rows:
    """Rows from a `kg.query` runner (the store or a SPARQL endpoint)."""

    def rows(sparql: str) -> list[dict]:
        result = runner(sparql, "SELECT")
        return [dict(zip(result.variables, row)) for row in result.rows]

    return rows


def restricted(rows: Rows, sparql: str, variable: str, iris: Iterable[str]) -> list:
    """The rows of `sparql` with `?variable` bound to each of `iris` (a VALUES block opening its WHERE)."""
    iris, out = sorted(set(iris)), []
    for start in range(0, len(iris), _CHUNK):
        values = " ".join(str(ox.NamedNode(iri)) for iri in iris[start:start + _CHUNK])
        out.extend(rows(sparql.replace("WHERE {", f"WHERE {{ VALUES ?{variable} {{ {values} }}", 1)))
    return out


def _local(iri: str) -> str:
    return iri.removeprefix(str(KC))


def view_data(store: ox.Store, entities: set[str]) -> dict:
    """Details of `entities` (ids) and of the sources their facts cite.

    Entities that only appear as the object of a relation get their names, so the panel can
    name them even when a focused view leaves them out.
    """
    rows = store_rows(store)
    return _described(rows, entities, rows(_FACTS), focused=False)


def entity_data(rows: Rows, entity: str) -> dict:
    """`view_data`'s details of one entity and of every entity with a fact pointing at it.

    Each query is restricted to what that entity needs (its facts, their statements, quantities,
    names and sources), so it stays fast on a large graph and light over HTTP.
    """
    iri = str(entity_iri(entity))
    found = _facts_around(rows, "s", [iri]) + [row for row in _facts_around(rows, "o", [iri]) if row["s"].value != iri]
    subjects = {entity} | {entity_id_of(row["s"].value) for row in found} - {None}
    return _described(rows, subjects, found, focused=True)


def entities_data(rows: Rows, entities: set[str]) -> dict:
    """`view_data`'s details of `entities` alone, each query restricted to them."""
    return _described(rows, entities, _facts_around(rows, "s", [str(entity_iri(e)) for e in entities]), focused=True)


def _facts_around(rows: Rows, variable: str, iris: list[str]) -> list[dict]:
    """The rows of _FACTS whose ?variable (s or o) is one of `iris`, read with the restricted queries."""
    statements, found = defaultdict(list), []
    for row in restricted(rows, _STATEMENTS_AROUND, variable, iris):
        statements[(str(row["s"]), str(row["p"]), str(row["o"]), str(row["g"]))].append(row["st"])
        if row["p"].value == _RDF_TYPE:  # the type statements: where a source names the entity
            found.append(dict(row))
    for row in restricted(rows, _FACTS_AROUND, variable, iris):
        for st in statements.get((str(row["s"]), str(row["p"]), str(row["o"]), str(row["g"]))) or [None]:
            found.append({**row, "st": st})
    return found


def _described(rows: Rows, entities: set[str], found: Iterable, focused: bool) -> dict:
    """Details of `entities` from the rows of _FACTS `found`; `focused`: read only what they need."""
    details = {e: {"iri": str(entity_iri(e)), "labels": {}, "aliases": [], "sameAs": [], "facts": [], "declared": []} for e in entities}
    terms = {_local(r["t"].value): r["label"].value for r in rows(_TERM_LABELS)}
    found = list(found) if focused else found
    if focused:
        statements = {row["st"].value for row in found if row["st"] is not None}
        nodes = {row["o"].value for row in found if isinstance(row["o"], ox.NamedNode) and entity_id_of(row["o"].value) is None}
        notes = _annotations(restricted(rows, _ANNOTATIONS_AROUND, "st", statements))
        quantities = _quantities(restricted(rows, _QUANTITIES_AROUND, "n", nodes))
    else:
        notes, quantities = _annotations(rows(_ANNOTATIONS)), _quantities(rows(_QUANTITIES))
    facts: dict[tuple, dict] = {}
    cited: set[str] = set()
    for row in found:
        subject = entity_id_of(row["s"].value)
        if subject not in details:
            continue
        graph = row["g"].value
        claim = _claim(graph, notes.get(row["st"].value if row["st"] is not None else None, {}))
        cited.add(graph)
        if row["p"].value == _RDF_TYPE:
            details[subject]["declared"].append(claim)
            continue
        fact = _fact(row["p"].value, row["o"], quantities, terms)
        if fact is None:
            continue
        key = (subject, fact["p"], fact["object"] or fact["text"], fact["node"])
        if key not in facts:
            facts[key] = fact
            details[subject]["facts"].append(fact)
        facts[key]["claims"].append(claim)
    for entity in details.values():
        for fact in entity["facts"]:
            del fact["node"]
            fact["claims"].sort(key=lambda c: c["g"])
        entity["facts"].sort(key=lambda f: (f["object"] is not None, f["p"], f["text"]))
        entity["declared"].sort(key=lambda c: c["g"])
    _add_names(rows, details, focused)
    sources = restricted(rows, _SOURCES_AROUND, "g", cited) if focused else rows(_SOURCES)
    return {"entities": details, "sources": _sources(sources, cited), "terms": terms}


class UnknownEntity(UsageError, LookupError):
    """A name that is no entity's id, label or alias, or that names several (exit 2)."""


def find_entity(store: ox.Store, name: str, *, within: set[str]) -> str:
    """The id of the entity of `within` whose id, label or alias is `name` (any case)."""
    wanted = name.casefold()
    if name in within:
        return name
    found = set()
    for row in store_rows(store)(_NAMES):
        entity = entity_id_of(row["e"].value)
        if entity in within and row["p"].value.endswith(("#label", "#altLabel")) and row["v"].value.casefold() == wanted:
            found.add(entity)
    if len(found) == 1:
        return found.pop()
    if found:
        raise UnknownEntity(f"{name!r} names several entities ({', '.join(sorted(found))}): give an id")
    raise UnknownEntity(f"no entity is called {name!r}: give an id, a label or an alias")


def _add_names(rows: Rows, details: dict, focused: bool) -> None:
    referenced = {f["object"] for e in list(details.values()) for f in e["facts"] if f["object"]}
    for missing in referenced - details.keys():
        details[missing] = {"labels": {}, "aliases": []}
    names = restricted(rows, _NAMES_AROUND, "e", (str(entity_iri(e)) for e in details)) if focused else rows(_NAMES)
    for row in names:
        entity = details.get(entity_id_of(row["e"].value))
        if entity is None:
            continue
        p, v = row["p"].value, row["v"]
        if p.endswith("#label"):
            entity["labels"].setdefault(v.language or "", []).append(v.value)
        elif p.endswith("#altLabel"):
            entity["aliases"].append(v.value)
        elif "sameAs" in entity and p == _SCHEMA + "sameAs":
            entity["sameAs"].append(v.value)
        elif "facts" in entity:  # latitude, longitude
            entity.setdefault("coords", {})[p.removeprefix(_SCHEMA)] = v.value
    for entity in details.values():
        entity["aliases"] = sorted(set(entity["aliases"]))
        entity["labels"] = {lang: sorted(set(names)) for lang, names in entity["labels"].items()}


def _annotations(found: Iterable) -> dict[str, dict]:
    out: dict[str, dict] = defaultdict(lambda: defaultdict(list))
    for row in found:
        out[row["st"].value][_local(row["q"].value)].append(row["v"])
    return out


def _quantities(found: Iterable) -> dict[str, dict]:
    out: dict[str, dict] = defaultdict(dict)
    for row in found:
        name = row["q"].value.removeprefix(_SCHEMA)
        out[row["n"].value][_local(name)] = row["v"].value
    return out


def _claim(graph: str, notes: dict) -> dict:
    claim = {"g": graph}
    if "quote" in notes:
        claim["quote"] = notes["quote"][0].value
        if "charStart" in notes and "charEnd" in notes:
            claim["span"] = [int(notes["charStart"][0].value), int(notes["charEnd"][0].value)]
    qualifiers = []
    for name, label in _QUALIFIERS.items():
        for value in notes.get(name, []):
            asset = entity_id_of(value.value) if isinstance(value, ox.NamedNode) else None
            qualifiers.append([label, asset or _text(value), asset])  # asset: the page links it
    if qualifiers:
        claim["qualifiers"] = qualifiers
    return claim


def _fact(predicate: str, obj, quantities: dict, terms: dict) -> dict | None:
    """A fact without its claims, or None for an object the panel cannot describe."""
    p = _local(predicate)
    fact = {"p": p, "label": terms.get(p, p), "object": None, "text": "", "qualifiers": [], "node": None, "claims": []}
    if isinstance(obj, ox.Literal):
        fact["text"] = _text(obj)
    elif entity_id_of(obj.value) is not None:
        fact["object"] = entity_id_of(obj.value)
    elif obj.value in quantities:
        q = quantities[obj.value]
        fact["node"] = obj.value  # each source's quantity is its own node: keep claims apart
        fact["text"] = _quantity_text(q)
        fact["qualifiers"] = [[label, q[key]] for key, label in (("aspect", "aspect"), ("asOf", "as of")) if key in q]
    else:
        return None
    return fact


def _quantity_text(q: dict) -> str:
    """'over 45,000,000,000 USD (45 billion)', '748 out of 768 km', '48 %'."""
    words = [q["qualifier"]] if "qualifier" in q else []
    words.append(_number(q["value"]))
    if "outOf" in q:
        words += ["out of", _number(q["outOf"])]
    words.append(q.get("unitText") or q.get("currency", ""))
    text = " ".join(w for w in words if w)
    readable = _in_words(q["value"])
    return f"{text} ({readable})" if readable else text


def _text(literal) -> str:
    if isinstance(literal, ox.Literal) and literal.datatype.value in _NUMERIC:
        return _number(literal.value)
    return literal.value


def _number(lexical: str) -> str:
    try:
        number = Decimal(lexical)
    except InvalidOperation:
        return lexical
    if number == number.to_integral_value():
        return f"{int(number):,}"
    return f"{number:,f}".rstrip("0")


def _in_words(lexical: str) -> str | None:
    number = Decimal(lexical)
    for scale, word in _SCALES:
        if number >= scale:
            return f"{_number(str((number / scale).normalize()))} {word}"
    return None


def _sources(found: Iterable, graphs: set[str]) -> dict[str, dict]:
    kinds, values = {}, defaultdict(lambda: defaultdict(set))
    for row in found:
        graph, q, v = row["g"].value, row["q"].value, row["v"].value
        if graph not in graphs:
            continue
        if q == _RDF_TYPE and v in (str(KC.Article), str(KC.Source)):
            kinds[graph] = "article" if v == str(KC.Article) else "source"
        elif q != _RDF_TYPE:
            values[graph][_SOURCE_FIELDS[q.rsplit("/", 1)[1]]].add(v)
    # a value each: the least, whichever engine answered in whichever order
    out = {graph: {"kind": kind, **{k: min(vs) for k, vs in sorted(values[graph].items())}} for graph, kind in kinds.items()}
    for graph in graphs - out.keys():  # a graph without a description still names its source
        out[graph] = {"kind": "source", "title": graph}
    return out
