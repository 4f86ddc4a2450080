"""Embedding, in one home: every way the book turns images and captions into vectors.

All of them run one loop, :func:`encode_in_batches` (batches, no gradients, float32 on the CPU,
optionally L2-normalised). On top of it:

==========================  =====================================================================
function                    embeds
==========================  =====================================================================
:func:`embed_images`        image arrays with any open_clip model (resized and standardised)
:func:`embed_texts`         caption strings or token ids with any open_clip model
:func:`encode_split`        prepared tensors of one tiny model, normalised (training, evaluation)
:func:`embed_pairs`         a :class:`gapnotes.synthetic.ShapesPairs`: images, captions (sketches)
:func:`embed_prompts`       a list of prompts, normalised (zero-shot classification)
:func:`embed_image_dataset` a torch data set, cached on disk (the real-CLIP appendix)
:func:`embed_text_list`     a list of strings, cached on disk (the real-CLIP appendix)
==========================  =====================================================================

The cached ones store ``.npz`` files under ``cache_dir()/embeddings/`` keyed by everything that
changes them (model name, weights tag or checkpoint hash, data set, split, size, preprocessing,
texts), written atomically and read with ``np.load(allow_pickle=False)``.
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

__all__ = ["EMBED_VERSION", "encode_in_batches", "embed_images", "embed_texts", "encode_split", "embed_pairs",
           "embed_prompts", "cache_path", "embed_image_dataset", "embed_text_list"]

#: Bump when a change here would change embeddings, so old cache files are not reused.
EMBED_VERSION = 1


def encode_in_batches(encode, inputs, batch_size: int = 512, *, device=None, normalize: bool = False,
                      concat_dim: int = 0, autocast: bool = False):
    """``encode`` applied to ``inputs`` in batches, without gradients; float32 numpy on the CPU.

    Parameters
    ----------
    encode : callable taking one batch (a tensor, or one tensor per input) on ``device`` and
        returning a tensor (B, D) or a tuple of them
    inputs : a tensor (N, …), a tuple of tensors with the same N (sliced together), or an
        iterable of ready batches (e.g. a DataLoader's images)
    batch_size : int ≥ 1, rows per batch when ``inputs`` is a tensor or a tuple of tensors
    device : where each batch goes before ``encode`` (default: left where it is)
    normalize : L2-normalise every output row (the cosine geometry CLIP trains)
    concat_dim : the dimension the batches are joined along (1 for a stacked ensemble's (M, B, D))
    autocast : on CUDA, run ``encode`` under float16 autocast (the large pretrained models of
        the real-CLIP appendix); ignored on the CPU

    Returns an array (N, D), or a tuple of arrays when ``encode`` returns a tuple.
    """
    import contextlib

    import torch
    import torch.nn.functional as F

    batch_size = check_int(batch_size, "batch_size", minimum=1)
    if torch.is_tensor(inputs):
        inputs = (inputs,)
    if isinstance(inputs, tuple):
        n = len(inputs[0])
        batches = (tuple(t[start : start + batch_size] for t in inputs) for start in range(0, n, batch_size))
    else:
        batches = ((batch,) for batch in inputs)
    device = torch.device(device) if device is not None else None
    parts, single = [], True
    for batch in batches:
        if device is not None:
            batch = tuple(t.to(device, non_blocking=True) for t in batch)
        half = autocast and batch[0].device.type == "cuda"
        context = torch.autocast("cuda", dtype=torch.float16) if half else contextlib.nullcontext()
        with torch.no_grad(), context:
            out = encode(*batch)
        single = torch.is_tensor(out)
        outs = (out,) if single else tuple(out)
        parts.append([(F.normalize(o.float(), dim=-1) if normalize else o.float()).cpu() for o in outs])
    if not parts:
        raise ValueError("inputs must hold at least one row")
    joined = tuple(torch.cat(column, dim=concat_dim).numpy() for column in zip(*parts))
    return joined[0] if single else joined


def _model_device(model, device):
    import torch

    return torch.device(device) if device is not None else next(model.parameters()).device


def embed_images(model, images, batch_size: int = 32, device=None, normalize_input: bool = True) -> np.ndarray:
    """Embed images with ``model.encode_image`` in batches; returns float32 (N, D) on the CPU.

    Parameters
    ----------
    model : an open_clip CLIP (or anything with ``encode_image`` and ``visual``)
    images : array-like (N, 3, H, W). Values in [0, 1] when ``normalize_input`` (then
        they are resized to the model's input size and standardised with CLIP's mean
        and std); otherwise passed as they are (e.g. Gaussian noise at the right size).
    batch_size : int ≥ 1
    device : default: the device of the model's parameters
    """
    import torch
    import torch.nn.functional as F

    from .models import clip_standardize, image_size

    batch_size = check_int(batch_size, "batch_size", minimum=1)
    images = torch.as_tensor(np.asarray(images) if not torch.is_tensor(images) else images, dtype=torch.float32)
    if images.ndim != 4 or images.shape[1] != 3:
        raise ValueError(f"images must have shape (N, 3, H, W), got {tuple(images.shape)}")
    size = image_size(model)

    def encode(batch):
        if normalize_input:
            if batch.shape[-1] != size or batch.shape[-2] != size:
                batch = F.interpolate(batch, size=(size, size), mode="bilinear", align_corners=False)
            batch = clip_standardize(batch)
        return model.encode_image(batch)

    return encode_in_batches(encode, images, batch_size, device=_model_device(model, device))


def embed_texts(model, texts, tokenizer=None, batch_size: int = 64, device=None) -> np.ndarray:
    """Embed captions with ``model.encode_text`` in batches; returns float32 (N, D) on the CPU.

    ``texts`` is a list of strings (tokenised with ``tokenizer``) or an integer tensor
    of token ids of shape (N, context_length).
    """
    import torch

    batch_size = check_int(batch_size, "batch_size", minimum=1)
    if torch.is_tensor(texts):
        tokens = texts
    else:
        if isinstance(texts, str) or not all(isinstance(t, str) for t in texts):
            raise TypeError("texts must be a list of strings or a tensor of token ids")
        if tokenizer is None:
            raise ValueError("tokenizer is required when texts are strings")
        tokens = tokenizer(list(texts))
    if tokens.ndim != 2 or len(tokens) == 0:
        raise ValueError(f"texts must give a non-empty (N, context_length) token array, got {tuple(tokens.shape)}")
    return encode_in_batches(model.encode_text, tokens, batch_size, device=_model_device(model, device))


def encode_split(model, images, tokens, sketches=None, batch_size: int = 512):
    """Normalised embeddings (numpy float32) of prepared tensors, in eval mode.

    Returns ``(images, texts)``, or ``(images, texts, sketches)`` when sketches are given
    (the model must then have ``encode_sketch``).
    """
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    encoders = [(model.encode_image, images), (model.encode_text, tokens)]
    if sketches is not None:
        encoders.append((model.encode_sketch, sketches))
    try:
        return tuple(encode_in_batches(encode, data, batch_size, device=device, normalize=True)
                     for encode, data in encoders)
    finally:
        model.train(was_training)


def _context_length(model, model_cfg: dict | None) -> int:
    """The text context length: from the model config when given, else from the model."""
    return int(model_cfg["text_cfg"]["context_length"]) if model_cfg else int(model.context_length)


def embed_pairs(model, pairs, model_cfg: dict | None = None, batch_size: int = 512):
    """Normalised image and caption embeddings of a :class:`gapnotes.synthetic.ShapesPairs`.

    Images are standardised with CLIP's mean and std; captions are tokenised with open_clip's
    tokenizer at the model's context length. Returns two float32 arrays (N, D), or three
    (images, captions, sketches) for a three-tower model.
    """
    from .models import clip_standardize, tokenizer_for

    images = clip_standardize(pairs.images)
    tokens = tokenizer_for(_context_length(model, model_cfg))(list(pairs.captions))
    sketches = clip_standardize(pairs.sketches()) if hasattr(model, "encode_sketch") else None
    return encode_split(model, images, tokens, sketches, batch_size=batch_size)


def embed_prompts(model, prompts, model_cfg: dict | None = None):
    """Normalised text embeddings (float32, (len(prompts), D)) of a list of strings, e.g. class prompts."""
    from .models import tokenizer_for

    if isinstance(prompts, str) or not all(isinstance(p, str) for p in prompts) or len(prompts) == 0:
        raise TypeError("prompts must be a non-empty list of strings")
    tokens = tokenizer_for(_context_length(model, model_cfg))(list(prompts))
    return encode_in_batches(model.encode_text, tokens, len(tokens), device=next(model.parameters()).device,
                             normalize=True)


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
    device = _model_device(model, device)
    if progress is None:
        progress = os.environ.get("GAPNOTES_PROGRESS", "1") != "0"
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=False, num_workers=num_workers,
                        pin_memory=device.type == "cuda")
    labels = []

    def images():  # the loader's image batches; their labels are kept on the way
        for batch, target in tqdm(loader, disable=not progress, desc="embedding images", leave=False):
            labels.append(torch.as_tensor(target))
            yield batch

    model.eval()
    embeddings = encode_in_batches(model.encode_image, images(), device=device, autocast=True)
    labels = torch.cat(labels).numpy().astype(np.int64)
    if cache:
        _save(path, embeddings=embeddings, labels=labels)
    return embeddings, labels, False


def embed_text_list(model, tokenizer, texts, key: dict, batch_size: int = 256, device=None, cache: bool = True):
    """Embed a list of strings with ``model.encode_text``; returns ``(embeddings float32 (N, D), from_cache)``.

    The texts themselves are part of the cache key. Uses autocast (float16) on CUDA.
    """
    if isinstance(texts, str) or not texts or not all(isinstance(t, str) for t in texts):
        raise TypeError("texts must be a non-empty list of strings")
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    texts_hash = hashlib.sha256("\n".join(texts).encode()).hexdigest()
    path = cache_path({**key, "kind": "text", "texts": texts_hash})
    if cache and (hit := _load(path)) is not None:
        return hit["embeddings"], True
    model.eval()
    embeddings = encode_in_batches(model.encode_text, tokenizer(list(texts)), batch_size,
                                   device=_model_device(model, device), autocast=True)
    if cache:
        _save(path, embeddings=embeddings)
    return embeddings, False
