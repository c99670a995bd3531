"""Entity mentions in article text: known entities by their names, new ones by the form of theirs.

Two sources, both rules (no model, nothing downloaded):
- `KnownIndex`: every label (en, ru, kk, zh) and alias of the entities already in the seeds'
  facts and reference files, matched whatever the case, the dash (- – —) or the spacing around
  it, and before a possessive ’s; route names also match without their head ("Kenkiyak-Atyrau"
  for "Kenkiyak-Atyrau oil pipeline") and organization names without their legal form
  ("Citic" for "CITIC Group").
- patterns for new entities: organizations (legal forms, "Ministry of …", "(ACRONYM)", a name
  before a post), pipelines, roads and railways ("X–Y(–Z) oil pipeline", "X–Y second line" give
  the waypoints too), facilities ("X plant|refinery|station"), deposits ("X field", "X deposit",
  "X mine"), places ("X Region", "X river", a small gazetteer of cities and countries, the
  dateline) and people, with their post.

`find_mentions` returns every mention, each tied to an entity key: the known id, or the slug
of the new entity's English name, which the draft proposes as its id.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from kg.seeds.facts import Document
from kg.draft.spans import Sorted, non_overlapping

DASHES = "-–—‐‑"
_FOLD = str.maketrans({"’": "'", "‘": "'", **{d: "-" for d in DASHES}})

# Places the seeds may not know yet: Kazakh regions' centres and towns on the trade routes,
# Chinese cities, and the countries news on this cooperation names. A mention found here is
# proposed as a new Place; one in the seeds is linked to its id instead.
PLACES = """Almaty Astana Shymkent Aktobe Atyrau Aktau Karagandy Karaganda Pavlodar Kostanay Kyzylorda Taraz
Turkestan Oskemen Semey Petropavl Oral Uralsk Zhezkazgan Ekibastuz Temirtau Khorgos Dostyk Zhanaozen Balkhash
Taldykorgan Kokshetau Baikonur Konaev Zharkent Beineu Kenkiyak Kumkol Tengiz Kashagan Karachaganak Zhanatas
Mangystau Zhambyl Abai Ulytau Zhetysu Kuryk Saryagash Alashankou Horgos Urumqi Beijing Shanghai Xi'an
Chongqing Guangzhou Shenzhen Wuhan Chengdu Tianjin Hangzhou Lianyungang Kashgar Xinjiang Lanzhou Qingdao
Kazakhstan China Russia Uzbekistan Kyrgyzstan Tajikistan Turkmenistan Azerbaijan Georgia Turkey Iran
Afghanistan Mongolia Pakistan India Germany Duisburg Europe Moscow Tashkent Bishkek Baku Istanbul""".split()
DEMONYMS = {"Kazakh": "kazakhstan", "Kazakhstani": "kazakhstan", "Chinese": "china", "Russian": "russia",
            "Uzbek": "uzbekistan", "Kyrgyz": "kyrgyzstan"}
ORG_SUFFIX = (r"Corporation|Corp\.?|Group|Company|Co\.|Ltd\.?|Limited|LLP|JSC|LLC|PLC|Inc\.?|Bank|Holdings?|Fund|"
              r"Agency|Authority|Council|Committee|Commission|Association|Institute|University|Chamber|Exchange|"
              r"Railways|Airlines|Lines|Partnership|Consortium|Administration|Ministry|Akimat|Embassy|Union")
ORG_HEAD = r"Ministry|Bank|Agency|Committee|Fund|Chamber|Council|Embassy|Consulate|Commission|Government|Akimat|Office"
POST = (r"(?:(?:First|Executive)\s+)?(?:(?:Deputy|Vice)\s+)?(?:Prime\s+Minister|Minister|President|Chairman|"
        r"Chairwoman|Chair|Premier|Governor|Akim|Mayor|Ambassador|Consul\s+General|Director\s+General|"
        r"General\s+Director|Managing\s+Director|Executive\s+Director|Director|General\s+Manager|"
        r"Chief\s+Executive(?:\s+Officer)?|CEO|Head|Secretary(?:\s+General)?|Spokesperson|Spokesman)"
        r"(?:\s+of\s+the\s+(?:Management\s+)?Board)?")
POST_LOWER = (r"(?:(?:first|executive)\s+)?(?:(?:deputy|vice)\s+)?(?:prime\s+minister|minister|president|chairman|"
              r"chairwoman|chair|governor|akim|mayor|ambassador|consul\s+general|director\s+general|"
              r"general\s+director|managing\s+director|executive\s+director|director|general\s+manager|"
              r"chief\s+executive(?:\s+officer)?|head|spokesperson|spokesman|representative)"
              r"(?:\s+of\s+the\s+(?:management\s+)?board)?")
FUNCTION_WORDS = {"The", "A", "An", "This", "That", "These", "Its", "His", "Her", "Their", "Our", "According", "In",
                  "On", "At", "By", "For", "From", "With", "As", "After", "Before", "During", "Under", "Among",
                  "Both", "While", "When", "Meanwhile", "However", "Also", "Earlier", "Last", "Next", "Another",
                  "Referencing", "Founded", "Established", "Since", "Of", "And", "To", "Trains", "Trade"}
ACRONYM_STOP = {"US", "USA", "GDP", "LNG", "LPG", "CNG", "CEO", "CFO", "COO", "VAT", "EPC", "BRI", "PPP", "SEZ", "IT",
                "AI", "TV", "MW", "GW", "KW", "KWH", "MWH", "GWH", "KZT", "USD", "CNY", "RMB", "EUR", "LLP", "JSC",
                "LLC", "PLC", "CIS", "PM", "TEU", "FEU", "GWH", "TWH", "I", "II", "III", "IV", "V", "FDI", "ESG", "R&D", "ID", "UTC", "GMT"}
CHINESE_SURNAMES = set("""Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo He Lin Gao Luo Zheng
Liang Xie Song Tang Han Feng Deng Cao Peng Zeng Xiao Tian Dong Pan Yuan Cai Jiang Yu Du Ye Cheng Wei Su Lu Ding
Ren Shen Yao Dai Xi Fu Zhong Jin Qin Jia Xue Lei Hou Shi Kong Bai Qiu Meng Mao Qian Yan Fan Wen Kang""".split())
_PINYIN = re.compile(r"(?:(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?(?:iang|iong|uang|ang|eng|ing|ong|ian|iao|uai|uan|"
                     r"ai|ao|ei|ou|an|en|in|un|ia|ie|iu|ua|uo|ui|ue|er|a|e|i|o|u|v)){1,2}")
KAZAKH_SURNAME = re.compile(r"(?:ov|ova|ev|eva|yev|yeva|uly|kyzy|uli|ovich|ovna)$")

# "X [modifier] [modifier] head" names a facility: "Moinak hydropower plant", "Khorgos dry port"
FACILITY_MODIFIERS = (r"oil|gas|gas\s+processing|processing|pipe|wind|solar|power|thermal\s+power|hydropower|coal|cement|"
                      r"steel|chemical|gas\s+chemical|polyethylene|polypropylene|copper|bitumen|logistics|container|dry|"
                      r"cargo|fertilizer|petrochemical|refining|mining|metallurgical|pumping|compressor|industrial|"
                      r"combined\s+heat\s+and\s+power|waste|glass|car|assembly|aluminium|aluminum|alumina|hydroelectric")
FACILITY_HEADS = r"power\s+plant|plant|refinery|station|terminal|factory|farm|port|mill|smelter|complex|hub|depot|park|mine"

CAPWORD = r"[A-Z][A-Za-z0-9]*(?:[-–—][A-Za-z0-9]+|['’](?!s\b)[A-Za-z]+)*"
NAME_SEQ = CAPWORD + r"(?:\s+(?:(?:of|and|&)\s+(?:the\s+)?)?" + CAPWORD + r")*"
_POST_WORD = (r"(?!(?:First|Executive|Deputy|Vice|Prime|Minister|President|Chairman|Chairwoman|Chair|Head|Director|"
              r"General|Chief|CEO|Managing|Spokesperson|Spokesman|Governor|Akim|Ambassador|Secretary)\b)")
ORG_BEFORE_POST = _POST_WORD + CAPWORD + r"(?:\s+(?:(?:of|and|&)\s+(?:the\s+)?)?" + _POST_WORD + CAPWORD + r")*"
LAZY_SEQ = CAPWORD + r"(?:\s+(?:(?:of|and|&)\s+(?:the\s+)?)?" + CAPWORD + r")*?"
PERSON_NAME = r"[A-Z][a-z]+(?:-[A-Z][a-z]+)?\s+[A-Z][a-z]+(?:-[A-Z]?[a-z]+)?(?![\w’'-])(?!\s+[A-Z][a-z]+\b(?![’'-]))"
ROUTE_PART = r"[A-Z][a-z'’]+(?:\s+[A-Z][a-z]+)?"
ROUTE_NAME = ROUTE_PART + r"(?:\s?[-–—]\s?" + ROUTE_PART + r")+"


@dataclass
class Mention:
    """A stretch [start, end) of the text naming an entity: a known id or a proposed new one."""

    start: int
    end: int
    text: str
    type: str
    key: str  # the entity's id (known) or the slug of its name (new)
    known: bool = False
    name: str = ""  # English name of a new entity
    source: str = "name"  # "name", "route" (a waypoint inside a route name) or "alias"
    extra: dict = field(default_factory=dict)  # route, commodity, post, org, country


def slug(name: str) -> str:
    """The id of a new entity: lower-case ASCII letters, digits and '-' of its English name."""
    ascii_name = unicodedata.normalize("NFKD", name.translate(_FOLD)).encode("ascii", "ignore").decode()
    ascii_name = re.sub(r"'s\b", "", ascii_name)
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:100] or "entity"


def fold(text: str) -> str:
    """Case, dashes and apostrophes folded, one character for one, so offsets stay valid."""
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text.translate(_FOLD))


def _key(name: str) -> str:
    return re.sub(r"\s*-\s*", "-", re.sub(r"\s+", " ", fold(name).strip()))


class KnownIndex:
    """Every name of the entities already in the seeds, compiled into one matcher."""

    def __init__(self, docs: list[Document]):
        self.types: dict[str, str] = {}
        self.names: dict[str, str] = {}  # id -> English name
        self.posts_held: dict[str, list[str]] = {}  # person id -> ids of the posts it holds
        self.routes: set[str] = set()  # ids of assets with a route in the seeds
        self.with_country: set[str] = set()  # ids whose country the seeds already state
        exact: dict[str, set[str]] = {}
        derived: dict[str, set[str]] = {}
        for doc in docs:
            for e in doc.entities:
                self.types.setdefault(e.id, e.type)
                self.names.setdefault(e.id, e.labels.get("en", e.id))
                if e.route:
                    self.routes.add(e.id)
                for name in [*e.labels.values(), *e.aliases]:
                    exact.setdefault(_key(name), set()).add(e.id)
                    for short in _short_forms(name, e.type):
                        derived.setdefault(_key(short), set()).add(e.id)
            for s in doc.statements:
                if s.property.name == "heldBy" and s.object:
                    self.posts_held.setdefault(s.object, []).append(s.subject)
                elif s.property.name == "country":
                    self.with_country.add(s.subject)
        # a name shared by two entities links neither (a person decides); exact names beat short forms
        self.keys = {k: ids.pop() for k, ids in exact.items() if len(ids) == 1 and len(k) > 1}
        for k, ids in derived.items():
            if k not in exact and len(ids) == 1 and len(k) > 2:
                self.keys[k] = ids.pop()
        alternatives = sorted(self.keys, key=len, reverse=True)
        pattern = "|".join(re.escape(k).replace(r"\-", r"\s*-\s*").replace(r"\ ", r"\s+") for k in alternatives)
        self.matcher = re.compile(r"(?<![\w-])(?:" + pattern + r")(?![\w]|-\w)") if alternatives else None
        self.place_ids = {k: i for k, i in self.keys.items() if self.types.get(i) == "Place"}

    def find(self, text: str, folded: str) -> list[Mention]:
        if self.matcher is None:
            return []
        out = []
        for m in self.matcher.finditer(folded):
            surface = text[m.start():m.end()]
            entity_id = self.keys.get(_key(surface))
            if entity_id is None:
                continue
            if len(surface) <= 5 and surface.isalpha() and surface.islower():
                continue  # a short alias ("KTO", "Citic") must not match an ordinary lower-case word
            if surface[0].islower() and re.search(r"\ban?\s+$", text[max(0, m.start() - 4):m.start()]):
                continue  # "a polyethylene plant in Atyrau Region" describes; a descriptive label is no name
            out.append(Mention(m.start(), m.end(), surface, self.types[entity_id], entity_id, known=True))
        return out

    def lookup(self, name: str) -> str | None:
        return self.keys.get(_key(name))


def _short_forms(name: str, type_name: str) -> list[str]:
    """Other ways an article writes a known name: the route without its head, the firm without its form."""
    out = []
    if type_name in ("Pipeline", "Road", "Railway"):
        m = re.match(r"^(.*?[-–—].*?)\s+(?:(?:oil|gas|crude oil|oil and gas|main gas)\s+)?(?:second\s+)?"
                     r"(?:pipeline|highway|road|motorway|railway|railroad|line)$", name, re.I)
        if m:
            out.append(m.group(1))
    if type_name == "Facility":  # "Moinak hydropower plant" is also "the Moinak plant"
        m = re.match(r"^([A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)*)\s+(?:(?:" + FACILITY_MODIFIERS + r")\s+){1,2}(plant|refinery|station|"
                     r"terminal|factory|farm|port|mill|smelter|complex|mine)$", name)
        if m:
            out.append(f"{m.group(1)} {m.group(2)}")
    if type_name == "Organization":
        short = name
        while (m := re.match(r"^(.+?)\s+(?:" + ORG_SUFFIX + r"|International)$", short)) and m.group(1) not in PLACES:
            short = m.group(1)
            out.append(short)
    return out


def find_mentions(text: str, index: KnownIndex, dateline_end: int = 0) -> list[Mention]:
    """Every entity mention of the text, longest first where two overlap, in text order."""
    folded = fold(text)
    # at equal spans the first candidate wins: route and people patterns carry waypoints and posts
    candidates = _routes(text, index) + _people(text, index) + index.find(text, folded) + _dateline(text, index)
    candidates += _organizations(text, index)
    candidates += _facilities(text, index) + _places(text, index) + _tokens(text, index)
    headings = [h.span() for h in re.finditer(r"(?m)^[^\S\n]*[A-Z][^.!?\n]{0,60}$", text)]
    candidates = [c for c in candidates if c.known or not any(s <= c.start < e for s, e in headings)]
    kept = _resolve(candidates)
    kept = _resolve(_extend_known_orgs(text, kept, index) + kept)
    kept = _merge(_resolve(_aliases(text, kept, index)))
    waypoints = [w for m in kept for w in m.extra.get("waypoints", [])]
    places = Sorted(k for k in kept if k.type == "Place")
    return sorted(kept + [w for w in waypoints if places.holding(w.start) is None] + _border_sides(text, kept, index),
                  key=lambda m: (m.start, m.end))


def _border_sides(text: str, kept: list[Mention], index: KnownIndex) -> list[Mention]:
    """'the China-Kazakhstan border', a place the field knows, also names the two countries."""
    out = []
    for m in kept:
        if m.type == "Place" and (b := re.fullmatch(r"([A-Z][a-z]+)\s*[-–—]\s*([A-Z][a-z]+)\s+(?:border|frontier)", m.text)):
            sides = [_new(text, m.start + b.start(g), m.start + b.end(g), "Place", index) for g in (1, 2)]
            out += [w for w in sides if w.known or w.text in PLACES]
    for w in out:
        w.source = "route"
    return out


def _resolve(candidates: list[Mention]) -> list[Mention]:
    """Keep the longest of overlapping mentions; at equal length a known entity beats a new one."""
    return non_overlapping(candidates, order=lambda m: (-(m.end - m.start), not m.known, m.source != "name",
                                                        -len(m.extra), m.start))


def _new(text: str, start: int, end: int, type_name: str, index: KnownIndex, name: str | None = None, **extra) -> Mention:
    """A mention of the entity named text[start:end]: the known one if the seeds have that name."""
    surface = text[start:end]
    name = name or surface
    known = index.lookup(name)
    if known is None and type_name == "Organization":
        # "China Petroleum Pipeline Engineering Co." is the known "China Petroleum Pipeline Engineering"
        known = next((k for k in map(index.lookup, _short_forms(name, type_name)) if k is not None), None)
    if known is not None and index.types[known] == type_name:
        return Mention(start, end, surface, type_name, known, known=True, extra=extra)
    if name.isupper() and type_name == "Place":
        name = name.title()
    return Mention(start, end, surface, type_name, slug(name), name=name, extra=extra)


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop leading function words ("The", "According") that a capitalised run picks up."""
    while True:
        m = re.match(r"([A-Z][a-z]*)\s+", text[start:end])
        if m and m.group(1) in FUNCTION_WORDS:
            start += m.end()
        else:
            return start, end


