"""Chapter-4 experiments: named training methods, a fixed benchmark, and one scoring function.

Keeps the notebooks short: ``score(train(base, **METHODS["ModGap"]), benchmark())`` gives one
row of the comparison table.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from .geometry import fit_posthoc
from .synthetic import ShapesPairs, class_prompts, make_shapes
from .tasks import evaluate_space

__all__ = ["METHODS", "NMODAL_METHODS", "ABLATION", "TAU_SWEEP", "CURVE_METHODS", "Benchmark", "benchmark", "score", "chapter_runs",
           "posthoc_per_seed", "released_summary", "training_histories", "final_scores", "three_tower_report", "three_tower_gaps"]

#: The post-hoc corrections :func:`score` knows (:func:`gapnotes.geometry.fit_posthoc`).
POSTHOC = ("none", "center", "shift", "procrustes")

#: Training-time methods compared in chapter 4, as overrides of :class:`gapnotes.train.TrainConfig`.
METHODS = {
    "CLIP-LT": {"loss": "clip"},
    "CLIP-FT": {"loss": "clip", "temperature": 0.1, "learn_temperature": False},
    "ModGap": {"loss": "modgap", "temperature": 0.1, "learn_temperature": False},
    "ModGap (scheduled)": {"loss": "modgap", "temperature": 0.1, "learn_temperature": False,
                           "loss_options": {"schedule": True}},
}

#: Chapter 5's three-tower methods (``TrainConfig(modalities=3)`` overrides); the ledger's n-modal
#: claim compares the first and the last.
NMODAL_METHODS = {
    "pairwise CLIP (learnable τ)": {"loss": "pairwise_clip"},
    "pairwise CLIP (τ = 0.1)": {"loss": "pairwise_clip", "temperature": 0.1, "learn_temperature": False},
    "ModGap, text anchor (τ = 0.1)": {"loss": "modgap", "temperature": 0.1, "learn_temperature": False,
                                      "loss_options": {"anchor": 1}},
}

_MODGAP = METHODS["ModGap"]

#: Chapter 4's ablation of the ModGap loss: which of its terms are on, as TrainConfig overrides.
ABLATION = {
    "ATP alone": {**_MODGAP, "loss_options": {"contrastive_weight": 0, "cu_weight": 0}},
    "CU alone": {**_MODGAP, "loss_options": {"contrastive_weight": 0, "atp_weight": 0}},
    "InfoNCE only (CLIP-FT)": METHODS["CLIP-FT"],
    "InfoNCE + ATP": {**_MODGAP, "loss_options": {"cu_weight": 0}},
    "InfoNCE + CU": {**_MODGAP, "loss_options": {"atp_weight": 0}},
    "InfoNCE + ATP + CU (ModGap)": _MODGAP,
    "ModGap, scheduled weights": METHODS["ModGap (scheduled)"],
}


#: Chapter 4's fixed temperatures for ModGap (METHODS["ModGap"] trains at the middle one).
TAU_SWEEP = (0.05, 0.1, 0.2)
#: The methods whose training curves chapter 4 plots (seed 0, partial captions).
CURVE_METHODS = ("CLIP-LT", "CLIP-FT", "ModGap (scheduled)")


def chapter_runs(base, partial_detail: int) -> list:
    """The configs chapter 4 trains for its own figures, seed 0 each.

    The ablation (:data:`ABLATION`) and ModGap at every τ of :data:`TAU_SWEEP`, on ``base``'s
    captions; every method of :data:`CURVE_METHODS` on captions naming ``partial_detail``
    attributes. A config may repeat one of the ledger's; :func:`gapnotes.train.train_many` trains it once.
    """
    partial = base.replace(caption_detail=partial_detail)
    modgap = METHODS["ModGap"]
    return ([base.replace(**overrides) for overrides in ABLATION.values()]
            + [base.replace(**{**modgap, "temperature": tau}) for tau in TAU_SWEEP]
            + [partial.replace(**METHODS[method]) for method in CURVE_METHODS])


@dataclass(frozen=True)
class Benchmark:
    """Held-out shapes pairs: ``fit`` (for post-hoc fits and the kNN training set) and ``test``."""

    fit: ShapesPairs
    test: ShapesPairs
    cluster_by: str = "colour"
    classify_by: str = "shape_colour"


@functools.lru_cache(maxsize=4)
def benchmark(n_fit: int = 1000, n_test: int = 1000, caption_detail: int = 4, seed: int = 100,
              cluster_by: str = "colour") -> Benchmark:
    """The fixed evaluation data of chapter 4 (drawn with seeds never used for training).

    ``cluster_by`` is the label k-means on the pooled embeddings is scored against.
    """
    fit = make_shapes(n_fit, seed=seed, caption_detail=caption_detail)
    fit.labels(cluster_by)  # a ValueError naming the allowed labels, before any work
    return Benchmark(fit, make_shapes(n_test, seed=seed + 1, caption_detail=caption_detail), cluster_by=cluster_by)


def score(result, bench: Benchmark, posthoc: str = "none") -> dict:
    """Evaluate a trained model (a :class:`gapnotes.train.TrainResult`) on a benchmark.

    The post-hoc correction (``"none"``, ``"center"``, ``"shift"``, ``"procrustes"``) is fitted on
    the benchmark's ``fit`` pairs and applied to test images, test captions, class prompts and
    the kNN training images alike. Returns :func:`gapnotes.tasks.evaluate_space`'s dict.
    """
    from .embed import embed_pairs, embed_prompts

    fit_images, fit_texts = embed_pairs(result.model, bench.fit, result.model_cfg)
    test_images, test_texts = embed_pairs(result.model, bench.test, result.model_cfg)
    prompts = embed_prompts(result.model, class_prompts(bench.classify_by), result.model_cfg)
    fix = fit_posthoc(posthoc, fit_images, fit_texts)
    return evaluate_space(
        fix.images(test_images), fix.texts(test_texts),
        cluster_labels=bench.test.labels(bench.cluster_by), class_labels=bench.test.labels(bench.classify_by),
        class_prompts=fix.texts(prompts), train_images=fix.images(fit_images),
        train_labels=bench.fit.labels(bench.classify_by),
    )


def posthoc_per_seed(config, bench: Benchmark, seeds, corrections=POSTHOC):
    """Every post-hoc correction on the model of ``config`` trained with each seed: one row per (correction, seed).

    Columns ``correction``, ``seed`` and :func:`score`'s metrics. Each model is trained once (or
    loaded from the cache) and scored under every correction, each fitted on ``bench.fit``.
    """
    import pandas as pd

    from .train import train

    seeds = list(seeds)
    if not seeds:
        raise ValueError("seeds must name at least one seed")
    unknown = [c for c in corrections if c not in POSTHOC]
    if unknown or not corrections:
        raise ValueError(f"corrections must be among {POSTHOC}, got {list(corrections)}")
    results = {seed: train(config.replace(seed=seed), progress=False) for seed in seeds}
    return pd.DataFrame([{"correction": fix, "seed": seed, **score(results[seed], bench, posthoc=fix)}
                         for fix in corrections for seed in seeds])


def centring_by_regime(regimes: dict, attributes=("colour", "shape"), n_test: int = 1000, n_init: int = 10):
    """Pooled clustering before and after per-modality centring, for several caption regimes on one benchmark.

    ``regimes`` maps a label to a list of TrainConfigs (one per seed). Each model is trained (or
    loaded from the cache) and embeds the test split of :func:`benchmark` for its own caption
    regime (``config.caption_detail``; the same seed of test pairs for every regime); k-means
    (``n_init`` restarts) on the pooled points is scored by V-measure against each attribute, as
    trained and after :func:`gapnotes.geometry.center_modalities`. Returns a long DataFrame with
    columns regime, seed, gap, attribute, v_trained, v_centred, change (v_centred − v_trained).
    """
    import pandas as pd

    from .embed import embed_pairs
    from .geometry import center_modalities
    from .metrics import modality_gap, pooled_v_measure
    from .train import train

    if not regimes or any(not configs for configs in regimes.values()):
        raise ValueError("regimes must map each label to a non-empty list of TrainConfigs")
    rows = []
    for label, configs in regimes.items():
        for config in configs:
            pairs = benchmark(n_test=n_test, caption_detail=config.caption_detail).test
            result = train(config, progress=False)
            x, y = embed_pairs(result.model, pairs, result.model_cfg)
            cx, cy = center_modalities(x, y)
            gap = modality_gap(x, y)
            for attribute in attributes:
                labels = pairs.labels(attribute)
                before = pooled_v_measure(x, y, labels, n_init=n_init)
                after = pooled_v_measure(cx, cy, labels, n_init=n_init)
                rows.append({"regime": label, "seed": config.seed, "gap": gap, "attribute": attribute,
                             "v_trained": before, "v_centred": after, "change": after - before})
    return pd.DataFrame(rows)


def training_histories(runs: dict, key: str = "run"):
    """The validation history of each run, long format: ``runs`` maps a name to a TrainConfig.

    Each config is trained or loaded from the cache; returns one DataFrame with a column ``key``
    (the run's name) and the history's columns (step, train_loss, temperature, gap, true_pair_cos,
    r1_i2t, r1_t2i), for a line per run in one plot.
    """
    import pandas as pd

    from .train import train

    if not runs:
        raise ValueError("runs must name at least one TrainConfig")
    histories = {name: train(config, progress=False).history for name, config in runs.items()}
    return pd.concat(histories, names=[key, None]).reset_index(level=0)


def final_scores(runs: dict, columns=("gap", "true_pair_cos", "r1_i2t")):
    """The last validation row of each run's history (after its last step), one row per run.

    ``runs`` maps a name (the index) to a TrainConfig; ``columns`` picks the history's columns.
    """
    import pandas as pd

    from .train import train

    if not runs:
        raise ValueError("runs must name at least one TrainConfig")
    rows = {name: train(config, progress=False).history.iloc[-1] for name, config in runs.items()}
    missing = [c for c in columns if c not in next(iter(rows.values())).index]
    if missing:
        raise ValueError(f"columns {missing} are not in a training history")
    return pd.DataFrame.from_dict(rows, orient="index")[list(columns)]


def released_summary():
    """:func:`gapnotes.metrics.summarize_pair` of every released embedding set, one row per model.

    Index ``(model, weights)`` ("pretrained" or "random"); columns ``pairs`` (the two modalities),
    ``N`` and the summary's metrics. Reads the files through :func:`gapnotes.data.load_released_features`.
    """
    import pandas as pd

    from .data import RELEASED_FEATURES, load_released_features
    from .metrics import summarize_pair

    rows = []
    for name, info in RELEASED_FEATURES.items():
        x, y = load_released_features(name)
        rows.append({"model": info.model, "weights": "pretrained" if info.pretrained else "random",
                     "pairs": f"{info.modality_x}–{info.modality_y}", "N": len(x), **summarize_pair(x, y)})
    return pd.DataFrame(rows).set_index(["model", "weights"])


def three_tower_report(result, pairs: ShapesPairs, labels) -> dict:
    """:func:`gapnotes.tasks.multimodal_report` of one trained three-tower model on ``pairs``.

    ``result`` is a :class:`gapnotes.train.TrainResult` of a ``modalities=3`` config; its towers
    embed the images, captions and sketches of ``pairs``, and ``labels`` are the k-means groups.
    """
    from .embed import embed_pairs
    from .tasks import multimodal_report

    images, texts, sketches = embed_pairs(result.model, pairs, result.model_cfg)
    return multimodal_report({"image": images, "text": texts, "sketch": sketches}, labels)


def three_tower_gaps(runs: dict, pairs: ShapesPairs, labels):
    """Pairwise gaps and pooled clustering of trained three-tower models, one row per run.

    ``runs`` maps a row name (any hashable, e.g. ``(method, seed)``) to a three-modality
    :class:`gapnotes.train.TrainConfig`; each is trained or loaded from the cache. Every model
    embeds ``pairs`` (images, captions, sketches) and is scored by
    :func:`gapnotes.tasks.multimodal_report` with ``labels`` as the groups.

    Returns a DataFrame indexed like ``runs`` with columns ``image–text``, ``image–sketch``,
    ``text–sketch`` (the gaps) and ``v_measure`` (k-means on the pooled points).
    """
    import pandas as pd

    from .train import train

    rows = {}
    for name, config in runs.items():
        if config.modalities != 3:
            raise ValueError(f"runs[{name!r}] trains {config.modalities} modalities; three_tower_gaps needs 3")
        report = three_tower_report(train(config, progress=False), pairs, labels)
        gaps = report["gaps"]
        rows[name] = {"image–text": gaps.loc["image", "text"], "image–sketch": gaps.loc["image", "sketch"],
                      "text–sketch": gaps.loc["text", "sketch"], "v_measure": report["clustering"]["v_measure"]}
    table = pd.DataFrame.from_dict(rows, orient="index")
    if all(isinstance(name, tuple) for name in rows):
        table.index = pd.MultiIndex.from_tuples(table.index)
    return table
