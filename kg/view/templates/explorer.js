/* The explorer's frame: the tabs (network, map, timeline), opened by the URL hash so that a link
   can open a view, and the date range that filters all three. The view the page opens on is
   built first and marks the page ready; the other two are built right after, so that switching
   to them later only shows them. An entity is active in a date range when one of its own dated
   facts overlaps it or when it is one relation away from such an entity (the parties, places
   and assets of the events in the range). */
(function () {
  "use strict";
  const kg = window.kgView;
  const builders = { network: () => kg.startNetwork(), map: () => kg.map.build(), timeline: () => kg.timeline.build() };
  // a view hidden by visibility keeps its size and drawing: showing it needs no redraw
  const shows = { network: () => {}, map: () => kg.map.show(), timeline: () => {} };
  const tabs = [...document.querySelectorAll("#tabs [data-view]")];

  function show(view) {
    if (!(view in builders)) view = "network";
    builders[view]();
    document.body.dataset.view = view;
    for (const tab of tabs) tab.setAttribute("aria-selected", String(tab.dataset.view === view));
    for (const name of Object.keys(builders)) document.getElementById(name).classList.toggle("active", name === view);
    shows[view]();
  }
  window.addEventListener("hashchange", () => show(location.hash.slice(1)));
  kg.show = (view) => { location.hash = `#${view}`; show(view); };

  // --- the date range -------------------------------------------------------------------------
  // "2005" -> [2005-01-01, 2006-01-01); "2005-11" -> the month; "2005-11-02" -> the day
  function bounds(text) {
    const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(text.trim());
    if (!m) return null;
    const [y, mo, d] = [Number(m[1]), m[2] ? Number(m[2]) : null, m[3] ? Number(m[3]) : null];
    if ((mo !== null && (mo < 1 || mo > 12)) || (d !== null && (d < 1 || d > 31))) return null;
    const start = new Date(Date.UTC(y, mo === null ? 0 : mo - 1, d === null ? 1 : d));
    const end = new Date(start);
    if (d !== null) end.setUTCDate(end.getUTCDate() + 1);
    else if (mo !== null) end.setUTCMonth(end.getUTCMonth() + 1);
    else end.setUTCFullYear(end.getUTCFullYear() + 1);
    return [start.toISOString().slice(0, 10), end.toISOString().slice(0, 10)];
  }
  const fromInput = document.getElementById("from"), toInput = document.getElementById("to");
  const error = document.getElementById("period-error");
  function setPeriod(from, to) {
    const lo = from ? bounds(from) : null, hi = to ? bounds(to) : null;
    if ((from && !lo) || (to && !hi)) {
      error.textContent = "write a year (2005), a month (2005-11) or a day (2005-11-02)";
      return false;
    }
    error.textContent = "";
    fromInput.value = from || ""; toInput.value = to || "";
    if (!lo && !hi) {
      kg.timeline.setPeriod(null);
      kg.setActive(null);
      return true;
    }
    const period = { start: lo ? lo[0] : "0000-01-01", end: hi ? hi[1] : "9999-12-31" };
    const dated = kg.timeline.events.filter((e) => e.start < period.end && e.end > period.start).map((e) => e.entity);
    const active = new Set(dated);
    for (const id of dated) for (const n of kg.neighbours(id)) active.add(n);
    kg.timeline.setPeriod(period);
    kg.setActive(active);
    return true;
  }
  kg.setPeriod = setPeriod;
  document.getElementById("period").addEventListener("submit", (ev) => {
    ev.preventDefault();
    setPeriod(fromInput.value.trim(), toInput.value.trim());
  });
  document.getElementById("period-clear").addEventListener("click", () => setPeriod("", ""));
  // the timeline's own selection of dates: the window it shows
  document.getElementById("window-filter").addEventListener("click", () => {
    const w = kg.timeline.window();
    if (w) setPeriod(isoDay(w.start), isoDay(new Date(w.end.getTime() - 86400000)));
  });
  function isoDay(date) {
    const local = new Date(date.getTime() - date.getTimezoneOffset() * 60000);
    return local.toISOString().slice(0, 10);
  }

  // --- start: the opening view first, the others when it is ready -----------------------------
  const p = kg.PAGE.period || {};
  if (p.from || p.to) setPeriod(p.from || "", p.to || "");
  show(kg.initial);
  // the other views once the opening one is drawn, one per task so that the page stays responsive
  const rest = Object.keys(builders).filter((v) => v !== kg.initial);
  const next = () => { if (rest.length) { builders[rest.shift()](); setTimeout(next, 0); } };
  const waitForOpening = () => (kg.views[kg.initial].ready ? setTimeout(next, 0) : setTimeout(waitForOpening, 20));
  waitForOpening();
})();
