"""Checks across files: every id resolves, types fit the ontology, quotes are in their article.

`kg.facts` has already checked each file on its own; here the whole set of documents is checked
together, because an article may use an entity declared in a reference file.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from rdflib import URIRef

from .facts import Document, Entity, Statement
from .ontology import Ontology
from .problems import Problem, ProblemsFound, display_path
from .quotes import locate, near_miss
from .vocab import KC


@dataclass
class Registry:
    """All entities of all documents: id -> type, and id -> every declaration."""

    types: dict[str, str]
    declarations: dict[str, list[Entity]]


def registry(docs: list[Document]) -> tuple[Registry, list[Problem]]:
    types: dict[str, str] = {}
    first: dict[str, Entity] = {}
    decls: dict[str, list[Entity]] = {}
    problems = []
    for doc in docs:
        for entity in doc.entities:
            decls.setdefault(entity.id, []).append(entity)
            if entity.id not in types:
                types[entity.id], first[entity.id] = entity.type, entity
            elif types[entity.id] != entity.type:
                other = first[entity.id].where
                problems.append(Problem(entity.where.path, entity.where.line,
                                        f"'{entity.id}' is a {entity.type} here but a {types[entity.id]} in "
                                        f"{other.path}:{other.line}: use one type"))
    return Registry(types, decls), problems


def check(docs: list[Document], onto: Ontology) -> Registry:
    """Check all documents together; raise ProblemsFound listing every problem."""
    reg, problems = registry(docs)
    for doc in docs:
        problems.extend(_check_document(doc, reg, onto))
    if problems:
        raise ProblemsFound(problems)
    return reg


def _check_document(doc: Document, reg: Registry, onto: Ontology) -> list[Problem]:
    problems: list[Problem] = []

    def ref(entity_id: str, path: str, line: int, wanted: set[URIRef] | frozenset, what: str) -> None:
        if entity_id not in reg.types:
            hint = difflib.get_close_matches(entity_id, reg.types, n=1)
            fix = f"did you mean '{hint[0]}'?" if hint else "declare it under `entities:` or fix the id"
            problems.append(Problem(path, line, f"unknown entity '{entity_id}' ({what}): {fix}"))
            return
        cls = onto.entity_classes[reg.types[entity_id]]
        if wanted and not any(onto.is_a(cls, w) for w in wanted):
            names = " or ".join(sorted(onto.label(w) for w in wanted))
            problems.append(Problem(path, line, f"'{entity_id}' is a {reg.types[entity_id]}, but {what} must be a {names}"))

    if doc.kind == "article" and doc.meta.get("dateline") is not None:
        shown = display_path(doc.meta_path)
        ref(str(doc.meta["dateline"]), shown, doc.meta_lines.get("dateline", 0), {KC.Place}, "the dateline")

    for entity in doc.entities:
        for i, place in enumerate(entity.route):
            ref(place, entity.where.path, entity.route_line, {KC.Place}, f"stop {i + 1} of the route of '{entity.id}'")
        if entity.route and not onto.is_a(onto.entity_classes[entity.type], KC.Asset):
            problems.append(Problem(entity.where.path, entity.route_line, f"only pipelines, roads and facilities have a route, not a {entity.type}"))
        if doc.text is not None and entity.quote is not None:
            problems.extend(_quote_problem(doc, entity.quote, entity.where.path, entity.where.line))

    for stmt in doc.statements:
        path, spec = stmt.where.path, stmt.property
        ref(stmt.subject, path, stmt.lines.get("subject", stmt.where.line), spec.domains, f"the subject of '{spec.name}'")
        if stmt.object is not None:
            ref(stmt.object, path, stmt.lines.get("object", stmt.where.line), spec.ranges, f"the object of '{spec.name}'")
        for asset in stmt.on:
            ref(asset, path, stmt.lines.get("applies_to", stmt.where.line), {KC.Asset}, "`applies_to:`")
        if stmt.share is not None and spec.iri != KC.ownedBy:
            problems.append(Problem(path, stmt.lines.get("share", stmt.where.line), "`share:` qualifies ownedBy statements only"))
        if doc.text is not None and stmt.quote is not None:
            problems.extend(_quote_problem(doc, stmt.quote, path, stmt.lines.get("quote", stmt.where.line)))
    return problems


def _quote_problem(doc: Document, quote: str, path: str, line: int) -> list[Problem]:
    if locate(doc.text, quote) is not None:
        return []
    exact = near_miss(doc.text, quote)
    if exact is not None:
        fix = f"the article writes it {exact!r}: copy it exactly"
    else:
        fix = "copy the supporting words from the article verbatim"
    shown = quote if len(quote) <= 60 else quote[:57] + "..."
    return [Problem(path, line, f"quote {shown!r} is not in article '{doc.id}': {fix}")]
