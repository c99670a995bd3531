"""The HTML pages of `kg serve`: its index and the query library page (their script included).

Everything shown is escaped (`html.escape`) or written with `textContent`: labels and quotes come
from articles and are untrusted text.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from kg.serve.resultpages import LANG_FIELD, PAGE_ROWS
from kg.vocab import LANGUAGES, PREFIXES, RESOURCE


def index_page(service, files: dict[str, Path]) -> str:
    """The index of `kg serve`: where the endpoint is, and links to every page and file."""
    e = html.escape
    links = ['<li><a href="/queries">Query library</a>: run each query of <code>queries/</code></li>',
             '<li><code>/brief?entity=NAME</code>: the sourced briefing on any entity (the form below)</li>',
             f'<li><a href="{e(service.base)}/">YASGUI</a> on the endpoint: write your own SPARQL</li>']
    links += [f'<li><a href="{e(path)}">{e(path.lstrip("/"))}</a></li>' for path in sorted(files)]
    mode = "read-write (updates go to a private copy, discarded on exit)" if service.writable else "read-only"
    return _page("kg serve", f"""
<p>SPARQL 1.1 endpoint ({mode}): <code>{e(service.endpoint)}</code><br>
Graph Store Protocol: <code>{e(service.base)}/store</code><br>
Build: <code>{e(service.run.name)}</code></p>
<ul>{''.join(links)}</ul>
<form action="/brief" class="brief"><label>Briefing on <input name="entity" placeholder="name, alias or id (CNPC, 中石油)" required></label>
<select name="format" aria-label="Format"><option value="html">HTML</option><option value="md">Markdown</option><option value="json">JSON</option></select>
<select name="lang" aria-label="Language of names">{''.join(f'<option value="{code}">{name}</option>' for code, name in _LANGUAGE_NAMES.items())}</select>
<button>Open</button></form>
<pre>curl -H 'Accept: text/csv' --data-urlencode 'query=SELECT * WHERE {{ ?s ?p ?o }} LIMIT 5' {e(service.endpoint)}</pre>""")


def queries_page(queries: dict, has_graph: bool = False) -> str:
    """The query library as forms that run each query through `/run`: the row count and first rows
    with names in the chosen language, more on demand, sorting and filtering, CSV and JSON downloads."""
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
    menu = "".join(f'<option value="{code}">{e(name)}</option>' for code, name in _LANGUAGE_NAMES.items())
    body = (f'<p class="lang"><label>Names in <select id="lang" aria-label="Label language">{menu}</select></label> '
            f'(English where an entity has no name in that language); an entity\'s name opens its briefing'
            f'{", ◈ its place in the graph view" if has_graph else ""}.</p>') + body
    constants = {"PREFIXES": PREFIXES, "RESOURCE": RESOURCE, "HAS_GRAPH": has_graph, "PAGE_ROWS": PAGE_ROWS,
                 "LANG_FIELD": LANG_FIELD}
    script = "".join(f"const {k} = {json.dumps(v)};\n".replace("<", "\\u003c") for k, v in constants.items())  # nothing may close the script element
    return _page("Query library", body, script=script + _RUN_SCRIPT)


_NAMES_OF = {"en": "English", "ru": "Russian", "kk": "Kazakh", "zh": "Chinese"}
_LANGUAGE_NAMES = {code: _NAMES_OF.get(code, code) for code in LANGUAGES}  # the menu, in the project's order


def _page(title: str, body: str, script: str = "") -> str:
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title><link rel="icon" href="data:,">
<style>body{{font-family:sans-serif;max-width:70em;margin:1em auto;padding:0 1em}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:.2em .4em;vertical-align:top}}
pre{{background:#f4f4f4;padding:.5em;overflow:auto}}.error{{color:#a00}}
th button{{border:0;background:none;font:inherit;font-weight:bold;cursor:pointer;padding:0}}
th input{{width:100%;box-sizing:border-box;font-weight:normal}}a.graph{{text-decoration:none;margin-left:.3em}}
.status a{{margin-left:.8em}}</style></head>
<body><h1>{html.escape(title)}</h1>{body}<script>{script}</script></body></html>
"""


