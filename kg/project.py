"""A project: where its inputs live (ontology, seeds, queries) and what a build writes.

A project folder holds ``ontology/``, ``seeds/`` and ``queries/``; its build folder (default
``build/``) holds one folder per build run and, through the ``current`` link, the outputs named
here. The names are the one home of every output path the code and the docs refer to.

>>> p = Project(Path("/work/kg"))
>>> p.out / DUMP, p.queries_dir
(PosixPath('/work/kg/build/kg.trig'), PosixPath('/work/kg/queries'))
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

STORE = "store"  # the Oxigraph store of a build run
DUMP = "kg.trig"  # the TriG dump
VIEW = "graph.html"  # the graph view
OUTPUTS = (STORE, DUMP, VIEW)


def find_root(cwd: Path | None = None) -> Path:
    """The project folder a command works on: the working directory when it holds the ontology,
    else the checkout this package runs from (an editable install or a clone)."""
    cwd = cwd or Path.cwd()
    if (cwd / "ontology" / "kc.ttl").is_file():
        return cwd
    return Path(__file__).resolve().parent.parent


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

    @property
    def queries_dir(self) -> Path:
        return self.root / "queries"
