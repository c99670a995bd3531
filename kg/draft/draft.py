"""`kg draft`: a proposed facts file for one article, every proposal marked `status: draft`.

The draft assembles what `kg.draft.mentions` (entities) and `kg.draft.amounts` (figures) find into the
seeds format: known entities are referenced by their ids, new ones are declared with a proposed
id, type, label and quote; statements (meetings and their participants, posts, commodities,
money, quantities, years) carry the sentence they come from as the quote. A person checks each
proposal against the article, deletes the wrong ones and the `status: draft` lines; until then
`kg validate` and `kg build` refuse the file (see `kg.seeds.facts`), so nothing unreviewed enters the graph.

>>> index = KnownIndex([])
>>> d = draft_text("date 2024-07-02\\nASTANA – Minister Nurlan Amirov met with CITIC Group Chairman "
...                "Li Wei.", "x", index, None)
>>> sorted(e["id"] for e in d.facts["entities"])[:3]
['astana', 'citic-group', 'citic-group-chairman']
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import yaml

from kg.draft.amounts import Amount, find_amounts
from kg.atomicfile import write_text_atomic
from kg.seeds.facts import Document, id_problem, iter_input_files, load_document
from kg.draft.mentions import CHINESE_SURNAMES, KnownIndex, Mention, find_mentions, slug
from kg.draft.relations import Relations, find_relations
from kg.ontology import Ontology
from kg.problems import Problem, ProblemsFound, display_path
from kg.project import Project

FORMATS = ("yaml", "json")
DRAFT = "draft"
MONTHS = {m: i for i, m in enumerate(("january february march april may june july august september october "
                                      "november december").split(), 1)}
HEADER = re.compile(r"\s*date\s+(\d{4}-\d{2}-\d{2})\s*")
MEETING = re.compile(r"\b(?:met|meets|meeting|held\s+talks|talks\s+with|discussed|received)\b")
TOPIC = re.compile(r"\bdiscussed\s+(.+?)(?:\s+with\b|,|\.$|$)|\bheld\s+talks\s+with\s+.+?\s+on\s+(.+?)(?:,|\.$|$)")
COST = re.compile(r"\b(?:at\s+a\s+cost\s+of|worth|costs?|cost\s+of\s+the\s+\w+\s+is|estimated\s+at|valued\s+at)\b", re.I)
FIRM_NOUNS = r"company|companies|contractor|manufacturer|firm|bank|lender|group|developer|operator|investor|corporation|partner"
_ENGLISH = re.compile(r"\b(?:the|and|of|in|to|with|on|for|is|was|has|by|at|from|a)\b", re.I)


class DraftError(Exception):
    """The input cannot be drafted (empty, not English, not a usable article id)."""


@dataclass
class Draft:
    facts: dict
    meta: dict
    entities: dict[str, tuple[str, set[str]]] = field(default_factory=dict)  # key -> (type, surfaces)
    amounts: list[Amount] = field(default_factory=list)


def known_index(seeds: Path, onto: Ontology, skip_article: str | None = None) -> KnownIndex:
    """The entities of the seeds' facts and reference files; a file with problems (say, a draft
    under review) is left out rather than stopping the draft, and so is the article's own."""
    docs: list[Document] = []
    for path in iter_input_files(seeds):
        try:
            doc = load_document(path, onto, seeds / "articles")
        except ProblemsFound:
            continue
        if not (doc.kind == "article" and doc.id == skip_article):
            docs.append(doc)
    return KnownIndex(docs)


