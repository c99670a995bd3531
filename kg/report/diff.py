"""What changed between two builds of the graph, by entity and property, each change with its source.

Graphs whose tokens match (`kg.report.sides`) are skipped unread; each other graph is compared as
two sets of triple lines, and only the lines in one set and not the other are explained:

- a reified statement (`<graph>/stmt/HASH`, docs/model.md) is *added* or *removed*; it is
  *changed* when one statement went and one came in the same source graph with the same match
  key: subject, property and qualifiers (`kc:role`, `kc:onAsset`, and for a figure its
  `kc:aspect`). What differs then is its value (the object, or a figure's amount, unit, currency,
  "out of", qualifier or as-of date) or its evidence (quote, span, `kc:share`, `kc:note`,
  `kc:asOf`). A statement's IRI is a digest of its content, so the key, not the IRI, pairs them;
  a key with several statements on one side is reported as additions and removals;
- the triple a statement asserts, and the superclass and superproperty triples the build adds
  (the RDFS closure, read from the ontology graph), follow their statement and are not repeated;
- any other triple (a label, an alias, coordinates, a route stop, an article's metadata) is a
  *detail* added, removed or changed (one value replaced by one other, same language);
- graphs only in NEW or only in OLD are articles or sources *added* or *withdrawn*;
- an entity is *added* or *removed* when it is typed in some graph of one side and no graph of
  the other; a removed entity is *merged* into another when one of its names (label or alias)
  now names that other one.

The patch (`changed_lines`) is the exact quad-level difference, streamed graph by graph without
any of the above: applying its deletions and additions to a dataset equal to OLD gives one equal
to NEW (`kg.report.patch`).
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from kg.build.rundir import current_run, previous_run
from kg.vocab import ONTOLOGY_IRI, PREFIXES, RESOURCE, entity_id_of
from kg.report.sides import RDF_TYPE, comparable, open_side, run_side, same_graph

_RDF, _RDFS, _KC = PREFIXES["rdf"], PREFIXES["rdfs"], PREFIXES["kc"]
_SCHEMA, _DCTERMS, _SKOS = PREFIXES["schema"], PREFIXES["dcterms"], PREFIXES["skos"]

STATEMENT = f"<{_RDF}Statement>"
SUBCLASS, SUBPROPERTY = f"<{_RDFS}subClassOf>", f"<{_RDFS}subPropertyOf>"
NAMES = (f"<{_RDFS}label>", f"<{_SKOS}altLabel>")
TITLES = (f"<{_SCHEMA}headline>", f"<{_DCTERMS}title>")
DATES = (f"<{_SCHEMA}datePublished>", f"<{_DCTERMS}date>")
ARTICLE = f"<{_KC}Article>"
# the parts of a statement node, by property: role and onAsset pair statements (with a figure's
# aspect, the match key); the others are its evidence
_STATEMENT_FIELDS = {f"<{_RDF}subject>": "subject", f"<{_RDF}predicate>": "predicate", f"<{_RDF}object>": "object",
                     f"<{_KC}role>": "role", f"<{_KC}onAsset>": "on", f"<{_KC}quote>": "quote", f"<{_KC}share>": "share",
                     f"<{_KC}note>": "note", f"<{_KC}asOf>": "as of", f"<{_KC}charStart>": "start",
                     f"<{_KC}charEnd>": "end"}
_EVIDENCE = ("quote", "share", "note", "as of", "role")
_QUANTITY = {f"<{_SCHEMA}value>": "value", f"<{_SCHEMA}unitText>": "unit", f"<{_SCHEMA}currency>": "currency",
             f"<{_KC}outOf>": "out of", f"<{_KC}qualifier>": "qualifier", f"<{_KC}asOf>": "as of",
             f"<{_KC}aspect>": "aspect", f"<{_RDFS}label>": "label"}
_LABEL_EN = f"<{_RDFS}label>"


@dataclass(frozen=True)
class Stmt:
    """A reified statement read from its node's triples."""

    node: str
    subject: str
    predicate: str
    object: str
    value: str  # readable: an entity id, a literal's text, a figure as "over 45,000,000,000 USD (as of 2024)"
    figure: bool
    key: tuple  # (subject, predicate, role, on, aspect): what must match for "changed"
    evidence: tuple  # sorted (name, text) pairs: quote, span, share, note, as of; role, on and aspect too

    def as_dict(self) -> dict:
        return {"value": self.value, **dict(self.evidence)}


