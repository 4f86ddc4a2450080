"""What determines a training run: the config, its cache key, and who may share an ensemble."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from .._validation import check_float, check_int

__all__ = ["TrainConfig", "TrainResult", "cache_key", "ensemble_signature", "TRAINER_VERSION", "MEMBER_FIELDS"]

#: Bump when a change to the trainer would change results, so old cache entries are not reused.
#: 3: stacked-ensemble trainer (same maths, other summation order; batch indices drawn up front).
#: 4: init="procrustes" is the authors' fixed rotation of the text features, fitted on all training
#: pairs (3 rotated the text projection once, fitted on 512 pairs).
#: 5: the towers compute only what they read out (text padding after the longest caption cut off,
#: the last block for the pooled token alone): same maths, other summation order.
TRAINER_VERSION = 5
_INITS = ("random", "procrustes")

#: Fields in which the members of one ensemble may differ: everything else (architecture, data,
#: optimiser, schedule) is shared by the members and decides which configs can train together.
MEMBER_FIELDS = ("seed", "loss", "loss_options", "temperature", "learn_temperature", "temperature_end", "init")


@dataclass(frozen=True)
class TrainConfig:
    """Everything that determines a training run (and so its cache key).

    Attributes
    ----------
    loss : name in :data:`gapnotes.losses.LOSSES`
    steps, batch_size, lr, weight_decay, warmup_steps : optimisation (AdamW, linear warm-up then cosine decay)
    decay_all : whether AdamW's weight decay acts on every tensor (True: the trainer up to version 5,
        which also pulls the logit scale log(1/τ), the LayerNorm gains and the biases towards 0) or,
        as open_clip's training script does, only on weights of two or more dimensions (False)
    temperature : τ at step 0; learn_temperature: whether τ is trained (CLIP's default) or fixed
    temperature_end : None (τ constant unless learnt), or a scheduled τ: fixed, not learnt, and
        raised (or lowered) linearly from ``temperature`` at step 0 to ``temperature_end`` at the
        last step, τ(s) = τ₀ + (τ₁ − τ₀)·s/steps. Yaras et al. (2025)'s *temperature scheduling*
        mitigation of the gap (their best schedule: 0.01 → 0.05); needs ``learn_temperature=False``
    seed : seeds the weights and the batch order
    init : ``"random"``, or ``"procrustes"``: the amended initialisation of Liang et al. (2022), one
        orthogonal rotation fitted at step 0 on all training pairs and applied, fixed, to the
        text features at every step
    n_train, n_val, data_seed, caption_detail : the shapes data set (see :func:`gapnotes.synthetic.make_shapes`)
    mismatched : fraction in [0, 1) of training pairs whose captions are shuffled among themselves
        (seeded by ``data_seed``): noisy pairs, as in web data (Yaras et al. 2025 tie them to the gap)
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
    decay_all: bool = True
    warmup_steps: int = 30
    temperature: float = 0.07
    learn_temperature: bool = True
    temperature_end: float | None = None
    seed: int = 0
    init: str = "random"
    n_train: int = 8000
    n_val: int = 500
    data_seed: int = 0
    caption_detail: int = 4
    mismatched: float = 0.0
    eval_every: int = 50
    model: dict = field(default_factory=dict)
    loss_options: dict = field(default_factory=dict)
    modalities: int = 2

    def validate(self) -> TrainConfig:
        """Raise a ValueError/TypeError naming the field for any impossible setting."""
        from ..losses import LOSSES

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
        if self.temperature_end is not None:
            check_float(self.temperature_end, "temperature_end", positive=True, allow_zero=False)
            if self.learn_temperature:
                raise ValueError("temperature_end schedules τ, which is then not learnt: "
                                 "pass learn_temperature=False with it")
        check_float(self.lr, "lr", positive=True, allow_zero=False)
        check_float(self.weight_decay, "weight_decay", positive=True)
        check_float(self.mismatched, "mismatched", positive=True)
        if self.mismatched >= 1.0:
            raise ValueError(f"mismatched must be a fraction in [0, 1), got {self.mismatched}")
        if not isinstance(self.decay_all, bool):
            raise TypeError(f"decay_all must be True or False, got {self.decay_all!r}")
        if self.init not in _INITS:
            raise ValueError(f"init must be one of {_INITS}, got {self.init!r}")
        if not isinstance(self.model, dict) or not isinstance(self.loss_options, dict):
            raise TypeError("model and loss_options must be dicts")
        unknown = sorted(set(self.loss_options) - set(LOSSES[self.loss].options))
        if unknown:
            allowed = ", ".join(sorted(LOSSES[self.loss].options)) or "none"
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
    """A trained model, its history (one row per evaluation) and how it was obtained.

    ``seconds`` is the run's share of the wall time: an ensemble of M members that took T seconds
    gives each member T / M.
    """

    model: object
    history: object  # pandas.DataFrame
    config: TrainConfig
    model_cfg: dict
    from_cache: bool
    seconds: float
    path: Path | None = None


#: Fields added after cache keys existed, with the value that trains what the trainer did before
#: them: a config holding that value leaves the field out of its key, so old entries stay valid.
_ADDED_FIELDS = {"modalities": 2, "mismatched": 0.0, "decay_all": True, "temperature_end": None}


def cache_key(config: TrainConfig) -> str:
    """Hex key of a config: sha256 of its JSON (sorted keys) plus the trainer version."""
    from ..losses import LOSSES

    fields = dataclasses.asdict(config)
    for name, before in _ADDED_FIELDS.items():  # the behaviour before the field existed keeps its key
        if fields[name] == before:
            del fields[name]
    # An option set to its default trains the same model as leaving it out: one key for both.
    defaults = LOSSES[config.loss].options if config.loss in LOSSES else {}
    fields["loss_options"] = {k: v for k, v in fields["loss_options"].items() if k not in defaults or defaults[k] != v}
    payload = json.dumps({"trainer": TRAINER_VERSION, **fields}, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()[:20]


def ensemble_signature(config: TrainConfig) -> str:
    """JSON of the fields the members of one ensemble share (all but :data:`MEMBER_FIELDS`)."""
    shared = {k: v for k, v in dataclasses.asdict(config).items() if k not in MEMBER_FIELDS}
    return json.dumps(shared, sort_keys=True, default=str)
