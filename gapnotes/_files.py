"""Files written whole or not at all: a reader sees the old file or the complete new one.

The one home of atomic writes for the package (models' checkpoints, cached embeddings, the
ledger's measurements, downloads, trained-model folders): write to a temporary file (or folder) in
the same folder, then rename it into place.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["atomic_write", "atomic_write_text", "atomic_folder"]


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


@contextmanager
def atomic_folder(folder, complete: str) -> Iterator[Path]:
    """Fill the temporary folder this yields (beside ``folder``), then rename it to ``folder``.

    If ``folder`` appeared meanwhile (another writer of the same entry) and holds the file named
    ``complete``, that copy is kept and this one dropped; an interrupted writer leaves nothing.
    """
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}."))
    try:
        yield tmp
        try:
            os.rename(tmp, folder)  # atomic; fails if another process stored it first
        except OSError:
            if not (folder / complete).is_file():
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