@dataclass
class Change:
    """One line of the report: something added, removed or changed in one source graph."""

    kind: str  # "added", "removed" or "changed"
    what: str  # "statement" (reified, with evidence) or "detail" (a plain triple: label, alias, route...)
    graph: str  # the source graph it came from
    entity: str  # the entity (or article / source) it is about, an IRI
    property: str  # an IRI
    old: dict | None
    new: dict | None
    figure: bool = False

    def as_dict(self) -> dict:
        return {"kind": self.kind, "what": self.what, "graph": self.graph, "entity": self.entity,
                "property": self.property, "old": self.old, "new": self.new, "figure": self.figure}


@dataclass
class Diff:
    """Everything that differs between OLD and NEW."""

    old: str
    new: str
    graphs: int = 0  # graphs in either side
    graphs_changed: int = 0  # graphs present on both sides whose triples differ
    sources_added: list[dict] = field(default_factory=list)  # {"graph", "kind", "title", "date"}
    sources_withdrawn: list[dict] = field(default_factory=list)
    entities_added: list[str] = field(default_factory=list)
    entities_removed: list[str] = field(default_factory=list)
    entities_merged: list[dict] = field(default_factory=list)  # {"entity", "into", "name"}
    changes: list[Change] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)  # entity IRI -> a name, for readers
    triples: int = 0  # triples removed or added, derived ones included


def open_sides(old: Path | None, new: Path | None, build_dir: Path):
    """OLD and NEW (build folders, run folders or RDF files) ready to compare; by default the
    previous and the current build of `build_dir`, and with OLD alone, OLD and the current build."""
    old_side = open_side(old) if old is not None else run_side(previous_run(build_dir))
    new_side = open_side(new) if new is not None else run_side(current_run(build_dir))
    return comparable(old_side, new_side)


def changed_lines(old, new):
    """(graph, lines removed, lines added) for every graph that differs, in graph order, one batch
    of graphs in memory at a time: what a patch is made of."""
    suspects = sorted(g for g in set(old.tokens) | set(new.tokens) if not same_graph(old, new, g))
    for batch in _batches(old, new, suspects):
        old_lines, new_lines = old.lines(batch), new.lines(batch)
        for graph in batch:
            before, after = set(old_lines.pop(graph)), set(new_lines.pop(graph))
            if before != after:
                yield graph, sorted(before - after), sorted(after - before)


def compare(old, new, graphs: set[str] | None = None, labels: bool = True) -> Diff:
    """The difference of two sides; `graphs`, when given, limits it to those (the build knows them);
    `labels`: look up the names of the entities in the stores, for readers."""
    old, new = comparable(old, new)
    names = set(old.tokens) | set(new.tokens)
    result = Diff(old.label, new.label, graphs=len(names))
    suspects = sorted(g for g in (names if graphs is None else graphs & names) if not same_graph(old, new, g))
    if not suspects:
        return result
    closure = _Closure(_ontology_lines(old, new))
    # One process: two worker processes, each taking half of the graphs, made a full 10,000-article
    # diff slower on this project's two shared cores (31.6 s against 22.6 s): sending 650,000
    # changes back to the parent cost more than the second core gave.
    retyped: set[str] = set()  # entities whose type triples differ somewhere: added, removed or neither
    renamed: dict[str, dict[str, str]] = defaultdict(dict)  # entity -> names it gained (folded -> as written)
    lost_names: dict[str, dict[str, str]] = defaultdict(dict)
    for batch in _batches(old, new, suspects):
        old_lines, new_lines = old.lines(batch), new.lines(batch)
        for graph in batch:
            before, after = set(old_lines.pop(graph)), set(new_lines.pop(graph))
            _graph_changes(graph, before, after, closure, result, retyped, renamed, lost_names,
                           in_old=graph in old.tokens, in_new=graph in new.tokens)
    _entities(old, new, retyped, renamed, lost_names, result)
    if labels:
        _name_entities(old, new, result)
    else:
        result.labels = {}
    return result


