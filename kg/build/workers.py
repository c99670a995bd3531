"""Reading, checking and compiling seeds files on every core.

Parsing YAML and writing N-Quads is pure Python, and at 10,000 articles it was a third of a
build on one core. Each file is independent until the cross-file checks, so a pool of forked
processes reads, checks and outlines the files and compiles each one right away — except a
document with a route, whose geometry needs the coordinates of places declared in other files:
`kg.build.pipeline` compiles those few itself once every outline is known. A worker writes the compiled
N-Quads into the cache folder itself and sends back only their path, so the text of 10,000 graphs
never crosses a pipe (without a cache folder, as in `kg validate`, the text comes back).

Small batches (an incremental build, the tests) run in-process: starting a pool costs more than
they do. Without `fork` (Windows, macOS defaults) everything runs in-process too.
"""

from __future__ import annotations

import multiprocessing
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from kg.build.cache import Entry, compiled_entry, document_inputs
from kg.seeds.checks import Outline, local_problems, outline
from kg.build.compile import compile_document, graph_iri
from kg.seeds.facts import load_document
from kg.ontology import Ontology
from kg.problems import Problem, ProblemsFound

POOL_THRESHOLD = 200  # files; below this a pool costs more than it saves


@dataclass
class Read:
    """What reading one file gave: its problems, or its outline and (usually) its compiled entry."""

    path: Path
    problems: list[Problem] = field(default_factory=list)
    outline: Outline | None = None
    graph: str | None = None
    what: str = ""  # "article 'x'": for the one-file-per-document message
    entry: Entry | None = None  # None when the document needs other files' coordinates


@dataclass
class Context:
    """What every worker needs; inherited by forked workers, never pickled."""

    onto: Ontology
    articles: Path
    cache_folder: Path | None
    salt: str


_context: Context | None = None


def _init(context: Context) -> None:
    global _context
    _context = context


def read_file(path: Path) -> Read:
    """Read, check, outline and (when it needs no other file) compile one facts or reference file."""
    ctx = _context
    try:
        doc = load_document(path, ctx.onto, ctx.articles)
    except ProblemsFound as exc:
        return Read(path, exc.problems)
    problems = local_problems(doc, ctx.onto)
    if problems:
        return Read(path, problems)
    o = outline(doc)
    result = Read(path, [], o, graph_iri(doc), f"{doc.kind} '{doc.id}'")
    if o.route_places:
        return result  # its geometry needs the coordinates of places declared elsewhere
    nquads = compile_document(doc, ctx.onto, {})
    result.entry = compiled_entry(ctx.cache_folder, ctx.salt, result.graph, document_inputs(path, doc), o, {}, nquads)
    return result


def read_files(paths: list[Path], context: Context) -> Iterator[Read]:
    """`read_file` for every path, in order, on every core when there are enough of them."""
    if context.cache_folder is not None:
        context.cache_folder.mkdir(parents=True, exist_ok=True)
    workers = min(os.cpu_count() or 1, 8)
    if len(paths) < POOL_THRESHOLD or workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        _init(context)
        yield from map(read_file, paths)
        return
    with multiprocessing.get_context("fork").Pool(workers, _init, (context,)) as pool:
        yield from pool.imap(read_file, paths, chunksize=16)
