"""Batched, device-aware, cached embedding of image data sets and text lists with any open_clip model.

Results are cached as ``.npz`` under ``cache_dir()/embeddings/`` keyed by everything that changes
them (model name, weights tag or checkpoint hash, data set, split, size, preprocessing, texts),
so a second run is instant. Cache files are written atomically and read with
``np.load(allow_pickle=False)``.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np

from ._files import atomic_write
from ._validation import check_int
from .data import cache_dir

__all__ = ["EMBED_VERSION", "cache_path", "embed_image_dataset", "embed_text_list"]

#: Bump when a change here would change embeddings, so old cache files are not reused.
EMBED_VERSION = 1


def cache_path(key: dict) -> Path:
    """The .npz file for a key (a JSON-able dict)."""
    if not isinstance(key, dict) or not key:
        raise TypeError("key must be a non-empty dict describing what was embedded")
    digest = hashlib.sha256(json.dumps({"v": EMBED_VERSION, **key}, sort_keys=True, default=str).encode()).hexdigest()
    return cache_dir() / "embeddings" / f"{digest[:24]}.npz"


def _save(path: Path, **arrays) -> None:
    atomic_write(path, lambda handle: np.savez(handle, **arrays))


def _load(path: Path):
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}
    except (OSError, ValueError):  # truncated or foreign file: recompute
        return None


def _autocast(device):
    import contextlib

    import torch

    if device.type == "cuda":
        return torch.autocast("cuda", dtype=torch.float16)
    return contextlib.nullcontext()


def embed_image_dataset(model, dataset, key: dict, batch_size: int = 64, device=None, num_workers: int = 0,
                        cache: bool = True, progress: bool | None = None):
    """Embed every image of ``dataset`` (items ``(image_tensor, label)``) with ``model.encode_image``.

    Returns ``(embeddings float32 (N, D), labels int64 (N,), from_cache)``. The key must name
    everything that changes the result (see :func:`cache_path`); the data set's length is added.
    Uses autocast (float16) on CUDA.
    """
    import torch
    from torch.utils.data import DataLoader
    from tqdm.auto import tqdm

    batch_size = check_int(batch_size, "batch_size", minimum=1)
    path = cache_path({**key, "kind": "image", "n": len(dataset)})
    if cache and (hit := _load(path)) is not None:
        return hit["embeddings"], hit["labels"], True
    device = torch.device(device) if device is not None else next(model.parameters()).device
    if progress is None:
        progress = os.environ.get("GAPNOTES_PROGRESS", "1") != "0"
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=False, num_workers=num_workers,
                        pin_memory=device.type == "cuda")
    feats, labels = [], []
    model.eval()
    with torch.no_grad(), _autocast(device):
        for images, target in tqdm(loader, disable=not progress, desc="embedding images", leave=False):
            feats.append(model.encode_image(images.to(device, non_blocking=True)).float().cpu())
            labels.append(torch.as_tensor(target))
    embeddings = torch.cat(feats).numpy().astype(np.float32)
    labels = torch.cat(labels).numpy().astype(np.int64)
    if cache:
        _save(path, embeddings=embeddings, labels=labels)
    return embeddings, labels, False


def embed_text_list(model, tokenizer, texts, key: dict, batch_size: int = 256, device=None, cache: bool = True):
    """Embed a list of strings with ``model.encode_text``; returns ``(embeddings float32 (N, D), from_cache)``.

    The texts themselves are part of the cache key.
    """
    import torch

    if isinstance(texts, str) or not texts or not all(isinstance(t, str) for t in texts):
        raise TypeError("texts must be a non-empty list of strings")
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    texts_hash = hashlib.sha256("\n".join(texts).encode()).hexdigest()
    path = cache_path({**key, "kind": "text", "texts": texts_hash})
    if cache and (hit := _load(path)) is not None:
        return hit["embeddings"], True
    device = torch.device(device) if device is not None else next(model.parameters()).device
    out = []
    model.eval()
    with torch.no_grad(), _autocast(device):
        for start in range(0, len(texts), batch_size):
            tokens = tokenizer(list(texts[start : start + batch_size])).to(device)
            out.append(model.encode_text(tokens).float().cpu())
    embeddings = torch.cat(out).numpy().astype(np.float32)
    if cache:
        _save(path, embeddings=embeddings)
    return embeddings, False
