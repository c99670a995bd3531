"""SHACL validation at scale: the shapes of ``ontology/shapes.ttl`` run as SPARQL on Oxigraph.

pySHACL checks one focus node at a time in Python and runs SPARQL-based constraints through
rdflib's engine; measured here it needed 47 s for 50 articles (64k quads), hours for 10,000.
This module translates each constraint of the SHACL Core subset the shapes use into one SPARQL
query that finds *all* its violations at once, and runs it on the Oxigraph store of the build.
pySHACL stays the reference: ``tests/test_shapes.py`` checks both report the same violations.

Supported (anything else in the shapes file is refused, so nothing is silently skipped):
node shapes with ``sh:targetClass``, ``sh:nodeKind``, ``sh:property`` and ``sh:sparql`` (SELECT
with ``$this``); property shapes with an IRI ``sh:path`` and ``sh:minCount``, ``sh:maxCount``,
``sh:datatype``, ``sh:class``, ``sh:nodeKind``, ``sh:languageIn``, ``sh:in``, ``sh:pattern``,
``sh:minInclusive``, ``sh:maxInclusive``, ``sh:or`` (of datatype or class shapes),
``sh:qualifiedValueShape`` (with ``sh:languageIn``) + ``sh:qualifiedMinCount``, ``sh:message``.
"""

from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection

from kg.vocab import PREFIXES, XSD

SH = Namespace("http://www.w3.org/ns/shacl#")
XSD_STRING = XSD + "string"
LANG_STRING = PREFIXES["rdf"] + "langString"

_NODE_KEYS = {RDF.type, SH.targetClass, SH.nodeKind, SH.property, SH.sparql, SH.declare}
_PROPERTY_KEYS = {SH.path, SH.minCount, SH.maxCount, SH.datatype, SH["class"], SH.nodeKind, SH.languageIn, SH["in"],
                  SH.pattern, SH.minInclusive, SH.maxInclusive, SH["or"], SH.qualifiedValueShape, SH.qualifiedMinCount,
                  SH.message}


_TARGET = "#TARGET#"  # in every check; replaced by the pattern selecting its focus nodes (see `_target`)
_INNER_FOCUS = "#FOCUS#"  # in a SPARQL constraint's own pattern, where a VALUES block restricting ?this may go


class UnsupportedShape(Exception):
    """The shapes file uses a SHACL feature this translation does not implement."""


@dataclass(frozen=True)
class Violation:
    focus: str
    path: str | None
    value: str | None
    message: str


@dataclass(frozen=True)
class Check:
    """One constraint as a SPARQL query selecting ?this (and ?value) for every violation."""

    query: str
    path: str | None
    message: str
    flags: tuple[str, ...] = ()  # combined value checks: the message of each ?fN flag that is true
    target: str = ""  # the target class, as an N-Triples term
    whole: str = ""  # the same check shaped for the whole store (see `run_checks`); "" = `query`


def _n3(term) -> str:
    return term.n3()


def _list(g: Graph, head) -> list:
    return list(Collection(g, head))


