"""One trainer for every model of the book, with an on-disk cache keyed by the full config.

>>> from gapnotes.train import TrainConfig, train, train_many
>>> result = train(TrainConfig(temperature=0.01, learn_temperature=False))   # doctest: +SKIP
>>> seeds = train_many([TrainConfig(seed=s) for s in range(5)])              # doctest: +SKIP

:func:`train_many` trains configs that share an architecture, data and optimiser as **one
ensemble**: the members' weights are stacked along a leading model dimension and every
step runs once for all of them (:mod:`gapnotes.training.stacked` says how and why). A lone
:func:`train` is an ensemble of one, through the same loop, so a member of an ensemble is
the model its config trains alone (same cache entry; a test compares them).

A finished run is stored under ``cache_dir()/models/<key>-<device type>/`` (the weights as
an open_clip checkpoint, the history as CSV, the config as JSON), where ``<key>`` hashes
every field of the config plus :data:`TRAINER_VERSION`. A later call with the same config
loads it instead of training again, so chapters share models. Entries are written to a
temporary folder and renamed into place only when complete.

The parts live in :mod:`gapnotes.training` (config, cache, data, vocabulary slice,
initialisation, stacked model, loop); this module is the public face. Embedding a trained
model's pairs or prompts is :mod:`gapnotes.embed` (``embed_pairs``, ``embed_prompts``).
"""

from __future__ import annotations

import os
import time

from ._validation import check_int
from .device import get_device
from .embed import encode_split
from .training import cache as _cache
from .training.config import TRAINER_VERSION, TrainConfig, TrainResult, cache_key, ensemble_signature
from .training.loop import scores

__all__ = [
    "TrainConfig",
    "TrainResult",
    "train",
    "train_many",
    "evaluate",
    "TRAINER_VERSION",
    "cache_key",
    "ensemble_signature",
    "ensembles",
]

#: Most members trained in one ensemble (memory grows with it; speed per member stops improving).
MAX_ENSEMBLE = 16


def _progress_default(progress: bool | None) -> bool:
    return os.environ.get("GAPNOTES_PROGRESS", "1") != "0" if progress is None else bool(progress)


def _checked(configs) -> list:
    configs = list(configs)
    if not configs:
        raise ValueError("configs must contain at least one TrainConfig")
    for config in configs:
        if not isinstance(config, TrainConfig):
            raise TypeError(f"configs must be TrainConfig objects, got {type(config).__name__}")
        config.validate()
    return configs


def _train_and_store(configs, device, progress: bool, cache: bool) -> list[TrainResult]:
    """Train ``configs`` (one ensemble signature) together; store each member when ``cache``."""
    from .training.loop import train_members

    start = time.perf_counter()
    trained = train_members(configs, device, progress=progress)
    seconds = (time.perf_counter() - start) / len(configs)
    results = []
    for config, (model, history, model_cfg) in zip(configs, trained):
        folder = _cache.cache_folder(config, device.type) if cache else None
        if cache:
            _cache.store(folder, model, history, model_cfg, config, seconds, ensemble=len(configs))
        results.append(TrainResult(model, history, config, model_cfg, False, seconds, folder))
    return results


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
    config = config or TrainConfig()
    if not isinstance(config, TrainConfig):
        raise TypeError(f"config must be a TrainConfig, got {type(config).__name__}")
    config = config.replace(**overrides) if overrides else config
    config.validate()
    device = get_device(device) if device is not None else get_device()
    folder = _cache.cache_folder(config, device.type)
    if cache and _cache.is_cached(config, device.type):
        return _cache.load(folder, config, device)
    return _train_and_store([config], device, _progress_default(progress), cache)[0]


def train_many(configs, *, progress: bool | None = None, device=None,
               max_ensemble: int = MAX_ENSEMBLE) -> list[TrainResult]:
    """Train (or load) several configs; the missing ones train as stacked ensembles.

    Missing configs are grouped by :func:`ensemble_signature` (everything but seed, loss, loss
    options, temperature, learnability and initialisation must agree) and each group trains
    as one ensemble of at most ``max_ensemble`` members. Results come back in the order of
    ``configs``; a config given twice is trained once.

    Parameters
    ----------
    configs : iterable of TrainConfig
    progress, device : as for :func:`train`
    max_ensemble : int ≥ 1, the most members trained at once
    """
    configs = _checked(configs)
    max_ensemble = check_int(max_ensemble, "max_ensemble", minimum=1)
    device = get_device(device) if device is not None else get_device()
    progress = _progress_default(progress)
    results: dict[str, TrainResult] = {}  # by cache key (configs hold dicts: not hashable)
    missing = []
    seen = set()
    for config in configs:
        key = cache_key(config)
        if key in seen:
            continue
        seen.add(key)
        if _cache.is_cached(config, device.type):
            results[key] = _cache.load(_cache.cache_folder(config, device.type), config, device)
        else:
            missing.append(config)
    for chunk in ensembles(missing, max_ensemble):
        trained = _train_and_store(chunk, device, progress, cache=True)
        results.update((cache_key(c), r) for c, r in zip(chunk, trained))
    return [results[cache_key(config)] for config in configs]


def ensembles(configs, max_ensemble: int = MAX_ENSEMBLE) -> list[list]:
    """``configs`` grouped by :func:`ensemble_signature` (first-seen order), each group cut into as
    few chunks of at most ``max_ensemble`` as it needs, of near-equal size (18 members → 9 + 9, not
    16 + 2: a small ensemble costs more per member): the lists that can train as one stacked ensemble."""
    groups: dict[str, list] = {}
    for config in configs:
        groups.setdefault(ensemble_signature(config), []).append(config)
    out = []
    for members in groups.values():
        size = -(-len(members) // -(-len(members) // max_ensemble))  # ceil(n / number of chunks)
        out += [members[start:start + size] for start in range(0, len(members), size)]
    return out


def evaluate(model, images, tokens, sketches=None) -> dict:
    """Gap, true-pair cosine and Recall@1 both ways of a model on prepared tensors.

    With sketches, also the image–sketch and text–sketch gaps (``gap_is``, ``gap_ts``).
    """
    return scores(*encode_split(model, images, tokens, sketches))
