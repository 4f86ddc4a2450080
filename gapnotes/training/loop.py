"""The training loop: M ≥ 1 members trained as one stacked computation; a lone run is M = 1.

Each member keeps what makes it its own run: its seed (weights and batch order), its
initialisation, its loss and loss options, its temperature and whether τ is learnt. The
members share what :func:`gapnotes.training.config.ensemble_signature` lists (architecture,
data, optimiser, schedule), so one AdamW over the stacked weights *is* M AdamWs (it acts
element by element), and the summed loss gives each member exactly its own gradient.

Nothing is read back to the host during the steps between two evaluations: batch indices
for every step are drawn up front and moved to the device once, losses accumulate on the
device, τ is clamped there. Every ``eval_every`` steps the members embed the validation
split on the device and the scores are computed on the host.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from .. import metrics

__all__ = ["train_members", "scores", "lr_at", "adamw", "batch_order"]

MAX_LOGIT_SCALE = math.log(100.0)  # CLIP clamps τ at 0.01


def scores(images, texts, sketches=None) -> dict:
    """Gap, true-pair cosine and Recall@1 both ways of normalised embeddings (numpy, (N, D) each).

    With sketches, also the image–sketch and text–sketch gaps (``gap_is``, ``gap_ts``).
    """
    out = {
        "gap": metrics.modality_gap(images, texts),
        "true_pair_cos": metrics.true_pair_cosine(images, texts),
        "r1_i2t": metrics.recall_at_k(images, texts, ks=(1,))[1],
        "r1_t2i": metrics.recall_at_k(texts, images, ks=(1,))[1],
    }
    if sketches is not None:
        out["gap_is"] = metrics.modality_gap(images, sketches)
        out["gap_ts"] = metrics.modality_gap(texts, sketches)
    return out


def lr_at(step: int, config) -> float:
    """Learning rate at ``step``: linear warm-up over ``warmup_steps``, then cosine decay to 0."""
    if step <= config.warmup_steps:
        return config.lr * step / max(1, config.warmup_steps)
    frac = (step - config.warmup_steps) / max(1, config.steps - config.warmup_steps)
    return config.lr * 0.5 * (1.0 + math.cos(math.pi * frac))


@functools.lru_cache(maxsize=1)
def keep_freed_memory() -> bool:
    """Ask glibc to keep freed blocks up to 256 MiB in the heap instead of unmapping them.

    Each training step allocates and frees activations of a few MiB. glibc serves blocks above
    its (adaptive) mmap threshold with fresh ``mmap`` calls and unmaps them when freed, so every
    step page-faults its activations in again; with two threads touching new pages at once an
    element-wise op over a 5 MiB tensor was measured at 3.5 ms instead of 0.9 ms. A fixed
    threshold keeps those blocks for reuse (memory is still returned above 1 GiB of free heap).
    Process-wide and harmless elsewhere; returns False where the C library is not glibc.
    """
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3
    return bool(mallopt(m_mmap_threshold, 256 << 20)) and bool(mallopt(m_trim_threshold, 1 << 30))


def adamw(params, lr, weight_decay, decay_all=True, matrix_ndim: int = 2):
    """AdamW over ``params``; with ``decay_all=False`` only tensors with ≥ ``matrix_ndim`` dimensions
    decay (open_clip's training script exempts gains, biases and the logit scale). Stacked weights
    carry one extra (member) dimension: the stacked trainer passes ``matrix_ndim=3``."""
    import torch

    params = list(params)
    if decay_all:
        groups = [{"params": params, "weight_decay": weight_decay}]
    else:
        groups = [{"params": [p for p in params if p.ndim >= matrix_ndim], "weight_decay": weight_decay},
                  {"params": [p for p in params if p.ndim < matrix_ndim], "weight_decay": 0.0}]
    try:  # fused AdamW: one kernel for all tensors
        return torch.optim.AdamW(groups, lr=lr, fused=True)
    except (RuntimeError, TypeError):
        return torch.optim.AdamW(groups, lr=lr)


def _embed_all(stacked, inputs, batch_size: int = 512) -> list:
    """Every member's normalised embeddings of shared inputs, as numpy arrays (M, N, D) per modality."""
    from ..embed import encode_in_batches

    def encode(*chunk):  # every member sees the same rows
        return stacked.features(*(t.unsqueeze(0).expand(stacked.count, *t.shape) for t in chunk))

    return list(encode_in_batches(encode, tuple(inputs), batch_size, concat_dim=1))


def _members(configs, model_cfg, data, device) -> tuple:
    """Each config's fresh model (in config order: creation draws from the torch seed), the vocabulary
    slice it trains and its amended-start rotation (None for a random start)."""
    from ..models import create_tiny_clip, create_trimodal_clip
    from .init import procrustes_rotation
    from .vocabulary import VocabularySlice

    train_images, train_tokens = data["train"][0], data["train"][1]
    create = create_trimodal_clip if configs[0].modalities == 3 else create_tiny_clip
    models, vocabularies, rotations = [], [], []
    for config in configs:
        model = create(model_cfg, seed=config.seed, init_temperature=config.temperature,
                       learn_temperature=config.learn_temperature, device=device)
        # the amended start: one fixed rotation of the text features, fitted on all training pairs
        amended = config.init == "procrustes"
        rotations.append(procrustes_rotation(model, train_images, train_tokens) if amended else None)
        vocabularies.append(VocabularySlice(model, [train_tokens, data["val"][1]]))
        models.append(model)
    return models, vocabularies, rotations


def _device_inputs(data, split, patch, remap, length, device) -> list:
    """(patches, remapped tokens cut to ``length``[, sketch patches]) of one split, on ``device``."""
    from .stacked import patchify

    images, tokens, *rest = data[split][:-1]
    out = [patchify(images, patch), remap(tokens[:, :length])] + [patchify(s, patch) for s in rest]
    return [t.to(device) for t in out]


def batch_order(configs, n_train, device):
    """Every member's batch indices for the whole run, each drawn from its own seed: (steps, M, B)."""
    import torch

    steps, batch_size = configs[0].steps, configs[0].batch_size
    return torch.stack([torch.randint(0, n_train, (steps, batch_size),
                                      generator=torch.Generator().manual_seed(c.seed)) for c in configs],
                       dim=1).to(device)


def _record(rows, stacked, val_inputs, step, running, n_steps, extra_scores=None, val_pairs=None) -> None:
    """Append one evaluation row per member: step, mean training loss since the last row, temperature,
    :func:`scores` of the validation pairs and, when given, ``extra_scores(images, texts, val_pairs)``."""
    embedded = _embed_all(stacked, val_inputs)
    temperatures = (1.0 / stacked.logit_scale()).tolist()
    mean_loss = (running / max(1, n_steps)).tolist() if n_steps else [float("nan")] * len(rows)
    for m, member_rows in enumerate(rows):
        member = [e[m] for e in embedded]
        extra = extra_scores(member[0], member[1], val_pairs) if extra_scores is not None else {}
        member_rows.append({"step": step, "train_loss": mean_loss[m], "temperature": temperatures[m],
                            **scores(*member), **extra})


def _scheduled_temperature(config, progress: float) -> float:
    """τ of a config with ``temperature_end`` at ``progress`` = step / steps: linear from τ₀ to τ₁."""
    return config.temperature + (config.temperature_end - config.temperature) * progress


def _schedule_temperatures(stacked, scheduled, progress: float) -> None:
    """Set the fixed logit scale log(1/τ) of each scheduled member, ``(index, config)`` pairs, for this
    step (Yaras et al. 2025's temperature scheduling)."""
    import torch

    with torch.no_grad():
        for m, config in scheduled:
            stacked.logit_scales[m].fill_(-math.log(_scheduled_temperature(config, progress)))


def _record_steps(record_at, steps: int, eval_every: int, stop_after: int) -> set:
    """The steps after which a history row is written (step 0 is always written)."""
    if record_at is None:
        chosen = {s for s in range(1, steps + 1) if s % eval_every == 0} | {steps}
    else:
        chosen = {int(s) for s in record_at}
        if any(s < 1 or s > steps for s in chosen):
            raise ValueError(f"record_at must hold steps between 1 and steps={steps}, got {sorted(chosen)}")
    return {s for s in chosen if s <= stop_after} | {stop_after}


def train_members(configs, device, progress: bool = False, *, record_at=None, stop_after=None,
                  extra_scores=None) -> list:
    """Train configs that share an ensemble signature, together; returns ``(model, history, model_cfg)`` each.

    Models come back as open_clip ``CLIP`` (or three-tower) models in eval mode on ``device``;
    histories as DataFrames with columns step, train_loss, temperature, gap, true_pair_cos,
    r1_i2t, r1_t2i (and gap_is, gap_ts with three modalities).

    ``record_at`` (steps in 1..steps) replaces the every-``eval_every`` rows; ``stop_after`` ends
    the run early, at that step of the full schedule (the learning rate still follows
    ``config.steps``: a checkpoint of a long run, not a short run); ``extra_scores`` is called
    with each member's validation embeddings (images, texts: numpy (N, D)) and the validation
    :class:`~gapnotes.synthetic.ShapesPairs` and returns more columns. Evaluation draws no random
    numbers, so none of the three changes the weights at a step.
    """
    import pandas as pd
    import torch
    from tqdm.auto import tqdm

    from ..losses import LOSSES
    from ..models import tiny_clip_config
    from .config import MEMBER_FIELDS, ensemble_signature
    from .data import prepared_for
    from .stacked import StackedCLIP

    configs = list(configs)
    keep_freed_memory()
    if len({ensemble_signature(c) for c in configs}) != 1:
        raise ValueError("configs of one ensemble may differ only in " + ", ".join(MEMBER_FIELDS))
    shared = configs[0]
    model_cfg = tiny_clip_config(**shared.model)
    patch = int(model_cfg["vision_cfg"]["patch_size"])
    data = prepared_for(shared)
    models, vocabularies, rotations = _members(configs, model_cfg, data, device)
    stacked = StackedCLIP(models, model_cfg, text_rotations=rotations)
    # the padding after the longest caption's end-of-text token changes no pooled output (causal
    # mask), so the text tower runs on that many positions instead of the whole context
    length = 1 + max(int(data[split][1].argmax(dim=-1).max()) for split in ("train", "val"))
    remap = vocabularies[0].remap  # the same rows are used by every member
    train_inputs, val_inputs = (_device_inputs(data, split, patch, remap, length, device) for split in ("train", "val"))
    count, steps = len(configs), shared.steps
    stop_after = steps if stop_after is None else int(stop_after)
    if not 1 <= stop_after <= steps:
        raise ValueError(f"stop_after must be between 1 and steps={steps}, got {stop_after}")
    recorded = _record_steps(record_at, steps, shared.eval_every, stop_after)
    val_pairs = data["val"][-1]
    index = batch_order(configs, len(data["train"][0]), device)
    optimizer = adamw(stacked.trainable(), shared.lr, shared.weight_decay, shared.decay_all, matrix_ndim=3)
    losses = [LOSSES[c.loss].compute for c in configs]
    scheduled = [(m, c) for m, c in enumerate(configs) if c.temperature_end is not None]  # τ set per step

    rows = [[] for _ in configs]
    _record(rows, stacked, val_inputs, 0, None, 0, extra_scores, val_pairs)
    running, since_eval = torch.zeros(count, device=device), 0
    bar = tqdm(range(1, stop_after + 1), disable=not progress, leave=False,
               desc=f"training {count} model{'s' if count > 1 else ''}")
    for step in bar:
        lr = lr_at(step, shared)
        for group in optimizer.param_groups:
            group["lr"] = lr
        batch = [t[index[step - 1]] for t in train_inputs]  # each (M, B, …)
        progress_frac = step / steps
        if scheduled:
            _schedule_temperatures(stacked, scheduled, progress_frac)
        features = stacked.features(*batch)
        scale = stacked.logit_scale()
        member_losses = torch.stack([
            losses[m]([f[m] for f in features], scale[m], progress_frac, configs[m].loss_options)
            for m in range(count)])
        optimizer.zero_grad(set_to_none=True)
        member_losses.sum().backward()  # members are independent: each gets its own gradient
        optimizer.step()
        stacked.clamp_logit_scales(MAX_LOGIT_SCALE)
        running += member_losses.detach()
        since_eval += 1
        if step in recorded:
            _record(rows, stacked, val_inputs, step, running, since_eval, extra_scores, val_pairs)
            running, since_eval = torch.zeros(count, device=device), 0
            if progress:
                bar.set_postfix(gap=f"{np.mean([r[-1]['gap'] for r in rows]):.3f}")
    bar.close()
    stacked.unstack()
    results = []
    for model, vocabulary, member_rows in zip(models, vocabularies, rows):
        vocabulary.detach()
        model.eval()
        results.append((model, pd.DataFrame(member_rows), model_cfg))
    return results
