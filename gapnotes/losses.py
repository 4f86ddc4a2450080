"""Contrastive losses of the book, one function each, formula in the docstring.

All take L2-normalised embeddings as torch tensors of shape (N, D) (row i of each
modality is a pair) and return a scalar tensor that can be back-propagated.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F

__all__ = [
    "clip_loss",
    "align_true_pairs_loss",
    "centroid_uniformity_loss",
    "modgap_loss",
    "modgap_weights",
    "pairwise_clip_loss",
    "LOSSES",
    "TrainerLoss",
]


def _check_pair(a: torch.Tensor, b: torch.Tensor, name_a: str, name_b: str) -> None:
    for t, name in ((a, name_a), (b, name_b)):
        if not torch.is_tensor(t):
            raise TypeError(f"{name} must be a torch tensor, got {type(t).__name__}")
        if t.ndim != 2 or t.shape[0] == 0:
            raise ValueError(f"{name} must have shape (N, D) with N ≥ 1, got {tuple(t.shape)}")
    if a.shape != b.shape:
        raise ValueError(f"{name_a} has shape {tuple(a.shape)} but {name_b} has {tuple(b.shape)}")


def clip_loss(image_features: torch.Tensor, text_features: torch.Tensor,
              logit_scale) -> torch.Tensor:
    """Symmetric InfoNCE loss of CLIP.

    With s = ``logit_scale`` = 1/τ and similarities S_ij = s · x̂_i·ŷ_j::

        L = ½ [ −(1/N) Σ_i log softmax_j(S_ij)[i]  −(1/N) Σ_j log softmax_i(S_ij)[j] ]

    i.e. the mean of the image→text and text→image cross-entropies with the matched
    pair as the target class.

    Parameters
    ----------
    image_features, text_features : tensors (N, D), L2-normalised rows
    logit_scale : float or scalar tensor, the inverse temperature 1/τ (> 0)
    """
    _check_pair(image_features, text_features, "image_features", "text_features")
    logits = logit_scale * image_features @ text_features.T
    target = torch.arange(len(logits), device=logits.device)
    return 0.5 * (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target))


def _check_modalities(embeddings, anchor: int) -> list:
    if isinstance(embeddings, torch.Tensor) or not isinstance(embeddings, (list, tuple)):
        raise TypeError("embeddings must be a list of (N, D) tensors, one per modality")
    if len(embeddings) < 2:
        raise ValueError(f"embeddings needs at least 2 modalities, got {len(embeddings)}")
    for m, z in enumerate(embeddings[1:], start=1):
        _check_pair(embeddings[0], z, "embeddings[0]", f"embeddings[{m}]")
    if isinstance(anchor, bool) or not isinstance(anchor, int) or not 0 <= anchor < len(embeddings):
        raise ValueError(f"anchor must be an index in [0, {len(embeddings) - 1}], got {anchor!r}")
    return list(embeddings)


def align_true_pairs_loss(embeddings, anchor: int = 0) -> torch.Tensor:
    """Alignment of true pairs, L_ATP (Grassucci et al., 2026).

    For anchor modality a and the other modalities m ≠ a, on unit-norm embeddings::

        L_ATP = mean_{m ≠ a} mean_i ‖z_i^m − z_i^a‖²

    (the alignment of Wang & Isola with α = 2). It is 0 only when every sample's
    modalities coincide; on its own it is minimised by collapsing everything to one point.

    Parameters
    ----------
    embeddings : list of tensors (N, D), one per modality, L2-normalised rows
    anchor : index of the anchor modality
    """
    zs = _check_modalities(embeddings, anchor)
    za = zs[anchor]
    terms = [(z - za).pow(2).sum(dim=1).mean() for m, z in enumerate(zs) if m != anchor]
    return torch.stack(terms).mean()


def centroid_uniformity_loss(embeddings, t: float = 2.0) -> torch.Tensor:
    """Uniformity of per-sample centroids, L_CU (Grassucci et al., 2026).

    With μ_i = normalize(mean_m z_i^m), the centroid of sample i over its modalities::

        L_CU = log( mean_{i ≠ j} exp(−t ‖μ_i − μ_j‖²) )

    the uniformity of Wang & Isola applied to centroids: it spreads *samples* over the
    sphere without pushing a sample's own modalities apart. Computed with a log-sum-exp
    over all ordered pairs i ≠ j (the same mean as over the N(N−1)/2 unordered ones), with
    ‖μ_i − μ_j‖² = 2 − 2 μ_i·μ_j from one matrix product. (``torch.pdist`` gives the same
    value, but its parallel backward stalled a training run 70-fold on a busy 2-core CPU.)

    Parameters
    ----------
    embeddings : list of tensors (N, D), N ≥ 2, one per modality, L2-normalised rows
    t : float > 0
    """
    zs = _check_modalities(embeddings, 0)
    if zs[0].shape[0] < 2:
        raise ValueError("centroid_uniformity_loss needs at least 2 samples")
    if not t > 0:
        raise ValueError(f"t must be > 0, got {t}")
    centroids = F.normalize(torch.stack(zs).mean(dim=0), dim=-1)
    n = centroids.shape[0]
    sq_dist = (2.0 - 2.0 * centroids @ centroids.T).clamp_min(0.0)
    self_pairs = torch.eye(n, dtype=torch.bool, device=centroids.device)
    logits = (-t * sq_dist).masked_fill(self_pairs, float("-inf"))
    return torch.logsumexp(logits.flatten(), dim=0) - math.log(n * (n - 1))


def modgap_loss(embeddings, logit_scale, anchor: int = 0, atp_weight: float = 1.0,
                cu_weight: float = 1.0,
                contrastive_weight: float = 1.0) -> torch.Tensor:
    """The n-modal loss of Grassucci et al. (2026): InfoNCE to an anchor + L_ATP + L_CU.

    ::

        L = w_c · mean_{m ≠ a} InfoNCE(z^a, z^m; s) + w_atp · L_ATP + w_cu · L_CU

    where InfoNCE is :func:`clip_loss` with logit scale s = 1/τ. The authors use a fixed
    τ = 0.1 and w_c = w_atp = w_cu = 1 (optionally scheduled, see :func:`modgap_weights`).
    ``contrastive_weight`` = 0 leaves a term on its own (for ablations).

    Parameters
    ----------
    embeddings : list of (N, D) tensors, L2-normalised, one per modality (any number ≥ 2)
    logit_scale : float or scalar tensor, 1/τ
    anchor : index of the anchor modality
    """
    zs = _check_modalities(embeddings, anchor)
    loss = torch.zeros((), device=zs[0].device, dtype=zs[0].dtype)
    if contrastive_weight:
        others = [z for m, z in enumerate(zs) if m != anchor]
        pairs = [clip_loss(zs[anchor], z, logit_scale) for z in others]
        contrastive = torch.stack(pairs).mean()
        loss = loss + contrastive_weight * contrastive
    if atp_weight:
        loss = loss + atp_weight * align_true_pairs_loss(zs, anchor)
    if cu_weight:
        loss = loss + cu_weight * centroid_uniformity_loss(zs)
    return loss


def modgap_weights(progress: float, atp_weight: float = 1.0, cu_weight: float = 1.0, schedule: bool = False) -> tuple:
    """(ATP weight, CU weight) at a point of training, ``progress`` ∈ [0, 1].

    Without ``schedule`` the given weights are constant. With it, the authors' released
    configuration: the ATP weight stays at ``atp_weight`` for the first half of training,
    then rises linearly to twice that; the CU weight stays at ``cu_weight`` for the first
    20 %, then falls linearly to 0 at 70 % and stays 0.
    """
    if not 0.0 <= progress <= 1.0:
        raise ValueError(f"progress must lie in [0, 1], got {progress}")
    if not schedule:
        return atp_weight, cu_weight
    atp = atp_weight * (1.0 + min(1.0, max(0.0, (progress - 0.5) / 0.5)))
    cu = cu_weight * (1.0 - min(1.0, max(0.0, (progress - 0.2) / 0.5)))
    return atp, cu


def pairwise_clip_loss(embeddings, logit_scale) -> torch.Tensor:
    """Plain multi-modal CLIP: the mean symmetric InfoNCE over every pair of modalities.

    ::

        L = mean_{m < m'} InfoNCE(z^m, z^{m'}; s)

    No anchor, no alignment or uniformity term: the baseline for n-modal training.
    """
    zs = _check_modalities(embeddings, 0)
    terms = [clip_loss(zs[a], zs[b], logit_scale) for a in range(len(zs)) for b in range(a + 1, len(zs))]
    return torch.stack(terms).mean()


def _modgap_for_trainer(feats, logit_scale, progress, options):
    atp, cu = modgap_weights(progress, options.get("atp_weight", 1.0), options.get("cu_weight", 1.0),
                             options.get("schedule", False))
    return modgap_loss(feats, logit_scale, anchor=options.get("anchor", 0), atp_weight=atp, cu_weight=cu,
                       contrastive_weight=options.get("contrastive_weight", 1.0))


@dataclass(frozen=True)
class TrainerLoss:
    """A loss the trainer knows by name: how to compute it and the options it accepts.

    ``compute(features, logit_scale, progress, options)`` takes the list of per-modality features,
    the logit scale, the step fraction in [0, 1] and ``TrainConfig.loss_options``, and returns a
    scalar tensor; ``options`` maps each accepted option to its default.
    """

    compute: Callable
    options: dict = field(default_factory=dict)


#: Losses the trainer knows by name (``TrainConfig.loss``), each with its options.
LOSSES = {
    "clip": TrainerLoss(lambda feats, logit_scale, progress, options: clip_loss(feats[0], feats[1], logit_scale)),
    "modgap": TrainerLoss(_modgap_for_trainer, {"anchor": 0, "atp_weight": 1.0, "cu_weight": 1.0,
                                                "contrastive_weight": 1.0, "schedule": False}),
    "pairwise_clip": TrainerLoss(lambda feats, logit_scale, progress, options: pairwise_clip_loss(feats, logit_scale)),
}
