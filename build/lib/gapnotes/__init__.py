"""gapnotes — the helper package of the book *Mind the Gap*.

Modules, one idea each:

- :mod:`gapnotes.metrics` — the gap, cone, retrieval and clustering measurements.
- :mod:`gapnotes.geometry` — normalising, shifting and aligning modalities.
- :mod:`gapnotes.data` — downloads (sha256-checked, cached, offline override) and data sets.
- :mod:`gapnotes.plots` — the book's figure style and recurring plots.
- :mod:`gapnotes.device` — CPU / CUDA / MPS selection and seeding.
- :mod:`gapnotes.train` — the cached trainer; seeds train together as one stacked ensemble
  (its parts, one concern each, in :mod:`gapnotes.training`).

Submodules are imported lazily, so ``import gapnotes`` stays cheap (no torch).
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_SUBMODULES = {"metrics", "geometry", "data", "plots", "device", "cone", "synthetic", "models", "losses", "train", "simulate", "tasks", "experiments", "embed", "datasets", "pretrained"}


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
