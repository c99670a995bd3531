"""Who builds, runs, owns and pays for what: relations between the entities an article names.

Rules over one sentence at a time and the mentions `kg.draft.mentions` found in it (no model):

- projects named by their work: "the expansion of the Shymkent refinery", "agreed to expand the
  Zhanatas wind farm", "a 60 MW extension of the Shelek wind farm" propose a Project that
  `concerns` the asset (id `ASSET-expansion`, the id the field graph gives such projects); the
  firms before it in the sentence are its partners, the one after "contract with" its contractor;
- "financed by X", "a loan from X": X `financedBy` (of the project the sentence speaks of, "The
  expansion will be financed by …", else the nearest asset); "X will provide a loan of … for Y",
  "X has opened a credit line of … for Y": a Financing with its lender, borrower, what it finances
  and its amount;
- "built by X", "X will act as the general contractor": `contractor`; "operated by X", "X, which
  operates the …": `operator`;
- "X, a joint venture of A and B", "X is jointly owned by A and B", "A and B, the owners of X":
  X `ownedBy` A and B.

Each proposal keeps the offset of the words it rests on, so the draft quotes their sentence.

>>> from kg.draft.mentions import Mention
>>> text = "The plant was built by CITIC Construction."
>>> ms = [Mention(4, 9, "plant", "Facility", "x-plant"), Mention(23, 41, "CITIC Construction", "Organization", "citic-construction")]
>>> [(r.subject, r.prop, r.obj) for r in find_relations(text, [(0, len(text))], ms).relations]
[('x-plant', 'contractor', 'citic-construction')]
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from kg.draft.mentions import Mention

ASSETS = {"Pipeline", "Road", "Railway", "Facility", "Deposit"}
# the work a project does to an asset, as a noun (the id's suffix) and the verbs that say it
WORKS = {"expansion": "expan(?:sion|d|ding)", "modernization": "moderni[sz](?:ation|e|ing)",
         "reconstruction": "reconstruct(?:ion|ing)?", "upgrade": "upgrad(?:e|ing)", "extension": "extension"}
WORK = re.compile(r"\b(?:(" + "|".join(WORKS.values()) + r")\s+(?:of\s+)?(?:the\s+)?)$", re.I)
PROJECT_SUBJECT = re.compile(r"^\s*(?:The|This|Its)\s+(?:[\w$.,-]+\s+){0,3}?(?:expansion|modernization|modernisation|"
                             r"reconstruction|upgrade|extension|project|works)\b")
FINANCED = re.compile(r"\b(?:financed|funded|co-financed)\s+(?:\w+\s+){0,2}?by\b|\b(?:loan|credit|financing)\s+from\b", re.I)
LENDS = re.compile(r"\b(?:provide|provided|provides|grant|granted|extend|extended|open|opened|opens)\s+(?:a|an)\s+"
                   r"(?:\w+\s+)?(?:loan|credit\s+line|credit)\b", re.I)
BUILT = re.compile(r"\b(?:built|constructed|being\s+built|installed|engineered)\s+by\b", re.I)
ACTS_AS_CONTRACTOR = re.compile(r"^\s*(?:will\s+)?(?:act|acts|serve|serves)\s+as\s+(?:the\s+)?(?:general\s+|main\s+|EPC\s+)?contractor\b")
OPERATED = re.compile(r"\b(?:operated|run|managed)\s+by\b", re.I)
OPERATES = re.compile(r"^,?\s*(?:which|that)\s+(?:operates|runs|manages)\b")
JOINT_VENTURE = re.compile(r"\bjoint\s+venture\s+(?:of|between)\b|\b(?:jointly\s+)?owned\s+by\b", re.I)
OWNERS_OF = re.compile(r"^,?\s*the\s+(?:owners|shareholders)\s+of\b")
CONTRACT_WITH = re.compile(r"\bcontract\s+with\s+(?:the\s+)?$", re.I)
# "The plant was built by …": the nearest asset of the kind the sentence opens with
SUBJECT_NOUN = re.compile(r"^\s*(?:The|This|Its)\s+(?:[\w$.,-]+\s+){0,3}?(plant|refinery|station|terminal|port|farm|smelter|"
                          r"factory|complex|mill|hub|pipeline|line|highway|road|railway|mine|field|deposit)\b")
NOUN_TYPES = {"pipeline": {"Pipeline"}, "highway": {"Road"}, "road": {"Road"}, "railway": {"Railway"},
              "line": {"Railway", "Pipeline"}, "mine": {"Deposit"}, "field": {"Deposit"}, "deposit": {"Deposit"}}
DATELINE = re.compile(r"^[A-Z][A-Za-z .,'’()0-9]{0,60}?\s(?:–|—|--)\s")
CLAUSE_END = re.compile(r"[;:]|,\s+(?:which|who|while|and\s+the|where)\b|\.\s|\.$")


@dataclass
class Relation:
    subject: str
    prop: str
    obj: str
    at: int  # offset of the words the relation rests on: its sentence is the quote
    role: str | None = None


@dataclass
class Proposed:
    """An entity the relations need that no mention names: a project or a financing."""

    key: str
    type: str
    label: str
    at: int
    quote: str


@dataclass
class Relations:
    entities: list[Proposed] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    money_of: dict[int, str] = field(default_factory=dict)  # a money figure's offset -> the financing it is the amount of


def find_relations(text: str, spans: list[tuple[int, int]], mentions: list[Mention],
                   names: dict[str, str] | None = None) -> Relations:
    """Projects, financings and the relations between the mentioned entities, sentence by sentence."""
    names = names or {}
    out = Relations()
    starts = [m.start for m in mentions]
    last_asset: Mention | None = None
    last_project: Proposed | None = None
    for s, e in spans:
        if (dateline := DATELINE.match(text[s:e])):
            s += dateline.end()  # "ASTANA. KAZINFORM –": the agency reports, it takes no part
        within = mentions[bisect.bisect_left(starts, s):bisect.bisect_left(starts, e)]
        orgs = [m for m in within if m.type == "Organization"]
        sentence_projects: list[Proposed] = [Proposed(m.key, "Project", m.text, m.start, m.text) for m in within
                                             if m.type == "Project"]  # a project the seeds know by name
        concerned: set[int] = set()  # offsets of the assets a project of this sentence already concerns
        for m in within:
            if m.type not in ASSETS:
                continue
            work = WORK.search(text[max(s, m.start - 40):m.start])
            if work:
                noun = next(n for n, verb in WORKS.items() if re.fullmatch(verb, work.group(1), re.I))
                # "the expansion of the Kenkiyak-Atyrau and Kenkiyak-Kumkol oil pipelines": one project, both assets
                assets = [m]
                for other in within:
                    if other.start >= assets[-1].end and other.type in ASSETS and _joined(text, assets[-1], other):
                        assets.append(other)
                if m.start in concerned:
                    continue
                concerned.update(a.start for a in assets)
                start = m.start - len(work.group(0))
                label = f"{noun.capitalize()} of the {names.get(m.key) or m.name or m.text}" if len(assets) == 1 else (
                    noun.capitalize() + " of " + text[m.start - len(work.group(0)) + len(work.group(1)):assets[-1].end].strip())
                project = Proposed(f"{m.key}-{noun}", "Project", label, m.start, text[start:assets[-1].end])
                out.entities.append(project)
                out.relations.extend(Relation(project.key, "concerns", a.key, a.start) for a in assets)
                sentence_projects.append(project)
                before = text[s:m.start - len(work.group(0))]
                lends = re.search(r"\b(?:loan|credit|financ\w*)\b", before, re.I)
                named = set()
                for o in orgs:
                    if o.end > m.start - len(work.group(0)) or o.key in named:
                        continue
                    named.add(o.key)
                    if CONTRACT_WITH.search(text[s:o.start]):
                        out.relations.append(Relation(project.key, "contractor", o.key, o.start))
                    elif lends and o.start < lends.start():
                        out.relations.append(Relation(project.key, "financedBy", o.key, o.start, role="loan"))
                    else:
                        out.relations.append(Relation(project.key, "partner", o.key, o.start))
        # what the sentence speaks of: a project it names or opens with, else the nearest asset
        head_project = sentence_projects[0] if sentence_projects else (
            last_project if PROJECT_SUBJECT.match(text[s:e]) else None)

        noun = SUBJECT_NOUN.match(text[s:e])
        kinds = NOUN_TYPES.get(noun.group(1).lower(), {"Facility"}) if noun else ASSETS

        def topic(before: int) -> str | None:
            if head_project is not None:
                return head_project.key
            assets = [m for m in within if m.type in kinds and m.end <= before]
            if assets:
                return assets[-1].key
            return last_asset.key if last_asset is not None and last_asset.type in kinds else None

        for trigger, prop in ((FINANCED, "financedBy"), (BUILT, "contractor"), (OPERATED, "operator")):
            for t in trigger.finditer(text, s, e):
                subject = topic(t.start())
                role = "loan" if prop == "financedBy" and re.search(r"loan|credit", t.group(0) + text[t.end():t.end() + 12], re.I) else None
                for o in _objects(text, orgs, t.end(), e):
                    if subject is not None:
                        out.relations.append(Relation(subject, prop, o.key, t.start(), role=role))
        for o in orgs:
            after = text[o.end:e]
            if ACTS_AS_CONTRACTOR.match(after) and (subject := topic(o.start)) is not None:
                out.relations.append(Relation(subject, "contractor", o.key, o.start))
            if (operates := OPERATES.match(after)):
                # only the asset named right after the verb: "that runs the Kazakh section" names none
                target = next((m for m in within if m.type in ASSETS and
                               re.fullmatch(r"\s+(?:the\s+)?", text[o.end + operates.end():m.start])), None)
                if target is not None:
                    out.relations.append(Relation(target.key, "operator", o.key, o.start))
            if (owners := OWNERS_OF.match(after)):
                owned = next((m for m in orgs if m.start >= o.end + owners.end()), None)
                for owner in (x for x in orgs if x.end <= o.end and x.key != (owned.key if owned else None)):
                    if owned is not None and _joined(text, owner, o):
                        out.relations.append(Relation(owned.key, "ownedBy", owner.key, o.start))
        for t in JOINT_VENTURE.finditer(text, s, e):
            venture = next((m for m in reversed(orgs) if m.end <= t.start()), None)
            if venture is not None:
                for o in _objects(text, orgs, t.end(), e):
                    if o.key != venture.key:
                        out.relations.append(Relation(venture.key, "ownedBy", o.key, t.start()))
        for t in LENDS.finditer(text, s, e):
            lender = next((m for m in reversed(orgs) if m.end <= t.start()), None)
            if lender is None:
                continue
            tail = text[t.end():e]
            target = re.match(r"\s+of\s+(\S+(?:\s+(?:thousand|million|billion|trillion|[a-z]+))*?)\s+for\s+(?:the\s+)?", tail)
            borrower = next((m for m in orgs if m.start > t.end() and target and m.start == t.end() + target.end()), None)
            financed = sentence_projects[0].key if sentence_projects else None
            what = (borrower and names.get(borrower.key, borrower.name or borrower.text)) or (
                sentence_projects[0].label if sentence_projects else None)
            key = f"{lender.key}-loan" + (f"-{borrower.key}" if borrower else f"-{financed}" if financed else "")
            label = f"Loan of the {names.get(lender.key) or lender.name or lender.text}" + (f" for the {what}" if what else "")
            out.entities.append(Proposed(key, "Financing", label, t.start(), text[s:e]))
            out.relations.append(Relation(key, "lender", lender.key, t.start()))
            if borrower is not None:
                out.relations.append(Relation(key, "borrower", borrower.key, t.start()))
            if financed is not None:
                out.relations.append(Relation(key, "finances", financed, t.start()))
            money = re.match(r"\s+of\s+", tail)
            if money:
                out.money_of[t.end() + money.end()] = key
        assets = [m for m in within if m.type in ASSETS]
        if assets:
            last_asset = assets[-1]
        if sentence_projects:
            last_project = sentence_projects[-1]
    return out


def _objects(text: str, orgs: list[Mention], start: int, end: int) -> list[Mention]:
    """The firms named right after a trigger: 'by A and (the) B', up to the end of the clause."""
    stop = CLAUSE_END.search(text, start, end)
    limit = stop.start() if stop else end
    found = []
    at = start
    for o in orgs:
        if o.start < start or o.start >= limit:
            continue
        gap = text[at:o.start]
        if found and not re.fullmatch(r"\s*(?:\([A-Z]{2,8}\))?\s*(?:,|and|,\s*and)\s+(?:the\s+)?", gap):
            break
        if not found and not re.fullmatch(r"\s+(?:(?:a|an)\s+(?:\w+\s+){0,2}?(?:loan|credit(?:\s+line)?)\s+from\s+)?(?:the\s+)?", gap):
            break
        found.append(o)
        at = o.end
    return found


def _joined(text: str, a: Mention, b: Mention) -> bool:
    """a and b are one list ('KazMunayGas and CNPC'): only 'and', commas and the between them."""
    return a is b or re.fullmatch(r"(?:\s*(?:,|and|,\s*and)\s+(?:the\s+)?)*", text[a.end:b.start]) is not None