# Triples held at once (both sides) when reading a file: each batch costs a pass over both files,
# and ~2 million lines take ~400 MB as Python strings.
BATCH_TRIPLES = 2_000_000


def _batches(old, new, graphs: list[str]):
    """The graphs in consecutive batches: one graph at a time where both sides read a graph alone
    (one seek each), else as many as hold BATCH_TRIPLES (a batch is one pass over both files)."""
    if old.seekable and new.seekable:
        yield from ([g] for g in graphs)
        return
    batch, held = [], 0
    for graph in graphs:
        size = sum(side.tokens.get(graph, (0, 0))[0] for side in (old, new))
        if batch and held + size > BATCH_TRIPLES:
            yield batch
            batch, held = [], 0
        batch.append(graph)
        held += size
    if batch:
        yield batch
def _graph_changes(graph, before, after, closure, result, retyped, renamed, lost_names, *,
                   in_old, in_new) -> None:
    removed, added = before - after, after - before
    if not removed and not added:
        return
    result.triples += len(removed) + len(added)
    # each line is split once: the differing ones here, the common ones in _index
    gone_triples = [tuple(line.split(" ", 2)) for line in removed]
    came_triples = [tuple(line.split(" ", 2)) for line in added]
    touched = {t[0] for t in gone_triples} | {t[0] for t in came_triples}
    common = _index(before & after, touched, result.labels)
    old_index, new_index = _with(common, gone_triples, result.labels), _with(common, came_triples, result.labels)
    retyped |= _typed(gone_triples) | _typed(came_triples)
    old_stmts, new_stmts = _statements(old_index, before), _statements(new_index, after)
    if in_old and in_new:
        result.graphs_changed += 1
    elif in_new:
        result.sources_added.append(_describe_source(graph, new_index))
    else:
        result.sources_withdrawn.append(_describe_source(graph, old_index))
    result.changes += _statement_changes(graph, old_stmts, new_stmts)
    node_prefixes = (f"<{graph}/stmt/", f"<{graph}/q/")
    gone = _plain(gone_triples, old_stmts, closure, node_prefixes)
    came = _plain(came_triples, new_stmts, closure, node_prefixes)
    for names, triples in ((lost_names, gone), (renamed, came)):
        for s, p, o in triples:
            if p in NAMES:
                text = _text(o, lang=False)
                names[s][_fold(text)] = text
    if in_old != in_new:  # an article's or source's own metadata: said once, as the source added or withdrawn
        gone, came = [t for t in gone if t[0] != f"<{graph}>"], [t for t in came if t[0] != f"<{graph}>"]
    result.changes += _detail_changes(graph, gone, came)


def _index(lines: set[str], subjects: set[str], labels: dict[str, str] | None = None) -> dict[str, list[tuple[str, str]]]:
    """The (property, object) pairs of the given subjects; their English labels go into `labels`
    (IRI -> text), for the report's headings."""
    index: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for line in lines:
        s, p, o = line.split(" ", 2)
        if s in subjects:
            index[s].append((p, o))
            if p == _LABEL_EN and labels is not None and o.endswith('"@en'):
                labels[s[1:-1]] = _text(o, lang=False)
    return index


_ENTITY = "<" + RESOURCE


