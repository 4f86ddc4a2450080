"""The amended initialisation of Liang et al. (2022): a fixed rotation of the text features.

The authors' ``train_clip_toy_fix_init`` (Weixin-Liang/Modality-Gap, training utilities)
encodes the *whole* training set with the freshly initialised model, fits one orthogonal
Procrustes rotation W between the normalised text and image features, and multiplies
every text feature by that fixed W at every step of training (W is never trained). The
gap at step 0 is then near zero; whether it stays there is what the experiment asks.
"""

from __future__ import annotations

__all__ = ["procrustes_rotation"]


def procrustes_rotation(model, images, tokens, batch_size: int = 1024):
    """The fixed rotation R (float32 tensor (D, D)) that maps text features onto image features.

    R = argmin over orthogonal R of ‖T̂ R − Î‖_F, where Î, T̂ (N, D) are the normalised image
    and text features of *all* N training pairs (``images``, ``tokens``) under ``model`` at
    initialisation. R = U Vᵀ with U Σ Vᵀ = T̂ᵀ Î; the authors' W = Rᵀ (they multiply by Wᵀ).
    """
    import numpy as np
    import torch

    from ..embed import encode_split
    from ..geometry import procrustes_align

    img, txt = encode_split(model, images, tokens, batch_size=batch_size)
    _, rotation = procrustes_align(txt, img)
    return torch.as_tensor(np.asarray(rotation, dtype=np.float32), device=model.text_projection.device)
