"""The briefing on one entity: everything the graph says about it, every line with its sources.

`briefing(runner, name, lang)` resolves `name` as `kg query entity` does (any label or alias in
any language, ignoring case; or an id), reads the entity's facts in both directions through
`kg.view.details.entity_data` (SPARQL, so a SPARQL endpoint answers as the build's store does) and
returns a JSON-ready dict, in the order a reader wants it:

- ``names`` per language and ``aliases``; ``class`` and a one-line ``identity``;
- ``figures``: quantities (length, capacity, investment, workforce...) with their as-of date;
- ``facts``: the other plain values (founding year, status, description...);
- ``relations`` grouped by kind (owners and shares, operators, partners and roles, lenders,
  contractors, places on the route, meetings and agreements...), in both directions, each
  statement's qualifiers (share, as of, role, note) with the notes of the sources giving them;
- ``timeline``: its dated facts and those of the events and projects it is related to;
- ``disagreements``: a functional property with several values, or one figure applied to
  different assets by different sources, each claim side by side;
- ``sources``: numbered notes, one per quote (article: title, date, link, the verbatim quote and
  its character span; reference page: title, publisher, URL). Every line above lists the
  numbers of its notes in ``notes``.

Values are plain strings: the renderers (`kg.report.render`) escape them for their format.
"""

from __future__ import annotations

from collections import defaultdict

import pyoxigraph as ox

from kg.query.library import QueryError
from kg.query.run import Runner, closest_names, entities_named, labels
from kg.seeds.quotes import fold
from kg.view.details import entities_data, entity_data, restricted, runner_rows
from kg.view.spacetime import DATED
from kg.vocab import DEFAULT_LANGUAGE, KC, LANGUAGES, entity_id_of, entity_iri

# Relations by kind: (property, direction) -> heading; "out": the entity is the subject.
# Headings in this order first, then any other relation under its property's label.
RELATION_KINDS = {
    ("ownedBy", "out"): "Owners and shares",
    ("ownedBy", "in"): "Holdings and shares",
    ("parentOrganization", "out"): "Parent organization",
    ("parentOrganization", "in"): "Subsidiaries",
    ("operator", "out"): "Operators",
    ("operator", "in"): "Operates",
    ("partner", "out"): "Partners and roles",
    ("partner", "in"): "Partner in",
    ("financedBy", "out"): "Lenders and amounts",
    ("lender", "out"): "Lenders and amounts",
    ("lender", "in"): "Loans granted",
    ("financedBy", "in"): "Finances",
    ("finances", "out"): "Finances",
    ("finances", "in"): "Financed by",
    ("borrower", "out"): "Borrowers",
    ("borrower", "in"): "Loans received",
    ("contractor", "out"): "Contractors",
    ("contractor", "in"): "Contractor on",
    ("passesThrough", "out"): "Places on the route",
    ("passesThrough", "in"): "Routes through it",
    ("supplies", "out"): "Supplies",
    ("supplies", "in"): "Supplied by",
    ("acquirer", "in"): "Acquisitions made",
    ("seller", "in"): "Sales",
    ("acquired", "in"): "Acquired in",
    ("participant", "in"): "Meetings and agreements where it took part",
    ("party", "in"): "Meetings and agreements where it took part",
    ("discussed", "in"): "Meetings and agreements where it was discussed",
    ("concerns", "in"): "Projects and agreements concerning it",
    ("participant", "out"): "Participants",
    ("party", "out"): "Parties",
    ("discussed", "out"): "Discussed",
    ("concerns", "out"): "Concerns",
    ("heldBy", "out"): "Held by",
    ("heldBy", "in"): "Posts held",
    ("postIn", "in"): "Posts",
    ("postIn", "out"): "Post in",
    ("locatedIn", "out"): "Location",
    ("locatedIn", "in"): "Located here",
    ("country", "out"): "Location",
    ("headquarters", "out"): "Location",
}
# the plain values that date something: the timeline's entries (for a related entity, only the
# dates of what happened to it: a partner's founding year is not an event of the briefed entity)
OWN_DATES = ("foundingYear", "birthDate")
DATES = OWN_DATES + ("since",) + DATED  # DATED: the events the view's timeline shows
# a related entity's figures worth a word beside its name (a loan's amount, a purchase's stake)
RELATED_FIGURES = ("amount", "stake")
_ONTOLOGY = f"""SELECT ?p ?kind WHERE {{
  ?p a ?kind . VALUES ?kind {{ <http://www.w3.org/2002/07/owl#ObjectProperty> <http://www.w3.org/2002/07/owl#FunctionalProperty> }}
  FILTER (STRSTARTS(STR(?p), "{KC}"))
}}"""
_CLASSES = f"""SELECT DISTINCT ?e ?class WHERE {{
  ?e a ?class . FILTER (STRSTARTS(STR(?class), "{KC}") && ?class NOT IN (<{KC}Entity>, <{KC}Agent>))
  FILTER NOT EXISTS {{ ?e a ?narrower . ?narrower <http://www.w3.org/2000/01/rdf-schema#subClassOf>+ ?class FILTER (?narrower != ?class) }}
}}"""
_ROUTE = f"""SELECT DISTINCT ?e ?place ?index ?g WHERE {{
  GRAPH ?g {{ ?e <{KC}routeStop> ?stop }} ?stop <{KC}stopPlace> ?place ; <{KC}stopIndex> ?index .
}}"""