def load_checks(shapes_path: Path) -> list[Check]:
    """Translate every constraint of the shapes file into a SPARQL check."""
    g = Graph().parse(shapes_path, format="turtle")
    prefixes = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in _declared_prefixes(g).items())
    checks: list[Check] = []
    for shape in sorted(set(g.subjects(RDF.type, SH.NodeShape)), key=str):
        unknown = {p for p in g.predicates(shape) if p not in _NODE_KEYS}
        if unknown:
            raise UnsupportedShape(f"{shape}: {', '.join(sorted(map(str, unknown)))}")
        targets = list(g.objects(shape, SH.targetClass))
        if len(targets) != 1:
            raise UnsupportedShape(f"{shape}: exactly one sh:targetClass is supported")
        target, cls = _TARGET, _n3(targets[0])
        kind = g.value(shape, SH.nodeKind)
        if kind is not None:
            checks.append(Check(f"SELECT DISTINCT ?this WHERE {{ {target} FILTER ({_kind_test('?this', kind)}) }}",
                                None, f"must be {_kind_name(kind)}", target=cls))
        for prop in g.objects(shape, SH.property):
            checks.extend(_property_checks(g, prop, target, cls))
        for sparql in g.objects(shape, SH.sparql):
            select = str(g.value(sparql, SH.select))
            message = str(g.value(sparql, SH.message) or "violates a SPARQL constraint")
            # a prologue inside the SELECT is legal SHACL but not inside a subquery: hoist it
            prologue = _PROLOGUE.match(select).group(0)
            inner = _focusable(select[len(prologue):].replace("$this", "?this"))
            checks.append(Check(f"{prefixes}{prologue}\nSELECT * WHERE {{ {target} {{ {inner} }} }}", None, message,
                                target=cls, whole=f"{prefixes}{prologue}\nSELECT * WHERE {{ {{ {_anti_joined(inner)} }} {target} }}"))
    return checks


_PLAIN_SELECT = re.compile(r"\s*SELECT\s+(?:DISTINCT\s+|REDUCED\s+)?(?:\?\w+\s*)+(?:WHERE\s*)?\{", re.IGNORECASE)
_NOT_PUSHABLE = re.compile(r"\b(GROUP|HAVING|LIMIT|OFFSET|COUNT|SUM|MIN|MAX|AVG|SAMPLE|GROUP_CONCAT|SERVICE)\b",
                           re.IGNORECASE)


def _focusable(inner: str) -> str:
    """Mark where the focus nodes' VALUES block can go inside a constraint's SELECT.

    Joined from outside, the subquery is evaluated over the whole store first: checking the few
    nodes an incremental build touched took 5 s at 10,000 articles, all in one such constraint.
    Restricting ?this inside its WHERE gives the same rows when the SELECT is a plain one (one
    SELECT, no grouping, aggregates or slicing); otherwise the subquery is left as it is."""
    head = _plain(inner)
    return inner if head is None else inner[:head.end()] + _INNER_FOCUS + inner[head.end():]


def _plain(inner: str):
    """The head of a plain SELECT (one SELECT, no grouping, aggregates or slicing), else None."""
    head = _PLAIN_SELECT.match(inner)
    if head is None or len(re.findall(r"\bSELECT\b", inner, re.IGNORECASE)) != 1 or _NOT_PUSHABLE.search(inner):
        return None
    return head


def _anti_joined(inner: str) -> str:
    """The whole-store form of a constraint's SELECT: `FILTER NOT EXISTS { P }` as MINUS.

    NOT EXISTS is evaluated once per solution, an index seek each: 5 s for the 248,000
    statements at 10,000 articles, where MINUS scans P once and subtracts by hash. The rewrite is
    made only where both give the same rows: a plain SELECT whose WHERE is a basic graph pattern
    with filters (so ?this is bound in every solution) and one NOT EXISTS of the form
    `?this p1 ?v1 ; p2 ?v2 ...`, each ?vN used nowhere else. "Lacks one of p1, p2..." is then the
    union of one anti-join per property, each a single scan. Any other SELECT is left as written."""
    head = _plain(inner)
    if head is None:
        return inner
    groups = list(_NOT_EXISTS.finditer(inner))
    if len(groups) != 1 or _NOT_EXISTS.sub("", inner).count("{") != 1:
        return inner
    star = _STAR.fullmatch(groups[0].group(1))
    pairs = [pair.split() for pair in star.group(1).split(";")] if star else []
    if not pairs or any(len(pair) != 2 or not _VAR.fullmatch(pair[1]) or pair[1] == "?this"
                        or len(re.findall(re.escape(pair[1]) + r"\b", inner)) != 1 for pair in pairs):
        return inner
    rest = inner[head.end():groups[0].start()] + inner[groups[0].end():].rsplit("}", 1)[0]
    branches = " UNION ".join(f"{{ {rest} MINUS {{ ?this {p} {v} }} }}" for p, v in pairs)
    return f"SELECT DISTINCT ?this WHERE {{ {branches} }}"