def check_input(text: str) -> None:
    """Raise DraftError with a one-line reason if text is no English article."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        raise DraftError("the article is empty: put the article's text in the file")
    latin = sum(c < "\u0250" for c in letters) / len(letters)
    if latin < 0.6:
        script = "Cyrillic" if sum("\u0400" <= c <= "\u04ff" for c in letters) > len(letters) / 3 else "non-Latin"
        raise DraftError(f"the article is not in English (mostly {script} letters): kg draft reads English articles only")
    words = re.findall(r"[A-Za-z]+", text)
    if len(_ENGLISH.findall(text)) < max(1, len(words) // 25):
        raise DraftError("the article does not read as English: kg draft reads English articles only")


def article_date(text: str) -> dt.date | None:
    """The `date YYYY-MM-DD` header, else the first full date the text gives ("July 2, 2024")."""
    if (m := HEADER.match(text)):
        try:
            return dt.date.fromisoformat(m.group(1))
        except ValueError:
            return None
    month = "(" + "|".join(MONTHS) + ")"
    m = (re.search(month + r"\s+(\d{1,2}),?\s+(\d{4})", text, re.I) or re.search(r"(\d{1,2})\s+" + month + r",?\s+(\d{4})", text, re.I))
    if not m:
        return None
    parts = m.groups()
    name, day = (parts[0], parts[1]) if not parts[0].isdigit() else (parts[1], parts[0])
    try:
        return dt.date(int(parts[2]), MONTHS[name.lower()], int(day))
    except ValueError:
        return None


def sentences(text: str) -> list[tuple[int, int]]:
    """Spans of the sentences (and headings) of the text, after the date header, verbatim."""
    start = HEADER.match(text).end() if HEADER.match(text) else 0
    spans = []
    for block in re.finditer(r"[^\n]+", text[start:]):
        s = start + block.start()
        for m in re.finditer(r".+?(?:[.!?](?=\s+[A-Z“\"‘(]|\s*$)|$)", block.group(0)):
            if m.group(0).strip():
                lead = len(m.group(0)) - len(m.group(0).lstrip())
                spans.append((s + m.start() + lead, s + m.end()))
    return spans


def draft_text(text: str, article_id: str, index: KnownIndex, onto: Ontology | None) -> Draft:
    """Propose the facts of one article (text) for the seeds format."""
    check_input(text)
    if id_problem(article_id) is not None:
        raise DraftError(f"article id '{article_id}' must be lower-case letters, digits, '-' or '_': rename the file")
    date = article_date(text)
    mentions = find_mentions(text, index)
    spans = sentences(text)
    b = _Builder(text, index, onto, date, spans)
    dateline = next((m for m in mentions if m.type == "Place" and m.start < (spans[0][1] if spans else 0)
                     and m.text.isupper()), None)
    for m in mentions:
        b.mention(m)
    for m in mentions:
        if m.type == "Person" and m.extra.get("post"):
            b.post(m)
        if m.extra.get("commodity") and m.source == "name":
            b.statement(m.key, "commodity", value=m.extra["commodity"], at=m.start)
    b.meetings(mentions, dateline)
    b.countries(mentions)
    relations = find_relations(text, spans, mentions, index.names)
    b.relations(relations)
    amounts = find_amounts(text)
    for a in amounts:
        b.amount(a, mentions, relations.money_of.get(a.start))
    meta = {"date": date, "dateline": dateline.key if dateline else None, "language": "en"}
    facts = {"article": article_id, "entities": b.entities, "statements": b.statements}
    return Draft(facts, {k: v for k, v in meta.items() if v is not None}, b.found, amounts)


class _Builder:
    """Collects the proposed entities and statements of one draft, without duplicates."""

    def __init__(self, text, index: KnownIndex, onto: Ontology | None, date, spans):
        self.text, self.index, self.onto, self.date, self.spans = text, index, onto, date, spans
        self._span_starts = [s for s, _ in spans]  # sorted: a sentence found by bisection, not a scan
        self.entities: list[dict] = []
        self.statements: list[dict] = []
        self._stated: set[str] = set()  # the statements so far, as keys: a set, not a list, to look in
        self._fit_memo: dict[tuple[str, str], bool] = {}
        self._mention_starts: list[int] | None = None
        self.declared: dict[str, dict] = {}
        self.found: dict[str, tuple[str, set[str]]] = {}
        self.types: dict[str, str] = dict(index.types)

    def span_of(self, at: int) -> tuple[int, int] | None:
        """The sentence holding offset `at`, or None."""
        i = bisect.bisect_right(self._span_starts, at) - 1
        if i >= 0 and self.spans[i][0] <= at < self.spans[i][1]:
            return self.spans[i]
        return None

    def sentence(self, at: int) -> str:
        span = self.span_of(at)
        return self.text[span[0]:span[1]] if span else self.text[at:at + 1]

    def declare(self, key: str, type_name: str, name: str, quote: str, **more) -> None:
        if key in self.declared or key in self.index.types:
            return
        entity = {"id": key, "type": type_name, "labels": {"en": name}, **more, "quote": quote, "status": DRAFT}
        self.declared[key] = entity
        self.types[key] = type_name
        self.entities.append(entity)

    def mention(self, m: Mention) -> None:
        self.found.setdefault(m.key, (m.type, set()))[1].add(m.text)
        if m.known:
            return
        extra = {}
        waypoints = [w.key for w in m.extra.get("waypoints", [])]
        if waypoints:
            extra["route"] = waypoints
        self.declare(m.key, m.type, m.name, m.text, **extra)
        entity = self.declared.get(m.key)
        if entity and m.text not in (entity["labels"]["en"], entity["quote"]) and m.text not in entity.get("aliases", []):
            entity.setdefault("aliases", []).append(m.text)
            entity["aliases"] = entity.pop("aliases")  # keep the key order readable: move before quote
            entity["quote"], entity["status"] = entity.pop("quote"), entity.pop("status")

    def statement(self, subject: str, prop: str, at: int, **rest) -> None:
        item = {"subject": subject, "property": prop, **rest, "quote": self.sentence(at), "status": DRAFT}
        key = json.dumps(item, sort_keys=True, default=str)
        if key not in self._stated and self._fits(subject, prop, rest.get("object")):
            self._stated.add(key)
            self.statements.append(item)

    def _fits_cached(self, subject: str, prop: str) -> bool:
        """`_fits` remembered per (entity, property): only used for figures, after every entity is declared."""
        key = (subject, prop)
        if key not in self._fit_memo:
            self._fit_memo[key] = self._fits(subject, prop, None)
        return self._fit_memo[key]

    def _fits(self, subject: str, prop: str, obj: str | None) -> bool:
        """Only what `kg validate` accepts: the property's domain and range fit the entity types."""
        if self.onto is None:
            return True
        if subject not in self.types or (obj is not None and obj not in self.types):
            return False
        return _type_fits(self.onto, self.types[subject], prop, self.types[obj] if obj else None)

    def post(self, person: Mention) -> None:
        """'CNPC Chairman Dai Houliang': the post, who holds it, and where (firm or country)."""
        post, org, country = person.extra["post"], person.extra.get("org"), person.extra.get("country")
        held = self.index.posts_held.get(person.key, [])
        title = " ".join(w.capitalize() if w.islower() else w for w in post.split())
        if len(held) == 1:
            post_id = held[0]
        elif org is not None:
            post_id = f"{org.key}-{slug(post)}"
        elif country in self.index.types:
            post_id = f"{slug(post)}-of-{country}"
        else:
            self.statement(person.key, "description", value=title, at=person.start)
            return
        where = org.name or self.index.names.get(org.key, org.text) if org else self.index.names.get(country, country)
        quote = self.text[person.extra.get("post_start", person.start):person.end]
        self.declare(post_id, "Post", f"{title} of {where}", quote)
        self.statement(post_id, "heldBy", object=person.key, at=person.start)
        if org is not None:
            self.statement(post_id, "postIn", object=org.key, at=person.start)
        elif country:
            self.statement(post_id, "country", object=country, at=person.start)

    def meetings(self, mentions: list[Mention], dateline: Mention | None) -> None:
        """A sentence where people meet or discuss with each other proposes a Meeting."""
        starts = self._starts(mentions)
        # of each person, the first mention, and the first that names an organization or a post
        first: dict[str, Mention] = {}
        org_of: dict[str, Mention] = {}
        post_of: dict[str, str] = {}
        for m in mentions:
            first.setdefault(m.key, m)
            if m.extra.get("org"):
                org_of.setdefault(m.key, m.extra["org"])
            if m.extra.get("post"):
                post_of.setdefault(m.key, m.extra["post"])
        press_services = [m for m in mentions if m.type == "Organization" and "press service" in m.text]
        for s, e in self.spans:
            sentence = self.text[s:e]
            if not MEETING.search(sentence):
                continue
            within = mentions[bisect.bisect_left(starts, s):bisect.bisect_left(starts, e)]
            people = list(dict.fromkeys(m.key for m in within if m.type == "Person"))
            if len(people) < 2:
                continue
            names = [self.index.names.get(p) or first[p].name for p in people]
            surnames = [n.split()[0] if _chinese(n) else n.split()[-1] for n in names]
            when = f" ({self.date.isoformat()})" if self.date else ""
            key = slug("meeting " + " ".join(surnames) + (f" {self.date.isoformat()}" if self.date else ""))
            self.declare(key, "Meeting", f"Meeting of {' and '.join(names)}{when}", sentence)
            for p in people:
                self.statement(key, "participant", object=p, at=s)
                org = org_of.get(p)
                if org is not None:
                    self.statement(key, "participant", object=org.key, role="represented by its " + post_of.get(p, "representative"), at=s)
            if self.date:
                self.statement(key, "startDate", value=self.date, at=s)
            if dateline is not None and (s, e) == self.spans[0]:
                self.statement(key, "heldIn", object=dateline.key, at=s)
            if (t := TOPIC.search(sentence)):
                self.statement(key, "topic", value=(t.group(1) or t.group(2)).strip(), at=s)
            for m in press_services:
                self.statement(key, "reportedBy", object=m.key, at=m.start)

    def countries(self, mentions: list[Mention]) -> None:
        """'China Railway International Group', 'Goldwind, the Chinese manufacturer': the firm's country,
        unless the seeds already state it."""
        done = set(self.index.with_country)  # one proposal per firm, at its first telling mention
        for m in mentions:
            if self.types.get(m.key) != "Organization" or m.key in done:
                continue
            name = m.name or self.index.names.get(m.key, m.text)
            country = _country_of(name, self.text[max(0, m.start - 40):m.start], self.text[m.end:m.end + 40])
            if country is not None and country in self.types:
                self.statement(m.key, "country", object=country, at=m.start)
                done.add(m.key)

    def relations(self, found: Relations) -> None:
        """Projects and financings the article describes, and who builds, runs, owns and pays for what."""
        for p in found.entities:
            self.declare(p.key, p.type, p.label, p.quote)
        for r in found.relations:
            self.statement(r.subject, r.prop, object=r.obj, at=r.at, **({"role": r.role} if r.role else {}))

    def amount(self, a: Amount, mentions: list[Mention], financing: str | None = None) -> None:
        """A figure becomes a statement about the nearest entity its property may describe;
        the money of a loan ("a loan of 8.5 billion yuan") is the amount of its financing."""
        if financing is not None and a.currency:
            value = {"amount": _plain(a.amount), "currency": a.currency}
            self.statement(financing, "amount", value={**value, "qualifier": a.qualifier} if a.qualifier else value, at=a.start)
            return
        sentence = self.sentence(a.start).lower()
        prop = _property(a, sentence)
        if prop is None:
            return
        span = self.span_of(a.start) or (a.start, a.end)
        # "built by X at a cost of 27 billion tenge", "The project, worth $85 million, will be financed
        # by X": a cost is the asset's or the project's, not the firm's that is named nearest
        cost = prop == "investment" and COST.search(self.text[span[0]:a.start]) is not None
        subject = (cost and self._subject(prop, a, mentions, skip="Organization")) or self._subject(prop, a, mentions)
        if subject is None:
            return
        if a.unit == "year":
            self.statement(subject, prop, value=int(a.amount), at=a.start)
            return
        value = {"amount": _plain(a.amount)}
        value.update({"currency": a.currency} if a.currency else {"unit": a.unit})
        if a.out_of is not None:
            value["out_of"] = _plain(a.out_of)
        if a.qualifier:
            value["qualifier"] = a.qualifier
        if self.date and prop in ("progress", "employees", "workforceShare", "investment"):
            value["as_of"] = self.date
        self.statement(subject, prop, value=value, at=a.start)

    def _subject(self, prop: str, a: Amount, mentions: list[Mention], skip: str | None = None) -> str | None:
        """The entity nearest before the figure in its sentence, else after it, else in earlier sentences
        (of another type than `skip`)."""
        s, e = self.span_of(a.start) or (a.start, a.end)
        # mentions come in text order (find_mentions): walk out from the figure, nearest first
        starts = self._starts(mentions)
        i = bisect.bisect_left(starts, a.start) - 1
        j = i
        while j >= 0 and mentions[j].start >= s:  # before it in its sentence
            if self._fits_cached(mentions[j].key, prop) and mentions[j].type != skip:
                return mentions[j].key
            j -= 1
        k = bisect.bisect_left(starts, a.end)
        while k < len(mentions) and mentions[k].start < e:  # after it in its sentence
            if self._fits_cached(mentions[k].key, prop) and mentions[k].type != skip:
                return mentions[k].key
            k += 1
        while j >= 0:  # in earlier sentences
            if self._fits_cached(mentions[j].key, prop) and mentions[j].type != skip:
                return mentions[j].key
            j -= 1
        return None

    def _starts(self, mentions: list[Mention]) -> list[int]:
        if self._mention_starts is None or len(self._mention_starts) != len(mentions):
            self._mention_starts = [m.start for m in mentions]
        return self._mention_starts


