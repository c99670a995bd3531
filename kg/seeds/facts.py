"""Facts records: the seeds' YAML files read into validated, located Python records.

Three kinds of input file (format documented in ``seeds/README.md``):
- ``seeds/articles/ID.txt`` + ``ID.yaml``: an article's text and its metadata;
- ``seeds/facts/*.yaml``: the facts one article states, each with its verbatim quote;
- ``seeds/reference/*.yaml``: the facts one reference source supports.

This module checks each file on its own (structure, names, value types). Checks across files
(references, types, quotes in the text) live in `kg.seeds.checks`.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from kg.ontology import Ontology, PropertySpec
from kg.problems import Problem, ProblemsFound, display_path
from kg.seeds.yamlfile import CONTROL, Located, is_date, load, read_text
from kg.vocab import LANGUAGES

# ids are matched whole (fullmatch: `$` would accept a final newline); 100 characters at most
ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]*")
ID_MAX = 100
@dataclass(frozen=True)
class Unit:
    """A unit of the facts format: its reading, and how it converts to its dimension's base unit."""

    label: str
    base: str  # the unit figures of this dimension are converted to (kc:baseValue)
    factor: Decimal  # 1 of this unit = factor base units


def _unit(label: str, base: str, factor: str = "1") -> Unit:
    return Unit(label, base, Decimal(factor))


# The one list of units (ontology/shapes.ttl's sh:in list is checked equal to it by tests).
UNITS = {
    "km": _unit("kilometres", "m", "1000"),
    "m": _unit("metres", "m"),
    "mm": _unit("millimetres", "m", "0.001"),
    "ha": _unit("hectares", "ha"),
    "km2": _unit("square kilometres", "ha", "100"),
    "t": _unit("tonnes", "t"),
    "Mt": _unit("million tonnes", "t", "1000000"),
    "t/yr": _unit("tonnes per year", "t/yr"),
    "Mt/yr": _unit("million tonnes per year", "t/yr", "1000000"),
    "bbl/d": _unit("barrels per day", "bbl/d"),
    "bcm": _unit("billion cubic metres", "bcm"),
    "bcm/yr": _unit("billion cubic metres per year", "bcm/yr"),
    "TEU": _unit("twenty-foot equivalent units", "TEU"),
    "TEU/yr": _unit("twenty-foot equivalent units per year", "TEU/yr"),
    "MW": _unit("megawatts", "MW"),
    "GW": _unit("gigawatts", "MW", "1000"),
    "GWh/yr": _unit("gigawatt-hours per year", "GWh/yr"),
    "%": _unit("percent", "%"),
    "people": _unit("people", "people"),
    "sections": _unit("sections", "sections"),
}
# Dimensions with more than one unit: their figures also carry kc:baseValue / kc:baseUnit.
CONVERTIBLE_BASES = {u.base for u in UNITS.values() if u.factor != 1}
# Currencies the field's sources use; an unknown code (XYZ) is a typo, not a currency.
NUMBER_LIMIT = Decimal(10) ** 18
# ISO 639-1: the language of an article or a source page
ISO_639_1 = frozenset("""aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy
    da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii
    ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr
    ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl
    sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh
    zu""".split())
# a page address: http(s), a host, and no space, quote or angle bracket anywhere
URL = re.compile(r"https?://[^\s/?#<>\"'`]+(?:[/?#][^\s<>\"`]*)?")
CURRENCIES = ("USD", "EUR", "CNY", "KZT", "RUB", "GBP", "JPY", "CHF")
# Kinds of reference source, from the most to the least authoritative; `mirror` marks copies
# and reposts, which queries can leave out.
SOURCE_KINDS = ("operator", "government", "legal", "agency", "news", "database", "encyclopedia", "mirror")

ENTITY_KEYS = {"id", "type", "labels", "aliases", "wikidata", "coords", "route", "quote", "occurrence", "status"}
STATEMENT_KEYS = {"subject", "property", "object", "value", "quote", "occurrence", "role", "share", "note", "applies_to",
                  "as_of", "status"}
