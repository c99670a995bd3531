"""Where and when: the routes the view's map draws and the dated events its timeline shows.

Read from the store with SPARQL, for the entities of a view. A route is an asset's ordered stops
(kc:routeStop, kc:stopIndex, kc:stopPlace) with the line the build wrote through them
(GeoSPARQL WKT); the map's markers need no query of their own, the details panel's data already
holds every entity's coordinates. An event is one dated fact of an entity (met, signed, entered
into force, completed, construction started, commissioned) at the precision its source gives:
a year stays a year (the item spans it), never 1 January. Every value is plain text or numbers,
JSON-ready; the page shows them as text.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict

import pyoxigraph as ox

from kg.vocab import KC, XSD, entity_id_of, sparql_prefixes

_PREFIXES = sparql_prefixes("kc", "geo")

_ROUTES = _PREFIXES + """
SELECT DISTINCT ?e ?i ?place ?wkt WHERE {
  ?e kc:routeStop ?stop . ?stop kc:stopIndex ?i ; kc:stopPlace ?place .
  OPTIONAL { ?e geo:hasGeometry/geo:asWKT ?wkt FILTER (STRSTARTS(STR(?wkt), "LINESTRING")) }
}"""

_COMMODITIES = _PREFIXES + "SELECT DISTINCT ?e ?c WHERE { ?e kc:routeStop ?stop ; kc:commodity ?c }"

# the dated facts the timeline shows, each with the graph stating it and that graph's sector
DATED = ("startDate", "endDate", "signedDate", "entryIntoForce", "completedDate", "constructionStart", "commissioned")
_EVENTS = _PREFIXES + """
SELECT ?e ?p ?v ?g ?gs WHERE {
  VALUES ?p { %s }
  GRAPH ?g { ?e ?p ?v }
  ?e a kc:Entity .
  OPTIONAL { GRAPH ?g { ?g kc:sector ?gs } }
}""" % " ".join(f"kc:{p}" for p in DATED)

_SECTORS = _PREFIXES + "SELECT DISTINCT ?e ?s WHERE { ?e a kc:Entity ; kc:sector ?s }"

_PRECISION = {XSD + "gYear": "year", XSD + "gYearMonth": "month", XSD + "date": "day"}
_LINESTRING = re.compile(r"^\s*LINESTRING\s*\((.*)\)\s*$", re.I | re.S)
_ISO = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def _query(store: ox.Store, sparql: str):
    return store.query(sparql, use_default_graph_as_union=True)


def routes(store: ox.Store, entities: set[str]) -> dict[str, dict]:
    """Each routed entity of `entities`: its stops (ids, in order), its line ([lat, lon] per
    point, empty when a stop has no coordinates) and its commodities."""
    stops: dict[str, dict[int, str]] = defaultdict(dict)
    lines: dict[str, list] = {}
    for row in _query(store, _ROUTES):
        entity = entity_id_of(row["e"].value)
        if entity not in entities:
            continue
        stops[entity].setdefault(int(row["i"].value), entity_id_of(row["place"].value))
        if row["wkt"] is not None and entity not in lines:
            lines[entity] = linestring(row["wkt"].value)
    commodities = defaultdict(set)
    for row in _query(store, _COMMODITIES):
        commodities[entity_id_of(row["e"].value)].add(row["c"].value)
    return {e: {"stops": [by_index[i] for i in sorted(by_index)], "line": lines.get(e, []),
                "commodities": sorted(commodities[e])} for e, by_index in stops.items()}


def linestring(wkt: str) -> list[list[float]]:
    """'LINESTRING(lon lat, ...)' as [[lat, lon], ...] (Leaflet's order); [] for anything else."""
    match = _LINESTRING.match(wkt)
    if not match:
        return []
    try:
        return [[float(lat), float(lon)] for lon, lat in (p.split() for p in match.group(1).split(","))]
    except ValueError:
        return []


def events(store: ox.Store, entities: set[str], terms: dict[str, str]) -> list[dict]:
    """The dated facts of `entities`, one item each (an entity's one start and one end date make
    one item spanning both), grouped by the entity's sector, else its source's, else 'other'."""
    own_sector: dict[str, str] = {}
    for row in _query(store, _SECTORS):
        own_sector.setdefault(entity_id_of(row["e"].value), row["s"].value)
    found: dict[tuple, dict] = {}
    for row in _query(store, _EVENTS):
        entity = entity_id_of(row["e"].value)
        when = period(row["v"])
        if entity not in entities or when is None:
            continue
        p = row["p"].value.removeprefix(str(KC))
        key = (entity, p, row["v"].value)
        item = found.setdefault(key, {"entity": entity, "p": p, "label": terms.get(p, p), "value": row["v"].value,
                                      **when, "sector": own_sector.get(entity)})
        if item["sector"] is None and row["gs"] is not None:
            item["sector"] = row["gs"].value
    items = _join_start_and_end(list(found.values()))
    items.sort(key=lambda i: (i["start"], i["entity"], i["p"]))
    for n, item in enumerate(items):
        item["id"] = f"t{n}"
        item["sector"] = item["sector"] or "other"
    return items


def _join_start_and_end(items: list[dict]) -> list[dict]:
    by_entity = defaultdict(list)
    for item in items:
        by_entity[item["entity"]].append(item)
    out = []
    for group in by_entity.values():
        starts = [i for i in group if i["p"] == "startDate"]
        ends = [i for i in group if i["p"] == "endDate"]
        if len(starts) == 1 and len(ends) == 1 and ends[0]["end"] >= starts[0]["start"]:
            start, end = starts[0], ends[0]
            start.update(end=end["end"], value=f"{start['value']} – {end['value']}",
                         label=f"{start['label']} – {end['label']}", sector=start["sector"] or end["sector"])
            group = [i for i in group if i is not end]
        out += group
    return out


def period(value) -> dict | None:
    """The days a temporal literal covers: start (inclusive) and end (exclusive) ISO dates and its
    precision; None for a value that is not a year, year-month or date."""
    precision = _PRECISION.get(value.datatype.value) if isinstance(value, ox.Literal) else None
    bounds = iso_bounds(value.value) if precision else None
    if bounds is None:
        return None
    return {"start": bounds[0], "end": bounds[1], "precision": precision}


def iso_bounds(text: str) -> tuple[str, str] | None:
    """'2005' -> ('2005-01-01', '2006-01-01'); '2005-11' -> the month; '2005-11-02' -> the day."""
    match = _ISO.match(text.strip())
    if not match:
        return None
    year, month, day = (int(g) if g else None for g in match.groups())
    try:
        if day is not None:
            start = dt.date(year, month, day)
            end = start + dt.timedelta(days=1)
        elif month is not None:
            start = dt.date(year, month, 1)
            end = dt.date(year + month // 12, month % 12 + 1, 1)
        else:
            start, end = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    except (ValueError, OverflowError):
        return None
    return start.isoformat(), end.isoformat()
