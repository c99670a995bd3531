"""Finding a statement's quote in its article text.

Quotes must be verbatim. When one is not, the commonest cause is a typographic difference
(’ for ', – for -, a line break for a space): `near_miss` finds that case so the error message
can show the article's exact wording.
"""

from __future__ import annotations

import re

_FOLD = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "‐": "-", "‑": "-", "\u00a0": " "})


def occurrences(text: str, quote: str) -> list[int]:
    """Start offsets of every verbatim occurrence of `quote` (overlapping ones included)."""
    found, at = [], text.find(quote)
    while at >= 0 and quote:
        found.append(at)
        at = text.find(quote, at + 1)
    return found


def locate(text: str, quote: str, occurrence: int = 1) -> tuple[int, int] | None:
    """Character offsets [start, end) of the n-th verbatim occurrence of quote (from 1), or None."""
    starts = occurrences(text, quote)
    if not 1 <= occurrence <= len(starts):
        return None
    start = starts[occurrence - 1]
    return start, start + len(quote)


def fold(s: str) -> str:
    """Text as compared loosely: typographic quotes and dashes, runs of spaces and case folded."""
    return re.sub(r"\s+", " ", s.translate(_FOLD)).casefold()


def near_miss(text: str, quote: str) -> str | None:
    """The article's own wording of a quote that differs only in punctuation, spacing or case."""
    folded_quote = fold(quote)
    if not folded_quote.strip():
        return None
    # map each position of the folded text back to the original to cut the exact span out
    pieces, index = [], []
    for i, ch in enumerate(text):
        f = fold(ch) if not ch.isspace() else " "
        if f == " " and pieces and pieces[-1] == " ":
            continue
        pieces.append(f)
        index.extend([i] * len(f))
    folded = "".join(pieces)
    at = folded.find(folded_quote)
    if at < 0:
        return None
    start, end = index[at], index[at + len(folded_quote) - 1] + 1
    return text[start:end]