# `kg draft` marks each proposal `status: draft`; only a person's review (deleting the key) lets it in.
DRAFT_MESSAGE = ("draft proposal not yet reviewed: check it against the article and delete 'status: draft' "
                 "(or delete the proposal)")
QUANTITY_KEYS = {"amount", "unit", "currency", "out_of", "qualifier", "aspect", "as_of"}
ARTICLE_META_KEYS = {"title", "date", "dateline", "publisher", "url", "language"}
SOURCE_KEYS = {"id", "title", "url", "publisher", "date", "language", "kind", "note"}


def id_problem(value) -> str | None:
    """What is wrong with an id (None if nothing): `id 'x': ...`, for a message about an entity or article."""
    if not isinstance(value, str) or not ID_PATTERN.fullmatch(value):
        return f"id {value!r} must be lower-case letters, digits, '-' or '_'"
    if len(value) > ID_MAX:
        return f"id '{value[:20]}…' is {len(value)} characters long: keep it to {ID_MAX}"
    return None


@dataclass(frozen=True)
class Where:
    path: str
    line: int


@dataclass
class Quantity:
    amount: Decimal
    unit: str | None = None
    currency: str | None = None
    out_of: Decimal | None = None
    qualifier: str | None = None
    aspect: str | None = None
    as_of: object = None  # a date, or a year / year-month string


@dataclass
class Entity:
    id: str
    type: str
    where: Where
    labels: dict[str, str] = field(default_factory=dict)
    aliases: list[str] = field(default_factory=list)
    wikidata: str | None = None
    coords: tuple[Decimal, Decimal] | None = None
    route: list[str] = field(default_factory=list)
    route_line: int = 0
    quote: str | None = None
    occurrence: int | None = None  # which occurrence of the quote in the article (from 1), when it repeats


@dataclass
class Statement:
    subject: str
    property: PropertySpec
    where: Where
    object: str | None = None
    value: object = None  # plain value or Quantity
    quote: str | None = None
    occurrence: int | None = None  # which occurrence of the quote in the article (from 1), when it repeats
    role: str | None = None
    share: Decimal | None = None
    note: str | None = None
    on: list[str] = field(default_factory=list)
    as_of: object = None
    lines: dict = field(default_factory=dict)  # key -> line, for messages about one key


@dataclass
class Document:
    """One graph's worth of facts: an article's or a reference source's."""

    kind: str  # "article" or "source"
    id: str
    path: Path
    entities: list[Entity]
    statements: list[Statement]
    meta: dict  # article metadata or source description
    text: str | None = None  # the article text
    text_path: Path | None = None
    meta_path: Path | None = None
    meta_lines: dict = field(default_factory=dict)


def load_document(path: Path, onto: Ontology, articles_dir: Path) -> Document:
    """Read and check one facts or reference file; raise ProblemsFound with every problem."""
    data = load(path)
    shown = display_path(path)
    problems: list[Problem] = []
    report = lambda line, msg: problems.append(Problem(shown, line, msg))  # noqa: E731

    has_article, has_source = "article" in data, "source" in data
    if has_article == has_source:
        raise ProblemsFound([Problem(shown, data.line, "start the file with `article: ID` (a facts file) or `source:` (a reference file)")])
    _unknown_keys(data, {"article", "source", "entities", "statements"}, report)

    if has_article:
        doc = _article_header(data, path, articles_dir, report)
    else:
        doc = _source_header(data, path, report)
        if path.parent.name != "reference":  # seeds/reference/SECTOR/page.yaml: the folder is the sector
            doc.meta["sector"] = path.parent.name

    entities = _items(data, "entities", "`entities:` must be a list of `- id: ...` items", report)
    seen: dict[str, int] = {}
    for item, line in zip(entities, getattr(entities, "item_lines", [])):
        entity = _entity(item, line, shown, onto, report, need_quote=has_article)
        if entity is None:
            continue
        if entity.id in seen:
            report(line, f"duplicate id '{entity.id}' (first on line {seen[entity.id]}): merge the two or rename one")
            continue
        seen[entity.id] = line
        doc.entities.append(entity)

    statements = _items(data, "statements", "`statements:` must be a list of `- subject: ...` items", report)
    for item, line in zip(statements, getattr(statements, "item_lines", [])):
        stmt = _statement(item, line, shown, onto, report, need_quote=has_article)
        if stmt is not None:
            doc.statements.append(stmt)
    if not entities and not statements:  # items that failed their checks are reported already
        report(data.line, "no entities and no statements: add some (see seeds/README.md)")
    if problems:
        raise ProblemsFound(problems)
    return doc


