"""Files written whole or not at all: a reader sees the old file or the complete new one.

The one home of atomic writes for the package (models' checkpoints, cached embeddings, the
ledger's measurements): write to a temporary file in the same folder, then rename it into place.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

__all__ = ["atomic_write", "atomic_write_text"]


def atomic_write(path, write: Callable) -> Path:
    """Call ``write(handle)`` on a binary temporary file beside ``path``, then rename it to ``path``.

    An interrupted write leaves no partial file (the temporary one is removed); two writers of
    the same content are both fine.
    """
    if not callable(write):
        raise TypeError(f"write must be callable, got {type(write).__name__}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def atomic_write_text(path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically (see :func:`atomic_write`)."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    return atomic_write(path, lambda handle: handle.write(text.encode("utf-8")))