def _with(common: dict, triples: list[tuple[str, str, str]], labels: dict[str, str]) -> dict:
    """One side's index: the pairs both sides share and this side's own."""
    index = defaultdict(list, {s: list(pairs) for s, pairs in common.items()})
    for s, p, o in triples:
        index[s].append((p, o))
        if p == _LABEL_EN and o.endswith('"@en'):
            labels[s[1:-1]] = _text(o, lang=False)
    return index


def _typed(triples: list[tuple[str, str, str]]) -> set[str]:
    """The entities given a type by these triples (N-Triples IRIs)."""
    return {s for s, p, _ in triples if p == RDF_TYPE and s.startswith(_ENTITY) and "/" not in s[len(_ENTITY):-1]}


def _statements(index: dict, lines: set[str]) -> dict[str, Stmt]:
    nodes = [s for s, pairs in index.items() if (RDF_TYPE, STATEMENT) in pairs]
    quantities = {o for s in nodes for p, o in index[s] if p == f"<{_RDF}object>" and "/q/" in o}
    missing = quantities - set(index)
    if missing:  # a figure whose node did not change, under a statement that did
        index.update(_index(lines, missing))
    return {node: _statement(node, index) for node in nodes}


def _statement(node: str, index: dict) -> Stmt:
    # one pass over the node's pairs and text made only for what is there: at 10,000 articles every
    # statement of two unrelated builds goes through here (~1.3 million)
    fields: dict[str, str] = {}
    on = []
    for p, o in index[node]:
        name = _STATEMENT_FIELDS.get(p)
        if name == "on":
            on.append(_text(o))
        elif name is not None:
            fields[name] = o
    subject, predicate, obj = fields.get("subject", ""), fields.get("predicate", ""), fields.get("object", "")
    quantity = index.get(obj) if "/q/" in obj else None
    aspect = None
    if quantity is not None:
        value, aspect = _figure(quantity)
    else:
        value = _text(obj) if obj else ""
    evidence = {name: _text(fields[name]) for name in _EVIDENCE if name in fields}
    if "start" in fields and "end" in fields:
        evidence["span"] = f"{_text(fields['start'])}-{_text(fields['end'])}"
    role = evidence.get("role")
    on_text = ", ".join(sorted(on)) or None
    if on_text:
        evidence["on"] = on_text
    if aspect:
        evidence["aspect"] = aspect
    return Stmt(node, subject, predicate, obj, value, quantity is not None,
                (subject, predicate, role, on_text, aspect), tuple(sorted(evidence.items())))


def _figure(pairs: list[tuple[str, str]]) -> tuple[str, str | None]:
    """A quantity node as readable text ("over 45,000,000,000 USD (as of 2024-07-02)") and its aspect."""
    parts = {}
    for p, o in pairs:
        name = _QUANTITY.get(p)
        if name is not None:
            parts[name] = _text(o, lang=False)
    amount = parts.get("label") or " ".join(x for x in (parts.get("value"), parts.get("currency") or parts.get("unit")) if x)
    text = f"{parts['qualifier']} {amount}" if parts.get("qualifier") else amount
    if parts.get("out of"):
        text += f" out of {parts['out of']}"
    if parts.get("as of"):
        text += f" (as of {parts['as of']})"
    return text, parts.get("aspect")


def _statement_changes(graph: str, old: dict[str, Stmt], new: dict[str, Stmt]) -> list[Change]:
    changes = []
    gone: dict[tuple, list[Stmt]] = defaultdict(list)
    came: dict[tuple, list[Stmt]] = defaultdict(list)
    for node, stmt in old.items():
        if node not in new:
            gone[stmt.key].append(stmt)
        elif new[node] != stmt:  # same content digest, other evidence (the article text moved a quote)
            changes.append(_change("changed", graph, stmt, new[node]))
    for node, stmt in new.items():
        if node not in old:
            came[stmt.key].append(stmt)
    for key in sorted(set(gone) | set(came), key=str):
        a, b = gone.get(key, []), came.get(key, [])
        if len(a) == 1 and len(b) == 1:
            changes.append(_change("changed", graph, a[0], b[0]))
            continue
        changes += [_change("removed", graph, s, None) for s in a] + [_change("added", graph, None, s) for s in b]
    return changes