def _article_header(data: Located, path: Path, articles_dir: Path, report) -> Document:
    article_id = data["article"]
    line = data.line_of("article")
    doc = Document("article", str(article_id), path, [], [], {})
    if (problem := id_problem(article_id)) is not None:
        report(line, f"article {problem}")
        return doc
    text_path, meta_path = articles_dir / f"{article_id}.txt", articles_dir / f"{article_id}.yaml"
    if not text_path.is_file():
        report(line, f"article '{article_id}' is missing: put its text in {display_path(text_path)}")
        return doc
    doc.text_path = text_path
    try:
        doc.text = read_text(text_path)
    except ProblemsFound as exc:
        for p in exc.problems:
            report(line, f"article text unreadable ({p}): fix the article file")
        return doc
    if not meta_path.is_file():
        report(line, f"article metadata is missing: write {display_path(meta_path)} (title, date, publisher, url)")
        return doc
    try:
        meta = load(meta_path)
    except ProblemsFound as exc:
        for p in exc.problems:
            report(line, f"article metadata unreadable ({p})")
        return doc
    doc.meta_path, doc.meta_lines = meta_path, meta.key_lines
    meta_shown = display_path(meta_path)
    for key in sorted(set(meta) - ARTICLE_META_KEYS):
        report(line, f"{meta_shown}:{meta.line_of(key)}: unknown key '{key}' (allowed: {', '.join(sorted(ARTICLE_META_KEYS))})")
    for key in ("title", "date", "publisher", "url"):
        if not meta.get(key):
            report(line, f"{meta_shown}: metadata needs `{key}:`")
    if meta.get("date") is not None and not is_date(meta["date"]):
        report(line, f"{meta_shown}:{meta.line_of('date')}: date must be YYYY-MM-DD")
    _check_page(meta, lambda at, message: report(line, f"{meta_shown}:{at}: {message}"))
    doc.meta = dict(meta)
    return doc


def _source_header(data: Located, path: Path, report) -> Document:
    src = data["source"]
    line = data.line_of("source")
    if not isinstance(src, dict) or not isinstance(src.get("id"), str) or not src.get("title"):
        report(line, "`source:` must be a mapping with at least `id:` and `title:`")
        return Document("source", "invalid", path, [], [], {})
    _unknown_keys(src, SOURCE_KEYS, report)
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,100}", src["id"]):
        report(src.line_of("id"), "source id must be 1 to 100 letters, digits, '-' or '_'")
    if not src.get("url"):
        report(line, "a source needs `url:`, the address of the page that states its facts (one file per page)")
    if "kind" in src and src["kind"] not in SOURCE_KINDS:
        report(src.line_of("kind"), f"source kind {src['kind']!r}: use one of {', '.join(SOURCE_KINDS)}")
    _check_page(src, report)
    if "date" in src:
        _temporal(src["date"], src.line_of("date"), report)
    return Document("source", src["id"], path, [], [], dict(src))


def _check_page(meta: Located, report) -> None:
    """The `url:` and `language:` of an article's metadata or a source record."""
    url = meta.get("url")
    if url is not None and not (isinstance(url, str) and URL.fullmatch(url)):
        report(meta.line_of("url"), f"url {url!r} must be a web address: http:// or https://, a host, no spaces or quotes")
    language = meta.get("language")
    if language is not None and language not in ISO_639_1:
        report(meta.line_of("language"), f"language {language!r} must be an ISO 639-1 code such as en, ru, kk, zh")