def _dateline(text: str, index: KnownIndex) -> list[Mention]:
    """'ASTANA –', 'ALMATY, May 20 (Xinhua) --', 'ASTANA. KAZINFORM –': the place and the agency."""
    m = re.match(r"\s*(?:date\s+\d{4}-\d{2}-\d{2}\s+)?([A-Z][A-Z' -]*[A-Z])(?:\.\s+([A-Z]{3,}))?"
                 r"(?:,\s+[A-Z][a-z]+\.?\s+\d{1,2})?\s*(?:\(([A-Z][a-z]+)\))?\s*(?:–|—|--|-)\s", text)
    if not m:
        return []
    out = [_new(text, m.start(1), m.end(1), "Place", index, name=m.group(1).title())]
    for g in (2, 3):
        if m.group(g):
            out.append(_new(text, m.start(g), m.end(g), "Organization", index, name=m.group(g).title()))
    return out


def _routes(text: str, index: KnownIndex) -> list[Mention]:
    """'the Kenkiyak-Atyrau and Kenkiyak-Kumkol oil pipelines': each route with its waypoints."""
    out = []
    pattern = re.compile(r"(" + ROUTE_NAME + r"(?:(?:,\s+|\s+and\s+)" + ROUTE_NAME + r")*)\s+"
                         r"(?:((?:crude\s+)?oil|(?:natural\s+)?gas|oil\s+and\s+gas|main\s+gas|water|oil\s+product)\s+)?"
                         r"(?:(?:second|third|new|double)\s+)?"
                         r"([Pp]ipelines?|[Hh]ighways?|[Rr]oads?|[Mm]otorways?|[Ee]xpressways?|[Rr]ailways?|[Rr]ailroads?|"
                         r"(?:rail(?:way)?\s+)?lines?|(?:rail(?:way)?\s+)?tracks?)\b")
    for m in pattern.finditer(text):
        head = m.group(3).lower().rstrip("s").split()[-1]
        # a gas or oil "line" is a pipeline; a line or track without a commodity is a railway
        type_name = ("Pipeline" if head == "pipeline" or (head == "line" and m.group(2)) else
                     "Railway" if head in ("railway", "railroad", "line", "track") else "Road")
        commodity = {"oil": "crude oil", "gas": "natural gas"}.get((m.group(2) or "").split()[-1] if m.group(2) else "", m.group(2))
        first = _trim(text, m.start(1), m.end(1))[0]
        names = list(re.finditer(ROUTE_NAME, text[first:m.end(1)]))
        for i, r in enumerate(names):
            start, end = first + r.start(), first + r.end()
            last = i == len(names) - 1
            label = f"{r.group(0)} {(m.group(2) + ' ') if m.group(2) else ''}{head}"
            mention = _new(text, start, m.end() if last else end, type_name, index, name=label,
                           commodity=commodity)
            if not mention.known:
                known = index.lookup(r.group(0))
                if known is not None and index.types[known] == type_name:
                    mention = Mention(start, m.end() if last else end, text[start:m.end() if last else end],
                                      type_name, known, known=True, extra=mention.extra)
            mention.extra["waypoints"] = [
                _new(text, start + p.start(), start + p.end(), "Place", index)
                for p in re.finditer(ROUTE_PART, r.group(0))]
            for w in mention.extra["waypoints"]:
                w.source = "route"
            out.append(mention)
    return out


