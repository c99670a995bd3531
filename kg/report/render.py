"""A briefing (`kg.report.brief.briefing`) as Markdown, HTML or JSON: `RENDERERS`, keyed by format.

Every value in a briefing is untrusted text from articles and pages. Markdown escapes the
characters that would turn it into markup (a label `<b>x</b>` or `[x](javascript:...)` stays
text); the HTML is rendered by Jinja with autoescape, links only `http(s)` URLs, and carries a
Content-Security-Policy that allows no request and no script: one self-contained, printable
file. Its entity names link into the graph view (`graph.html#ID`) and, when served, to their own
briefings.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import jinja2

from kg.vocab import DEFAULT_LANGUAGE

TEMPLATES = Path(__file__).with_name("templates")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~!])")


@dataclass(frozen=True)
class Links:
    """Where an HTML briefing's entity names point: the graph view, and other briefings (served)."""

    graph: str = "graph.html"  # the view, relative to the briefing (kg build writes both in build/)
    brief: str | None = None  # a URL prefix to which an entity id is appended (kg serve's /brief?...&entity=)

    def to_graph(self, entity: str) -> str:
        return f"{self.graph}#{quote(entity, safe='')}"

    def to_brief(self, entity: str) -> str | None:
        return None if self.brief is None else self.brief + quote(entity, safe="")


def as_json(brief: dict, links: Links = Links()) -> str:
    return json.dumps(brief, ensure_ascii=False, indent=1) + "\n"


def _md(text: str) -> str:
    """Text as Markdown that shows it as written: markup characters escaped, one line."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def _refs(notes: list[int]) -> str:
    return "".join(f"[^{n}]" for n in notes)


def _details(qualifiers: list[list[str]], between: str = "; ") -> str:
    return between.join(f"{_md(label)}: {_md(text)}" for label, text in qualifiers)


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)] + ["| " + " | ".join(r) + " |" for r in rows]


def as_markdown(brief: dict, links: Links = Links()) -> str:
    out = [f"# {_md(brief['name'])}", "", f"{_md(brief['identity']['text'])} {_refs(brief['identity']['notes'])}".rstrip(), ""]
    out += ["## Names", ""]
    out += [f"- {lang}: {', '.join(_md(n) for n in names)}" for lang, names in sorted(brief["names"].items())]
    if brief["aliases"]:
        out.append(f"- aliases: {', '.join(_md(a) for a in brief['aliases'])}")
    out += [f"- id: `{brief['entity']}` {_refs(brief['names_notes'])}".rstrip(), ""]
    if brief["figures"]:
        out += ["## Key figures", ""]
        out += _table(["figure", "value", "as of", "details", "sources"],
                      [[_md(f["property"]), _md(f["value"]), _md(f["as_of"]), _details(f["qualifiers"]), _refs(f["notes"])]
                       for f in brief["figures"]])
        out.append("")
    if brief["facts"]:
        out += ["## Facts", ""]
        out += [f"- {_md(f['property'])}: {_md(f['value'])}{' (' + _details(f['qualifiers']) + ')' if f['qualifiers'] else ''} "
                f"{_refs(f['notes'])}".rstrip() for f in brief["facts"]]
        out.append("")
    if brief["relations"]:
        out += ["## Relations", ""]
        for group in brief["relations"]:
            out += [f"### {_md(group['kind'])}", ""]
            for item in group["items"]:
                kind = f" ({_md(item['class'])})" if item["class"] else ""
                said = [f"{_md(item['property'])} {_refs(item['notes'])}".rstrip()] + [_md(x) for x in item["figures"]]
                said += [f"{_details(d['qualifiers'], ', ')} {_refs(d['notes'])}" for d in item["details"]]
                out.append(f"- {_md(item['name'])}{kind} — {'; '.join(said)}")
            out.append("")
    if brief["timeline"]:
        out += ["## Timeline", ""]
        out += _table(["date", "what", "sources"],
                      [[_md(e["date"]), f"{_md(e['name'])}: {_md(e['what'])}", _refs(e["notes"])] for e in brief["timeline"]])
        out.append("")
    if brief["disagreements"]:
        out += ["## Disagreements between sources", ""]
        for case in brief["disagreements"]:
            out += [f"### {_md(case['about'])}", ""]
            out += _table(["claim", "applies to", "source", "quote", "note"],
                          [[_md(c["value"]), _md(c["applies_to"]), _md(c["source"]), _md(c["quote"]), _refs(c["notes"])]
                           for c in case["claims"]])
            out.append("")
    out += ["## Sources", ""]
    out += [f"[^{s['n']}]: {_source_line(s)}" for s in brief["sources"]]
    return "\n".join(out) + "\n"


def _source_line(source: dict) -> str:
    title = _md(source.get("title", source["graph"]))
    parts = [f"[{title}](<{source['url']}>)" if _web(source.get("url")) else title]
    parts += [_md(source[k]) for k in ("publisher", "date") if source.get(k)]
    line = ", ".join(parts) + "."
    if source.get("quote"):
        line += f" “{_md(source['quote'])}”"
        if source.get("span"):
            line += f" (characters {source['span'][0]}–{source['span'][1]})"
    return line


def _web(url: str | None) -> bool:
    """Only web addresses become links (never javascript:, data: or a relative path); no `<>` inside."""
    return bool(url) and re.match(r"https?://[^\s<>]+$", url) is not None


def as_html(brief: dict, links: Links = Links()) -> str:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True)
    css = (TEMPLATES / "brief.css").read_text(encoding="utf-8")
    return env.get_template("brief.html").render(b=brief, links=links, web=_web, css=css)


RENDERERS = {"md": as_markdown, "html": as_html, "json": as_json}
FORMATS = tuple(RENDERERS)
MEDIA_TYPES = {"md": "text/markdown", "html": "text/html", "json": "application/json"}


def render(brief: dict, fmt: str = "md", links: Links = Links()) -> str:
    """The briefing in format `fmt` (md, html or json)."""
    return RENDERERS[fmt](brief, links)


def brief_as(runner, name: str, fmt: str = "md", lang: str = DEFAULT_LANGUAGE, links: Links = Links()) -> str:
    """The briefing on the entity `name` names, read through `runner`, in format `fmt`."""
    from kg.report.brief import briefing

    return render(briefing(runner, name, lang), fmt, links)
