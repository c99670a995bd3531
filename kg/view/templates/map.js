/* The map tab: Natural Earth country outlines (world-atlas, cut to the field's region, through
   topojson-client) drawn by Leaflet with no tile server; a marker per entity with coordinates,
   shaped and coloured as in the class legend (the legend's own shape table, kgView.SHAPES); a
   line per routed asset through its ordered stops, coloured by commodity and dashed by mode.
   Markers and lines are drawn on one canvas, lines below: as thousands of elements the markers
   made switching tabs take up to a second, and a canvas above SVG lines would catch their clicks. Names reach the map only as text nodes (tooltips get elements, never HTML
   strings); Leaflet's default marker images are URLs the page's CSP forbids, so none is used. */
(function () {
  "use strict";
  const kg = window.kgView;
  const { PAGE, ENTITIES, CLASSES, SHAPES, classOf, h, nameOf } = kg;
  const ATLAS = JSON.parse(document.getElementById("kg-atlas").textContent);
  // Kazakhstan and western China: always in view when the map opens, whatever the data holds
  const FIELD = [[35, 46], [56, 100]];
  const HOME = ["398", "156"]; // ISO 3166 numeric codes of Kazakhstan and China, drawn darker

  let map = null;
  const markers = {}; // entity id -> Leaflet marker
  const lines = {}; // entity id -> Leaflet polyline
  const markerLayer = L.layerGroup();
  const lineLayer = L.layerGroup();

  function tooltip(id) {
    return () => h("span", {}, nameOf(id));
  }

  // a circle marker drawn as its class's shape; Leaflet's hit test (within the radius) still holds
  const ShapeMarker = L.CircleMarker.extend({
    _updatePath() { this._renderer._updateShape(this); },
  });
  L.Canvas.include({
    _updateShape(layer) {
      if (!this._drawing || layer._empty()) return;
      const p = layer._point, r = layer._radius, ctx = this._ctx;
      const points = SHAPES[layer.options.shape];
      ctx.beginPath();
      if (points) {
        points.split(" ").forEach((pair, i) => {
          const [x, y] = pair.split(",").map(Number);
          ctx[i ? "lineTo" : "moveTo"](p.x + (x * r) / 7, p.y + (y * r) / 7);
        });
        ctx.closePath();
      } else {
        ctx.arc(p.x, p.y, (r * 6) / 7, 0, Math.PI * 2);
      }
      this._fillStroke(ctx, layer);
      if (layer.options.ring) { // border crossings stand out
        ctx.beginPath();
        ctx.arc(p.x, p.y, r + 4, 0, Math.PI * 2);
        ctx.lineWidth = 3;
        ctx.strokeStyle = layer.options.ring;
        ctx.stroke();
      }
    },
  });
  const NORMAL = { color: "#ffffff", weight: 1 };
  const SELECTED = { color: "#111111", weight: 3 };
  function marker(id, latLng, renderer) {
    const cls = CLASSES[classOf[id]] || { shape: "dot", color: "#c7c7c7" };
    const crossing = classOf[id] === "BorderCrossing";
    return new ShapeMarker(latLng, { renderer, shape: cls.shape, radius: crossing ? 10 : 8, fillColor: cls.color,
      fillOpacity: 1, ring: crossing ? "#d6616b" : null, ...NORMAL });
  }

  function build() {
    if (map) return;
    map = L.map("map", { zoomSnap: 0.25, preferCanvas: false, worldCopyJump: false, attributionControl: true });
    map.attributionControl.setPrefix("Leaflet").addAttribution("Natural Earth (world-atlas)");
    L.geoJSON(topojson.feature(ATLAS, ATLAS.objects.countries), {
      interactive: false,
      style: (f) => ({ color: "#8a8a8a", weight: 1, fillColor: HOME.includes(String(f.id)) ? "#ecebe4" : "#f7f7f4", fillOpacity: 1 }),
    }).addTo(map);
    lineLayer.addTo(map);
    markerLayer.addTo(map);
    map.createPane("kgShapes").style.zIndex = 450;
    const renderer = L.canvas({ pane: "kgShapes", padding: 0.3, tolerance: 3 });
    for (const [id, route] of Object.entries(PAGE.routes || {})) {
      if (!(id in classOf)) continue;
      const line = L.polyline(route.line, { renderer, color: route.color, weight: 4, opacity: 0.85, dashArray: route.dash || null });
      line.bindTooltip(tooltip(id), { sticky: true });
      line.on("click", (ev) => { L.DomEvent.stopPropagation(ev); kg.select(id); });
      lines[id] = line;
    }
    for (const [id, e] of Object.entries(ENTITIES)) {
      if (!e.coords || !(id in classOf)) continue;
      const lat = Number(e.coords.latitude), lon = Number(e.coords.longitude);
      if (!Number.isFinite(lat) || !Number.isFinite(lon)) continue;
      const m = marker(id, [lat, lon], renderer);
      m.bindTooltip(tooltip(id), { direction: "top", offset: [0, -8] });
      m.on("click", (ev) => { L.DomEvent.stopPropagation(ev); kg.select(id); });
      markers[id] = m;
    }
    map.on("click", () => kg.hideDetails());
    legend();
    refresh();
    fit();
    kg.markReady("map");
  }

  function fit() {
    const bounds = L.latLngBounds(FIELD);
    for (const m of Object.values(markers)) bounds.extend(m.getLatLng());
    for (const l of Object.values(lines)) bounds.extend(l.getBounds());
    map.fitBounds(bounds, { padding: [20, 20] });
  }

  // visible: the class is on and the entity is inside the date range
  function refresh() {
    if (!map) return;
    for (const [id, m] of Object.entries(markers)) toggle(markerLayer, m, kg.isVisible(id));
    for (const [id, l] of Object.entries(lines)) if (toggle(lineLayer, l, kg.isVisible(id))) l.bringToBack();
  }
  // true when the item was added: the canvas draws (and hit-tests) in order of addition
  function toggle(layer, item, visible) {
    if (!visible && layer.hasLayer(item)) layer.removeLayer(item);
    if (!visible || layer.hasLayer(item)) return false;
    layer.addLayer(item);
    return true;
  }

  // the line styles in use, under the class legend
  function legend() {
    const seen = new Map();
    for (const [id, r] of Object.entries(PAGE.routes || {})) {
      const key = `${r.color}|${r.dash || ""}`;
      if (!seen.has(key)) seen.set(key, { ...r, cls: classOf[id] });
    }
    const SVG = "http://www.w3.org/2000/svg";
    document.getElementById("lines").replaceChildren(...[...seen.values()].map((r) => {
      const svg = document.createElementNS(SVG, "svg");
      svg.setAttribute("width", "24"); svg.setAttribute("height", "10");
      const path = document.createElementNS(SVG, "line");
      Object.entries({ x1: 0, y1: 5, x2: 24, y2: 5, stroke: r.color, "stroke-width": 3 }).forEach(([k, v]) => path.setAttribute(k, v));
      if (r.dash) path.setAttribute("stroke-dasharray", r.dash);
      svg.append(path);
      const label = [(CLASSES[r.cls] || {}).label || r.cls, r.commodities.join(", ")].filter(Boolean).join(": ");
      return h("li", { className: "line-style" }, svg, label);
    }));
  }

  let selected = null;
  function onSelect(id, bring) {
    if (selected && markers[selected]) markers[selected].setStyle(NORMAL);
    if (selected && lines[selected]) lines[selected].setStyle({ weight: 4 });
    selected = id;
    if (markers[id]) markers[id].setStyle(SELECTED).bringToFront();
    if (lines[id]) lines[id].setStyle({ weight: 8 });
    if (bring && document.body.dataset.view === "map") {
      if (markers[id]) map.setView(markers[id].getLatLng(), Math.max(map.getZoom(), 6));
      else if (lines[id]) map.fitBounds(lines[id].getBounds(), { padding: [40, 40] });
    }
  }

  kg.on("visibility", refresh);
  kg.on("select", (id, bring) => map && onSelect(id, bring));
  kg.map = { build, markers, lines, show: () => map && map.invalidateSize(), get leaflet() { return map; } };
})();