def _people(text: str, index: KnownIndex) -> list[Mention]:
    """'Kazakh Prime Minister Olzhas Bektenov', 'CNPC Chairman Dai Houliang', 'Name, general director of X'."""
    out = []
    titled = re.compile(r"(?:\b(" + "|".join(DEMONYMS) + r")\s+)?(?:(" + ORG_BEFORE_POST + r")(?:\s+\([A-Z]{2,8}\))?\s+)??"
                        r"\b(" + POST + r")(?:\s+(?:of|to|in)\s+(?:the\s+)?(" + LAZY_SEQ + r"))??\s+(" + PERSON_NAME + ")")
    for m in titled.finditer(text):
        org_start = m.start(2) if m.group(2) else -1
        org = None
        if org_start >= 0:
            s, e = _trim(text, m.start(2), m.end(2))
            if text[s:e] and text[s:e] not in FUNCTION_WORDS and text[s:e] not in DEMONYMS:
                org = _new(text, s, e, "Organization", index)
                if not org.known and index.lookup(text[s:e]) is not None:
                    org = None  # a known place or person before the post, not an employer
                elif org is not None:
                    out.append(org)
        post = m.group(3) + (f" of {m.group(4)}" if m.group(4) and re.search(r"\sof\s", text[m.end(3):m.start(4)]) else "")
        country = DEMONYMS.get(m.group(1) or "")
        person = _person(text, m.start(5), m.end(5), index, post=post, org=org, country=country,
                         post_start=m.start(1) if m.group(1) else (org.start if org else m.start(3)))
        if person:
            out.append(person)
    appositive = re.compile(r"(" + PERSON_NAME + r"),\s+(?:the\s+|a\s+)?(?:[\w’']+\s+){0,2}?(" + POST_LOWER + r")"
                            r"(?:\s+(?:of|at)\s+(?:the\s+)?(" + NAME_SEQ + r"))?")
    for m in appositive.finditer(text):
        org = _new(text, *_trim(text, m.start(3), m.end(3)), "Organization", index) if m.group(3) else None
        if org is not None and index.lookup(org.text) is not None and not org.known:
            org = None
        out.extend(x for x in (org, _person(text, m.start(1), m.end(1), index, post=m.group(2), org=org,
                                            post_start=m.start(1))) if x)
    reverse = re.compile(r"(" + POST_LOWER + r")(?:\s+(?:in|of|at)\s+" + NAME_SEQ + r")?,\s+(" + PERSON_NAME + r"),")
    for m in reverse.finditer(text):
        if (p := _person(text, m.start(2), m.end(2), index, post=m.group(1), post_start=m.start(1))):
            out.append(p)
    for m in re.finditer(PERSON_NAME, text):
        first, last = m.group(0).split()[0], m.group(0).split()[-1]
        chinese = first in CHINESE_SURNAMES and _PINYIN.fullmatch(last.lower())
        if chinese or KAZAKH_SURNAME.search(last):
            if (p := _person(text, m.start(), m.end(), index)):
                out.append(p)
    return out