@functools.lru_cache(maxsize=1024)
def _type_fits(onto: Ontology, subject_type: str, prop: str, object_type: str | None) -> bool:
    spec = onto.properties.get(prop)
    ok = lambda t, wanted: not wanted or any(onto.is_a(onto.entity_classes[t], w) for w in wanted)  # noqa: E731
    return spec is not None and ok(subject_type, spec.domains) and (object_type is None or ok(object_type, spec.ranges))


def _chinese(name: str) -> bool:
    return name.split()[0] in CHINESE_SURNAMES


def _country_of(name: str, before: str, after: str) -> str | None:
    """The country a firm's name or its apposition gives: 'China …', '… of China', 'the Chinese contractor X',
    'X, the Chinese manufacturer'; None when neither says."""
    for word, country in (("China|Chinese|Sino", "china"), ("Kazakhstan|Kazakh", "kazakhstan")):
        if re.match(rf"(?:{word})\b(?![-–—])", name) or re.search(rf"\bof\s+(?:the\s+)?(?:{word})$", name):
            return country
        if re.search(rf"\b(?:{word})\s+(?:{FIRM_NOUNS})\s+$", before) or re.match(rf",\s+(?:the|a)\s+(?:{word})\s+(?:{FIRM_NOUNS})\b", after):
            return country
    return None


