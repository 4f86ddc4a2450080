"""Contrastive losses of the book, one function each, formula in the docstring.

All take L2-normalised embeddings as torch tensors of shape (N, D) (row i of each
modality is a pair) and return a scalar tensor that can be back-propagated.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

__all__ = ["clip_loss", "LOSSES"]


def _check_pair(a: torch.Tensor, b: torch.Tensor, name_a: str, name_b: str) -> None:
    for t, name in ((a, name_a), (b, name_b)):
        if not torch.is_tensor(t):
            raise TypeError(f"{name} must be a torch tensor, got {type(t).__name__}")
        if t.ndim != 2 or t.shape[0] == 0:
            raise ValueError(f"{name} must have shape (N, D) with N ≥ 1, got {tuple(t.shape)}")
    if a.shape != b.shape:
        raise ValueError(f"{name_a} has shape {tuple(a.shape)} but {name_b} has {tuple(b.shape)}")


def clip_loss(image_features: torch.Tensor, text_features: torch.Tensor, logit_scale) -> torch.Tensor:
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


#: Losses the trainer knows by name. Each takes (list of per-modality features, logit_scale,
#: step fraction in [0, 1], config) and returns a scalar tensor.
LOSSES = {
    "clip": lambda feats, logit_scale, progress, cfg: clip_loss(feats[0], feats[1], logit_scale),
}