def _unknown_keys(mapping: Located, allowed: set[str], report) -> None:
    for key in mapping:
        if key not in allowed:
            hint = difflib.get_close_matches(key, allowed, n=1)
            fix = f"did you mean '{hint[0]}'?" if hint else f"allowed: {', '.join(sorted(allowed))}"
            report(mapping.line_of(key), f"unknown key '{key}': {fix}")


def _text(value, line, what, report) -> str | None:
    if isinstance(value, str) and value.strip():
        if (bad := CONTROL.search(value)) is not None:  # a "\0" escape in quotes reaches here
            report(line, f"{what} holds the control character U+{ord(bad[0]):04X}: delete it")
            return None
        return value
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return str(value)
    report(line, f"{what} must be non-empty text")
    return None


def _record(item, line, keys, problem: str, report) -> bool:
    """Whether `item` is a mapping (else `problem` is reported); its unknown keys and a left-over
    `status: draft` are reported either way."""
    if not isinstance(item, Located):
        report(line, problem)
        return False
    _unknown_keys(item, keys, report)
    _refuse_draft(item, line, report)
    return True


def _entity(item, line, shown, onto: Ontology, report, need_quote: bool) -> Entity | None:
    if not _record(item, line, ENTITY_KEYS, "an entity must be a mapping with `id:`, `type:` and `labels:`", report):
        return None
    entity_id = item.get("id")
    if (problem := id_problem(entity_id)) is not None:
        report(item.line_of("id"), f"entity {problem} (e.g. kenkiyak-atyrau)")
        return None
    type_name = item.get("type")
    if type_name not in onto.entity_classes:
        hint = difflib.get_close_matches(str(type_name), onto.entity_classes, n=1)
        fix = f"did you mean '{hint[0]}'?" if hint else f"use one of: {', '.join(sorted(onto.entity_classes))}"
        report(item.line_of("type"), f"unknown type {type_name!r} for '{entity_id}': {fix}")
        return None
    entity = Entity(entity_id, type_name, Where(shown, line))
    labels = item.get("labels")
    if not isinstance(labels, Located) or not isinstance(labels.get("en"), str) or not labels["en"].strip():
        report(item.line_of("labels"), f"'{entity_id}' needs `labels:` with at least an English label (en: ...)")
    else:
        for lang, label in labels.items():
            if lang not in LANGUAGES:
                report(labels.line_of(lang), f"label language '{lang}' is not one of {', '.join(LANGUAGES)}")
            elif (text := _text(label, labels.line_of(lang), f"label '{lang}'", report)) is not None:
                entity.labels[lang] = text.strip()
    aliases = item.get("aliases", [])
    if not isinstance(aliases, list):
        report(item.line_of("aliases"), "`aliases:` must be a list of names")
    else:
        entity.aliases = [a for a in (_text(a, item.line_of("aliases"), "an alias", report) for a in aliases) if a]
    if "wikidata" in item:
        if isinstance(item["wikidata"], str) and re.fullmatch(r"Q[1-9][0-9]*", item["wikidata"]):
            entity.wikidata = item["wikidata"]
        else:
            report(item.line_of("wikidata"), "wikidata must be an item id such as Q232")
    if "coords" in item:
        entity.coords = _coords(item["coords"], item.line_of("coords"), report)
    if "route" in item:
        route = item["route"]
        if not isinstance(route, list) or len(route) < 2 or not all(isinstance(r, str) for r in route):
            report(item.line_of("route"), "route must list at least two place ids in order: [from, via, to]")
        else:
            entity.route, entity.route_line = list(route), item.line_of("route")
    if "quote" in item:
        entity.quote = _text(item["quote"], item.line_of("quote"), "quote", report)
        entity.occurrence = _occurrence(item, report)
    elif need_quote:
        report(line, f"'{entity_id}' needs `quote:` with the article's words that mention it")
    return entity


