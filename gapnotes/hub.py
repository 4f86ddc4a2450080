"""Pretrained open_clip weights: a published tag from the hub, or a local checkpoint file.

Without internet (or with ``$GAPNOTES_OFFLINE=1``) a tag fails at once with
:class:`PretrainedUnavailableError`, one sentence that says what to do instead; a checkpoint
file saved with :func:`gapnotes.models.save_open_clip_checkpoint` always loads.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from .device import get_device

__all__ = ["PretrainedUnavailableError", "load_pretrained"]


class PretrainedUnavailableError(RuntimeError):
    """Pretrained weights could not be loaded (offline, or not published); the message says what to do."""


def load_pretrained(name: str, pretrained: str, device=None):
    """Load an open_clip model with pretrained weights: a published tag or a local checkpoint.

    Parameters
    ----------
    name : open_clip architecture (e.g. ``"ViT-B-32"``), or for a local checkpoint of the book's
        tiny CLIP the stem of its ``.json`` config saved beside it
    pretrained : a tag (e.g. ``"openai"``, ``"laion2b_s34b_b79k"``) or the path of a checkpoint file
    device : default :func:`gapnotes.device.get_device`

    Returns
    -------
    (model in eval mode, image preprocessing transform, tokenizer)

    Raises ValueError for an unknown architecture or tag, FileNotFoundError for a missing local
    file, and :class:`PretrainedUnavailableError` (one sentence, no hub traceback) when the
    weights cannot be fetched, e.g. offline or with ``$GAPNOTES_OFFLINE=1``.
    """
    import open_clip

    from .data import OFFLINE_ENV

    if not isinstance(name, str) or not isinstance(pretrained, (str, os.PathLike)):
        raise TypeError("name and pretrained must be strings (pretrained may be a path)")
    pretrained = str(pretrained)
    is_path = pretrained.endswith((".pt", ".pth", ".bin", ".safetensors")) or os.sep in pretrained
    if is_path:
        ckpt = Path(pretrained).expanduser()
        if not ckpt.is_file():
            raise FileNotFoundError(f"pretrained: {ckpt} does not exist")
        if name not in open_clip.list_models():
            config = ckpt.with_suffix(".json")
            if not config.is_file() or config.stem != name:
                raise ValueError(f"name {name!r} is not an open_clip architecture and there is no {name}.json beside "
                                 f"{ckpt.name} to define it")
            open_clip.add_model_config(config)
    else:
        if name not in open_clip.list_models():
            raise ValueError(f"name {name!r} is not an open_clip architecture; e.g. ViT-B-32, ViT-B-16, RN50")
        tags = open_clip.list_pretrained_tags_by_model(name)
        if pretrained not in tags:
            raise ValueError(f"pretrained {pretrained!r} is not a published tag for {name}; known: {', '.join(tags)}")
        if os.environ.get(OFFLINE_ENV, "").strip() not in ("", "0"):
            raise PretrainedUnavailableError(_offline_advice(name, pretrained, f"{OFFLINE_ENV} is set"))
    try:
        with _quiet_hub(offline=not is_path and not _hub_reachable()):
            model, _, preprocess = open_clip.create_model_and_transforms(name, pretrained=pretrained,
                                                                         device=get_device(device))
    except Exception as err:  # hub and network errors come in many types; one sentence is enough
        reason = f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}"
        raise PretrainedUnavailableError(_offline_advice(name, pretrained, reason)) from None
    model.eval()
    return model, preprocess, open_clip.get_tokenizer(name)


def _hub_reachable(host: str = "huggingface.co", timeout: float = 3.0) -> bool:
    """Whether the weights host resolves and accepts a connection (a quick check, no request)."""
    import socket

    try:
        with socket.create_connection((host, 443), timeout=timeout):
            return True
    except OSError:
        return False


class _quiet_hub:  # noqa: N801 - used as a context manager
    """Silence hub/open_clip log spam; with ``offline``, make huggingface_hub use its local cache only."""

    _LOGGERS = ("huggingface_hub", "huggingface_hub.utils._http", "root", "")

    def __init__(self, offline: bool):
        self.offline = offline

    def __enter__(self):
        self._levels = {n: logging.getLogger(n or None).level for n in self._LOGGERS}
        for n in self._LOGGERS:
            logging.getLogger(n or None).setLevel(logging.CRITICAL)
        self._constants = None
        if self.offline:
            try:
                import huggingface_hub.constants as constants

                self._constants, self._was = constants, constants.HF_HUB_OFFLINE
                constants.HF_HUB_OFFLINE = True  # fail at once unless the weights are already cached
            except (ImportError, AttributeError):
                self._constants = None
        return self

    def __exit__(self, *exc):
        for n, level in self._levels.items():
            logging.getLogger(n or None).setLevel(level)
        if self._constants is not None:
            self._constants.HF_HUB_OFFLINE = self._was
        return False


def _offline_advice(name: str, pretrained: str, reason: str) -> str:
    return (f"Could not load open_clip weights {name}/{pretrained} ({reason}): without internet, pass a checkpoint "
            f"file you downloaded elsewhere, load_pretrained({name!r}, '/path/to/checkpoint.bin'), or use the "
            f"released embeddings of chapter 0 (gapnotes.data.load_released_features).")
