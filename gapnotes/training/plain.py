"""One CLIP, one step at a time: the training loop written for reading.

The book's models are trained by the stacked loop (:mod:`gapnotes.training.loop`), which runs
many seeds as one computation and is fast but not what a learner should read first. This module
is the same training for one open_clip ``CLIP`` and the plain CLIP loss, in the order a textbook
writes it; a test checks that it gives the model one member of a stacked run gives (same
embeddings to float tolerance). Chapter 2 shows :func:`training_step`.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from .._validation import check_int
from ..losses import clip_loss

__all__ = ["training_step", "train_plainly"]

MAX_LOGIT_SCALE = math.log(100.0)  # CLIP clamps τ at 0.01


def training_step(model, optimizer, images, tokens) -> float:
    """One step of CLIP training on a batch of N matched pairs; returns the batch's loss.

    Embed both modalities, scale each embedding to unit length, compute the symmetric InfoNCE
    loss (:func:`gapnotes.losses.clip_loss`) with the model's logit scale 1/τ, take one
    optimiser step, then clamp log(1/τ) to [0, log 100] as CLIP does (τ ≥ 0.01).

    Parameters
    ----------
    model : an open_clip ``CLIP`` (e.g. :func:`gapnotes.models.create_tiny_clip`)
    optimizer : a torch optimiser over ``model``'s parameters
    images : tensor (N, 3, H, W), CLIP-standardised
    tokens : tensor (N, context_length) of token ids, row i the caption of image i
    """
    if len(images) != len(tokens) or len(images) < 2:
        raise ValueError("images and tokens must hold the same number (≥ 2) of pairs, "
                         f"got {len(images)} and {len(tokens)}")
    image_features = F.normalize(model.encode_image(images), dim=-1)
    text_features = F.normalize(model.encode_text(tokens), dim=-1)
    loss = clip_loss(image_features, text_features, model.logit_scale.exp())
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    with torch.no_grad():
        model.logit_scale.clamp_(0.0, MAX_LOGIT_SCALE)
    return float(loss.detach())


def train_plainly(config=None, steps: int | None = None, device=None):
    """Train one tiny CLIP with :func:`training_step`, as the stacked trainer trains ``config``.

    The same model initialisation (``config.seed``), batch order (drawn from ``config.seed``),
    learning-rate schedule (:func:`gapnotes.training.loop.lr_at`), AdamW settings and data as
    :func:`gapnotes.train.train`; only the plain CLIP loss with a random start (``loss="clip"``,
    ``init="random"``, two towers, no τ schedule). Not cached. Returns the model (eval mode) and
    the list of per-step losses.

    Parameters
    ----------
    config : a :class:`~gapnotes.train.TrainConfig` (default ``TrainConfig()``)
    steps : stop after this many steps of the config's schedule (default: all ``config.steps``)
    device : default :func:`gapnotes.device.get_device`
    """
    from ..device import get_device
    from ..models import create_tiny_clip, tiny_clip_config
    from .config import TrainConfig
    from .data import prepared_for
    from .loop import adamw, batch_order, lr_at

    config = (TrainConfig() if config is None else config)
    if not isinstance(config, TrainConfig):
        raise TypeError(f"config must be a TrainConfig, got {type(config).__name__}")
    config.validate()
    unsupported = {"loss": (config.loss, "clip"), "init": (config.init, "random"),
                   "modalities": (config.modalities, 2), "temperature_end": (config.temperature_end, None)}
    for name, (value, plain) in unsupported.items():
        if value != plain:
            raise ValueError(f"train_plainly trains {name}={plain!r} only, got config.{name}={value!r}")
    steps = config.steps if steps is None else check_int(steps, "steps", minimum=1)
    if steps > config.steps:
        raise ValueError(f"steps must be at most config.steps={config.steps}, got {steps}")
    device = get_device(device)
    model = create_tiny_clip(tiny_clip_config(**config.model), seed=config.seed,
                             init_temperature=config.temperature,
                             learn_temperature=config.learn_temperature, device=device)
    images, tokens = prepared_for(config)["train"][:2]
    order = batch_order([config], len(images), "cpu")[:, 0]  # the stacked run's batches
    optimizer = adamw([p for p in model.parameters() if p.requires_grad], config.lr,
                      config.weight_decay, config.decay_all)
    model.train()
    losses = []
    for step in range(1, steps + 1):
        for group in optimizer.param_groups:
            group["lr"] = lr_at(step, config)
        batch = order[step - 1]
        losses.append(training_step(model, optimizer, images[batch].to(device), tokens[batch].to(device)))
    return model.eval(), losses
