"""The query library: the `queries/*.rq` files and their `#+` YAML headers.

A library query is a plain SPARQL 1.1 file whose first lines are a header in the convention of
grlc and SIB's sparql-examples, a YAML document written as comments (so any engine still runs the
file as is)::

    #+ summary: Meetings with date, place and participants
    #+ params:
    #+   - {name: place, meaning: label or alias of a place, default: Shymkent}
    #+ tags: [meetings]
    #+ example: kg query meetings --format md

Each parameter is a SPARQL variable of the query (``?place``) that `kg.query.run` binds to an RDF
term; ``type`` (string, label, iri, integer, decimal or date; default string) says which kind of
term (a ``label`` is a string matched against entities' labels and aliases: when it matches none,
``kg query`` says so and suggests the closest names).
An ``iri`` parameter may name a ``base``: a value that is not an absolute IRI is appended to it
(``--param article=000_617ef15b8252d5c0`` gives the article's IRI), so users type ids while the
query gets a constant IRI, which engines look up directly (a GRAPH named by a computed IRI is
evaluated over every graph by Oxigraph).

>>> q = Query.from_text("#+ summary: Everything\\nSELECT * WHERE { ?s ?p ?o }", origin="demo")
>>> q.summary, q.form, q.params
('Everything', 'SELECT', [])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from kg.problems import Problem, ProblemsFound, UsageError, display_path
from kg.query.sparqltext import words

HEADER_KEYS = {"summary", "description", "params", "tags", "example"}
PARAM_KEYS = {"name", "meaning", "default", "type", "base"}
PARAM_TYPES = ("string", "label", "iri", "integer", "decimal", "date")
FORMS = ("SELECT", "CONSTRUCT", "ASK", "DESCRIBE")



class QueryError(UsageError):
    """A query cannot be run as asked (unknown name, missing or bad parameter, endpoint refusal)."""


@dataclass(frozen=True)
class Param:
    """A parameter of a query: the variable it binds, what it means and its default value."""

    name: str
    meaning: str = ""
    default: str | None = None
    type: str = "string"
    base: str | None = None  # iri parameters: what a value that is not an absolute IRI is appended to


@dataclass
class Query:
    """One SPARQL query with what its header says about it."""

    name: str
    text: str
    origin: str  # the file it came from, or "--sparql"
    summary: str = ""
    description: str = ""
    params: list[Param] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    example: str = ""

    @property
    def form(self) -> str:
        """SELECT, CONSTRUCT, ASK or DESCRIBE: the first such keyword outside comments and strings."""
        for word, _pos in words(self.text):
            if word.upper() in FORMS:
                return word.upper()
        return "SELECT"  # let the engine report what is wrong with the text

    @property
    def ordered(self) -> bool:
        """Whether the query fixes the order of its rows (ORDER BY)."""
        found = [w.upper() for w, _ in words(self.text)]
        return any(a == "ORDER" and b == "BY" for a, b in zip(found, found[1:]))

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    @classmethod
    def from_text(cls, text: str, origin: str, name: str | None = None) -> "Query":
        """Read a query and its header; raise ProblemsFound naming the header line at fault."""
        header = read_header(text, origin)
        return cls(name=name or Path(origin).stem, text=text, origin=origin, **header)

    @classmethod
    def from_file(cls, path: Path) -> "Query":
        return cls.from_text(path.read_text(encoding="utf-8"), display_path(path), name=path.stem)


def read_header(text: str, origin: str) -> dict:
    """The `#+` header of a query as keyword arguments of `Query` (empty for a headerless query)."""
    lines = []
    for line in text.splitlines():
        if not line.startswith("#+"):
            break
        lines.append(line[3:] if line.startswith("#+ ") else line[2:])
    if not lines:
        return {}
    try:
        data = yaml.safe_load("\n".join(lines))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ProblemsFound([Problem(origin, mark.line + 1 if mark else 1, f"bad #+ header: {exc}")]) from None
    problems: list[Problem] = []

    def line_of(key: str) -> int:
        return next((i for i, line in enumerate(lines, 1) if line.lstrip().startswith(f"{key}:")), 1)

    if not isinstance(data, dict):
        raise ProblemsFound([Problem(origin, 1, "the #+ header must be a YAML mapping (summary:, params:, ...)")])
    for key in sorted(set(data) - HEADER_KEYS):
        problems.append(Problem(origin, line_of(key), f"unknown header key '{key}' (allowed: {', '.join(sorted(HEADER_KEYS))})"))
    if not data.get("summary"):
        problems.append(Problem(origin, 1, "the #+ header needs `summary:`"))
    params = [_param(item, origin, line_of("params"), problems) for item in data.get("params") or []]
    if problems:
        raise ProblemsFound(problems)
    return {
        "summary": str(data["summary"]).strip(),
        "description": str(data.get("description") or "").strip(),
        "params": params,
        "tags": [str(t) for t in data.get("tags") or []],
        "example": str(data.get("example") or "").strip(),
    }


def _param(item, origin: str, line: int, problems: list[Problem]) -> Param:
    if not isinstance(item, dict) or not item.get("name"):
        problems.append(Problem(origin, line, "each parameter needs `name:` (and `meaning:`, `default:`)"))
        return Param("?")
    for key in sorted(set(item) - PARAM_KEYS):
        problems.append(Problem(origin, line, f"parameter '{item['name']}': unknown key '{key}' (allowed: {', '.join(sorted(PARAM_KEYS))})"))
    kind = item.get("type", "string")
    if kind not in PARAM_TYPES:
        problems.append(Problem(origin, line, f"parameter '{item['name']}': type must be one of {', '.join(PARAM_TYPES)}"))
    if "base" in item and kind != "iri":
        problems.append(Problem(origin, line, f"parameter '{item['name']}': `base:` only applies to `type: iri`"))
    default, base = item.get("default"), item.get("base")
    return Param(str(item["name"]), str(item.get("meaning") or ""), None if default is None else str(default), kind,
                 None if base is None else str(base))


def load_library(queries_dir: Path) -> dict[str, Query]:
    """Every `*.rq` of a folder by name (the file name without `.rq`), in name order."""
    queries, problems = {}, []
    for path in sorted(queries_dir.glob("*.rq")):
        try:
            queries[path.stem] = Query.from_file(path)
        except ProblemsFound as exc:
            problems.extend(exc.problems)
    if problems:
        raise ProblemsFound(problems)
    return queries


def find_query(ref: str, queries_dir: Path) -> Query:
    """A query by library name or by path to a `.rq` file; an unknown name lists the known ones."""
    path = Path(ref)
    if path.suffix == ".rq" or path.is_file():
        return Query.from_file(path)
    library = load_library(queries_dir)
    if ref not in library:
        raise QueryError(f"no query named '{ref}' in {display_path(queries_dir)}/; known queries: {', '.join(library) or 'none'}")
    return library[ref]