def _plain(d: Decimal):
    return int(d) if d == d.to_integral_value() else float(d)


def _property(a: Amount, sentence: str) -> str | None:
    """Which kc: property a figure states, from its unit and the words of its sentence."""
    if a.unit == "year":
        return "foundingYear" if a.event == "founded" else "commissioned"
    if a.currency:
        return "investment"
    if a.unit == "%":
        if re.search(r"\b(?:whom|citizens|workforce|employees|staff|personnel|workers|hired\s+locally)\b", sentence):
            return "workforceShare"
        if re.search(r"\b(?:increase|rise|growth|decrease|drop|fall)\s+of\s+" + re.escape(str(_plain(a.amount))) + r"\s*(?:%|percent)", sentence):
            return None  # "an increase of 18%": a change over a period, no state of the asset
        if re.search(r"\b(?:stake|owns|holds|share)\b", sentence):
            return None  # an owner's share belongs on ownedBy: left to the person
        return "progress"
    if a.unit == "people":
        return "employees"
    if a.unit == "mm":
        return "diameter"
    if a.unit in ("sections",) or a.out_of is not None:
        return "progress"
    if a.unit == "TEU":
        return None  # containers handled in some months: no property holds a count over a period
    if a.unit == "km":
        return "progress" if re.search(r"\b(?:open|completed|laid|built|paved|ready)\b", sentence) else "length"
    if re.search(r"\b(?:increas|expan|rais|boost|upgrad|target)\w*", sentence):
        return "targetCapacity"
    return "capacity"


