"""Writing query results: table, csv, tsv, json, md; CONSTRUCT results as Turtle.

``json`` is SPARQL 1.1 Query Results JSON, ``csv`` and ``tsv`` follow SPARQL 1.1 Query Results
CSV/TSV; these machine formats keep IRIs. Given labels (``kg query --lang``), they gain a column
``NAME_label`` beside each column ``NAME`` that holds IRIs, with each IRI's label (JSON keeps its
results shape: the label columns are variables bound to plain literals). ``table`` (for a
terminal) and ``md`` (for documents) are for people: they show an entity's label instead of its
IRI where it has one, a compact ``prefix:name`` otherwise, and the table cuts long values to fit
the terminal width when it is shown on one (never when piped).
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata

import pyoxigraph as ox

from kg.query.run import Result
from kg.vocab import PREFIXES, XSD

FORMATS = ("table", "csv", "tsv", "json", "md")
FOR_PEOPLE = ("table", "md")  # the formats that show labels
_STRING = XSD + "string"
_MIN_COLUMN = 6


def render(result: Result, fmt: str = "table", labels: dict[str, str] | None = None, width: int | None = None) -> str:
    """The result as text in format `fmt` (`labels`: IRI -> label; `width`: cut the table to it)."""
    if result.form in ("CONSTRUCT", "DESCRIBE"):
        return ox.serialize(result.triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES).decode("utf-8")
    if labels is not None and fmt not in FOR_PEOPLE:
        result = with_label_columns(result, labels)
    if fmt == "json":
        return json.dumps(as_json(result), ensure_ascii=False, indent=1) + "\n"
    if result.boolean is not None:
        return f"{'true' if result.boolean else 'false'}\n"
    if fmt in ("csv", "tsv"):
        return _delimited(result, fmt)
    cells = [[_shown(t, labels or {}) for t in row] for row in result.rows]
    if fmt == "md":
        return _markdown(result.variables, cells)
    return _table(result.variables, cells, width)


def with_label_columns(result: Result, labels: dict[str, str]) -> Result:
    """The result with a column `NAME_label` after each column `NAME` that holds an IRI."""
    if result.boolean is not None:
        return result
    iri_columns = [i for i in range(len(result.variables))
                   if any(isinstance(row[i], ox.NamedNode) for row in result.rows)]
    if not iri_columns:
        return result
    variables, take = [], []
    for i, name in enumerate(result.variables):
        variables.append(name)
        take.append((i, False))
        if i in iri_columns:
            variables.append(f"{name}_label")
            take.append((i, True))

    def cell(term, label: bool):
        if not label:
            return term
        text = labels.get(term.value) if isinstance(term, ox.NamedNode) else None
        return ox.Literal(text) if text is not None else None

    rows = [tuple(cell(row[i], label) for i, label in take) for row in result.rows]
    return Result(result.form, variables, rows)


def as_json(result: Result) -> dict:
    """SPARQL 1.1 Query Results JSON of a SELECT or ASK result."""
    if result.boolean is not None:
        return {"head": {}, "boolean": result.boolean}
    bindings = [{v: term_json(t) for v, t in zip(result.variables, row) if t is not None} for row in result.rows]
    return {"head": {"vars": result.variables}, "results": {"bindings": bindings}}


def term_json(term) -> dict:
    """One RDF term as a SPARQL JSON results binding."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != _STRING:
        out["datatype"] = term.datatype.value
    return out


def _delimited(result: Result, fmt: str) -> str:
    out = io.StringIO()
    if fmt == "csv":  # values only, IRIs in full (SPARQL 1.1 CSV)
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(result.variables)
        for row in result.rows:
            writer.writerow(["" if t is None else f"_:{t.value}" if isinstance(t, ox.BlankNode) else t.value for t in row])
    else:  # terms in N-Triples syntax, which escapes tabs and newlines (SPARQL 1.1 TSV)
        out.write("\t".join(f"?{v}" for v in result.variables) + "\n")
        for row in result.rows:
            out.write("\t".join("" if t is None else str(t) for t in row) + "\n")
    return out.getvalue()


def _shown(term, labels: dict[str, str]) -> str:
    """A term as a person reads it: label, compact IRI or the literal's text on one line."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return labels.get(term.value) or compact(term.value)
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return " ".join(term.value.split())


def compact(iri: str) -> str:
    """`res:cnpc` for https://w3id.org/kzcn/resource/cnpc; the IRI itself when no prefix fits."""
    best = max((ns for ns in PREFIXES.values() if iri.startswith(ns)), key=len, default=None)
    if best is None:
        return iri
    prefix = next(p for p, ns in PREFIXES.items() if ns == best)
    return f"{prefix}:{iri[len(best):]}"


def _markdown(variables: list[str], cells: list[list[str]]) -> str:
    def line(values):
        return "| " + " | ".join(v.replace("\\", "\\\\").replace("|", "\\|") for v in values) + " |"

    rows = [line(variables), "|" + "---|" * len(variables)] + [line(r) for r in cells]
    return "\n".join(rows) + "\n"


def _table(variables: list[str], cells: list[list[str]], width: int | None) -> str:
    if not cells:
        return "(no rows)\n"
    natural = [max([_width(v)] + [_width(r[i]) for r in cells]) for i, v in enumerate(variables)]
    cap = max(natural) if width is None else _cap(natural, width - 3 * (len(variables) - 1))
    sizes = [min(n, cap) for n in natural]

    def line(values):
        return " | ".join(_pad(_cut(v, s), s) for v, s in zip(values, sizes)).rstrip()

    out = [line(variables), "-+-".join("-" * s for s in sizes)] + [line(r) for r in cells]
    out.append(f"({len(cells)} row{'s' if len(cells) != 1 else ''})")
    return "\n".join(out) + "\n"


def _cap(natural: list[int], room: int) -> int:
    """The largest column width such that all columns cut to it fit in `room` characters."""
    low, high = _MIN_COLUMN, max(natural + [_MIN_COLUMN])
    while low < high:
        mid = (low + high + 1) // 2
        if sum(min(n, mid) for n in natural) <= room:
            low = mid
        else:
            high = mid - 1
    return low


def _char_width(ch: str) -> int:
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1  # Chinese takes two cells


def _width(text: str) -> int:
    return sum(_char_width(ch) for ch in text)


def _cut(text: str, size: int) -> str:
    if _width(text) <= size:
        return text
    out, used = [], 0
    for ch in text:
        if used + _char_width(ch) > size - 1:
            break
        out.append(ch)
        used += _char_width(ch)
    return "".join(out) + "…"


def _pad(text: str, size: int) -> str:
    return text + " " * (size - _width(text))