def _person(text: str, start: int, end: int, index: KnownIndex, **extra) -> Mention | None:
    name = text[start:end]
    words = name.split()
    if any(w in PLACES or w in FUNCTION_WORDS or re.fullmatch(ORG_SUFFIX + "|" + ORG_HEAD + "|Region|Oblast|Province", w)
           for w in words):
        return None
    known = index.lookup(name)
    if known is not None and index.types[known] != "Person":
        return None
    return _new(text, start, end, "Person", index, **{k: v for k, v in extra.items() if v is not None})


def _organizations(text: str, index: KnownIndex) -> list[Mention]:
    """Legal forms and heads ('… LLP', 'Bank of China', 'Ministry of …'), '(ACRONYM)', press services."""
    out = []
    suffixed = re.compile(r"(?<![\w-])(" + NAME_SEQ + r")(?:\s+(?:" + ORG_SUFFIX + r"))*(?<=" + r"\w|\.)")
    for m in suffixed.finditer(text):
        s, e = _trim(text, m.start(1), m.end())
        words = text[s:e]
        if e < len(text) and text[e] == "." and re.search(r"\b(?:Co|Ltd|Inc|Corp)$", words):
            e += 1
        e = s + len(re.sub(r"\s+(?:" + POST + r")\b.*$", "", text[s:e]))  # "Bank of China Vice President ..."
        for ps, pe in _split_and(text, s, e, index):
            if _is_org_name(text[ps:pe]):
                out.append(_new(text, ps, pe, "Organization", index))
    acronym = re.compile(r"(" + NAME_SEQ + r"(?:\s+(?:" + ORG_SUFFIX + r"))*)\s+\(([A-Z][A-Za-z]{1,7})\)")
    for m in acronym.finditer(text):
        s, e = _split_and(text, *_trim(text, m.start(1), m.end(1)), index)[-1]
        name = text[s:e]
        known = index.lookup(name)
        if known is not None and index.types[known] != "Organization" or name in PLACES:
            continue
        org = _new(text, s, e, "Organization", index, acronym=m.group(2))
        out.append(org)
        out.append(Mention(m.start(2), m.end(2), m.group(2), "Organization", org.key, known=org.known,
                           name=org.name, source="alias"))
    press = re.compile(r"(?:(?:[A-Z][\w-]*\s+)*[A-Z][\w-]*|[a-z]+)[’']s\s+press\s+service|press\s+service\s+of\s+(?:the\s+)?" + NAME_SEQ)
    for m in press.finditer(text):
        out.append(_new(text, *_trim(text, m.start(), m.end()), "Organization", index))
    return out


