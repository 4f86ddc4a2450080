"""One trainer for every model of the book, with an on-disk cache keyed by the full config.

>>> from gapnotes.train import TrainConfig, train
>>> result = train(TrainConfig(temperature=0.01, learn_temperature=False))   # doctest: +SKIP
>>> result.history.tail()                                                      # doctest: +SKIP

A finished run is stored under ``cache_dir()/models/<key>/`` (the weights as an open_clip
checkpoint, the history as CSV, the config as JSON), where ``<key>`` hashes every field
of the config plus :data:`TRAINER_VERSION`. A later call with the same config loads it
instead of training again, so chapters can share models. Entries are written to a
temporary folder and renamed into place only when complete: an interrupted run leaves
no half-written entry.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import math
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import metrics
from ._validation import check_float, check_int
from .data import cache_dir
from .device import get_device

__all__ = [
    "TrainConfig",
    "TrainResult",
    "train",
    "train_many",
    "evaluate",
    "encode_split",
    "embed_pairs",
    "embed_prompts",
    "TRAINER_VERSION",
    "cache_key",
]

#: Bump when a change to the trainer would change results, so old cache entries are not reused.
TRAINER_VERSION = 2  # 2: token-embedding slice (unused rows no longer decayed)
_INITS = ("random", "procrustes")


@dataclass(frozen=True)
class TrainConfig:
    """Everything that determines a training run (and so its cache key).

    Attributes
    ----------
    loss : name in :data:`gapnotes.losses.LOSSES`
    steps, batch_size, lr, weight_decay, warmup_steps : optimisation (AdamW, linear warm-up then cosine decay)
    temperature : τ at step 0; learn_temperature: whether τ is trained (CLIP's default) or fixed
    seed : seeds the weights and the batch order
    init : ``"random"``, or ``"procrustes"`` (rotate the text tower's output onto the image tower's at step 0)
    n_train, n_val, data_seed, caption_detail : the shapes data set (see :func:`gapnotes.synthetic.make_shapes`)
    eval_every : record a row of history every this many steps
    model : keyword arguments of :func:`gapnotes.models.tiny_clip_config`
    loss_options : extra keyword arguments of the loss (e.g. weights), as a dict
    modalities : 2 (images, captions) or 3 (plus sketches, with a third tower)
    """

    loss: str = "clip"
    steps: int = 300
    batch_size: int = 128
    lr: float = 1e-3
    weight_decay: float = 0.1
    warmup_steps: int = 30
    temperature: float = 0.07
    learn_temperature: bool = True
    seed: int = 0
    init: str = "random"
    n_train: int = 8000
    n_val: int = 500
    data_seed: int = 0
    caption_detail: int = 4
    eval_every: int = 50
    model: dict = field(default_factory=dict)
    loss_options: dict = field(default_factory=dict)
    modalities: int = 2

    def validate(self) -> TrainConfig:
        """Raise a ValueError/TypeError naming the field for any impossible setting."""
        from .losses import LOSSES

        if self.loss not in LOSSES:
            raise ValueError(f"loss must be one of {sorted(LOSSES)}, got {self.loss!r}")
        check_int(self.steps, "steps", minimum=1)
        check_int(self.batch_size, "batch_size", minimum=2)
        check_int(self.n_train, "n_train", minimum=2)
        check_int(self.n_val, "n_val", minimum=2)
        check_int(self.seed, "seed", minimum=0)
        check_int(self.data_seed, "data_seed", minimum=0)
        check_int(self.eval_every, "eval_every", minimum=1)
        check_int(self.warmup_steps, "warmup_steps", minimum=0)
        check_int(self.caption_detail, "caption_detail", minimum=1)
        if self.caption_detail > 4:
            raise ValueError(f"caption_detail must be between 1 and 4, got {self.caption_detail}")
        if self.batch_size > self.n_train:
            raise ValueError(f"batch_size ({self.batch_size}) is larger than the training data (n_train={self.n_train})")
        check_float(self.temperature, "temperature", positive=True, allow_zero=False)
        check_float(self.lr, "lr", positive=True, allow_zero=False)
        check_float(self.weight_decay, "weight_decay", positive=True)
        if self.init not in _INITS:
            raise ValueError(f"init must be one of {_INITS}, got {self.init!r}")
        if not isinstance(self.model, dict) or not isinstance(self.loss_options, dict):
            raise TypeError("model and loss_options must be dicts")
        from .losses import LOSS_OPTIONS

        unknown = sorted(set(self.loss_options) - set(LOSS_OPTIONS[self.loss]))
        if unknown:
            allowed = ", ".join(sorted(LOSS_OPTIONS[self.loss])) or "none"
            raise ValueError(f"loss_options {unknown} are not options of loss {self.loss!r} (allowed: {allowed})")
        if self.modalities not in (2, 3):
            raise ValueError(f"modalities must be 2 or 3, got {self.modalities!r}")
        if self.modalities == 3 and self.loss == "clip":
            raise ValueError("loss 'clip' pairs two modalities; with modalities=3 use 'pairwise_clip' or 'modgap'")
        if self.modalities == 3 and self.init != "random":
            raise ValueError("init='procrustes' is only defined for two modalities")
        return self

    def replace(self, **changes) -> TrainConfig:
        """A copy with some fields changed (unknown names raise TypeError)."""
        return dataclasses.replace(self, **changes)


@dataclass
class TrainResult:
    """A trained model, its history (one row per evaluation) and how it was obtained."""

    model: object
    history: object  # pandas.DataFrame
    config: TrainConfig
    model_cfg: dict
    from_cache: bool
    seconds: float
    path: Path | None = None


def cache_key(config: TrainConfig) -> str:
    """Hex key of a config: sha256 of its JSON (sorted keys) plus the trainer version."""
    from .losses import LOSS_OPTIONS

    fields = dataclasses.asdict(config)
    if fields["modalities"] == 2:
        del fields["modalities"]  # two-modality keys stay what they were before the field existed
    # An option set to its default trains the same model as leaving it out: one key for both.
    defaults = LOSS_OPTIONS.get(config.loss, {})
    fields["loss_options"] = {k: v for k, v in fields["loss_options"].items() if k not in defaults or defaults[k] != v}
    payload = json.dumps({"trainer": TRAINER_VERSION, **fields}, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()[:20]


def _cache_folder(config: TrainConfig, device_type: str) -> Path:
    """Where a finished run of ``config`` on a device of this type is stored."""
    return cache_dir() / "models" / f"{cache_key(config)}-{device_type}"


@functools.lru_cache(maxsize=8)
def _data(n_train: int, n_val: int, data_seed: int, caption_detail: int, context_length: int, image_size: int,
          sketches: bool = False):
    """Shapes splits as torch tensors (CLIP-normalised images, tokens[, sketches]); cached per process."""
    from .models import clip_standardize, tokenizer_for
    from .synthetic import make_splits

    splits = make_splits(n_train, n_val, 0, seed=data_seed, caption_detail=caption_detail, image_size=image_size)
    tokenizer = tokenizer_for(context_length)
    out = {}
    for split in ("train", "val"):
        pairs = splits[split]
        tensors = [clip_standardize(pairs.images), tokenizer(pairs.captions)]
        if sketches:
            tensors.append(clip_standardize(pairs.sketches()))
        out[split] = (*tensors, pairs)
    return out


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


def evaluate(model, images, tokens, sketches=None) -> dict:
    """Gap, true-pair cosine and Recall@1 both ways of a model on prepared tensors.

    With sketches, also the image–sketch and text–sketch gaps (``gap_is``, ``gap_ts``).
    """
    embedded = encode_split(model, images, tokens, sketches)
    img, txt = embedded[0], embedded[1]
    out = {
        "gap": metrics.modality_gap(img, txt),
        "true_pair_cos": metrics.true_pair_cosine(img, txt),
        "r1_i2t": metrics.recall_at_k(img, txt, ks=(1,))[1],
        "r1_t2i": metrics.recall_at_k(txt, img, ks=(1,))[1],
    }
    if sketches is not None:
        out["gap_is"] = metrics.modality_gap(img, embedded[2])
        out["gap_ts"] = metrics.modality_gap(txt, embedded[2])
    return out


def _procrustes_init(model, images, tokens, n: int = 512) -> None:
    """Rotate the text projection so text embeddings land on the image embeddings (step 0)."""
    import torch

    from .geometry import procrustes_align

    img, txt = encode_split(model, images[:n], tokens[:n])
    _, rotation = procrustes_align(txt, img)
    with torch.no_grad():
        proj = model.text_projection
        proj.copy_(proj @ torch.as_tensor(rotation, dtype=proj.dtype, device=proj.device))


class _VocabularySlice:
    """Train only the token-embedding rows the data uses, then write them back.

    The tiny CLIP keeps open_clip's 49,408-token vocabulary, but the shapes captions use a few dozen
    tokens. During training the ``token_embedding`` is swapped for one holding just those rows (token
    ids are remapped by an order-preserving lookup, so open_clip's argmax end-of-text pooling still finds
    the same position), which saves the dense gradient and the AdamW update of ~3.2 M unused
    parameters every step. Outputs for the data are unchanged; the unused rows simply keep their
    initial values (instead of being shrunk ≈1.5 % by weight decay). :meth:`detach` restores the full
    table, so the stored model is a complete open_clip CLIP.
    """

    def __init__(self, model, token_sets):
        import torch

        self.owner = model.clip if hasattr(model, "clip") else model
        self.full = self.owner.token_embedding
        used = torch.unique(torch.cat([t.flatten() for t in token_sets]))  # sorted: order-preserving
        self.used = used.to(self.full.weight.device)
        self.lookup = torch.zeros(self.full.num_embeddings, dtype=torch.long)
        self.lookup[used] = torch.arange(len(used))
        small = torch.nn.Embedding(len(used), self.full.embedding_dim, device=self.full.weight.device,
                                   dtype=self.full.weight.dtype)
        with torch.no_grad():
            small.weight.copy_(self.full.weight[self.used])
        self.owner.token_embedding = small

    def remap(self, tokens):
        """Token ids of the full vocabulary → rows of the slice."""
        return self.lookup[tokens]

    def detach(self) -> None:
        """Write the trained rows back into the full table and put it back in the model."""
        import torch

        with torch.no_grad():
            self.full.weight[self.used] = self.owner.token_embedding.weight
        self.owner.token_embedding = self.full


def _optimizer(params, lr, weight_decay):
    import torch

    try:  # fused AdamW is ~7x faster on CPU for the large token-embedding table
        return torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay, fused=True)
    except (RuntimeError, TypeError):
        return torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay)


def _lr_at(step: int, cfg: TrainConfig) -> float:
    if step <= cfg.warmup_steps:
        return cfg.lr * step / max(1, cfg.warmup_steps)
    frac = (step - cfg.warmup_steps) / max(1, cfg.steps - cfg.warmup_steps)
    return cfg.lr * 0.5 * (1.0 + math.cos(math.pi * frac))


def _load_cached(folder: Path, config: TrainConfig, device):
    import pandas as pd
    import torch

    from .models import create_trimodal_clip, load_open_clip_checkpoint

    if config.modalities == 3:
        model_cfg = json.loads((folder / "model.json").read_text())
        model = create_trimodal_clip(model_cfg, device=device)
        state = torch.load(folder / "model.pt", map_location=device, weights_only=True)
        model.load_state_dict(state["state_dict"])
        model.eval()
    else:
        model, _, model_cfg = load_open_clip_checkpoint(folder / "model", device=device)
    history = pd.read_csv(folder / "history.csv")
    meta = json.loads((folder / "meta.json").read_text())
    return TrainResult(model, history, config, model_cfg, True, float(meta["seconds"]), folder)


def _store(folder: Path, model, history, model_cfg: dict, config: TrainConfig, seconds: float) -> None:
    from .models import save_open_clip_checkpoint

    folder.parent.mkdir(parents=True, exist_ok=True)
    import torch

    tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}."))
    try:
        if hasattr(model, "encode_sketch"):  # three towers: not an open_clip model, save weights + config
            torch.save({"state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()}}, tmp / "model.pt")
            (tmp / "model.json").write_text(json.dumps(model_cfg, indent=2))
        else:
            save_open_clip_checkpoint(model, tmp / "model", model_cfg)
        history.to_csv(tmp / "history.csv", index=False)
        meta = {"config": dataclasses.asdict(config), "seconds": seconds, "trainer": TRAINER_VERSION}
        (tmp / "meta.json").write_text(json.dumps(meta, indent=2, default=str))
        try:
            os.rename(tmp, folder)  # atomic; fails if another process stored it first
        except OSError:
            if not (folder / "meta.json").is_file():
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def train(config: TrainConfig | None = None, *, cache: bool = True, progress: bool | None = None, device=None,
          **overrides) -> TrainResult:
    """Train (or load from the cache) a tiny open_clip CLIP on the shapes data set.

    Parameters
    ----------
    config : TrainConfig (default ``TrainConfig()``); keyword ``overrides`` replace its fields,
        e.g. ``train(temperature=0.01, learn_temperature=False)``.
    cache : bool
        Reuse a finished run with the same config (and device type), and store new ones.
    progress : bool, optional
        Show a tqdm progress bar (default: on, unless ``$GAPNOTES_PROGRESS=0``).
    device : torch device or string; default :func:`gapnotes.device.get_device`.

    Returns
    -------
    TrainResult with ``model`` (in eval mode), ``history`` (DataFrame with columns step, train_loss,
    temperature, gap, true_pair_cos, r1_i2t, r1_t2i), ``from_cache`` and ``seconds``.
    """
    import pandas as pd
    import torch

    config = (config or TrainConfig()).replace(**overrides) if overrides else (config or TrainConfig())
    if not isinstance(config, TrainConfig):
        raise TypeError(f"config must be a TrainConfig, got {type(config).__name__}")
    config.validate()
    from .losses import LOSSES
    from .models import create_tiny_clip, create_trimodal_clip, tiny_clip_config

    device = get_device(device) if device is not None else get_device()
    model_cfg = tiny_clip_config(**config.model)
    folder = _cache_folder(config, device.type)
    if cache and (folder / "meta.json").is_file():
        return _load_cached(folder, config, device)

    if progress is None:
        progress = os.environ.get("GAPNOTES_PROGRESS", "1") != "0"
    start_time = time.perf_counter()
    three = config.modalities == 3
    data = _data(config.n_train, config.n_val, config.data_seed, config.caption_detail,
                 model_cfg["text_cfg"]["context_length"], model_cfg["vision_cfg"]["image_size"], three)
    train_tensors, val_tensors = data["train"][:-1], data["val"][:-1]
    train_images, train_tokens = train_tensors[0], train_tensors[1]
    create = create_trimodal_clip if three else create_tiny_clip
    model = create(model_cfg, seed=config.seed, init_temperature=config.temperature,
                   learn_temperature=config.learn_temperature, device=device)
    if config.init == "procrustes":
        _procrustes_init(model, train_images, train_tokens)
    vocabulary = _VocabularySlice(model, [train_tokens, val_tensors[1]])
    train_tensors = (train_images, vocabulary.remap(train_tokens), *train_tensors[2:])
    val_tensors = (val_tensors[0], vocabulary.remap(val_tensors[1]), *val_tensors[2:])
    model.train()
    optimizer = _optimizer([p for p in model.parameters() if p.requires_grad], config.lr, config.weight_decay)
    loss_fn = LOSSES[config.loss]
    generator = torch.Generator().manual_seed(config.seed)
    max_logit_scale = math.log(100.0)  # CLIP clamps τ at 0.01

    rows = [{"step": 0, "train_loss": float("nan"), "temperature": 1.0 / model.logit_scale.exp().item(),
             **evaluate(model, *val_tensors)}]
    running = []
    from tqdm.auto import tqdm

    bar = tqdm(range(1, config.steps + 1), disable=not progress, desc=f"training ({config.loss})", leave=False)
    for step in bar:
        index = torch.randint(0, len(train_images), (config.batch_size,), generator=generator)
        for group in optimizer.param_groups:
            group["lr"] = _lr_at(step, config)
        batch = [t[index].to(device) for t in train_tensors]
        if three:
            features, logit_scale = model(*batch)
        else:
            image_features, text_features, logit_scale = model(*batch)
            features = [image_features, text_features]
        loss = loss_fn(features, logit_scale, step / config.steps, config.loss_options)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            model.logit_scale.clamp_(0.0, max_logit_scale)
        running.append(loss.item())
        if step % config.eval_every == 0 or step == config.steps:
            rows.append({"step": step, "train_loss": float(np.mean(running)),
                         "temperature": 1.0 / model.logit_scale.exp().item(),
                         **evaluate(model, *val_tensors)})
            running = []
            bar.set_postfix(loss=f"{rows[-1]['train_loss']:.3f}", gap=f"{rows[-1]['gap']:.3f}")
    bar.close()
    vocabulary.detach()
    model.eval()
    history = pd.DataFrame(rows)
    seconds = time.perf_counter() - start_time
    if cache:
        _store(folder, model, history, model_cfg, config, seconds)
    return TrainResult(model, history, config, model_cfg, False, seconds, folder if cache else None)


def _worker_init(threads: int) -> None:
    import torch

    torch.set_num_threads(threads)
    os.environ["GAPNOTES_PROGRESS"] = "0"


def _train_in_worker(config: TrainConfig) -> float:
    """Train one config in a worker process and store it in the cache; returns its wall time."""
    return train(config, progress=False, device="cpu").seconds


def train_many(configs, *, workers: int | None = None, progress: bool | None = None, device=None) -> list[TrainResult]:
    """Train (or load) several configs; on a multi-core CPU, train the missing ones in parallel processes.

    A tiny CLIP's step is a chain of small matrix products that one process cannot spread over
    several cores efficiently, so independent runs in separate processes use the machine better:
    on the 2-core benchmark machine 14 runs took 144 s in two single-threaded workers against
    196 s one after the other with two threads (``benchmarks/README.md``). Workers store their models in the
    cache, from which this function then loads every result, in the order of ``configs``.

    Parameters
    ----------
    configs : iterable of TrainConfig
    workers : number of worker processes; default: one per CPU core (at most one per missing run),
        or ``$GAPNOTES_WORKERS``. ``1`` trains in this process, one run after the other, as does any
        device other than the CPU, and so does a single missing run.
    progress, device : as for :func:`train`
    """
    configs = list(configs)
    if not configs:
        raise ValueError("configs must contain at least one TrainConfig")
    for config in configs:
        if not isinstance(config, TrainConfig):
            raise TypeError(f"configs must be TrainConfig objects, got {type(config).__name__}")
        config.validate()
    device = get_device(device) if device is not None else get_device()
    if workers is None:
        workers = int(os.environ.get("GAPNOTES_WORKERS", "0")) or (os.cpu_count() or 1)
    workers = check_int(workers, "workers", minimum=1)
    missing = []
    for config in configs:
        if config not in missing and not (_cache_folder(config, "cpu") / "meta.json").is_file():
            missing.append(config)
    workers = min(workers, len(missing))
    if device.type == "cpu" and workers > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        threads = max(1, (os.cpu_count() or 1) // workers)
        # Longest first would balance better, but runs are similar; keep the given order (deterministic).
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                 initializer=_worker_init, initargs=(threads,)) as pool:
            list(pool.map(_train_in_worker, missing))
    return [train(config, progress=progress, device=device) for config in configs]


def _context_length(model, model_cfg: dict | None) -> int:
    """The text context length: from the model config when given, else from the model."""
    return int(model_cfg["text_cfg"]["context_length"]) if model_cfg else int(model.context_length)


def embed_pairs(model, pairs, model_cfg: dict | None = None, batch_size: int = 512):
    """Normalised image and caption embeddings of a :class:`gapnotes.synthetic.ShapesPairs`.

    Images are standardised with CLIP's mean and std; captions are tokenised with open_clip's
    tokenizer at the model's context length. Returns two float32 arrays (N, D), or three
    (images, captions, sketches) for a three-tower model.
    """
    from .models import clip_standardize, tokenizer_for

    images = clip_standardize(pairs.images)
    tokens = tokenizer_for(_context_length(model, model_cfg))(list(pairs.captions))
    sketches = clip_standardize(pairs.sketches()) if hasattr(model, "encode_sketch") else None
    return encode_split(model, images, tokens, sketches, batch_size=batch_size)


def embed_prompts(model, prompts, model_cfg: dict | None = None):
    """Normalised text embeddings (float32, (len(prompts), D)) of a list of strings, e.g. class prompts."""
    import torch
    import torch.nn.functional as F

    from .models import tokenizer_for

    if isinstance(prompts, str) or not all(isinstance(p, str) for p in prompts) or len(prompts) == 0:
        raise TypeError("prompts must be a non-empty list of strings")
    tokens = tokenizer_for(_context_length(model, model_cfg))(list(prompts))
    device = next(model.parameters()).device
    with torch.no_grad():
        return F.normalize(model.encode_text(tokens.to(device)), dim=-1).cpu().numpy()