def render(d: Draft, fmt: str = "yaml") -> str:
    """The draft as a facts file: YAML with a header saying what to do, or JSON."""
    if fmt == "json":
        return json.dumps(d.facts, indent=2, ensure_ascii=False, default=str) + "\n"
    meta = yaml.safe_dump(d.meta, allow_unicode=True, sort_keys=False).strip().replace("\n", "; ")
    head = (f"# Draft facts for article {d.facts['article']}, proposed by `kg draft` (metadata found: {meta}).\n"
            "# Check every proposal against the article: delete the wrong ones, and delete `status: draft`\n"
            "# from the ones you keep. `kg validate` refuses the file until no draft is left.\n")
    return head + yaml.dump(d.facts, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)


class _Dumper(yaml.SafeDumper):
    """Writes a shared value (the article date) out each time: facts files refuse YAML aliases."""

    def ignore_aliases(self, data):
        return True


def draft_file(article: Path, seeds: Path, onto: Ontology) -> Draft:
    """Draft the article file with the seeds' entities as the known ones.

    An article that cannot be drafted is a problem of that file (exit 1), said in one line."""
    from kg.seeds.yamlfile import read_text

    text = read_text(article)
    try:
        return draft_text(text, article.stem, known_index(seeds, onto, skip_article=article.stem), onto)
    except DraftError as exc:
        raise ProblemsFound([Problem(display_path(article), 0, str(exc))]) from None