def _occurrence(item: Located, report) -> int | None:
    if "occurrence" not in item:
        return None
    value = item["occurrence"]
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    report(item.line_of("occurrence"), f"occurrence must be a whole number from 1 (which time the quote occurs), got {value!r}")
    return None


def _refuse_draft(item: Located, line: int, report) -> None:
    if "status" not in item:
        return
    if item["status"] == "draft":
        report(line, DRAFT_MESSAGE)
    else:
        report(item.line_of("status"), f"status {item['status']!r}: the only status is 'draft'; delete the key once reviewed")


def _coords(value, line, report):
    if isinstance(value, list) and len(value) == 2 and all(_is_number(v) for v in value):
        lat, lon = (Decimal(str(v)) for v in value)
        if -90 <= lat <= 90 and -180 <= lon <= 180:
            return lat, lon
    report(line, "coords must be [latitude, longitude] in decimal degrees (WGS84)")
    return None


def _is_number(value) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def _statement(item, line, shown, onto: Ontology, report, need_quote: bool) -> Statement | None:
    if not _record(item, line, STATEMENT_KEYS,
                   "a statement must be a mapping with `subject:`, `property:` and `object:` or `value:`", report):
        return None
    subject, prop_name = item.get("subject"), item.get("property")
    if not isinstance(subject, str):
        report(item.line_of("subject"), "statement needs `subject:` with an entity id")
        return None
    spec = onto.properties.get(prop_name) if isinstance(prop_name, str) else None
    if spec is None:
        hint = difflib.get_close_matches(str(prop_name), onto.properties, n=1)
        fix = f"did you mean '{hint[0]}'?" if hint else "see the properties in ontology/kc.ttl"
        report(item.line_of("property"), f"unknown property {prop_name!r}: {fix}")
        return None
    stmt = Statement(subject, spec, Where(shown, line), lines=dict(item.key_lines))
    if spec.kind == "entity":
        if "value" in item or not isinstance(item.get("object"), str):
            report(item.line_of("object"), f"'{prop_name}' links two entities: give `object:` with an entity id")
            return None
        stmt.object = item["object"]
    else:
        if "object" in item or "value" not in item:
            report(item.line_of("value"), f"'{prop_name}' takes `value:` ({_describe(spec.kind)}), not `object:`")
            return None
        stmt.value = _value(item["value"], spec, item.line_of("value"), report)
        if stmt.value is None:
            return None
    if "quote" in item:
        stmt.quote = _text(item["quote"], item.line_of("quote"), "quote", report)
        stmt.occurrence = _occurrence(item, report)
    elif need_quote:
        report(line, "statement needs `quote:` with the article's words that support it")
    for key in ("role", "note"):
        if key in item:
            setattr(stmt, key, _text(item[key], item.line_of(key), key, report))
    if "share" in item:
        stmt.share = _number(item["share"], item.line_of("share"), "share", report, maximum=Decimal(100))
    if "as_of" in item:
        stmt.as_of = _temporal(item["as_of"], item.line_of("as_of"), report)
    if "applies_to" in item:
        on = item["applies_to"]
        if isinstance(on, str):
            on = [on]
        if not isinstance(on, list) or not all(isinstance(x, str) for x in on):
            report(item.line_of("applies_to"), "`applies_to:` must list asset ids")
        else:
            stmt.on = list(on)
    return stmt


def _describe(kind: str) -> str:
    return {
        "text": "text",
        "date": "a date YYYY-MM-DD",
        "year": "a year such as 1979",
        "temporal": "a year, YYYY-MM or YYYY-MM-DD",
        "number": "a number",
        "integer": "a whole number",
        "quantity": "a mapping {amount: N, unit: U}",
        "money": "a mapping {amount: N, currency: USD}",
    }[kind]


def _value(value, spec: PropertySpec, line, report):
    kind = spec.kind
    if kind == "text":
        return _text(value, line, f"'{spec.name}'", report)
    if kind == "date":
        if is_date(value):
            return value
        report(line, f"'{spec.name}' must be a date YYYY-MM-DD, got {value!r}")
        return None
    if kind == "year":
        if isinstance(value, int) and not isinstance(value, bool) and 1000 <= value <= 2999:
            return value
        report(line, f"'{spec.name}' must be a year such as 1979, got {value!r}")
        return None
    if kind == "temporal":
        return _temporal(value, line, report)
    if kind in ("number", "integer"):
        return _number(value, line, f"'{spec.name}'", report)
    return _quantity(value, spec, line, report)