_NOT_EXISTS = re.compile(r"FILTER\s+NOT\s+EXISTS\s*\{([^{}]*)\}", re.IGNORECASE)
_STAR = re.compile(r"\s*\?this\s+([^.{}]*?)\s*\.?\s*")
_VAR = re.compile(r"\?\w+")


def _declared_prefixes(g: Graph) -> dict[str, str]:
    return {str(g.value(d, SH.prefix)): str(g.value(d, SH.namespace)) for d in g.objects(None, SH.declare)}


def _property_checks(g: Graph, prop, target: str, cls: str) -> list[Check]:
    unknown = {p for p in g.predicates(prop) if p not in _PROPERTY_KEYS}
    if unknown:
        raise UnsupportedShape(f"property shape: {', '.join(sorted(map(str, unknown)))}")
    path = g.value(prop, SH.path)
    if not isinstance(path, URIRef):
        raise UnsupportedShape("only IRI paths are supported")
    p, own_message = _n3(path), g.value(prop, SH.message)
    base = f"{target} ?this {p} ?value ."
    checks: list[tuple[str, str]] = []
    per_value: list[tuple[str, str]] = []  # (condition of a violation, message): one scan for all of them

    def each_value(condition: str, message: str) -> None:
        per_value.append((condition, message))

    if (n := g.value(prop, SH.minCount)) is not None:
        checks.append((f"SELECT ?this WHERE {{ {{ SELECT ?this (COUNT(DISTINCT ?value) AS ?n) WHERE {{ {target} "
                       f"OPTIONAL {{ ?this {p} ?value }} }} GROUP BY ?this }} FILTER (?n < {int(n)}) }}",
                       f"needs at least {int(n)} value(s)", _too_few(target, p, "", int(n))))
    if (n := g.value(prop, SH.maxCount)) is not None:
        checks.append((f"SELECT ?this WHERE {{ {{ SELECT ?this (COUNT(DISTINCT ?value) AS ?n) WHERE {{ {base} }} "
                       f"GROUP BY ?this }} FILTER (?n > {int(n)}) }}", f"has more than {int(n)} value(s)",
                       f"SELECT ?this WHERE {{ {{ SELECT ?this WHERE {{ ?this {p} ?value }} GROUP BY ?this "
                       f"HAVING (COUNT(DISTINCT ?value) > {int(n)}) }} {target} }}"))
    if (d := g.value(prop, SH.datatype)) is not None:
        each_value(f"!({_datatype_test(d)})", f"must be a {d.n3()}")
    if (c := g.value(prop, SH["class"])) is not None:
        each_value(f"NOT EXISTS {{ ?value a {_n3(c)} }}", f"must be a {c.n3()}")
    if (k := g.value(prop, SH.nodeKind)) is not None:
        each_value(_kind_test("?value", k), f"must be {_kind_name(k)}")
    if (langs := g.value(prop, SH.languageIn)) is not None:
        each_value(f"!({_lang_test(g, langs)})", "language tag not allowed")
    if (allowed := g.value(prop, SH["in"])) is not None:
        values = " ".join(_n3(v) for v in _list(g, allowed))
        each_value(f"NOT EXISTS {{ VALUES ?ok {{ {values} }} FILTER (sameTerm(?value, ?ok)) }}", "value not in the allowed list")
    if (pattern := g.value(prop, SH.pattern)) is not None:
        each_value(f"isBlank(?value) || !REGEX(STR(?value), {Literal(str(pattern)).n3()})", f"does not match {pattern}")
    if (low := g.value(prop, SH.minInclusive)) is not None:
        each_value(f"!COALESCE(?value >= {low.n3()}, false)", f"must be ≥ {low}")
    if (high := g.value(prop, SH.maxInclusive)) is not None:
        each_value(f"!COALESCE(?value <= {high.n3()}, false)", f"must be ≤ {high}")
    if (alternatives := g.value(prop, SH["or"])) is not None:
        tests = []
        for alt in _list(g, alternatives):
            if (d := g.value(alt, SH.datatype)) is not None:
                tests.append(_datatype_test(d))
            elif (c := g.value(alt, SH["class"])) is not None:
                tests.append(f"EXISTS {{ ?value a {_n3(c)} }}")
            else:
                raise UnsupportedShape("sh:or alternatives must be sh:datatype or sh:class shapes")
        each_value(f"!({' || '.join(tests)})", "matches none of the allowed alternatives")
    if (qualified := g.value(prop, SH.qualifiedValueShape)) is not None:
        langs = g.value(qualified, SH.languageIn)
        n = g.value(prop, SH.qualifiedMinCount)
        if langs is None or n is None:
            raise UnsupportedShape("sh:qualifiedValueShape is supported with sh:languageIn and sh:qualifiedMinCount")
        language = f"FILTER ({_lang_test(g, langs)})"
        checks.append((f"SELECT ?this WHERE {{ {{ SELECT ?this (COUNT(DISTINCT ?value) AS ?n) WHERE {{ {target} "
                       f"OPTIONAL {{ ?this {p} ?value {language} }} }} GROUP BY ?this }} "
                       f"FILTER (?n < {int(n)}) }}", f"needs at least {int(n)} value(s) in the required language",
                       _too_few(target, p, language, int(n))))
    result = [Check(query, str(path), str(own_message) if own_message else message, target=cls, whole=whole)
              for query, message, whole in checks]
    if per_value:
        # an expression error leaves a flag unbound, which counts as no violation, as a FILTER error would
        binds = " ".join(f"BIND (COALESCE({cond}, false) AS ?f{i})" for i, (cond, _) in enumerate(per_value))
        any_flag = " || ".join(f"?f{i}" for i in range(len(per_value)))
        query = f"SELECT DISTINCT * WHERE {{ {base} {binds} FILTER ({any_flag}) }}"
        whole = f"SELECT DISTINCT * WHERE {{ {{ SELECT * WHERE {{ ?this {p} ?value . {binds} FILTER ({any_flag}) }} }} {target} }}"
        flags = tuple(str(own_message) if own_message else message for _, message in per_value)
        result.append(Check(query, str(path), "", flags, target=cls, whole=whole))
    return result


