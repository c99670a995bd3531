"""Spans of text found by the draft (mentions, figures): choosing among overlapping ones, fast.

A long article yields tens of thousands of candidate spans; comparing each with every kept one
made `kg draft` quadratic (2 MB of text took almost ten minutes). Kept spans never overlap, so
one bisection over their sorted starts finds the only one a new span could overlap.

>>> [(s.start, s.end) for s in non_overlapping([_S(0, 5), _S(3, 9), _S(5, 7)], order=lambda s: s.start)]
[(0, 5), (5, 7)]
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable
from typing import TypeVar

T = TypeVar("T")


def non_overlapping(spans: Iterable[T], order: Callable[[T], object]) -> list[T]:
    """The spans (objects with `.start` and `.end`) taken in `order`, each kept unless it overlaps one kept before."""
    kept: list[T] = []
    starts: list[int] = []
    ends: list[int] = []  # sorted too: kept spans do not overlap
    for span in sorted(spans, key=order):
        at = bisect.bisect_left(starts, span.end)
        if at and ends[at - 1] > span.start:
            continue
        starts.insert(at, span.start)
        ends.insert(at, span.end)
        kept.append(span)
    return kept


class Sorted:
    """Spans that do not overlap, sorted by start, asked which one holds an offset."""

    def __init__(self, spans: Iterable[T]):
        self.spans = sorted(spans, key=lambda s: s.start)
        self.starts = [s.start for s in self.spans]

    def holding(self, at: int) -> T | None:
        i = bisect.bisect_right(self.starts, at) - 1
        return self.spans[i] if i >= 0 and self.spans[i].start <= at < self.spans[i].end else None


class _S:  # for the example above
    def __init__(self, start, end):
        self.start, self.end = start, end