def _is_org_name(words: str) -> bool:
    return bool(re.search(r"(?:^|\s)(?:" + ORG_SUFFIX + "|" + ORG_HEAD + r")(?:\s|$)", words)
                or re.search(r"\b(?:" + ORG_HEAD + r")\s+of\b", words))


def _split_and(text: str, start: int, end: int, index: KnownIndex) -> list[tuple[int, int]]:
    """'QazaqGaz and China Petroleum Pipeline Engineering Co.' is two names; 'China Road and Bridge
    Corporation' is one. Split where what precedes 'and' is a complete name on its own."""
    parts, s = [], start
    for m in re.finditer(r"\s+and\s+(the\s+)?", text[start:end]):
        left = text[s:start + m.start()]
        last = left.split()[-1]
        # a long left part is a name of its own: firm names joining words with 'and' are short
        right = text[start + m.end():end]
        complete = (m.group(1) or index.lookup(left) or _is_org_name(left) or len(left.split()) >= 3
                    or re.search(r"[a-z][A-Z]", last) or (last.isupper() and len(last) > 1))
        complete = complete and (m.group(1) or _is_org_name(right) or index.lookup(right))
        if complete:
            parts.append((s, start + m.start()))
            s = start + m.end()
    return parts + [(s, end)]


def _extend_known_orgs(text: str, kept: list[Mention], index: KnownIndex) -> list[Mention]:
    """'CITIC Construction': a known firm's name followed by more of a name is a new firm (a subsidiary)."""
    out = []
    for m in kept:
        if m.known and m.type == "Organization":
            tail = re.match(r"\s+(" + _POST_WORD + r"[A-Z][a-z]+(?:\s+" + _POST_WORD + r"[A-Z][a-z]+)*)(?![\w’'-])", text[m.end:])
            if tail and index.lookup(tail.group(1)) is None and not re.match(PERSON_NAME, tail.group(1)):
                out.append(_new(text, m.start, m.end + tail.end(), "Organization", index))
    return out


