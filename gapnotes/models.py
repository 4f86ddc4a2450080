"""Models of the book, all built with open_clip, and batched, device-aware embedding.

Random-initialised full-size towers (chapter 1) come from
``open_clip.create_model(name, pretrained=None)``: no weights are downloaded.
"""

from __future__ import annotations

import logging

import numpy as np

from ._validation import check_int
from .device import get_device

__all__ = ["create_random_clip", "embed_images", "embed_texts", "random_text_tokens", "OPENAI_MEAN", "OPENAI_STD"]

OPENAI_MEAN = (0.48145466, 0.4578275, 0.40821073)
OPENAI_STD = (0.26862954, 0.26130258, 0.27577711)


def create_random_clip(name: str = "ViT-B-32", seed: int = 0, device=None):
    """A full-size open_clip model at random initialisation (no download), in eval mode.

    Parameters
    ----------
    name : an open_clip architecture, e.g. ``"RN50"`` or ``"ViT-B-32"``
    seed : int, seeds torch before the weights are drawn
    device : torch device or string; default :func:`gapnotes.device.get_device`

    Returns
    -------
    (model, tokenizer)
    """
    import open_clip
    import torch

    if name not in open_clip.list_models():
        raise ValueError(f"name {name!r} is not an open_clip architecture; e.g. RN50, ViT-B-32")
    seed = check_int(seed, "seed", minimum=0)
    torch.manual_seed(seed)
    # open_clip logs a warning that no pretrained weights were loaded: that is the point here.
    logger = logging.getLogger()
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        model = open_clip.create_model(name, pretrained=None, device=get_device(device) if device else get_device())
    finally:
        logger.setLevel(level)
    model.eval()
    return model, open_clip.get_tokenizer(name)


def _image_size(model) -> int:
    size = getattr(model.visual, "image_size", 224)
    return int(size[0] if isinstance(size, (tuple, list)) else size)


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

    batch_size = check_int(batch_size, "batch_size", minimum=1)
    images = torch.as_tensor(np.asarray(images) if not torch.is_tensor(images) else images, dtype=torch.float32)
    if images.ndim != 4 or images.shape[1] != 3:
        raise ValueError(f"images must have shape (N, 3, H, W), got {tuple(images.shape)}")
    device = torch.device(device) if device is not None else next(model.parameters()).device
    size = _image_size(model)
    mean = torch.tensor(OPENAI_MEAN, device=device).view(1, 3, 1, 1)
    std = torch.tensor(OPENAI_STD, device=device).view(1, 3, 1, 1)
    out = []
    with torch.no_grad():
        for start in range(0, len(images), batch_size):
            batch = images[start : start + batch_size].to(device)
            if normalize_input:
                if batch.shape[-1] != size or batch.shape[-2] != size:
                    batch = F.interpolate(batch, size=(size, size), mode="bilinear", align_corners=False)
                batch = (batch - mean) / std
            out.append(model.encode_image(batch).float().cpu())
    return torch.cat(out).numpy()


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
    device = torch.device(device) if device is not None else next(model.parameters()).device
    out = []
    with torch.no_grad():
        for start in range(0, len(tokens), batch_size):
            out.append(model.encode_text(tokens[start : start + batch_size].to(device)).float().cpu())
    return torch.cat(out).numpy()


def random_text_tokens(n: int, context_length: int = 77, vocab_size: int = 49408, seed: int = 0):
    """``n`` random token sequences: start token, random ids, end token at a random length.

    The end token (the largest id, ``vocab_size − 1``) appears exactly once per row,
    because CLIP's text tower pools the embedding at the position of the largest id.
    """
    import torch

    n = check_int(n, "n", minimum=1)
    context_length = check_int(context_length, "context_length", minimum=3)
    rng = np.random.default_rng(seed)
    sot, eot = vocab_size - 2, vocab_size - 1
    tokens = np.zeros((n, context_length), dtype=np.int64)
    lengths = rng.integers(3, context_length + 1, size=n)
    for i, length in enumerate(lengths):
        tokens[i, 0] = sot
        tokens[i, 1 : length - 1] = rng.integers(0, sot, size=length - 2)
        tokens[i, length - 1] = eot
    return torch.from_numpy(tokens)
