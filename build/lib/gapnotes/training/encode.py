"""Embeddings of one (unstacked) model: what evaluation, the Procrustes start and the chapters use."""

from __future__ import annotations

__all__ = ["encode_split"]


def encode_split(model, images, tokens, sketches=None, batch_size: int = 512):
    """Normalised embeddings (numpy float32) of prepared tensors, in eval mode.

    Returns ``(images, texts)``, or ``(images, texts, sketches)`` when sketches are given
    (the model must then have ``encode_sketch``).
    """
    import torch
    import torch.nn.functional as F

    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    encoders = [(model.encode_image, images), (model.encode_text, tokens)]
    if sketches is not None:
        encoders.append((model.encode_sketch, sketches))
    outputs = []
    with torch.no_grad():
        for encode, data in encoders:
            parts = [F.normalize(encode(data[start : start + batch_size].to(device)), dim=-1).cpu()
                     for start in range(0, len(data), batch_size)]
            outputs.append(torch.cat(parts).numpy())
    model.train(was_training)
    return tuple(outputs)