def _merge(kept: list[Mention]) -> list[Mention]:
    """One entity per name: a new mention written as another new entity's short form or acronym joins it."""
    owners: dict[tuple[str, str], Mention] = {}
    for m in sorted(kept, key=lambda m: -(len(m.name) if not m.known else 0)):
        if m.known or m.source != "name":
            continue
        for form in [m.name, *_short_forms(m.name, m.type), m.extra.get("acronym")]:
            if form:
                owners.setdefault((m.type, form), m)
    for m in kept:
        owner = owners.get((m.type, m.text))
        if not m.known and owner is not None and owner is not m:
            m.key, m.name = owner.key, owner.name
    return kept


def _facilities(text: str, index: KnownIndex) -> list[Mention]:
    pattern = re.compile(r"(" + NAME_SEQ + r")\s+(?:(?:" + FACILITY_MODIFIERS + r")\s+){0,2}(?:" + FACILITY_HEADS + r")s?\b")
    out = []
    for m in pattern.finditer(text):
        s, e = _trim(text, m.start(1), m.end())
        head = text[s:m.end(1)]
        if s >= m.end(1) or all(w.strip("-") in DEMONYMS or re.fullmatch(r"(?:Kazakh|Chinese)(?:-\w+)*", w)
                                for w in head.split()):
            continue  # "a Chinese plant" names no plant
        if " and " in head and text[m.end() - 1] == "s":
            continue  # "through Altynkol and the Caspian ports": a list of places, not one facility
        out.append(_new(text, s, e, "Deposit" if re.search(r"\bmines?$", text[s:e]) else "Facility", index))
    return out