def _temporal(value, line, report):
    if is_date(value):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and 1000 <= value <= 2999:
        return value
    if isinstance(value, str) and (m := re.match(r"^(\d{4})-(\d{2})$", value)) and 1 <= int(m[2]) <= 12:
        return value
    report(line, f"expected a year, YYYY-MM or YYYY-MM-DD, got {value!r}")
    return None


def _number(value, line, what, report, maximum: Decimal | None = None) -> Decimal | None:
    if isinstance(value, str):
        value = value.replace(",", "").replace("_", "")
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        report(line, f"{what} must be a number, got {value!r}")
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        report(line, f"{what} must be a number, got {value!r}")
        return None
    if not number.is_finite() or number < 0:
        report(line, f"{what} must be a finite number ≥ 0, got {value!r}")
        return None
    if number >= NUMBER_LIMIT:  # past it the store's xsd:decimal (128 bits, 18 decimals) overflows
        report(line, f"{what} {value!r} is too large (10^18 or more): use a larger unit")
        return None
    if maximum is not None and number > maximum:
        report(line, f"{what} must be at most {maximum}, got {value!r}")
        return None
    return number


def _quantity(value, spec: PropertySpec, line, report) -> Quantity | None:
    if not isinstance(value, Located):
        report(line, f"'{spec.name}' takes {_describe(spec.kind)}, got {value!r}")
        return None
    _unknown_keys(value, QUANTITY_KEYS, report)
    amount = _number(value.get("amount"), value.line_of("amount"), "amount", report)
    if amount is None:
        return None
    q = Quantity(amount)
    if spec.kind == "money":
        currency = value.get("currency")
        if currency not in CURRENCIES:
            report(value.line_of("currency"), f"money needs `currency:` as one of the ISO 4217 codes {', '.join(CURRENCIES)}, got {currency!r}")
            return None
        q.currency = currency
        if "unit" in value:
            report(value.line_of("unit"), "money has `currency:`, not `unit:`")
    else:
        unit = value.get("unit")
        if unit not in UNITS:
            report(value.line_of("unit"), f"unknown unit {unit!r}: use one of {', '.join(UNITS)}")
            return None
        q.unit = unit
        if unit == "%" and amount > 100:
            report(value.line_of("amount"), f"a percentage is at most 100, got {amount}")
    if "out_of" in value:
        q.out_of = _number(value["out_of"], value.line_of("out_of"), "out_of", report)
        if q.out_of is not None and q.out_of < amount:
            report(value.line_of("out_of"), f"out_of ({q.out_of}) is less than the amount ({amount})")
    for key in ("qualifier", "aspect"):
        if key in value:
            setattr(q, key, _text(value[key], value.line_of(key), key, report))
    if "as_of" in value:
        q.as_of = _temporal(value["as_of"], value.line_of("as_of"), report)
    return q


def iter_input_files(seeds: Path) -> list[Path]:
    """Facts and reference files of a seeds folder, in a stable order."""
    # reference files may sit in sub-folders (one per sector); each file is still one source
    return sorted((seeds / "reference").rglob("*.yaml")) + sorted((seeds / "facts").glob("*.yaml"))


def _items(data, key: str, problem: str, report) -> list:
    """The list under `key` (none: an empty one); anything else is reported as `problem`."""
    items = data.get(key, [])
    if items is None:
        return []
    if not isinstance(items, list):
        report(data.line_of(key), problem)
        return []
    return items


def temporal_kind(value) -> str:
    """'date', 'yearmonth' or 'year' for a value accepted by `_temporal`."""
    if isinstance(value, dt.date):
        return "date"
    return "yearmonth" if isinstance(value, str) else "year"
