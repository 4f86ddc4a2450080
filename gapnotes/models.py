"""Models of the book, all built with open_clip: random full-size towers, the tiny CLIP, three towers.

Also their checkpoints (open_clip's format), tokenizer and input standardisation. Embedding with
them is :mod:`gapnotes.embed`; pretrained weights from the hub are :mod:`gapnotes.hub`.

Random-initialised full-size towers (chapter 1) come from
``open_clip.create_model(name, pretrained=None)``: no weights are downloaded.
"""

from __future__ import annotations

import functools
import json
import logging
import math
from pathlib import Path

import numpy as np

from ._files import atomic_write
from ._validation import check_int
from .device import get_device

__all__ = [
    "create_random_clip",
    "tiny_clip_config",
    "create_tiny_clip",
    "TriModalCLIP",  # noqa: F822 - a class made on first access (module __getattr__)
    "create_trimodal_clip",
    "save_open_clip_checkpoint",
    "load_open_clip_checkpoint",
    "tokenizer_for",
    "image_size",
    "random_text_tokens",
    "clip_standardize",
    "OPENAI_MEAN",
    "OPENAI_STD",
]

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
        model = open_clip.create_model(name, pretrained=None, device=get_device(device))
    finally:
        logger.setLevel(level)
    model.eval()
    return model, open_clip.get_tokenizer(name)


def clip_standardize(images):
    """Images in [0, 1] → a float32 torch tensor standardised with CLIP's per-channel mean and std.

    Accepts a NumPy array or a tensor of shape (N, 3, H, W); a tensor keeps its device.
    """
    import torch

    images = torch.as_tensor(images, dtype=torch.float32)
    mean = torch.tensor(OPENAI_MEAN, device=images.device).view(1, 3, 1, 1)
    std = torch.tensor(OPENAI_STD, device=images.device).view(1, 3, 1, 1)
    return (images - mean) / std


def image_size(model) -> int:
    """The input image size (pixels per side) of an open_clip model's image tower."""
    size = getattr(model.visual, "image_size", 224)
    return int(size[0] if isinstance(size, (tuple, list)) else size)


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