def _places(text: str, index: KnownIndex) -> list[Mention]:
    out = []
    region = re.compile(r"(" + CAPWORD + r"(?:\s+" + CAPWORD + r")?)\s+(Region|region|Oblast|oblast|Province|province|"
                        r"District|district|[Ff]ields?|[Dd]eposits?|[Bb]asin|[Rr]iver|[Ll]ake|Autonomous\s+Region)\b")
    for m in region.finditer(text):
        s, e = _trim(text, m.start(1), m.end())
        if s < m.end(1):
            # an oil field or an ore deposit is a kc:Deposit, as the field graph types them
            deposit = m.group(2).lower().rstrip("s") in ("field", "deposit")
            out.append(_new(text, s, e, "Deposit" if deposit else "Place", index))
    for m in re.finditer(r"(?<![\w-])([A-Z][a-z]+)-([A-Z][a-z]+)(?=\s+[a-z])", text):  # "China-Kazakhstan border"
        if all(p in PLACES or p in index.place_ids.values() or index.lookup(p) in index.place_ids.values()
               for p in m.groups()):
            out += [_new(text, m.start(g), m.end(g), "Place", index) for g in (1, 2)]
    gazetteer = re.compile(r"(?<![\w-])(" + "|".join(re.escape(p) for p in PLACES) + r")(?![\w]|-\w)")
    for m in gazetteer.finditer(text):
        out.append(_new(text, m.start(), m.end(), "Place", index))
    return out


