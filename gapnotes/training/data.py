"""The shapes splits as tensors the towers take, built once per process."""

from __future__ import annotations

import functools

__all__ = ["prepared", "prepared_for"]


@functools.lru_cache(maxsize=8)
def prepared(n_train: int, n_val: int, data_seed: int, caption_detail: int, context_length: int, image_size: int,
             sketches: bool = False, mismatched: float = 0.0) -> dict:
    """``{"train": (images, tokens[, sketches], pairs), "val": (…)}``.

    Images (and sketches) are CLIP-standardised float tensors (N, 3, H, W), captions open_clip
    token ids (N, context_length); ``pairs`` is the :class:`gapnotes.synthetic.ShapesPairs`.
    With ``mismatched`` = f > 0, the captions (tokens) of round(f·N) training pairs drawn at random
    (seeded by ``data_seed``) are shuffled among those pairs; ``pairs`` keeps the drawn captions,
    and the validation split is never touched.
    """
    from ..models import clip_standardize, tokenizer_for
    from ..synthetic import make_splits

    splits = make_splits(n_train, n_val, 0, seed=data_seed, caption_detail=caption_detail, image_size=image_size)
    tokenizer = tokenizer_for(context_length)
    out = {}
    for split in ("train", "val"):
        pairs = splits[split]
        tensors = [clip_standardize(pairs.images), tokenizer(pairs.captions)]
        if sketches:
            tensors.append(clip_standardize(pairs.sketches()))
        if split == "train" and mismatched > 0:
            tensors[1] = _shuffle_some(tensors[1], mismatched, data_seed)
        out[split] = (*tensors, pairs)
    return out


def _shuffle_some(tokens, fraction: float, seed: int):
    """``tokens`` with the rows of a random ``fraction`` of pairs permuted among themselves."""
    import torch

    generator = torch.Generator().manual_seed(10_000 + seed)
    count = round(fraction * len(tokens))
    chosen = torch.randperm(len(tokens), generator=generator)[:count]
    shuffled = tokens.clone()
    shuffled[chosen] = tokens[chosen[torch.randperm(count, generator=generator)]]
    return shuffled


def prepared_for(config) -> dict:
    """:func:`prepared` for a :class:`~gapnotes.training.config.TrainConfig`: its data, at its model's
    context length and image size, with sketches when it trains three towers."""
    from ..models import tiny_clip_config

    model_cfg = tiny_clip_config(**config.model)
    return prepared(config.n_train, config.n_val, config.data_seed, config.caption_detail,
                    model_cfg["text_cfg"]["context_length"], model_cfg["vision_cfg"]["image_size"],
                    config.modalities == 3, config.mismatched)
