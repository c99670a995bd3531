"""Writing an output file atomically: a reader sees the old file or the complete new one, never half.

Every file the user names with `-o` (views, exports, drafts) goes through here, so each checks its
folder the same way and a failed write never leaves a temporary file under the user's name.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

from kg.problems import UsageError


@contextmanager
def open_atomic(path: Path, mode: str = "wb", **kwargs):
    """Open a temporary file beside `path` for writing; on success it replaces `path` in one step."""
    folder = path.parent
    if not folder.is_dir():
        raise UsageError(f"cannot write {path}: the folder {folder} does not exist (create it or choose another path)")
    if path.is_dir():
        raise UsageError(f"cannot write {path}: it is a folder (give a file name)")
    tmp = folder / f".{path.name}.{os.getpid()}.tmp"
    try:
        with open(tmp, mode, **kwargs) as out:
            yield out
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_text_atomic(path: Path, text: str) -> None:
    """Write `text` (UTF-8) to `path` atomically."""
    with open_atomic(path, "w", encoding="utf-8") as out:
        out.write(text)
