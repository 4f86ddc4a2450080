"""Results computed from trained models, kept as JSON in the cache: ``cache_dir()/<kind>/<digest>.json``.

An entry's key holds what its caller passes (which models, which settings, the device type) and a
fingerprint of gapnotes' source and of the library versions, so any change to the code or to the
models computes it again; a fresh ``$GAPNOTES_CACHE_DIR`` (a cold run) computes everything. The
ledger's measurements (:mod:`gapnotes.claims.runner`) and chapter 4's training snapshots
(:func:`gapnotes.dynamics.training_snapshots`) are kept this way.
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path

__all__ = ["package_root", "code_fingerprint", "result_path"]


def package_root() -> Path:
    """The gapnotes folder: every module a result may run, not one subpackage alone."""
    return Path(__file__).resolve().parent


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """sha256 of every source file of gapnotes and the versions of the libraries a result uses."""
    import importlib.metadata

    digest = hashlib.sha256()
    package = package_root()
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    for library in ("torch", "numpy", "scikit-learn", "open_clip_torch"):
        try:
            digest.update(f"{library}={importlib.metadata.version(library)}".encode())
        except importlib.metadata.PackageNotFoundError:
            digest.update(f"{library}=absent".encode())
    return digest.hexdigest()


def result_path(kind: str, key: dict) -> Path:
    """Where the result keyed by ``key`` (JSON-ready) and :func:`code_fingerprint` is kept."""
    from .data import cache_dir

    payload = json.dumps({**key, "code": code_fingerprint()}, sort_keys=True)
    return cache_dir() / kind / f"{hashlib.sha256(payload.encode()).hexdigest()[:32]}.json"
