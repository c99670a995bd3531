"""A diff written out: Markdown for people, JSON for scripts, an RDF Patch for servers, one summary line.

The Markdown groups changes by entity, then by property; every change names its source graph.
Text from the data is untrusted: Markdown's special characters are escaped and newlines folded,
so a label cannot add headings, links or HTML to the report.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import TextIO

from kg.build.stats import plural
from kg.problems import UsageError
from kg.report.diff import Change, Diff, changed_lines, compare, open_sides, short
from kg.report.sides import run_side

FORMATS = ("md", "json", "nq")
# Above this many bytes of changed graphs (TriG, both builds) `kg build` counts graphs, not
# statements: a new ontology or code changes every graph's key, and reading the whole dump twice
# for one summary line would add seconds to a build.
BUILD_DIFF_BYTES = 64 << 20
_LONG = 160  # characters of a value shown in Markdown (an article's text is whole in the JSON)


def report(old: Path | None, new: Path | None, build_dir: Path, fmt: str, out: TextIO) -> None:
    """`kg diff`: compare OLD and NEW (default: the previous and the current build) and write it
    to `out` as `fmt`: `md`, `json` or `nq` (an RDF Patch, streamed graph by graph)."""
    old_side, new_side = open_sides(old, new, build_dir)
    if fmt == "nq":
        write_patch(old_side, new_side, out)
    elif fmt == "json":
        write_json(compare(old_side, new_side), out)
    else:
        out.write(as_markdown(compare(old_side, new_side)))


def since_previous(old_run: Path, new_run: Path, graphs: set[str]) -> str:
    """The summary line of what a build changed: `graphs` are those whose cache key differs.
    A previous build that cannot be read (removed by hand, from an old version) never fails the
    build: the line says so."""
    try:
        old, new = run_side(old_run), run_side(new_run)
        size = sum(side.index[g][1] - side.index[g][0] for side in (old, new) if hasattr(side, "index")
                   for g in graphs if g in side.index)
        if not hasattr(old, "index") or size > BUILD_DIFF_BYTES:
            return f"{plural(len(graphs), 'graph')} compiled again (`kg diff` says what changed)"
        return summary_line(compare(old, new, graphs=graphs, labels=False))
    except (UsageError, OSError, ValueError, SyntaxError) as exc:
        return f"not known: the previous build cannot be read ({exc})"



def counts(diff: Diff) -> dict[str, int]:
    """The numbers of the summary line, by what changed."""
    n = defaultdict(int)
    for change in diff.changes:
        if change.what == "statement":
            kind = change.kind if change.kind != "changed" else ("figure changed" if change.figure else "value changed")
            n[f"statement {kind}"] += 1
        else:
            n["detail"] += 1
    for what, items in (("added", diff.sources_added), ("withdrawn", diff.sources_withdrawn)):
        for item in items:
            n[f"{item['kind']} {what}"] += 1
    n["entity added"], n["entity removed"] = len(diff.entities_added), len(diff.entities_removed)
    n["entity merged"] = len(diff.entities_merged)
    return dict(n)


def summary_line(diff: Diff) -> str:
    """"+12 statements, −3, 2 figures changed, 1 article added" (or "no change")."""
    n = counts(diff)
    parts = []
    if n.get("statement added"):
        parts.append(f"+{plural(n['statement added'], 'statement')}")
    if n.get("statement removed"):
        parts.append(f"−{n['statement removed']:,}" if parts else f"−{plural(n['statement removed'], 'statement')}")
    for key, word in (("statement figure changed", "figure"), ("statement value changed", "value")):
        if n.get(key):
            parts.append(f"{plural(n[key], word)} changed")
    if n.get("detail"):
        parts.append(f"{plural(n['detail'], 'name or detail', 'names or details')} changed")
    for key, word, many in (("article added", "article", None), ("article withdrawn", "article", None),
                            ("source added", "reference source", None), ("source withdrawn", "reference source", None),
                            ("entity added", "entity", "entities"), ("entity removed", "entity", "entities"),
                            ("entity merged", "entity", "entities")):
        if n.get(key):
            parts.append(f"{plural(n[key], word, many)} {key.split(' ')[1]}")
    if not parts and diff.triples:
        parts.append(f"{plural(diff.triples, 'triple')} changed")  # derived triples only (a new ontology)
    return ", ".join(parts) or "no change"


def write_json(diff: Diff, out: TextIO) -> None:
    """The diff as one JSON object, its changes one per line: written change by change, since two
    unrelated 10,000-article builds give 650,000 of them (2.9 GB as one json.dumps)."""
    head = json.dumps({
        "old": diff.old, "new": diff.new, "summary": summary_line(diff), "counts": counts(diff),
        "graphs": {"compared": diff.graphs, "changed": diff.graphs_changed},
        "sources": {"added": diff.sources_added, "withdrawn": diff.sources_withdrawn},
        "entities": {"added": diff.entities_added, "removed": diff.entities_removed, "merged": diff.entities_merged},
        "labels": diff.labels,
    }, ensure_ascii=False, indent=1)
    out.write(head[:-2] + ',\n "changes": [')
    for index, change in enumerate(diff.changes):
        out.write(("\n  " if index == 0 else ",\n  ") + json.dumps(change.as_dict(), ensure_ascii=False))
    out.write("\n ]\n}\n")


def write_patch(old, new, out: TextIO) -> None:
    """RDF Patch: `TX .`, a `D` row per quad to delete, an `A` row per quad to add, `TC .`; written
    as it is found (two unrelated 10,000-article builds differ in 6 million quads)."""
    out.write("TX .\n")
    for graph, removed, added in changed_lines(old, new):
        tail = f" <{graph}> .\n" if graph else " .\n"
        out.writelines(f"D {line}{tail}" for line in removed)
        out.writelines(f"A {line}{tail}" for line in added)
    out.write("TC .\n")


def as_markdown(diff: Diff) -> str:
    out = ["# What changed", "", f"- old: {_md(diff.old)}", f"- new: {_md(diff.new)}",
           f"- {summary_line(diff)}", ""]
    if diff.sources_added or diff.sources_withdrawn:
        out += ["## Articles and sources", ""]
        for what, items in (("added", diff.sources_added), ("withdrawn", diff.sources_withdrawn)):
            out += [f"- {item['kind']} {what}: {_md(item['title'] or '')}" + (f" ({_md(item['date'])})" if item["date"] else "")
                    + f" — {_md(short(item['graph']))}" for item in items]
        out.append("")
    if diff.entities_added or diff.entities_removed or diff.entities_merged:
        out += ["## Entities", ""]
        out += [f"- added: {_name(diff, e)}" for e in diff.entities_added]
        out += [f"- removed: {_name(diff, e)}" for e in diff.entities_removed]
        out += [f"- merged: {_name(diff, m['entity'])} into {_name(diff, m['into'])} (the name “{_md(m['name'])}” moved)"
                for m in diff.entities_merged]
        out.append("")
    grouped: dict[str, dict[str, list[Change]]] = defaultdict(lambda: defaultdict(list))
    for change in diff.changes:
        grouped[change.entity][change.property].append(change)
    if grouped:
        out += ["## By entity", ""]
    for entity in sorted(grouped, key=lambda e: (diff.labels.get(e, e).casefold(), e)):
        out += [f"### {_name(diff, entity)}", ""]
        for prop in sorted(grouped[entity]):
            out.append(f"- {_md(short(prop))}")
            out += [f"  - {_line(c)}" for c in grouped[entity][prop]]
        out.append("")
    return "\n".join(out)


def _line(change: Change) -> str:
    if change.kind == "changed":
        old, new = change.old, change.new
        what = f"changed: {_value(old)} → {_value(new)}"
        moved = [k for k in sorted(set(old) | set(new)) if k != "value" and old.get(k) != new.get(k)]
        if old["value"] == new["value"] and moved:
            what = f"changed {', '.join(moved)}: {_value(old)}"
        evidence = _evidence(new, [k for k in moved if k not in ("quote", "span")], old)
    else:
        item = change.new if change.kind == "added" else change.old
        what, evidence = f"{change.kind}: {_value(item)}", _evidence(item, [])
    return f"{what} — source {_md(short(change.graph))}{evidence}"


def _evidence(item: dict, moved: list[str], old: dict | None = None) -> str:
    parts = []
    for key in moved:
        parts.append(f"{key} {_md(_cut(old.get(key) or '—'))} → {_md(_cut(item.get(key) or '—'))}")
    for key in ("role", "on", "aspect", "share", "as of", "note", "node"):
        if key in item and key not in moved:
            parts.append(f"{key}: {_md(_cut(item[key]))}")
    if item.get("quote"):
        parts.append(f"quote “{_md(_cut(item['quote']))}”" + (f" [{item['span']}]" if item.get("span") else ""))
    return "; " + "; ".join(parts) if parts else ""


def _value(item: dict) -> str:
    return _md(_cut(item["value"]))


def _name(diff: Diff, iri: str) -> str:
    name = _md(short(iri))
    return f"{_md(diff.labels[iri])} ({name})" if iri in diff.labels else name


def _cut(text: str) -> str:
    return text if len(text) <= _LONG else text[:_LONG] + "…"


_MD_SPECIAL = "\\`*_[]<>|#!"  # backslash first: the escapes added after it stay single


def _md(text: str) -> str:
    text = str(text).replace("\r", " ").replace("\n", " ")
    for char in _MD_SPECIAL:  # one C-level replace per character: ~5x faster than a regex sub here
        if char in text:
            text = text.replace(char, "\\" + char)
    return text
