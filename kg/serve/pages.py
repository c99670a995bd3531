"""The HTML pages of `kg serve`: its index and the query library page (their script included).

Everything shown is escaped (`html.escape`) or written with `textContent`: labels and quotes come
from articles and are untrusted text.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from kg.vocab import PREFIXES


def index_page(service, files: dict[str, Path]) -> str:
    """The index of `kg serve`: where the endpoint is, and links to every page and file."""
    e = html.escape
    links = ['<li><a href="/queries">Query library</a>: run each query of <code>queries/</code></li>',
             f'<li><a href="{e(service.base)}/">YASGUI</a> on the endpoint: write your own SPARQL</li>']
    links += [f'<li><a href="{e(path)}">{e(path.lstrip("/"))}</a></li>' for path in sorted(files)]
    mode = "read-write (updates go to a private copy, discarded on exit)" if service.writable else "read-only"
    return _page("kg serve", f"""
<p>SPARQL 1.1 endpoint ({mode}): <code>{e(service.endpoint)}</code><br>
Graph Store Protocol: <code>{e(service.base)}/store</code><br>
Build: <code>{e(service.run.name)}</code></p>
<ul>{''.join(links)}</ul>
<pre>curl -H 'Accept: text/csv' --data-urlencode 'query=SELECT * WHERE {{ ?s ?p ?o }} LIMIT 5' {e(service.endpoint)}</pre>""")


def queries_page(queries: dict) -> str:
    """The query library as forms that run each query through `/run` and show the rows as a table."""
    e = html.escape
    sections = []
    for name, query in queries.items():
        inputs = "".join(
            f'<label>{e(p.name)} <input name="{e(p.name)}" value="{e(p.default or "")}" '
            f'title="{e(p.meaning)}" placeholder="{e(p.meaning)}"></label> ' for p in query.params)
        sections.append(f"""
<section id="{e(name)}"><h2>{e(query.summary or name)} <small><code>{e(name)}</code></small></h2>
<p>{e(query.description)}</p>
<form class="run"><input type="hidden" name="name" value="{e(name)}">{inputs}<button>Run</button></form>
<details><summary>SPARQL</summary><pre>{e(query.text)}</pre></details>
<div class="result"></div></section>""")
    body = "".join(sections) or "<p>No queries: add <code>.rq</code> files to <code>queries/</code>.</p>"
    prefixes = json.dumps(PREFIXES).replace("<", "\\u003c")  # nothing may close the script element
    return _page("Query library", body, script=f"const PREFIXES = {prefixes};\n{_RUN_SCRIPT}")


def _page(title: str, body: str, script: str = "") -> str:
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title><link rel="icon" href="data:,">
<style>body{{font-family:sans-serif;max-width:70em;margin:1em auto;padding:0 1em}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:.2em .4em;vertical-align:top}}
pre{{background:#f4f4f4;padding:.5em;overflow:auto}}.error{{color:#a00}}</style></head>
<body><h1>{html.escape(title)}</h1>{body}<script>{script}</script></body></html>
"""


# Results are written with textContent only: labels and quotes come from articles (untrusted).
_RUN_SCRIPT = """
function cell(term) {
  if (!term) return '';
  if (term.type === 'literal' && term['xml:lang']) return term.value + ' @' + term['xml:lang'];
  if (term.type === 'uri') {  // res:cnpc rather than the full IRI, as `kg query` shows it
    for (const [prefix, iri] of Object.entries(PREFIXES)) {
      if (term.value.startsWith(iri)) return prefix + ':' + term.value.slice(iri.length);
    }
  }
  return term.value;
}
for (const form of document.querySelectorAll('form.run')) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const out = form.parentElement.querySelector('.result');
    out.textContent = 'running…';
    const response = await fetch('/run', {method: 'POST', body: new URLSearchParams(new FormData(form))});
    if (!response.ok) {
      out.textContent = await response.text();
      out.className = 'result error';
      return;
    }
    out.className = 'result';
    if (response.headers.get('Content-Type').startsWith('text/plain')) {  // CONSTRUCT: N-Triples
      const pre = document.createElement('pre');
      pre.textContent = await response.text();
      out.textContent = '';
      out.append(pre);
      return;
    }
    const data = await response.json();
    out.textContent = '';
    if (data.boolean !== undefined) { out.textContent = String(data.boolean); return; }
    const table = document.createElement('table');
    const head = table.insertRow();
    for (const v of data.head.vars) { const th = document.createElement('th'); th.textContent = v; head.appendChild(th); }
    for (const row of data.results.bindings) {
      const tr = table.insertRow();
      for (const v of data.head.vars) tr.insertCell().textContent = cell(row[v]);
    }
    const count = document.createElement('p');
    count.textContent = data.results.bindings.length + ' row(s)';
    out.append(count, table);
  });
}
"""