class AmbiguousEntity(QueryError):
    """A name given to `kg brief` that several entities answer to (exit 2, the candidates listed)."""


def resolve(runner: Runner, name: str) -> str:
    """The id of the one entity `name` names: a label or alias (any language, any case) or an id."""
    name = name.strip()
    if not name:
        raise QueryError("give an entity: a label, an alias or an id")
    iris = entities_named(runner, name)
    if not iris and runner(f"ASK {{ {ox.NamedNode(str(entity_iri(name)))} a <{KC.Entity}> }}", "ASK").boolean:
        iris = [str(entity_iri(name))]
    if not iris:
        iris = entities_named(runner, name, loose=True)
    if len(iris) == 1:
        return entity_id_of(iris[0])
    if not iris:
        raise QueryError(f"no entity has the label, alias or id {name!r}{closest_names(runner, name)}")
    names = labels(runner, set(iris))
    listed = "; ".join(f"{entity_id_of(iri)} ({names.get(iri, '?')})" for iri in iris)
    raise AmbiguousEntity(f"{name!r} names {len(iris)} entities: {listed}; give one of these ids")


def briefing(runner: Runner, name: str, lang: str = DEFAULT_LANGUAGE) -> dict:
    """The briefing on the entity `name` names, its labels in `lang` (English where it has none)."""
    if lang not in LANGUAGES:
        raise QueryError(f"unknown language {lang!r}: use one of {', '.join(LANGUAGES)}")
    entity = resolve(runner, name)
    rows = runner_rows(runner)
    data = entity_data(rows, entity)
    me = data["entities"][entity]
    terms = data["terms"]
    kinds = defaultdict(set)
    for p, kind in runner(_ONTOLOGY, "SELECT").rows:
        kinds[kind.value.rsplit("#", 1)[1]].add(p.value.removeprefix(str(KC)))
    incoming = [(subject, fact) for subject, e in data["entities"].items() if subject != entity
                for fact in e.get("facts", []) if fact["object"] == entity]
    related = sorted({f["object"] for f in me["facts"] if f["object"]} | {s for s, _ in incoming})
    nearby = entities_data(rows, set(related)) if related else {"entities": {}, "sources": {}}
    around, sources = nearby["entities"], {**nearby["sources"], **data["sources"]}
    iris = {str(entity_iri(e)) for e in [entity, *related, *_assets(me, around)]}
    names = {entity_id_of(iri): label for iri, label in labels(runner, iris, lang).items()}
    classes = _classes(rows, [entity, *related], terms)
    notes = _Notes(sources)
    out = {
        "entity": entity, "iri": str(entity_iri(entity)), "lang": lang, "name": _title(name, me, names.get(entity, entity), lang),
        "names": me["labels"], "aliases": me["aliases"], "class": classes.get(entity, ""),
    }
    identity = _identity(rows, entity, me, classes, names, sources)  # cited first: notes are numbered in reading order
    out["identity"] = {"text": identity["text"], "notes": notes.cite(identity["claims"])}
    out["names_notes"] = notes.cite(me["declared"])
    plain = [f for f in me["facts"] if not f["object"]]
    figures = [f for f in plain if f["p"] in kinds["ObjectProperty"]]
    out["figures"] = [_figure(f, notes, sources, names) for f in _ordered(figures)]
    out["facts"] = [_line(f, notes, names) for f in _ordered([f for f in plain if f not in figures])]
    out["relations"] = _relations(me, incoming, around, names, classes, terms, notes)
    out["timeline"] = _timeline(entity, me, around, names, notes)
    out["disagreements"] = _disagreements(plain, kinds["FunctionalProperty"], names, notes, sources)
    out["sources"] = notes.listed()
    return out


