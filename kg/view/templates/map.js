/* The map tab: Natural Earth country outlines (world-atlas, cut to the field's region, through
   topojson-client) drawn by Leaflet with no tile server; a marker per entity with coordinates,
   shaped and coloured as in the class legend (the legend's own SVG shapes); a line per routed
   asset through its ordered stops, coloured by commodity and dashed by mode. Names reach the
   map only as text nodes (tooltips get elements, never HTML strings); Leaflet's default marker
   images are URLs the page's CSP forbids, so no marker uses them. */
(function () {
  "use strict";
  const kg = window.kgView;
  const { PAGE, ENTITIES, CLASSES, classOf, h, shapeIcon, nameOf } = kg;
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
  function markerIcon(id) {
    const cls = CLASSES[classOf[id]] || { shape: "dot", color: "#c7c7c7" };
    const crossing = classOf[id] === "BorderCrossing";
    const icon = shapeIcon(cls.shape, cls.color);
    return L.divIcon({ html: icon, className: crossing ? "kg-marker crossing" : "kg-marker",
      iconSize: crossing ? [26, 26] : [16, 16] });
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
    for (const [id, route] of Object.entries(PAGE.routes || {})) {
      if (!(id in classOf)) continue;
      const line = L.polyline(route.line, { color: route.color, weight: 4, opacity: 0.85, dashArray: route.dash || null,
        className: "kg-route" });
      line.bindTooltip(tooltip(id), { sticky: true });
      line.on("click", (ev) => { L.DomEvent.stopPropagation(ev); kg.select(id); });
      line.on("add", () => line.getElement().setAttribute("data-entity", id));
      lines[id] = line;
    }
    for (const [id, e] of Object.entries(ENTITIES)) {
      if (!e.coords || !(id in classOf)) continue;
      const lat = Number(e.coords.latitude), lon = Number(e.coords.longitude);
      if (!Number.isFinite(lat) || !Number.isFinite(lon)) continue;
      const marker = L.marker([lat, lon], { icon: markerIcon(id), keyboard: false, riseOnHover: true });
      marker.bindTooltip(tooltip(id), { direction: "top", offset: [0, -8] });
      marker.on("click", (ev) => { L.DomEvent.stopPropagation(ev); kg.select(id); });
      marker.on("add", () => { marker.getElement().dataset.entity = id; });
      markers[id] = marker;
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
    for (const [id, l] of Object.entries(lines)) toggle(lineLayer, l, kg.isVisible(id));
  }
  function toggle(layer, item, visible) {
    if (visible && !layer.hasLayer(item)) layer.addLayer(item);
    if (!visible && layer.hasLayer(item)) layer.removeLayer(item);
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
    if (selected) selected.forEach((el) => el.classList.remove("selected"));
    selected = [markers[id], lines[id]].filter(Boolean).map((l) => l.getElement()).filter(Boolean);
    selected.forEach((el) => el.classList.add("selected"));
    if (bring && document.body.dataset.view === "map") {
      if (markers[id]) map.setView(markers[id].getLatLng(), Math.max(map.getZoom(), 6));
      else if (lines[id]) map.fitBounds(lines[id].getBounds(), { padding: [40, 40] });
    }
  }

  kg.on("visibility", refresh);
  kg.on("select", (id, bring) => map && onSelect(id, bring));
  kg.map = { build, markers, lines, show: () => map && map.invalidateSize(), get leaflet() { return map; } };
})();