def _change(kind: str, graph: str, old: Stmt | None, new: Stmt | None) -> Change:
    stmt = new or old
    return Change(kind, "statement", graph, stmt.subject[1:-1], stmt.predicate[1:-1],
                  old.as_dict() if old else None, new.as_dict() if new else None,
                  figure=stmt.figure or bool(old and old.figure))


def _plain(triples: list[tuple[str, str, str]], stmts: dict[str, Stmt], closure: _Closure,
           node_prefixes: tuple) -> list[tuple[str, str, str]]:
    """The differing triples that are neither part of a statement, asserted by one, nor derived."""
    asserted = {(s.subject, s.predicate, s.object) for s in stmts.values()}
    triples = [t for t in triples if not t[0].startswith(node_prefixes) and t not in asserted]
    around = _Around(set(triples) | asserted)
    return sorted(t for t in triples if not closure.derived(t, around))


def _detail_changes(graph: str, gone: list, came: list) -> list[Change]:
    by_key: dict[tuple, tuple[list, list]] = defaultdict(lambda: ([], []))
    for side, triples in ((0, gone), (1, came)):
        for s, p, o in triples:
            by_key[(s, p, _lang(o))][side].append(o)
    changes = []
    for (s, p, _), (a, b) in sorted(by_key.items()):
        entity = _entity_of(s, graph)
        where = {} if entity == s[1:-1] else {"node": s[1:-1]}
        if len(a) == 1 and len(b) == 1:
            changes.append(Change("changed", "detail", graph, entity, p[1:-1], {"value": _text(a[0]), **where},
                                  {"value": _text(b[0]), **where}))
            continue
        changes += [Change("removed", "detail", graph, entity, p[1:-1], {"value": _text(o), **where}, None) for o in a]
        changes += [Change("added", "detail", graph, entity, p[1:-1], None, {"value": _text(o), **where}) for o in b]
    return changes


def _entity_of(subject: str, graph: str) -> str:
    """The entity a node belongs to: `res:x/route/1` and `res:x/geometry` to `res:x`; the graph's own node to the graph."""
    iri = subject[1:-1]
    if iri == graph or not iri.startswith(RESOURCE) or entity_id_of(iri):
        return iri
    head = iri[len(RESOURCE):].split("/", 1)[0]
    return RESOURCE + head if head not in ("article", "source") else iri


def _describe_source(graph: str, index: dict) -> dict:
    pairs = index.get(f"<{graph}>", [])
    first = lambda props: next((_text(o, lang=False) for p, o in pairs if p in props), None)  # noqa: E731
    kind = "article" if (RDF_TYPE, ARTICLE) in pairs else "source"
    return {"graph": graph, "kind": kind, "title": first(TITLES), "date": first(DATES)}


def _entities(old, new, candidates: set[str], renamed: dict, lost_names: dict, result: Diff) -> None:
    """Entities typed on one side only; a removed one whose name another entity gained is merged into it.

    The candidates are the entities whose type triples differ in some graph; whether each is typed
    anywhere on a side is asked of that side (its store: one index lookup each)."""
    in_old, in_new = old.declared(candidates), new.declared(candidates)
    added = sorted(in_new - in_old)
    removed = sorted(in_old - in_new)
    result.entities_added = [e[1:-1] for e in added]
    result.entities_removed = [e[1:-1] for e in removed]
    gained: dict[str, list[str]] = defaultdict(list)  # folded name -> the entities that gained it
    for other, names in renamed.items():
        for name in names:
            gained[name].append(other)
    gone = set(removed)
    for entity in removed:
        for name in sorted(lost_names.get(entity, {})):
            into = sorted(e for e in gained.get(name, ()) if e != entity and e not in gone)
            if into:
                result.entities_merged.append({"entity": entity[1:-1], "into": into[0][1:-1], "name": renamed[into[0]][name]})
                break


