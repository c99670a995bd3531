"""The build: seeds -> checked records -> RDF -> SHACL -> store, TriG and view, atomically.

`validate` runs every check without writing; `build` runs the same checks and then writes a new
run folder that replaces the previous build only once complete (see `kg.store`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset

from .checks import Registry, check
from .compile import compile_documents
from .facts import Document, load_documents
from .ontology import Ontology
from .problems import Problem, ProblemsFound
from .shacl import validate as shacl_validate, violations
from .stats import Summary, summarize
from .store import PREFIXES, load_dataset, new_run


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
    """The outcome of validation: records, their registry and the compiled dataset."""

    docs: list[Document]
    registry: Registry
    dataset: Dataset
    ontology: Ontology
    warnings: list[Problem] = field(default_factory=list)


def validate(project: Project) -> Checked:
    """Run every check of a build without writing anything; raise ProblemsFound on problems."""
    onto = Ontology(project.ontology_path)
    docs = load_documents(project.seeds_dir, onto)
    reg = check(docs, onto)
    ds = compile_documents(docs, onto)
    conforms, report, _text = shacl_validate(ds, project.shapes_path)
    if not conforms:
        problems = []
        for entity_id, message in violations(report):
            where = reg.declarations.get(entity_id, [None])[0] if entity_id else None
            problems.append(Problem(where.where.path, where.where.line, message) if where
                            else Problem(str(project.shapes_path), 0, message))
        raise ProblemsFound(problems)
    return Checked(docs, reg, ds, onto)


def build(project: Project, view=None) -> Summary:
    """Validate, then write store, TriG (and the view, if a writer is given) as the new build."""
    checked = validate(project)
    with new_run(project.out) as run:
        store = ox.Store(str(run / "store"))
        load_dataset(store, checked.dataset)
        store.flush()
        store.dump(str(run / "kg.trig"), format=ox.RdfFormat.TRIG, prefixes=PREFIXES)
        summary = summarize(store, project.out)
        if view is not None:
            view(store, run / "graph.html")
        del store  # release the lock before the folder is renamed into place
    return summary