def _too_few(target: str, p: str, condition: str, n: int) -> str:
    """The whole-store form of a minimum count: the targets minus the nodes that have enough values."""
    if n == 1:
        return f"SELECT ?this WHERE {{ {target} MINUS {{ ?this {p} ?value {condition} }} }}"
    return (f"SELECT ?this WHERE {{ {target} MINUS {{ SELECT ?this WHERE {{ ?this {p} ?value {condition} }} "
            f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) >= {n}) }} }}")


def _datatype_test(datatype) -> str:
    if str(datatype) == LANG_STRING:
        return "isLiteral(?value) && LANG(?value) != \"\""
    if str(datatype) == XSD_STRING:
        # a language-tagged string has the datatype rdf:langString: no LANG test needed (it would
        # decode every long string, 20% of the quote check at scale)
        return "isLiteral(?value) && DATATYPE(?value) = <%s>" % XSD_STRING
    return f"isLiteral(?value) && DATATYPE(?value) = {_n3(datatype)}"


def _lang_test(g: Graph, langs) -> str:
    tags = ", ".join(Literal(str(tag).lower()).n3() for tag in _list(g, langs))
    return f"isLiteral(?value) && LCASE(LANG(?value)) IN ({tags})"


def _kind_test(var: str, kind) -> str:
    return {SH.IRI: f"!isIRI({var})", SH.Literal: f"!isLiteral({var})", SH.BlankNode: f"!isBlank({var})"}[kind]


def _kind_name(kind) -> str:
    return {SH.IRI: "an IRI", SH.Literal: "a literal", SH.BlankNode: "a blank node"}[kind]


_PROLOGUE = re.compile(r"(\s*PREFIX\s+[\w-]*:\s*<[^>]*>)*\s*", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"\{[?$](\w+)\}")


