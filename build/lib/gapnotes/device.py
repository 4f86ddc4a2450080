"""Pick the compute device once, the same way in every chapter."""

from __future__ import annotations

import os

__all__ = ["get_device", "seed_everything"]


def get_device(prefer: str | None = None):
    """Return a ``torch.device``: ``prefer`` if given, else $GAPNOTES_DEVICE, else CUDA, MPS or CPU.

    Every notebook and the trainer call this, so the same code runs on a laptop
    CPU, Colab's GPU or an Apple-silicon Mac without edits.
    """
    import torch

    choice = prefer or os.environ.get("GAPNOTES_DEVICE")
    if choice:
        device = torch.device(choice)
        if device.type == "cuda" and not torch.cuda.is_available():
            raise ValueError(f"device {choice!r} was requested but CUDA is not available here")
        return device
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch (all devices) for a reproducible run."""
    import random

    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
