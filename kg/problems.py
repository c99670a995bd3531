"""Problems found in input: one line each, naming the file, the line and what to do.

Every stage that reads user input reports through `Problem` and raises `ProblemsFound` with all
problems it collected, so a user fixes a file in one pass instead of one error per run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in one place of one file (line 0 = the whole file)."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


class ProblemsFound(Exception):
    """Raised with every problem a stage found in its input (exit 1); nothing was written."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(set(problems))
        super().__init__("\n".join(str(p) for p in self.problems))


class UsageError(Exception):
    """A command cannot run as asked: an unknown name, a missing parameter, no build yet (exit 2)."""


def display_path(path: Path | str) -> str:
    """A path as the user should see it: relative to the working directory when inside it."""
    return _display(str(path), os.getcwd())


@lru_cache(maxsize=65536)  # called for every file and every problem: resolving paths is not free
def _display(path: str, cwd: str) -> str:
    real, base = os.path.realpath(path), _resolved(cwd)
    if real.startswith(base):
        return real[len(base):]
    return "." if real + os.sep == base else path


@lru_cache(maxsize=16)
def _resolved(cwd: str) -> str:
    """The working directory resolved, with a trailing separator (resolved once, not per file)."""
    return os.path.join(os.path.realpath(cwd), "")
