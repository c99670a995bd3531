/* The graph view's behaviour: network, legend with class toggles, search, neighbourhood
   highlight and the details panel, and the state the map and timeline tabs share with the
   network (window.kgView: selection, visible classes, date range, label language). Every piece of data (labels, quotes, titles, URLs) comes from
   the JSON blocks and reaches the page only through textContent, text nodes and checked hrefs,
   never innerHTML; vis-network gets no `title`, whose string form it would write as HTML. */
(function () {
  "use strict";
  const PAGE = JSON.parse(document.getElementById("kg-data").textContent);
  const NET = JSON.parse(document.getElementById("kg-network").textContent);
  const ENTITIES = PAGE.entities;
  const CLASSES = Object.fromEntries(PAGE.classes.map((c) => [c.cls, c]));
  const DIM = 0.12;
  let lang = PAGE.lang;
  const VIEWS = ["network", "map", "timeline"];
  const hashView = location.hash.slice(1);
  const initial = VIEWS.includes(hashView) ? hashView : PAGE.view;
  const listeners = { select: [], visibility: [], lang: [] };
  const on = (kind, f) => listeners[kind].push(f);
  const emit = (kind, ...args) => listeners[kind].forEach((f) => f(...args));

  // --- DOM helpers: text only -----------------------------------------------------------------
  function h(tag, props, ...children) {
    const el = document.createElement(tag);
    Object.assign(el, props || {});
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === "") continue;
      el.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return el;
  }
  function link(url, text) {
    let safe = null;
    try { safe = new URL(url); } catch (e) { safe = null; }
    if (!safe || (safe.protocol !== "https:" && safe.protocol !== "http:")) return h("span", {}, text || url || "");
    return h("a", { href: safe.href, target: "_blank", rel: "noopener noreferrer" }, text || safe.href);
  }
  const SVG = "http://www.w3.org/2000/svg";
  // the class shapes as polygons in a 16 × 16 box centred on 0 (a "dot" is a circle of radius 6):
  // the legend, the details panel, the timeline and the map's canvas all draw from this table
  const SHAPES = {
    triangle: "0,-7 7,6 -7,6", triangleDown: "0,7 7,-6 -7,-6", diamond: "0,-7 7,0 0,7 -7,0",
    square: "-6,-6 6,-6 6,6 -6,6", hexagon: "-7,0 -3.5,-6 3.5,-6 7,0 3.5,6 -3.5,6",
    star: "0,-7 2,-2 7,-2 3,1 4.5,6.5 0,3.5 -4.5,6.5 -3,1 -7,-2 -2,-2",
  };
  function shapeIcon(shape, color) {
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("class", "shape"); svg.setAttribute("width", "16"); svg.setAttribute("height", "16");
    svg.setAttribute("viewBox", "-8 -8 16 16");
    svg.dataset.shape = shape; // what the tests compare with the shape the network draws
    const points = SHAPES[shape];
    const el = document.createElementNS(SVG, points ? "polygon" : "circle");
    if (points) el.setAttribute("points", points); else el.setAttribute("r", "6");
    el.setAttribute("fill", color);
    svg.append(el);
    return svg;
  }

  // --- names --------------------------------------------------------------------------------
  function nameOf(id, inLang) {
    const labels = (ENTITIES[id] && ENTITIES[id].labels) || {};
    for (const l of [inLang || lang, "en"]) if (labels[l] && labels[l].length) return labels[l][0];
    return id;
  }
  const norm = (s) => s.normalize("NFKC").toLocaleLowerCase().trim();

  // --- network --------------------------------------------------------------------------------
  const nodes = new vis.DataSet(NET.nodes);
  const edges = new vis.DataSet(NET.edges);
  let network = null; // built by startNetwork, after the opening view when that is the map or timeline
  const byClass = {};
  for (const n of NET.nodes) (byClass[n.group] = byClass[n.group] || []).push(n.id);
  // who is one relation away, and by which edges: the highlight and the date range need it
  // whether or not the network is drawn yet
  const adjacent = {};
  for (const e of NET.edges) {
    (adjacent[e.from] = adjacent[e.from] || []).push([e.to, e.id]);
    (adjacent[e.to] = adjacent[e.to] || []).push([e.from, e.id]);
  }
  const neighbours = (id) => (adjacent[id] || []).map(([n]) => n);
  const incoming = {};
  for (const [id, e] of Object.entries(ENTITIES)) {
    for (const f of e.facts || []) if (f.object) (incoming[f.object] = incoming[f.object] || []).push([id, f]);
  }
  document.getElementById("status").textContent =
    `${NET.nodes.length} entities · ${NET.edges.length} relations` + (PAGE.large ? " · layout precomputed" : "");

  const classOf = Object.fromEntries(NET.nodes.map((n) => [n.id, n.group]));
  const hiddenClasses = new Set();
  let active = null; // ids inside the chosen date range; null: no range
  function isVisible(id) { return !hiddenClasses.has(classOf[id]) && (active === null || active.has(id)); }
  function applyVisibility() {
    nodes.update(NET.nodes.map((n) => ({ id: n.id, hidden: !isVisible(n.id) })));
    emit("visibility");
  }
  function setActive(ids) { active = ids; applyVisibility(); }
  const views = Object.fromEntries(VIEWS.map((v) => [v, { ready: false, readyAt: null }]));
  function markReady(view) {
    if (views[view].ready) return;
    Object.assign(views[view], { ready: true, readyAt: performance.now() });
    if (view === initial) {
      Object.assign(kgView, { ready: true, readyAt: views[view].readyAt });
      document.body.dataset.ready = "true";
    }
  }
  const kgView = (window.kgView = {
    network, startNetwork, neighbours, nodes, edges, ready: false, readyAt: null, focusNode, search, select,
    PAGE, NET, ENTITIES, CLASSES, SHAPES, classOf, h, link, shapeIcon, nameOf, showEntity, hideDetails,
    on, isVisible, setActive, views, initial, markReady, active: () => active, lang: () => lang,
    hiddenClass: (cls) => hiddenClasses.has(cls),
  });
  function startNetwork() {
    if (network) return;
    network = kgView.network = new vis.Network(document.getElementById("network"), { nodes, edges }, PAGE.options);
    let stabilized = !PAGE.options.physics.enabled;
    network.once("stabilizationIterationsDone", () => {
      stabilized = true;
      network.setOptions({ physics: { enabled: false } }); // laid out: stop moving, spare the CPU
    });
    network.on("afterDrawing", function onDraw() {
      if (!stabilized) return;
      network.off("afterDrawing", onDraw);
      markReady("network");
    });
    network.on("click", (params) => {
      if (params.nodes.length) select(params.nodes[0]);
      else if (params.edges.length) { clearHighlight(); showEdge(params.edges[0]); }
      else { clearHighlight(); hideDetails(); }
    });
    if (selected) network.selectNodes([selected]);
  }

  // --- neighbourhood highlight ------------------------------------------------------------------
  const edgeColor = (opacity) => Object.assign({}, PAGE.options.edges.color, { opacity });
  let highlighted = false;
  function highlight(id) {
    const near = new Set(neighbours(id).concat([id]));
    const touching = new Set((adjacent[id] || []).map(([, e]) => e));
    nodes.update(nodes.getIds().map((n) => ({ id: n, opacity: near.has(n) ? 1 : DIM })));
    edges.update(edges.getIds().map((e) => ({ id: e, color: edgeColor(touching.has(e) ? 1 : DIM) })));
    highlighted = true;
  }
  function clearHighlight() {
    if (!highlighted) return;
    nodes.update(nodes.getIds().map((n) => ({ id: n, opacity: 1 })));
    edges.update(edges.getIds().map((e) => ({ id: e, color: edgeColor(1) })));
    highlighted = false;
  }

  // select an entity in every view (from a click in any of them); `focusNode` also brings it
  // into sight (search, a name in the details panel)
  let selected = null;
  function select(id, bring) {
    if (!nodes.get(id)) return false;
    selected = id;
    if (network) network.selectNodes([id]);
    highlight(id);
    showEntity(id);
    emit("select", id, Boolean(bring));
    return true;
  }
  function focusNode(id) {
    const node = nodes.get(id);
    if (!node) return false;
    if (hiddenClasses.has(node.group)) setClassVisible(node.group, true);
    if (network && document.body.dataset.view === "network") {
      network.focus(id, { scale: Math.max(network.getScale(), 1), animation: { duration: 300 } });
    }
    return select(id, true);
  }

  // --- legend and class toggles --------------------------------------------------------------
  const toggles = {};
  function setClassVisible(cls, visible) {
    toggles[cls].checked = visible;
    if (visible) hiddenClasses.delete(cls); else hiddenClasses.add(cls);
    nodes.update(byClass[cls].map((id) => ({ id, hidden: !isVisible(id) })));
    emit("visibility");
  }
  document.getElementById("classes").append(...PAGE.classes.map((c) => {
    const box = (toggles[c.cls] = h("input", { type: "checkbox", checked: true }));
    box.addEventListener("change", () => setClassVisible(c.cls, box.checked));
    return h("li", {}, h("label", {}, box, shapeIcon(c.shape, c.color), c.label, h("span", { className: "count" }, String(c.count))));
  }));

  // --- language of labels ------------------------------------------------------------------------
  const langSelect = document.getElementById("lang");
  langSelect.append(...PAGE.langs.map((l) => h("option", { value: l, selected: l === lang }, l)));
  langSelect.addEventListener("change", () => {
    lang = langSelect.value;
    nodes.update(nodes.getIds().map((id) => ({ id, label: nameOf(id) })));
    if (shown) open(shown);
    emit("lang");
  });

  // --- search ------------------------------------------------------------------------------------
  const index = [];
  for (const n of NET.nodes) {
    const e = ENTITIES[n.id];
    const names = new Set([n.id, ...(e.aliases || []), ...Object.values(e.labels || {}).flat()]);
    for (const name of names) index.push({ id: n.id, name, key: norm(name) });
  }
  function search(text) {
    const q = norm(text);
    if (!q) return [];
    const best = new Map();
    for (const entry of index) {
      const at = entry.key.indexOf(q);
      if (at < 0) continue;
      const rank = entry.key === q ? 0 : at === 0 ? 1 : 2;
      const seen = best.get(entry.id);
      if (!seen || rank < seen.rank) best.set(entry.id, { id: entry.id, name: entry.name, rank });
    }
    return [...best.values()]
      .sort((a, b) => a.rank - b.rank || nameOf(a.id).localeCompare(nameOf(b.id)))
      .slice(0, 12);
  }
  const input = document.getElementById("search");
  const results = document.getElementById("results");
  function choose(id) { results.hidden = true; focusNode(id); }
  input.addEventListener("input", () => {
    const found = search(input.value);
    results.replaceChildren(...found.map((m) => {
      const b = h("button", { type: "button" }, nameOf(m.id),
        m.name !== nameOf(m.id) ? h("span", { className: "also" }, ` (${m.name})`) : null,
        h("span", { className: "also" }, ` · ${(CLASSES[nodes.get(m.id).group] || {}).label || ""}`));
      b.addEventListener("click", () => choose(m.id));
      return h("li", {}, b);
    }));
    results.hidden = !input.value.trim();
    if (!found.length && input.value.trim()) results.append(h("li", { className: "missing" }, "no match"));
  });
  input.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter") { const found = search(input.value); if (found.length) choose(found[0].id); }
    if (ev.key === "Escape") results.hidden = true;
  });

  // --- details panel -------------------------------------------------------------------------------
  const panel = document.getElementById("details");
  let shown = null; // re-renders the panel (after a language change)
  function hideDetails() { panel.hidden = true; shown = null; }
  function entityRef(id) {
    if (!nodes.get(id)) return h("span", {}, nameOf(id));
    const b = h("button", { type: "button", className: "entity" }, nameOf(id));
    b.addEventListener("click", () => focusNode(id));
    return b;
  }
  function claimView(c) {
    const src = PAGE.sources[c.g] || { title: c.g };
    const line = h("div", { className: "source" }, src.kind === "article" ? "Article: " : "Source: ",
      src.url ? link(src.url, src.title) : src.title || c.g,
      src.date ? `, ${src.date}` : "", src.publisher && src.kind === "article" ? ` (${src.publisher})` : "");
    return h("div", { className: "claim" }, line,
      c.quote ? h("blockquote", {}, `“${c.quote}”`) : null,
      c.span ? h("div", { className: "span" }, `characters ${c.span[0]}–${c.span[1]} of the article`) : null,
      (c.qualifiers || []).map(([k, v, entity]) => h("div", { className: "qualifiers" }, `${k}: `, entity ? entityRef(entity) : v)));
  }
  function factView(f, subject) {
    const value = f.object ? entityRef(f.object) : h("span", { className: "fact-value" }, f.text);
    const head = subject ? [entityRef(subject), ` ${f.label} `, value] : [`${f.label}: `, value];
    return h("li", { className: "fact" }, h("div", {}, head),
      f.qualifiers.length ? h("div", { className: "qualifiers" }, f.qualifiers.map(([k, v]) => `${k}: ${v}`).join(" · ")) : null,
      f.claims.map(claimView));
  }
  function section(title, items) {
    return items.length ? [h("h3", {}, title), h("ul", {}, items)] : [];
  }
  function open(render) {
    shown = render;
    panel.replaceChildren(h("div", {}, h("button", { type: "button", className: "close", title: "Close", onclick: hideDetails }, "×"), render()));
    panel.hidden = false;
    panel.scrollTop = 0;
  }
  function showEntity(id) {
    open(() => {
      const e = ENTITIES[id];
      const cls = CLASSES[nodes.get(id).group];
      const names = PAGE.langs.map((l) => h("tr", {}, h("td", {}, l),
        (e.labels[l] || []).length ? h("td", {}, e.labels[l].join(" / ")) : h("td", { className: "missing" }, "—")));
      const facts = e.facts.filter((f) => !f.object);
      const out = e.facts.filter((f) => f.object);
      const inc = incoming[id] || [];
      return [
        h("h2", {}, nameOf(id)),
        h("div", {}, shapeIcon(cls.shape, cls.color), " ", cls.label),
        h("div", { className: "sub" }, e.iri || id),
        h("h3", {}, "Names"), h("table", {}, h("tbody", {}, names)),
        e.aliases.length ? h("div", {}, "Also: ", e.aliases.join(" · ")) : null,
        e.sameAs.length ? h("div", {}, "Same as: ", e.sameAs.map((u) => link(u))) : null,
        e.coords ? h("div", {}, `Coordinates: ${e.coords.latitude}, ${e.coords.longitude}`) : null,
        section("Facts", facts.map((f) => factView(f))),
        section("Relations", out.map((f) => factView(f, id)).concat(inc.map(([from, f]) => factView(f, from)))),
        section("Named in", e.declared.map(claimView)),
      ];
    });
  }
  function showEdge(edgeId) {
    const edge = edges.get(edgeId);
    const fact = (ENTITIES[edge.from].facts || []).find((f) => f.p === edge.property && f.object === edge.to);
    open(() => [
      h("h2", {}, nameOf(edge.from), ` → ${edge.label} → `, nameOf(edge.to)),
      h("div", {}, entityRef(edge.from), ` ${edge.label} `, entityRef(edge.to)),
      section("Sources", fact ? fact.claims.map(claimView) : []),
    ]);
  }

  // graph.html#ID focuses an entity: the links of a briefing (kg brief) and of the query page
  function focusFromHash() {
    const id = decodeURIComponent(location.hash.slice(1));
    if (id && Object.prototype.hasOwnProperty.call(ENTITIES, id)) focusNode(id);
  }
  window.addEventListener("hashchange", focusFromHash);
  focusFromHash();
})();