class _Notes:
    """The numbered source notes: one per (source, quote, span), numbered in order of first use."""

    def __init__(self, sources: dict):
        self.sources, self.numbers = sources, {}

    def cite(self, claims: list[dict]) -> list[int]:
        cited = []
        for claim in sorted(claims, key=_claim_key):
            key = _claim_key(claim)
            number = self.numbers.setdefault(key, len(self.numbers) + 1)
            if number not in cited:
                cited.append(number)
        return sorted(cited)

    def listed(self) -> list[dict]:
        out = []
        for (graph, quote, span), number in sorted(self.numbers.items(), key=lambda item: item[1]):
            note = {"n": number, "graph": graph, **self.sources.get(graph, {"kind": "source", "title": graph})}
            if quote:
                note["quote"] = quote
            if span:
                note["span"] = list(span)
            out.append(note)
        return out


def _claim_key(claim: dict) -> tuple:
    return claim["g"], claim.get("quote", ""), tuple(claim.get("span", ()))


def _fact_key(fact: dict) -> tuple:
    return fact["p"], fact["object"] or "", fact["text"], [_claim_key(c) for c in fact["claims"]]


def _ordered(facts: list[dict]) -> list[dict]:
    return sorted(facts, key=_fact_key)


def _line(fact: dict, notes: _Notes, names: dict) -> dict:
    qualifiers = [q[:2] for q in fact["qualifiers"]] + _claim_qualifiers(fact, names)
    return {"property": fact["label"], "value": fact["text"], "qualifiers": qualifiers, "notes": notes.cite(fact["claims"])}


def _by_qualifiers(fact: dict, names: dict, notes: _Notes) -> tuple[list[int], list[dict]]:
    """The notes of the claims without qualifiers, and each claim's qualifiers with its notes
    (a share as of one year from one source, another share as of another year from another)."""
    plain, qualified = [], {}
    for claim in sorted(fact["claims"], key=_claim_key):
        shown = tuple((label, names.get(asset[0], text) if asset and asset[0] else text)
                      for label, text, *asset in claim.get("qualifiers", []))
        (qualified.setdefault(shown, []) if shown else plain).append(claim)
    return notes.cite(plain), [{"qualifiers": [list(q) for q in shown], "notes": notes.cite(claims)}
                               for shown, claims in qualified.items()]


def _claim_qualifiers(fact: dict, names: dict) -> list[list[str]]:
    """The statements' qualifiers (role, share, note, applies to...), each once; an asset by its name."""
    seen = []
    for claim in sorted(fact["claims"], key=_claim_key):
        for label, text, *asset in claim.get("qualifiers", []):
            shown = [label, names.get(asset[0], text) if asset and asset[0] else text]
            if shown not in seen:
                seen.append(shown)
    return seen


def _figure(fact: dict, notes: _Notes, sources: dict, names: dict) -> dict:
    line = _line(fact, notes, names)
    as_of = next((text for label, text in line["qualifiers"] if label == "as of"), None)
    if as_of is None:  # undated figure: the date of the source that gives it
        dates = sorted(sources.get(c["g"], {}).get("date", "") for c in fact["claims"])
        as_of = f"{dates[0]} (source date)" if dates and dates[0] else "not stated"
    line["as_of"] = as_of
    line["qualifiers"] = [q for q in line["qualifiers"] if q[0] != "as of"]
    return line


def _assets(me: dict, around: dict) -> set[str]:
    """Entities named only in qualifiers (`applies to`): they need names too."""
    facts = me["facts"] + [f for e in around.values() for f in e.get("facts", [])]
    return {q[2] for f in facts for c in f["claims"] for q in c.get("qualifiers", []) if len(q) > 2 and q[2]}


def _classes(rows, entities: list[str], terms: dict) -> dict[str, str]:
    """The most specific kc: class of each entity, by its label ('pipeline')."""
    found = defaultdict(set)
    for row in restricted(rows, _CLASSES, "e", [str(entity_iri(e)) for e in entities]):
        found[entity_id_of(row["e"].value)].add(row["class"].value.removeprefix(str(KC)))
    return {e: ", ".join(terms.get(c, c) for c in sorted(cs)) for e, cs in found.items()}


def _title(asked: str, me: dict, chosen: str, lang: str) -> str:
    """The name asked for when it is one of the entity's names in `lang` (or English): an entity
    may have several ("Beineu-Bozoi-Shymkent gas pipeline", "Beineu-Akbulak gas pipeline")."""
    for name in me["labels"].get(lang, []) or me["labels"].get(DEFAULT_LANGUAGE, []):
        if fold(name) == fold(asked.strip()):  # as loosely as the name was resolved
            return name
    return chosen


