/* The timeline tab (vis-timeline): every dated fact of the selection (meetings and visits,
   agreements signed and entering into force, loans signed, purchases completed, construction
   starts and commissionings), grouped by sector, each at the precision its source gives: a
   year-only date spans its year and says "(year)", never 1 January. Item and group contents are
   elements built from text (the templates below), never HTML strings, and no item has a title,
   which vis-timeline would write as HTML. */
(function () {
  "use strict";
  const kg = window.kgView;
  const { PAGE, CLASSES, classOf, h, shapeIcon, nameOf } = kg;
  const EVENTS = (PAGE.events || []).filter((e) => e.entity in classOf);
  const byId = Object.fromEntries(EVENTS.map((e) => [e.id, e]));
  const PRECISION = { year: " (year)", month: " (month)", day: "" };
  // above this many events, items that would overlap are drawn as one cluster ("12 events") until
  // zoomed in: thousands of item elements make the first paint take seconds
  const CLUSTER_ABOVE = 300;

  let timeline = null;

  function content(e) {
    const cls = CLASSES[classOf[e.entity]] || { shape: "dot", color: "#c7c7c7" };
    return h("span", { className: "event" }, shapeIcon(cls.shape, cls.color),
      h("span", { className: "who" }, nameOf(e.entity)), ` · ${e.label} ${e.value}${PRECISION[e.precision] || ""}`);
  }
  function item(e) {
    // a single day is a point; a month, a year or a span of days is a range over what it covers
    const point = e.precision === "day" && daysBetween(e.start, e.end) <= 1;
    return { id: e.id, group: e.sector, start: e.start, end: point ? undefined : e.end, type: point ? "point" : "range",
      className: `kg-event precision-${e.precision}` };
  }
  function daysBetween(a, b) { return (Date.parse(b) - Date.parse(a)) / 86400000; }

  // an event is shown when its entity's class is on and it overlaps the chosen date range
  let period = null;
  function shown() {
    return EVENTS.filter((e) => !kg.hiddenClass(classOf[e.entity]) && (!period || (e.start < period.end && e.end > period.start)));
  }

  function build() {
    if (timeline) return;
    const container = document.getElementById("timeline-items");
    const sectors = [...new Set(EVENTS.map((e) => e.sector))].sort((a, b) => (a === "other") - (b === "other") || a.localeCompare(b));
    const groups = sectors.map((s) => ({ id: s, content: s }));
    timeline = new vis.Timeline(container, shown().map(item), groups, {
      template: (it) => (it && it.isCluster ? h("span", { className: "cluster" }, `${(it.uiItems || []).length} events`)
        : it && byId[it.id] ? content(byId[it.id]) : ""),
      groupTemplate: (group) => (group ? h("span", {}, String(group.id)) : ""),
      stack: true, selectable: true, multiselect: false, showTooltips: false, zoomKey: "ctrlKey",
      cluster: EVENTS.length > CLUSTER_ABOVE ? { maxItems: 1, titleTemplate: "{count} events: zoom in", showStipes: false } : false,
      orientation: { axis: "top", item: "top" }, height: "100%", margin: { item: 4 }, verticalScroll: true,
    });
    timeline.fit({ animation: false });
    timeline.on("click", (props) => {
      if (props.item && byId[props.item]) kg.select(byId[props.item].entity);
      else if (props.isCluster) {
        // the click names the cluster but not its items (8.5.4): read them from the item set
        const cluster = (timeline.itemSet.clusters || []).find((c) => c.id === props.item);
        zoomTo(((cluster && cluster.data.uiItems) || []).map((i) => byId[i.id]).filter(Boolean));
      }
    });
    kg.markReady("timeline");
  }

  // a cluster opens onto the dates of its events
  function zoomTo(events) {
    if (!events.length) return;
    const start = events.reduce((m, e) => (e.start < m ? e.start : m), events[0].start);
    const end = events.reduce((m, e) => (e.end > m ? e.end : m), events[0].end);
    timeline.setWindow(start, end, { animation: false });
  }

  function refresh() {
    if (timeline) timeline.setItems(shown().map(item));
  }
  function onSelect(id, bring) {
    if (!timeline) return;
    const mine = shown().filter((e) => e.entity === id);
    timeline.setSelection(mine.map((e) => e.id));
    if (bring && mine.length && document.body.dataset.view === "timeline") timeline.moveTo(mine[0].start, { animation: false });
  }
  function setPeriod(p) { period = p; refresh(); }

  kg.on("visibility", refresh);
  kg.on("select", onSelect);
  kg.on("lang", () => { if (timeline) timeline.setItems(shown().map(item)); });
  kg.timeline = { build, setPeriod, events: EVENTS, shown, window: () => timeline && timeline.getWindow(),
    get vis() { return timeline; } };
})();