def run_checks(store: ox.Store, checks: list[Check], focus: set[str] | None = None) -> list[Violation]:
    """Every violation of every check on the union of the store's graphs (of `focus` nodes only, if given).

    The checks run in threads: Oxigraph evaluates a query without holding the GIL, so on two
    cores two checks run at once (measured 1.9x).

    Each check has two shapes with the same answers. For a few focus nodes, `query` starts from
    them and looks up each one's values: an index seek per node and property (~6 µs on the
    on-disk store). For the whole store, `whole` starts from the property's values instead, one
    index scan (~0.4 µs a quad), and joins the few nodes that fail to the target class last, or
    subtracts the nodes that pass with MINUS (a hash join). At 10,000 articles the 248,000
    statements' checks went from about 2.2 s each to about 0.6 s."""
    if focus is not None and not focus:
        return []
    values = "" if focus is None else "VALUES ?this { " + " ".join(f"<{iri}>" for iri in sorted(focus)) + " }\n"
    classes = sorted({check.target for check in checks})
    with ThreadPoolExecutor(_THREADS) as pool:
        if focus is None:
            repeated = {cls for cls, twice in zip(classes, pool.map(lambda c: _typed_twice(store, c), classes)) if twice}
        else:
            repeated = set(classes)  # a few nodes: the DISTINCT costs nothing
        found = set()
        for violations in pool.map(lambda check: _run(store, check, _target(check.target, values, check.target in repeated),
                                                      values), checks):
            found.update(violations)
    return sorted(found, key=lambda v: (v.focus, v.path or "", v.message, v.value or ""))


_THREADS = min(os.cpu_count() or 1, 4)


def _target(cls: str, values: str, distinct: bool) -> str:
    """The pattern binding ?this to each focus node of class `cls` (restricted to `values`, if any).

    The union default graph repeats `?this a C` once per graph stating it, and a check then meets
    every value of a node once more per repeat: for an entity named in hundreds of articles that
    made the label checks quadratic. Deduplicating the targets first fixes it, but costs a hash
    set that slows the checks of classes whose nodes are typed once (rdf:Statement: one graph
    each), so it is used only for classes with repeats. Either form finds the same violations."""
    if distinct:
        return f"{{ SELECT DISTINCT ?this WHERE {{ {values}?this a {cls} }} }}"
    return f"{values}?this a {cls} ."


def _typed_twice(store: ox.Store, cls: str) -> bool:
    """Whether some node is stated to be a `cls` in more than one graph."""
    row = next(iter(store.query(f"SELECT (COUNT(*) AS ?n) (COUNT(DISTINCT ?this) AS ?d) WHERE {{ ?this a {cls} }}",
                                use_default_graph_as_union=True)))
    return row["n"].value != row["d"].value


def _run(store: ox.Store, check: Check, target: str, values: str) -> list[Violation]:
    found = []
    query = (check.whole or check.query) if not values else check.query
    query = query.replace(_TARGET, target).replace(_INNER_FOCUS, values)
    for row in store.query(query, use_default_graph_as_union=True):
        focus, value = row["this"].value, _value(row, "value")
        if check.flags:
            messages = [m for i, m in enumerate(check.flags) if _value(row, f"f{i}") == "true"]
        else:
            messages = [_PLACEHOLDER.sub(lambda m: _fill(row, m.group(1)), check.message)]
        found.extend(Violation(focus, check.path, value, message) for message in messages)
    return found


def _value(row, name: str) -> str | None:
    try:
        term = row[name]
    except (KeyError, IndexError):
        return None
    return None if term is None else term.value


def _fill(row, name: str) -> str:
    value = _value(row, name)
    return value if value is not None else "?"


def validate_store(store: ox.Store, shapes_path: Path, focus: set[str] | None = None) -> list[Violation]:
    """Validate the union of the store's graphs against the shapes file."""
    return run_checks(store, load_checks(shapes_path), focus)