def _tokens(text: str, index: KnownIndex) -> list[Mention]:
    """Single words shaped like company names: ACRONYMS, CamelCase (QazaqGaz) and 'CNPC-AktobeMunaiGas'."""
    out = []
    for m in re.finditer(r"(?<![\w-])[A-Z][A-Za-z0-9]*(?:-[A-Z][A-Za-z0-9]*)*(?![\w]|-\w)", text):
        word = m.group(0)
        acronym = word.isupper() and 2 <= len(word) <= 8 and word.isalpha() and word not in ACRONYM_STOP
        camel = re.search(r"[a-z][A-Z]", word) is not None
        compound = "-" in word and any(index.types.get(index.lookup(p) or "") == "Organization" for p in word.split("-"))
        at_dateline = re.match(r"\s*(?:date\s+\S+\s+)?[A-Z .,'-]*$", text[:m.start()]) is not None
        if (acronym or camel or compound) and not at_dateline and word not in PLACES:
            out.append(_new(text, m.start(), m.end(), "Organization", index))
    return out


def _aliases(text: str, kept: list[Mention], index: KnownIndex) -> list[Mention]:
    """Later mentions of an entity by a shorter name: a surname, the firm without its legal form."""
    out = []
    forms: dict[str, Mention] = {}
    for m in kept:
        if m.type == "Person" and m.source == "name":
            words = (m.name or index.names.get(m.key, m.text)).split()
            if words[0] not in CHINESE_SURNAMES and len(words) > 1:
                forms.setdefault(words[-1], m)
        if m.known or m.source != "name":
            continue
        if m.type == "Organization":
            for short in _short_forms(m.name, "Organization"):
                if short not in PLACES and short not in DEMONYMS:
                    forms.setdefault(short, m)
            forms.setdefault(m.name, m)
            if m.extra.get("acronym"):
                forms.setdefault(m.extra["acronym"], m)
    for form, owner in forms.items():
        for a in re.finditer(r"(?<![\w-])" + re.escape(form) + r"(?![\w]|-\w)", text):
            out.append(Mention(a.start(), a.end(), a.group(0), owner.type, owner.key, known=owner.known,
                               name=owner.name, source="alias"))
    return kept + out
