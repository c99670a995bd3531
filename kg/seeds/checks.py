"""Checks of the seeds: each document's own (quotes, qualifiers) and across documents (every id
resolves to a declared entity of a fitting class, one type per id).

`kg.seeds.facts` has already checked each file's structure. Cross-document checks work on outlines —
what other files need to know of a document: its declarations and its references — so a build
can check a changed file against thousands of unchanged ones without re-reading them
(outlines are cached, see `kg.build.cache`).
"""

from __future__ import annotations

import difflib
import hashlib
import json
from dataclasses import dataclass, field

from rdflib import URIRef

from kg.seeds.facts import Document
from kg.ontology import Ontology
from kg.problems import Problem, ProblemsFound, display_path
from kg.seeds.quotes import fold, near_miss, occurrences
from kg.vocab import KC


@dataclass(frozen=True)
class Declaration:
    id: str
    type: str
    path: str
    line: int
    coords: tuple[str, str] | None = None  # (lat, lon) as decimal strings
    names: tuple[str, ...] = ()  # its labels and aliases in every language, folded (see `name_key`)


@dataclass(frozen=True)
class Reference:
    id: str
    path: str
    line: int
    wanted: tuple[str, ...]  # IRIs of the classes the entity must belong to (any of them)
    what: str


@dataclass
class Outline:
    """What the cross-document checks and the compiler need to know of one document."""

    declarations: list[Declaration] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    route_places: list[str] = field(default_factory=list)


# Rebuilding 80,000 declarations and 300,000 references for an incremental build at 10,000 articles:
# filling __dict__ directly is ~3x faster than the frozen dataclasses' __init__ (same objects).
def declarations_from_json(items: list[dict]) -> list["Declaration"]:
    out = []
    for d in items:
        obj = object.__new__(Declaration)
        obj.__dict__.update(d)
        if d["coords"]:
            obj.__dict__["coords"] = tuple(d["coords"])
        obj.__dict__["names"] = tuple(d.get("names", ()))
        out.append(obj)
    return out


def references_from_json(items: list[dict]) -> list["Reference"]:
    out = []
    for r in items:
        obj = object.__new__(Reference)
        obj.__dict__.update(r)
        obj.__dict__["wanted"] = tuple(r["wanted"])
        out.append(obj)
    return out


@dataclass
class Registry:
    """All entities of all documents: id -> type, id -> every declaration, id -> coordinates."""

    types: dict[str, str]
    declarations: dict[str, list[Declaration]]
    coords: dict[str, tuple[str, str]]


def name_key(name: str) -> str:
    """A name as compared across entities: case, dashes, quotes and spacing folded."""
    return fold(name).strip()


def outline(doc: Document) -> Outline:
    """The declarations and references of one document."""
    out = Outline()
    for e in doc.entities:
        coords = (str(e.coords[0]), str(e.coords[1])) if e.coords else None
        names = tuple(sorted({name_key(n) for n in (*e.labels.values(), *e.aliases)}))
        out.declarations.append(Declaration(e.id, e.type, e.where.path, e.where.line, coords, names))
        for i, place in enumerate(e.route):
            out.references.append(Reference(place, e.where.path, e.route_line, (str(KC.Place),), f"stop {i + 1} of the route of '{e.id}'"))
            out.route_places.append(place)
    if doc.kind == "article" and doc.meta.get("dateline") is not None:
        out.references.append(Reference(str(doc.meta["dateline"]), display_path(doc.meta_path),
                                        doc.meta_lines.get("dateline", 0), (str(KC.Place),), "the dateline"))
    for stmt in doc.statements:
        spec, path = stmt.property, stmt.where.path
        out.references.append(Reference(stmt.subject, path, stmt.lines.get("subject", stmt.where.line),
                                        tuple(sorted(map(str, spec.domains))), f"the subject of '{spec.name}'"))
        if stmt.object is not None:
            out.references.append(Reference(stmt.object, path, stmt.lines.get("object", stmt.where.line),
                                            tuple(sorted(map(str, spec.ranges))), f"the object of '{spec.name}'"))
        for asset in stmt.on:
            out.references.append(Reference(asset, path, stmt.lines.get("applies_to", stmt.where.line),
                                            (str(KC.Asset),), "`applies_to:`"))
    return out


def local_problems(doc: Document, onto: Ontology) -> list[Problem]:
    """Problems visible in one document alone: quotes not in its article, misplaced qualifiers."""
    problems: list[Problem] = []
    for entity in doc.entities:
        if entity.route and not onto.is_a(onto.entity_classes[entity.type], KC.Asset):
            problems.append(Problem(entity.where.path, entity.route_line, f"only pipelines, roads and facilities have a route, not a {entity.type}"))
        if doc.text is not None and entity.quote is not None:
            # an entity's quote is where the article names it: its first mention unless `occurrence:` says
            problems.extend(_quote_problem(doc, entity.quote, entity.occurrence or 1, entity.where.path, entity.where.line))
    for stmt in doc.statements:
        path = stmt.where.path
        if stmt.share is not None and stmt.property.iri != KC.ownedBy:
            problems.append(Problem(path, stmt.lines.get("share", stmt.where.line), "`share:` qualifies ownedBy statements only"))
        if doc.text is not None and stmt.quote is not None:
            problems.extend(_quote_problem(doc, stmt.quote, stmt.occurrence, path, stmt.lines.get("quote", stmt.where.line)))
    return problems


