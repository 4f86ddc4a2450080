"""The amended initialisation: rotate the text tower's output onto the image tower's at step 0."""

from __future__ import annotations

__all__ = ["procrustes_init"]


def procrustes_init(model, images, tokens, n: int = 512) -> None:
    """Rotate ``model.text_projection`` so text embeddings of ``n`` training pairs land on their images.

    R = argmin over orthogonal R of ‖T R − I‖_F (orthogonal Procrustes on the first ``n`` pairs'
    normalised embeddings), applied once by right-multiplying the text projection.
    """
    import torch

    from ..geometry import procrustes_align
    from .encode import encode_split

    img, txt = encode_split(model, images[:n], tokens[:n])
    _, rotation = procrustes_align(txt, img)
    with torch.no_grad():
        proj = model.text_projection
        proj.copy_(proj @ torch.as_tensor(rotation, dtype=proj.dtype, device=proj.device))