@dataclass
class Written:
    """What `write_draft` wrote: the facts file, the metadata file if it proposed one, the counts."""

    facts: Path
    meta: Path | None
    entities: int
    statements: int


def write_draft(article: Path, output: Path, project: Project, fmt: str = "yaml", force: bool = False) -> Written:
    """Draft `article` into `output` (never over an existing file unless `force`: it may be
    curated), and propose the article's metadata file beside it when it has none."""
    if output.exists() and not force:
        raise ProblemsFound([Problem(display_path(output), 0, "exists and may be curated: choose another file or add --force")])
    proposal = draft_file(article, project.seeds_dir, Ontology(project.ontology_path))
    write_text_atomic(output, render(proposal, fmt))
    meta = article.with_suffix(".yaml")
    if meta.exists():
        meta = None
    else:
        write_meta(proposal, meta)
    return Written(output, meta, len(proposal.facts["entities"]), len(proposal.facts["statements"]))


def write_meta(d: Draft, path: Path) -> None:
    """Propose the article's metadata file; title, publisher and url are left for the person."""
    lines = ["# Proposed by `kg draft`: add title, publisher and url (kg validate asks for them)."]
    lines.append(yaml.dump(d.meta, Dumper=_Dumper, allow_unicode=True, sort_keys=False).rstrip())
    write_text_atomic(path, "\n".join(lines) + "\n")