def _name_entities(old, new, result: Diff) -> None:
    wanted = {c.entity for c in result.changes} | set(result.entities_added) | set(result.entities_removed)
    wanted |= {m["into"] for m in result.entities_merged}
    result.labels = {e: result.labels[e] for e in wanted if e in result.labels}  # read from the changed graphs
    for side in (old, new):
        getter = getattr(side, "names", None)
        if getter is not None:
            result.labels.update(getter(wanted - set(result.labels)))


class _Closure:
    """The ontology's superclasses and superproperties, to recognise the triples the build derives."""

    def __init__(self, lines: list[str]):
        direct: dict[str, dict[str, set[str]]] = {SUBCLASS: defaultdict(set), SUBPROPERTY: defaultdict(set)}
        for line in lines:
            s, p, o = line.split(" ", 2)
            if p in direct and o.startswith("<"):
                direct[p][s].add(o)
        self.classes = _transitive(direct[SUBCLASS])
        self.properties = _transitive(direct[SUBPROPERTY])

    def derived(self, triple: tuple[str, str, str], around: _Around) -> bool:
        """Whether another triple of `around` implies this one (same node and value, a narrower term)."""
        s, p, o = triple
        if p == RDF_TYPE:
            return any(o in self.classes.get(c, ()) for c in around.types.get(s, ()) if c != o)
        return any(p in self.properties.get(p2, ()) for p2 in around.properties.get((s, o), ()) if p2 != p)


class _Around:
    """Triples indexed for `_Closure.derived`: the types of each node, the properties of each (node, value)."""

    def __init__(self, triples: set[tuple[str, str, str]]):
        self.types: dict[str, set[str]] = defaultdict(set)
        self.properties: dict[tuple[str, str], set[str]] = defaultdict(set)
        for s, p, o in triples:
            if p == RDF_TYPE:
                self.types[s].add(o)
            else:
                self.properties[(s, o)].add(p)


def _transitive(direct: dict[str, set[str]]) -> dict[str, set[str]]:
    out = {}
    for start in direct:
        seen, todo = set(), list(direct[start])
        while todo:
            x = todo.pop()
            if x not in seen:
                seen.add(x)
                todo += direct.get(x, ())
        out[start] = seen
    return out


def _ontology_lines(old, new) -> list[str]:
    graph = str(ONTOLOGY_IRI)
    lines = []
    for side in (old, new):
        if graph in side.tokens:
            lines += side.lines([graph])[graph]
    return lines


_ESCAPE = re.compile(r'\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)')
_SIMPLE = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def _text(term: str, lang: bool = True) -> str:
    """A term's readable text: an entity's id, another IRI prefixed, a literal's value (with @lang)."""
    if term.startswith("<"):
        iri = term[1:-1]
        return entity_id_of(iri) or short(iri)
    if term.startswith('"'):
        end = term.rindex('"')
        value = term[1:end]
        if "\\" in value:
            value = _ESCAPE.sub(lambda m: _SIMPLE.get(m.group(1), None) or chr(int(m.group(1)[1:], 16)), value)
        tail = term[end + 1:]
        return value + (f" @{tail[1:]}" if lang and tail.startswith("@") else "")
    return term


@functools.lru_cache(maxsize=1 << 16)  # properties and graphs repeat on every line of a report
def short(iri: str) -> str:
    """`kc:capacity` for the IRI of kc:capacity (the build's prefixes); other IRIs whole."""
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


def _lang(term: str) -> str:
    if term.startswith('"'):
        return term[term.rindex('"') + 1:]
    return ""


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())