def types_digest(registry: Registry) -> str:
    """A digest of id -> type for every entity: references checked against equal types stay valid."""
    return hashlib.sha256(json.dumps(sorted(registry.types.items())).encode()).hexdigest()[:24]


def check_outlines(outlines: list[Outline], onto: Ontology, references_of: list[Outline] | None = None) -> Registry:
    """Check every reference (of `references_of`, default all outlines) against every declaration;
    raise ProblemsFound listing all problems.

    An incremental build passes only the outlines it read afresh when the types of all entities
    are those of the previous (valid) build: the other references were checked against them."""
    types: dict[str, str] = {}
    decls: dict[str, list[Declaration]] = {}
    coords: dict[str, tuple[str, str]] = {}
    problems: list[Problem] = []
    for o in outlines:
        for d in o.declarations:
            decls.setdefault(d.id, []).append(d)
            if d.coords and d.id not in coords:
                coords[d.id] = d.coords
            if d.id not in types:
                types[d.id] = d.type
            elif types[d.id] != d.type:
                first = decls[d.id][0]
                problems.append(Problem(d.path, d.line, f"'{d.id}' is a {d.type} here but a {types[d.id]} in "
                                                        f"{first.path}:{first.line}: use one type"))
    problems.extend(_shared_names(decls))
    known = {name: onto.entity_classes[name] for name in set(types.values())}
    fits: dict[tuple[str, tuple[str, ...]], bool] = {}  # (type, wanted) -> answer: a few dozen pairs, 300k references
    for o in outlines if references_of is None else references_of:
        for r in o.references:
            if r.id not in types:
                hint = difflib.get_close_matches(r.id, types, n=1)
                fix = f"did you mean '{hint[0]}'?" if hint else "declare it under `entities:` or fix the id"
                problems.append(Problem(r.path, r.line, f"unknown entity '{r.id}' ({r.what}): {fix}"))
                continue
            if not r.wanted:
                continue
            pair = (types[r.id], r.wanted)
            if pair not in fits:
                fits[pair] = any(onto.is_a(known[pair[0]], URIRef(w)) for w in r.wanted)
            if not fits[pair]:
                names = " or ".join(sorted(onto.label(URIRef(w)) for w in r.wanted))
                problems.append(Problem(r.path, r.line, f"'{r.id}' is {_a(types[r.id])}, but {r.what} must be {_a(names)}"))
    if problems:
        raise ProblemsFound(problems)
    return Registry(types, decls, coords)


def _shared_names(decls: dict[str, list[Declaration]]) -> list[Problem]:
    """A name (label or alias, any language) given to two ids: one thing must have one id.

    Reported once per pair of ids, at the declaration that came second."""
    owner: dict[str, Declaration] = {}
    problems, told = [], set()
    for entity_id, found in decls.items():
        for d in found:
            for name in d.names:
                first = owner.setdefault(name, d)
                if first.id != entity_id and (first.id, entity_id) not in told:
                    told.add((first.id, entity_id))
                    problems.append(Problem(d.path, d.line, f"'{entity_id}' and '{first.id}' ({first.path}:{first.line}) "
                                                            f"are both named {name!r}: one thing has one id (merge them), "
                                                            "and two things need names that tell them apart"))
    return problems


def _quote_problem(doc: Document, quote: str, occurrence: int | None, path: str, line: int) -> list[Problem]:
    shown = quote if len(quote) <= 60 else quote[:57] + "..."
    starts = occurrences(doc.text, quote)
    if len(starts) == 1 and occurrence in (None, 1):
        return []
    # a statement's quote is its evidence: when it occurs more than once, the file must say which
    if len(starts) > 1:
        if occurrence is None:
            at = ", ".join(str(s) for s in starts[:5]) + (", …" if len(starts) > 5 else "")
            return [Problem(path, line, f"quote {shown!r} occurs {len(starts)} times in article '{doc.id}' (at characters "
                                        f"{at}): add `occurrence: N` to say which, or quote more words")]
        if occurrence <= len(starts):
            return []
        return [Problem(path, line, f"quote {shown!r} occurs {len(starts)} times in article '{doc.id}', "
                                    f"not {occurrence}: fix `occurrence:`")]
    if starts:  # once, but another occurrence asked for
        return [Problem(path, line, f"quote {shown!r} occurs once in article '{doc.id}': delete `occurrence: {occurrence}`")]
    exact = near_miss(doc.text, quote)
    if exact is not None:
        fix = f"the article writes it {exact!r}: copy it exactly"
    else:
        fix = "copy the supporting words from the article verbatim"
    return [Problem(path, line, f"quote {shown!r} is not in article '{doc.id}': {fix}")]


def _a(noun: str) -> str:
    """The noun with its indefinite article: `an organization`, `a place`."""
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"