def _identity(rows, entity: str, me: dict, classes: dict, names: dict, sources: dict) -> dict:
    """'Pipeline, natural gas, Beineu → Bozoi → Shymkent, 1,475 km' with the notes of its parts."""
    parts, claims = [classes.get(entity, "entity").capitalize()], []

    def best(p: str) -> list[dict]:
        """The value of `p` most sources give, of the whole thing (no aspect: not one section's
        length), then of the latest source: one or none."""
        facts = sorted(_ordered([f for f in me["facts"] if f["p"] == p]), reverse=True,
                       key=lambda f: max(sources.get(c["g"], {}).get("date", "") for c in f["claims"]))
        return sorted(facts, key=lambda f: (-len(f["claims"]), any(q[0] == "aspect" for q in f["qualifiers"])))[:1]

    for fact in best("commodity"):
        parts.append(fact["text"])
        claims += fact["claims"]
    stops = {}
    for row in restricted(rows, _ROUTE, "e", [str(entity_iri(entity))]):
        stops.setdefault(int(row["index"].value), entity_id_of(row["place"].value))
        claims.append({"g": row["g"].value})  # a route has no quote: the sources giving it
    if stops:
        parts.append(" → ".join(names.get(stops[i], stops[i]) for i in sorted(stops)))
    for fact in best("length"):
        parts.append(fact["text"])
        claims += fact["claims"]
    if len(parts) == 1:  # no commodity, route or length (an organization, a person): a description says what it is
        for fact in best("description"):
            parts.append(fact["text"])
            claims += fact["claims"]
    # the class alone: the sources declaring it (the Names section lists them too)
    return {"text": ", ".join(parts), "claims": claims or me["declared"]}


def _relations(me: dict, incoming: list, around: dict, names: dict, classes: dict, terms: dict, notes: _Notes) -> list[dict]:
    groups: dict[str, list] = defaultdict(list)
    links = [("out", f["object"], f) for f in me["facts"] if f["object"]] + [("in", s, f) for s, f in incoming]
    for direction, other, fact in sorted(links, key=lambda x: (x[0], names.get(x[1], x[1]), x[1], _fact_key(x[2]))):
        label = terms.get(fact["p"], fact["p"])
        heading = RELATION_KINDS.get((fact["p"], direction)) or (label.capitalize() if direction == "out" else f"{label.capitalize()} (of)")
        figures = [f"{f['label']} {f['text']}" for f in _ordered(around.get(other, {}).get("facts", []))
                   if f["p"] in RELATED_FIGURES]
        plain, details = _by_qualifiers(fact, names, notes)
        groups[heading].append({"entity": other, "name": names.get(other, other), "class": classes.get(other, ""),
                                "property": label, "direction": direction, "figures": figures,
                                "notes": plain, "details": details})
    order = list(dict.fromkeys(RELATION_KINDS.values()))
    return [{"kind": kind, "items": groups[kind]}
            for kind in sorted(groups, key=lambda k: (order.index(k) if k in order else len(order), k))]


def _timeline(entity: str, me: dict, around: dict, names: dict, notes: _Notes) -> list[dict]:
    entries = []
    for who, facts in [(entity, me["facts"])] + [(e, d.get("facts", [])) for e, d in sorted(around.items())]:
        for fact in facts:
            if fact["p"] in DATES and fact["text"] and (who == entity or fact["p"] not in OWN_DATES):
                entries.append({"date": fact["text"], "what": fact["label"], "entity": who, "name": names.get(who, who),
                                "claims": fact["claims"]})
    entries.sort(key=lambda e: (e["date"], e["entity"] != entity, e["name"], e["what"]))
    return [{**{k: v for k, v in e.items() if k != "claims"}, "notes": notes.cite(e["claims"])} for e in entries]


def _disagreements(facts: list[dict], functional: set[str], names: dict, notes: _Notes, sources: dict) -> list[dict]:
    """Several values of a functional property; or one figure that sources apply to different assets."""
    out = []
    by_property = defaultdict(list)
    for fact in _ordered(facts):
        by_property[fact["p"]].append(fact)
    for p, group in sorted(by_property.items()):
        if p in functional and len({f["text"] for f in group}) > 1:
            out.append((group[0]["label"], [(f, c) for f in group for c in f["claims"]]))
            continue
        for text in sorted({f["text"] for f in group}):
            same = [(f, c) for f in group if f["text"] == text for c in f["claims"]]
            if len({_applies_to(c, names) for _, c in same}) > 1:
                out.append((f"{group[0]['label']}: {text}", same))
    return [{"about": about, "claims": [
        {"value": f["text"], "applies_to": _applies_to(c, names), "source": sources.get(c["g"], {}).get("title", c["g"]),
         "quote": c.get("quote", ""), "notes": notes.cite([c])}
        for f, c in sorted(claims, key=lambda fc: (fc[0]["text"], _claim_key(fc[1])))]} for about, claims in out]


def _applies_to(claim: dict, names: dict) -> str:
    assets = sorted(names.get(q[2], q[1]) for q in claim.get("qualifiers", []) if q[0] == "applies to")
    return ", ".join(assets)
