"""Amounts in article text: money, quantities with units, progress and event years.

`find_amounts` turns "$45 billion" into 45000000000 USD, "750,000 tons per year" into
750000 t/yr, "748 out of 768 kilometers" into 748 km out of 768, and "founded in 1979" into a
year. Units are always ones the facts loader accepts (`kg.seeds.facts.UNITS`), so a figure whose unit
the graph cannot hold ("560,000 tons of cargo", "400,000 containers") is left out rather than
proposed in a form `kg validate` would refuse.

>>> [(a.amount, a.currency) for a in find_amounts("CNPC has invested over $45 billion.")]
[(Decimal('45000000000'), 'USD')]
>>> a = find_amounts("traffic is open for 748 out of 768 kilometers")[0]
>>> a.amount, a.out_of, a.unit
(Decimal('748'), Decimal('768'), 'km')
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import Decimal

from kg.draft.spans import non_overlapping

SCALES = {"thousand": 10**3, "million": 10**6, "mln": 10**6, "billion": 10**9, "bn": 10**9, "trillion": 10**12}
CURRENCY_WORDS = {"dollars": "USD", "usd": "USD", "tenge": "KZT", "kzt": "KZT", "yuan": "CNY", "renminbi": "CNY",
                  "rmb": "CNY", "cny": "CNY", "euros": "EUR", "euro": "EUR", "eur": "EUR", "rubles": "RUB", "roubles": "RUB"}
QUALIFIERS = ("more than", "over", "about", "up to", "nearly", "almost", "around", "approximately", "at least",
              "less than", "roughly", "some")
EVENTS = {"founded": "founded", "established": "founded", "set up": "founded", "created": "founded",
          "commissioned": "commissioned", "launched": "commissioned", "put into operation": "commissioned",
          "put into service": "commissioned", "put into commercial operation": "commissioned",
          "opened": "commissioned", "opens": "commissioned"}

_NUM = r"(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(?:\s*(thousand|million|billion|trillion|mln|bn)\b)?"
NUMBER = re.compile(r"(?<![\w.,])" + _NUM + r"(?![\d,]\d)")
_YEARLY = r"(?:\s+(?:per\s+year|a\s+year|per\s+annum|annually|each\s+year|yearly|/year))"
# a volume over a named year ("26 bcm in 2024", "5.9 million tons last year") is a yearly figure too
_OVER_A_YEAR = r"(?:\s+(?:in\s+(?:19|20)\d\d|last\s+year|this\s+year)\b)"
_OF_WHAT = r"(?:\s+of\s+[a-z]+(?:\s+(?!a\s+year|per\b|each\b|last\b|this\b|in\b)[a-z]+)?)?"  # "of crude oil", not "of oil a (year)"
PERSON_NOUNS = ("people|persons|employees|workers|jobs|specialists|engineers|staff|residents|representatives|"
                "experts|personnel|builders|participants|students|delegates")
# What may follow a number, tried in order; each names the unit it gives.
UNIT_AFTER = [
    ("currency", re.compile(r"\s*(?:US\s+)?(dollars|tenge|yuan|renminbi|RMB|KZT|CNY|USD|euros?|EUR|r[o]?ubles)\b", re.I)),
    ("%", re.compile(r"\s*(?:%|percent\b|per\s+cent\b)")),
    ("km", re.compile(r"(?:\s*|-)(?:kilomet(?:er|re)s?|km)\b")),
    ("mm", re.compile(r"(?:\s*|-)(?:millimet(?:er|re)s?|mm)\b")),
    ("tons", re.compile(r"(?:\s*|-)(?:metric\s+)?(?:tons|tonnes|tonne|ton)\b" + _OF_WHAT + "(" + _YEARLY + "|" + _OVER_A_YEAR + ")?")),
    ("m3", re.compile(r"\s*(?:cubic\s+met(?:er|re)s|m3|m³)\b" + _OF_WHAT + "(" + _YEARLY + "|" + _OVER_A_YEAR + ")?")),
    ("bcm", re.compile(r"\s*bcm\b" + _OF_WHAT + "(" + _YEARLY + "|" + _OVER_A_YEAR + ")?")),
    ("TEU", re.compile(r"\s*(?:TEU|twenty-foot\s+equivalent\s+units?)\b(" + _YEARLY + ")?")),
    ("MW", re.compile(r"(?:\s*|-)(?:MW|megawatts?)\b")),
    ("GW", re.compile(r"(?:\s*|-)(?:GW|gigawatts?)\b")),
    ("GWh", re.compile(r"\s*(?:GWh|gigawatt[- ]hours?)\b(" + _YEARLY + ")?")),
    ("people", re.compile(r"\s+(?:[a-z]+\s+){0,2}?(?:" + PERSON_NOUNS + r")\b")),
    ("sections", re.compile(r"\s+(?:[a-z]+\s+)?sections\b")),
]
CURRENCY_BEFORE = re.compile(r"(?:(US)?\$|(KZT|CNY|RMB|USD|EUR|€|¥))\s?$")
OUT_OF = re.compile(r"\s+out\s+of\s+(?:the\s+)?(?:total\s+)?$")
RANGE_TO = re.compile(r"\s*(?:to|and|-|–)\s*$")
YEAR_EVENT = re.compile(r"\b(" + "|".join(sorted(EVENTS, key=len, reverse=True)) + r")\s+in\s+((?:1[89]|20)\d\d)\b", re.I)
CAPACITY_CONTEXT = re.compile(r"\bcapacit", re.I)
# shares written in words, as quotes of spoken answers often are ("Seventy percent of our engineers")
TENS = {w: 10 * i for i, w in enumerate("ten twenty thirty forty fifty sixty seventy eighty ninety".split(), 1)}
UNITS_WORDS = {w: i for i, w in enumerate("one two three four five six seven eight nine".split(), 1)}
WORD_PERCENT = re.compile(r"\b(" + "|".join(TENS) + r")(?:[- ](" + "|".join(UNITS_WORDS) + r"))?\s+(?:percent|per\s+cent)\b", re.I)


@dataclass(frozen=True)
class Amount:
    """One figure of the text: [start, end) is its span; unit is a loader unit or 'year'."""

    start: int
    end: int
    amount: Decimal
    unit: str | None = None
    currency: str | None = None
    out_of: Decimal | None = None
    qualifier: str | None = None
    event: str | None = None  # for years: "founded" or "commissioned"


def _number(m: re.Match) -> tuple[Decimal, int]:
    whole, frac, scale = m.group(1), m.group(2), m.group(3)
    value = Decimal(whole.replace(",", "") + (f".{frac}" if frac else ""))
    return value, SCALES[scale.lower()] if scale else 1


def _qualifier(text: str, start: int) -> str | None:
    before = text[max(0, start - 20):start].lower()
    before = re.sub(r"(?:us)?\$\s?$|(?:kzt|cny|usd)\s?$", "", before)
    for q in QUALIFIERS:
        if re.search(r"\b" + q + r"\s+$", before):
            return q
    return None


def _unit(kind: str, m: re.Match, value: Decimal, scale: int, sentence_has_capacity: bool):
    """(amount, unit) of a number followed by a unit word, or None if the loader has no such unit."""
    if kind in ("%", "km", "mm", "people", "sections", "MW", "GW"):
        return value * scale, kind
    if kind == "TEU":  # containers handled over months are a count, a terminal's capacity is per year
        return value * scale, "TEU/yr" if m.group(1) or sentence_has_capacity else "TEU"
    if kind == "GWh":
        return (value * scale, "GWh/yr") if m.group(1) or sentence_has_capacity else None
    yearly = bool(m.group(1)) or sentence_has_capacity
    if not yearly:
        return None  # a stock of tons or cubic metres: no loader unit holds it
    if kind == "tons":
        return (value * scale / 10**6, "Mt/yr") if scale >= 10**6 else (value * scale, "t/yr")
    if kind == "m3":
        return value * scale / 10**9, "bcm/yr"
    return value * scale, "bcm/yr"  # "bcm" is already billions


def _normal(d: Decimal) -> Decimal:
    """1.250 -> 1.25, 4.5E+1 -> 45: amounts written the way a person would."""
    d = d.normalize()
    return d.quantize(Decimal(1)) if d == d.to_integral_value() else d


def find_amounts(text: str) -> list[Amount]:
    """Every money amount, quantity, progress figure and founding/commissioning year, in text order."""
    found: list[Amount] = []
    pending: list[tuple[re.Match, Decimal, int]] = []  # numbers without a unit (maybe "from 6 to 12 Mt")
    for m in NUMBER.finditer(text):
        value, scale = _number(m)
        start, end = m.start(), m.end()
        sentence = text[text.rfind(".", 0, start) + 1:text.find(".", end) if text.find(".", end) > 0 else len(text)]
        has_capacity = bool(CAPACITY_CONTEXT.search(sentence))
        if (cur := CURRENCY_BEFORE.search(text, max(0, start - 4), start)) is not None:
            code = "USD" if cur.group(0).strip().endswith("$") else {"€": "EUR", "¥": "CNY", "RMB": "CNY"}.get(cur.group(2), cur.group(2))
            found.append(Amount(cur.start(), end, _normal(value * scale), currency=code, qualifier=_qualifier(text, cur.start())))
            continue
        for kind, pattern in UNIT_AFTER:
            u = pattern.match(text, end)
            if u is None:
                continue
            if kind == "currency":
                amount = Amount(start, u.end(), _normal(value * scale), currency=CURRENCY_WORDS[u.group(1).lower()],
                                qualifier=_qualifier(text, start))
            else:
                converted = _unit(kind, u, value, scale, has_capacity)
                if converted is None:
                    break
                amount = Amount(start, u.end(), _normal(converted[0]), unit=converted[1], qualifier=_qualifier(text, start))
            found.append(_with_whole(text, amount, found))
            for p, p_value, p_scale in pending:  # "from 6 million to 12 million tons": 6 shares the unit
                if RANGE_TO.fullmatch(text, p.end(), start):
                    factor = (p_scale if p.group(3) else scale) / scale
                    found.append(replace(amount, start=p.start(), end=p.end(),
                                         amount=_normal(p_value * Decimal(factor) * amount.amount / (value or 1)),
                                         qualifier=_qualifier(text, p.start()), out_of=None))
            pending = []
            break
        else:
            pending = [(m, value, scale)]
    found.extend(_years(text))
    found.extend(Amount(m.start(), m.end(), Decimal(TENS[m.group(1).lower()] + UNITS_WORDS.get((m.group(2) or "").lower(), 0)),
                        unit="%") for m in WORD_PERCENT.finditer(text))
    return _without_overlaps(found)


def _with_whole(text: str, amount: Amount, found: list[Amount]) -> Amount:
    """'748 out of 768 kilometers': the figure before 'out of' takes the whole as out_of.

    The second number has been found with its unit; the first, without a unit, is just before.
    """
    m = re.search(r"(\d[\d,.]*)\s+out\s+of\s+(?:the\s+)?(?:total\s+)?$", text[max(0, amount.start - 40):amount.start])
    if m:
        part = Decimal(m.group(1).replace(",", ""))
        start = amount.start - (len(text[max(0, amount.start - 40):amount.start]) - m.start())
        return replace(amount, start=start, amount=_normal(part), out_of=amount.amount, qualifier=_qualifier(text, start))
    if re.search(r"\ball\s+$", text[max(0, amount.start - 5):amount.start]):
        return replace(amount, out_of=amount.amount)
    return amount


def _years(text: str) -> list[Amount]:
    return [Amount(m.start(), m.end(), Decimal(m.group(2)), unit="year", event=EVENTS[m.group(1).lower()])
            for m in YEAR_EVENT.finditer(text)]


def _without_overlaps(amounts: list[Amount]) -> list[Amount]:
    kept = non_overlapping(amounts, order=lambda a: (-(a.end - a.start), a.start))
    return sorted(kept, key=lambda a: a.start)