# Results are written with textContent only: labels and quotes come from articles (untrusted).
# The rows stay on the server (kg.serve.resultpages): the page holds the ones loaded, a few hundred at a
# time, and sorts and filters those.
_RUN_SCRIPT = """
const LANG = document.getElementById('lang');
const VIEWS = [];
function entityId(iri) {
  if (!iri.startsWith(RESOURCE)) return null;
  const rest = iri.slice(RESOURCE.length);
  return rest && !rest.includes('/') ? decodeURIComponent(rest) : null;
}
function compact(iri) {  // res:cnpc rather than the full IRI, as `kg query` shows it
  for (const [prefix, ns] of Object.entries(PREFIXES)) {
    if (iri.startsWith(ns)) return prefix + ':' + iri.slice(ns.length);
  }
  return iri;
}
function el(tag, text) { const node = document.createElement(tag); if (text !== undefined) node.textContent = text; return node; }
function link(href, text) { const a = el('a', text); a.setAttribute('href', href); return a; }

class ResultView {
  constructor(out, form, data) {
    this.out = out; this.form = form; this.token = data.token; this.count = data.count; this.vars = data.vars;
    this.rows = []; this.labels = {}; this.sort = null; this.filters = data.vars.map(() => '');
    this.add(data);
    VIEWS.push(this);
  }
  add(page) { this.rows.push(...page.rows); Object.assign(this.labels, page.labels); }
  text(term) {
    if (!term) return '';
    if (term.type === 'uri') return this.labels[term.value] || compact(term.value);
    if (term.type === 'literal' && term['xml:lang']) return term.value + ' @' + term['xml:lang'];
    return term.value;
  }
  cell(term) {
    const td = el('td');
    if (!term) return td;
    const id = term.type === 'uri' ? entityId(term.value) : null;
    if (id === null) { td.textContent = this.text(term); }
    else {
      const name = link('/brief?format=html&lang=' + encodeURIComponent(LANG.value) + '&entity=' + encodeURIComponent(id), this.text(term));
      name.className = 'entity';
      td.append(name);
      if (HAS_GRAPH) {
        const graph = link('/graph.html#' + encodeURIComponent(id), '\u25c8');
        graph.className = 'graph'; graph.setAttribute('title', 'in the graph view');
        td.append(graph);
      }
    }
    if (term.type === 'uri') td.setAttribute('title', term.value);
    return td;
  }
  async fetchRows(offset, limit) {
    const params = new URLSearchParams({token: this.token, offset: String(offset), limit: String(limit)});
    params.set(LANG_FIELD, LANG.value);
    const response = await fetch('/rows?' + params);
    if (!response.ok) throw new Error(await response.text());
    return response.json();
  }
  async more(n) {
    try { this.add(await this.fetchRows(this.rows.length, n)); } catch (error) { this.status(error.message, true); return; }
    this.render();
  }
  async relabel() {  // the language changed: names of every loaded row again
    const labels = {};
    for (let offset = 0; offset < this.rows.length; offset += 5000) {
      try { Object.assign(labels, (await this.fetchRows(offset, 5000)).labels); } catch (error) { this.status(error.message, true); return; }
    }
    this.labels = labels;
    this.render();
  }
  download(format) {
    const params = new URLSearchParams(new FormData(this.form));
    params.set('format', format);
    const a = link('/download?' + params, format.toUpperCase());
    a.setAttribute('download', params.get('name') + '.' + format);
    return a;
  }
  status(message, error) {
    const p = this.out.querySelector('.status');
    p.textContent = message;
    p.className = error ? 'status error' : 'status';
  }
  shown() {
    let rows = this.rows;
    const wanted = this.filters.map((f) => f.trim().toLowerCase());
    if (wanted.some((f) => f)) rows = rows.filter((row) => wanted.every((f, i) => !f || this.text(row[i]).toLowerCase().includes(f)));
    if (this.sort) {
      const [i, dir] = this.sort;
      const key = (row) => this.text(row[i]);
      rows = rows.slice().sort((a, b) => {
        const x = key(a), y = key(b), nx = Number(x), ny = Number(y);
        const order = (x !== '' && y !== '' && !isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
        return dir * order;
      });
    }
    return rows;
  }
  render() {
    const rows = this.shown();
    let table = this.out.querySelector('table');
    if (!table) {
      this.out.textContent = '';
      const status = el('p'); status.className = 'status';
      const bar = el('p'); bar.className = 'downloads';
      bar.append('Whole result: ', this.download('csv'), ' ', this.download('json'));
      table = el('table');
      const head = el('thead'), names = el('tr'), filters = el('tr');
      this.vars.forEach((v, i) => {
        const th = el('th'), sort = el('button', v);
        sort.type = 'button';
        sort.setAttribute('title', 'sort the rows shown by ' + v);
        sort.addEventListener('click', () => {
          this.sort = this.sort && this.sort[0] === i ? [i, -this.sort[1]] : [i, 1];
          this.render();
        });
        th.append(sort); names.append(th);
        const f = el('th'), input = el('input');
        input.setAttribute('placeholder', 'filter'); input.setAttribute('aria-label', 'filter ' + v);
        input.addEventListener('input', () => { this.filters[i] = input.value; this.render(); });
        f.append(input); filters.append(f);
      });
      head.append(names, filters);
      table.append(head, el('tbody'));
      const more = el('button'); more.type = 'button'; more.className = 'more';
      more.addEventListener('click', () => this.more(PAGE_ROWS));
      this.out.append(status, bar, table, more);
    }
    const body = el('tbody');
    for (const row of rows) {
      const tr = el('tr');
      for (const term of row) tr.append(this.cell(term));
      body.append(tr);
    }
    table.replaceChild(body, table.tBodies[0]);
    this.out.querySelectorAll('th button').forEach((b, i) => {
      b.textContent = this.vars[i] + (this.sort && this.sort[0] === i ? (this.sort[1] > 0 ? ' \u25b2' : ' \u25bc') : '');
    });
    const filtered = rows.length !== this.rows.length ? ', ' + rows.length.toLocaleString('en') + ' match the filters' : '';
    this.status(this.count.toLocaleString('en') + ' row(s); ' + this.rows.length.toLocaleString('en') + ' loaded' + filtered);
    const more = this.out.querySelector('button.more');
    const left = this.count - this.rows.length;
    more.hidden = left <= 0;
    more.textContent = 'Show ' + Math.min(left, PAGE_ROWS).toLocaleString('en') + ' more of ' + left.toLocaleString('en');
  }
}

LANG.addEventListener('change', () => { for (const view of VIEWS) view.relabel(); });
for (const form of document.querySelectorAll('form.run')) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const out = form.parentElement.querySelector('.result');
    out.textContent = 'running…';
    out.className = 'result';
    const body = new URLSearchParams(new FormData(form));
    body.set(LANG_FIELD, LANG.value);
    const response = await fetch('/run', {method: 'POST', body: body});
    if (!response.ok) {
      out.textContent = await response.text();
      out.className = 'result error';
      return;
    }
    const data = await response.json();
    out.textContent = '';
    if (data.form === 'ASK') { out.textContent = String(data.boolean); return; }
    if (data.form !== 'SELECT') { out.append(el('pre', data.text)); return; }  // CONSTRUCT: Turtle
    const index = VIEWS.findIndex((v) => v.out === out);
    if (index >= 0) VIEWS.splice(index, 1);
    new ResultView(out, form, data).render();
  });
}
"""
