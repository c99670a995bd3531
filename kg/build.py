"""The build: seeds -> checked records -> RDF -> SHACL -> store, TriG and view, atomically.

`validate` runs every check without writing (SHACL on an in-memory store); `build` runs the same
checks while loading a new run folder, which replaces the previous build only once complete and
valid (see `kg.store`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from .checks import Registry, check
from .compile import compile_documents, graph_iri
from .facts import Document, load_documents
from .ontology import Ontology
from .problems import Problem, ProblemsFound, display_path
from .shapes import Violation, validate_store
from .stats import Summary, summarize
from .store import PREFIXES, new_run
from .vocab import entity_id_of


@dataclass(frozen=True)
class Project:
    """Where a project's inputs live (defaults: the repository layout)."""

    root: Path = Path(".")
    seeds: Path | None = None
    build_dir: Path | None = None

    @property
    def seeds_dir(self) -> Path:
        return self.seeds or self.root / "seeds"

    @property
    def out(self) -> Path:
        return self.build_dir or self.root / "build"

    @property
    def ontology_path(self) -> Path:
        return self.root / "ontology" / "kc.ttl"

    @property
    def shapes_path(self) -> Path:
        return self.root / "ontology" / "shapes.ttl"


@dataclass
class Checked:
    """Checked records, their registry and their RDF as N-Quads text."""

    docs: list[Document]
    registry: Registry
    nquads: str
    ontology: Ontology


def prepare(project: Project) -> Checked:
    """Read, check and compile the seeds; raise ProblemsFound on any problem in them."""
    onto = Ontology(project.ontology_path)
    docs = load_documents(project.seeds_dir, onto)
    reg = check(docs, onto)
    return Checked(docs, reg, compile_documents(docs, onto), onto)


def load_and_check(store: ox.Store, checked: Checked, project: Project) -> None:
    """Load the compiled quads into `store` and validate them against the SHACL shapes."""
    store.bulk_load(checked.nquads.encode("utf-8"), format=ox.RdfFormat.N_QUADS)
    violations = validate_store(store, project.shapes_path)
    if violations:
        raise ProblemsFound([_locate(v, checked, project) for v in violations])


def _locate(v: Violation, checked: Checked, project: Project) -> Problem:
    """A SHACL violation as a problem at the file (and line) that declared its focus node."""
    detail = f" ({v.path.rsplit('#', 1)[-1].rsplit('/', 1)[-1]}" + (f" = {v.value!r}" if v.value is not None else "") + ")" \
        if v.path else ""
    message = f"SHACL: <{v.focus}>{detail}: {v.message}"
    entity = entity_id_of(v.focus)
    if entity and entity in checked.registry.declarations:
        where = checked.registry.declarations[entity][0].where
        return Problem(where.path, where.line, message)
    for doc in checked.docs:
        if v.focus.startswith(graph_iri(doc) + "/"):
            return Problem(display_path(doc.path), 0, message)
    return Problem(display_path(project.shapes_path), 0, message)


def validate(project: Project) -> Checked:
    """Run every check of a build without writing anything; raise ProblemsFound on problems."""
    checked = prepare(project)
    load_and_check(ox.Store(), checked, project)
    return checked


def build(project: Project, view=None) -> Summary:
    """Validate, then write store, TriG (and the view, if a writer is given) as the new build."""
    checked = prepare(project)
    with new_run(project.out) as run:
        store = ox.Store(str(run / "store"))
        load_and_check(store, checked, project)
        store.flush()
        store.dump(str(run / "kg.trig"), format=ox.RdfFormat.TRIG, prefixes=PREFIXES)
        summary = summarize(store, project.out)
        if view is not None:
            view(store, run / "graph.html")
        del store  # release the lock before the folder is renamed into place
    return summary