def tiny_clip_config(embed_dim: int = 64, width: int = 64, layers: int = 2, image_size: int = 32,
                     patch_size: int = 8, context_length: int = 16) -> dict:
    """An open_clip model config (the JSON format of open_clip's ``model_configs``) for a tiny CLIP.

    Real architecture, small sizes: a ViT image tower (``image_size``/``patch_size``
    patches) and a causal text transformer over open_clip's 49,408-token BPE vocabulary,
    both ``layers`` deep and ``width`` wide, projected to ``embed_dim``.
    """
    from ._validation import check_int

    for value, name in ((embed_dim, "embed_dim"), (width, "width"), (layers, "layers"),
                        (image_size, "image_size"), (patch_size, "patch_size"), (context_length, "context_length")):
        check_int(value, name, minimum=1)
    if image_size % patch_size:
        raise ValueError(f"image_size ({image_size}) must be a multiple of patch_size ({patch_size})")
    heads = max(1, width // 32)
    return {
        "embed_dim": embed_dim,
        "vision_cfg": {"image_size": image_size, "layers": layers, "width": width, "head_width": width // heads,
                       "patch_size": patch_size, "mlp_ratio": 2.0},
        "text_cfg": {"context_length": context_length, "vocab_size": 49408, "width": width, "heads": heads,
                     "layers": layers, "mlp_ratio": 2.0},
    }


def create_tiny_clip(model_cfg: dict | None = None, seed: int = 0, init_temperature: float = 0.07,
                     learn_temperature: bool = True, device=None):
    """Build open_clip's ``CLIP`` class from a tiny config, at random initialisation.

    Parameters
    ----------
    model_cfg : dict from :func:`tiny_clip_config` (default: its defaults)
    seed : int, seeds the weights
    init_temperature : float > 0, τ at step 0 (logit scale = log(1/τ))
    learn_temperature : bool, whether ``logit_scale`` gets gradients
    device : default :func:`gapnotes.device.get_device`
    """
    import torch
    from open_clip.model import CLIP, CLIPTextCfg, CLIPVisionCfg

    from ._validation import check_float

    cfg = model_cfg or tiny_clip_config()
    seed = check_int(seed, "seed", minimum=0)
    tau = check_float(init_temperature, "init_temperature", positive=True, allow_zero=False)
    torch.manual_seed(seed)
    model = CLIP(cfg["embed_dim"], CLIPVisionCfg(**cfg["vision_cfg"]), CLIPTextCfg(**cfg["text_cfg"]),
                 init_logit_scale=math.log(1.0 / tau))
    model.logit_scale.requires_grad_(bool(learn_temperature))
    return model.to(get_device(device))


def save_open_clip_checkpoint(model, path, model_cfg: dict) -> Path:
    """Save ``model`` as an open_clip checkpoint: ``<path>.pt`` (state dict) and ``<path>.json`` (config).

    The pair loads back with :func:`load_open_clip_checkpoint`, or in plain open_clip with
    ``open_clip.add_model_config("<path>.json")`` and
    ``open_clip.create_model("<name>", pretrained="<path>.pt")``. Both files are written to
    temporary names and renamed, so an interrupted save never leaves a half-written file.
    Returns the path of the ``.pt`` file.
    """
    import torch

    path = Path(path)
    if path.suffix in (".pt", ".json"):
        path = path.with_suffix("")
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    for suffix, writer in ((".json", lambda f: f.write(json.dumps(model_cfg, indent=2).encode())),
                           (".pt", lambda f: torch.save({"state_dict": state}, f))):
        atomic_write(path.with_suffix(suffix), writer)
    return path.with_suffix(".pt")


def load_open_clip_checkpoint(path, device=None):
    """Load a model saved by :func:`save_open_clip_checkpoint` through open_clip itself.

    Registers ``<path>.json`` as an open_clip model config named after the file and calls
    ``open_clip.create_model(name, pretrained="<path>.pt")`` (which reads the weights with
    ``torch.load(weights_only=True)``). Returns ``(model, tokenizer, model_cfg)``, the model in
    eval mode.
    """
    import open_clip

    path = Path(path)
    if path.suffix in (".pt", ".json"):
        path = path.with_suffix("")
    ckpt, cfg_file = path.with_suffix(".pt"), path.with_suffix(".json")
    for f in (ckpt, cfg_file):
        if not f.is_file():
            raise FileNotFoundError(f"path: {f} does not exist (expected {path.name}.pt and {path.name}.json)")
    model_cfg = json.loads(cfg_file.read_text())
    open_clip.add_model_config(cfg_file)
    model = open_clip.create_model(path.name, pretrained=str(ckpt), device=get_device(device))
    model.eval()
    return model, tokenizer_for(model_cfg), model_cfg


def tokenizer_for(model_cfg: dict | int):
    """open_clip's BPE tokenizer with the context length of ``model_cfg`` (or a context length).

    It is open_clip's ``SimpleTokenizer`` (same tokens), except that a list with repeated strings is
    tokenised once per distinct string: template captions repeat a lot, and BPE costs ≈ 0.5 ms a string.
    """
    context = model_cfg if isinstance(model_cfg, int) else int(model_cfg["text_cfg"]["context_length"])
    return _tokenizer(context)


@functools.lru_cache(maxsize=8)
def _tokenizer(context: int):
    # One instance per context length: building one reads the 49,408-token BPE vocabulary (≈ 0.1 s),
    # and its BPE cache makes the book's recurring words fast.
    return _unique_tokenizer_class()(context_length=context)


@functools.lru_cache(maxsize=1)
def _unique_tokenizer_class():
    import torch
    from open_clip.tokenizer import SimpleTokenizer

    class UniqueStringTokenizer(SimpleTokenizer):
        """open_clip's SimpleTokenizer that tokenises each distinct string of a batch once."""

        def __call__(self, texts, context_length=None):
            if isinstance(texts, str):
                return super().__call__(texts, context_length)
            texts = list(texts)
            first = {}
            for text in texts:
                first.setdefault(text, len(first))
            if len(first) == len(texts):
                return super().__call__(texts, context_length)
            tokens = super().__call__(list(first), context_length)
            return tokens[torch.tensor([first[text] for text in texts], dtype=torch.long)]

    return UniqueStringTokenizer


def create_trimodal_clip(model_cfg: dict | None = None, seed: int = 0, init_temperature: float = 0.07,
                         learn_temperature: bool = True, device=None):
    """A tiny CLIP plus a third tower (for sketches), as a :class:`TriModalCLIP`.

    The third tower is an open_clip vision transformer with the image tower's config,
    initialised independently (its own seed stream), projecting to the same space.
    """
    import torch

    clip = create_tiny_clip(model_cfg, seed=seed, init_temperature=init_temperature,
                            learn_temperature=learn_temperature, device="cpu")
    # Build the sketch tower from a second CLIP drawn with a different seed and keep its visual tower.
    sketch = create_tiny_clip(model_cfg, seed=seed + 1_000_003, device="cpu").visual
    model = _trimodal_class()(clip, sketch)
    torch.manual_seed(seed)
    return model.to(get_device(device))


@functools.lru_cache(maxsize=1)
def _trimodal_class():
    """The :class:`TriModalCLIP` class, defined on first use so that importing gapnotes needs no torch."""
    import torch
    import torch.nn.functional as F

    class TriModalCLIP(torch.nn.Module):
        """Three towers in one space: image and text (open_clip CLIP) and a sketch ViT.

        ``forward(images, tokens, sketches)`` returns ``([image, text, sketch] features,
        logit_scale)``, features L2-normalised, like open_clip's CLIP returns pairs.
        """

        def __init__(self, clip, sketch_tower):
            super().__init__()
            self.clip = clip
            self.sketch = sketch_tower

        @property
        def logit_scale(self):
            return self.clip.logit_scale

        @property
        def text_projection(self):
            return self.clip.text_projection

        def encode_image(self, images):
            return self.clip.encode_image(images)

        def encode_text(self, tokens):
            return self.clip.encode_text(tokens)

        def encode_sketch(self, sketches):
            return self.sketch(sketches)

        def forward(self, images, tokens, sketches):
            feats = [F.normalize(self.encode_image(images), dim=-1), F.normalize(self.encode_text(tokens), dim=-1),
                     F.normalize(self.encode_sketch(sketches), dim=-1)]
            return feats, self.clip.logit_scale.exp()

    TriModalCLIP.__module__ = __name__
    return TriModalCLIP


def __getattr__(name: str):
    # models.TriModalCLIP is a class (one class object, so isinstance works), created on first access
    if name == "TriModalCLIP":
        return _trimodal_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
