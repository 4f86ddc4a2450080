"""The appendix's path: a real pretrained CLIP on a real data set, with an offline stand-in.

:func:`prepare_model` and :func:`prepare_dataset` try the requested weights and data (through
:func:`gapnotes.hub.load_pretrained` and :mod:`gapnotes.datasets`); when they cannot be had
(offline, no permission to download) they fall back to a locally saved checkpoint of the book's
tiny CLIP and a small shapes data set written in torchvision's ImageFolder format, loaded by the
*same* functions, and say so. :func:`measure` then computes the appendix's numbers.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from . import datasets, embed, metrics, tasks
from .data import DataUnavailableError, cache_dir, sha256_of
from .hub import PretrainedUnavailableError, load_pretrained
from .models import save_open_clip_checkpoint
from .tasks import zero_shot_vs_shift  # re-exported: the appendix's name for it

__all__ = ["Prepared", "prepare_model", "prepare_families", "prepare_dataset", "measure", "measure_families", "results_table",
           "zero_shot_vs_shift"]

#: The shifts λ tried by :func:`measure` (chosen on the validation half).
LAMBDAS = tuple(float(v) for v in np.round(np.linspace(-0.6, 0.6, 13), 2))

#: Offline stand-ins: two tiny CLIPs trained by gapnotes.train (cached), as TrainConfig overrides.
FALLBACK_MODELS = {
    "primary": {"temperature": 0.07, "learn_temperature": True},
    "secondary": {"temperature": 0.01, "learn_temperature": False},
}


@dataclass
class Prepared:
    """What was loaded, and whether it is the requested thing or the offline stand-in."""

    description: str
    is_fallback: bool
    model: object = None
    preprocess: object = None
    tokenizer: object = None
    weights_id: str = ""
    extra: dict = field(default_factory=dict)
    label: str = ""


def prepare_model(name: str, pretrained: str, device=None, fallback: str = "primary") -> Prepared:
    """Load ``name``/``pretrained``; offline, train-or-load a tiny CLIP and load *its* checkpoint file instead."""
    try:
        model, preprocess, tokenizer = load_pretrained(name, pretrained, device=device)
        return Prepared(f"{name} with weights {pretrained!r}", False, model, preprocess, tokenizer,
                        weights_id=f"{name}/{pretrained}", label=f"{name} / {pretrained}")
    except PretrainedUnavailableError as err:
        reason = str(err).split(" (")[0]
    from .train import TrainConfig, train

    if fallback not in FALLBACK_MODELS:
        raise ValueError(f"fallback must be one of {sorted(FALLBACK_MODELS)}, got {fallback!r}")
    overrides = FALLBACK_MODELS[fallback]
    result = train(TrainConfig(**overrides), device=device)
    model_name = "tiny-clip" if fallback == "primary" else f"tiny-clip-{fallback}"
    path = save_open_clip_checkpoint(result.model, cache_dir() / "checkpoints" / model_name, result.model_cfg)
    model, preprocess, tokenizer = load_pretrained(model_name, str(path), device=device)
    desc = (f"OFFLINE STAND-IN: {reason}; using the book's tiny CLIP ({overrides}) from the local open_clip "
            f"checkpoint {path.name}")
    tau = "learnable τ" if overrides["learn_temperature"] else f"τ = {overrides['temperature']:g}"
    return Prepared(desc, True, model, preprocess, tokenizer, weights_id=f"{model_name}/{sha256_of(path)[:16]}",
                    label=f"stand-in: tiny CLIP ({tau})")


def prepare_families(requests, device=None) -> dict:
    """:func:`prepare_model` for each ``(name, pretrained)`` of ``requests``: label → :class:`Prepared`.

    Offline, the first request falls back to the "primary" stand-in and the second to the
    "secondary" one (:data:`FALLBACK_MODELS`), so two requests compare two different models.
    """
    requests = list(requests)
    if not 1 <= len(requests) <= len(FALLBACK_MODELS) or not all(
            isinstance(r, (tuple, list)) and len(r) == 2 for r in requests):
        raise ValueError(f"requests must be 1 to {len(FALLBACK_MODELS)} (name, pretrained) pairs, got {requests!r}")
    families = {}
    for (name, tag), fallback in zip(requests, FALLBACK_MODELS):
        prepared = prepare_model(name, tag, device=device, fallback=fallback)
        families[prepared.label] = prepared
    return families


def prepare_dataset(name: str, preprocess, allow_download: bool = False, n_fallback: int = 1500) -> Prepared:
    """Load CIFAR-10/100 (``"cifar10"``, ``"cifar100"``) or an ImageFolder path; offline, a shapes ImageFolder."""
    try:
        if name in datasets.CIFAR:
            data = datasets.load_cifar(name, split="test", transform=preprocess, download=allow_download)
        else:
            data = datasets.load_image_folder(name, transform=preprocess)
        return Prepared(f"{name} ({len(data)} images, {len(data.classes)} classes)", False,
                        extra={"dataset": data, "classes": list(data.classes), "id": str(name)})
    except (DataUnavailableError, FileNotFoundError) as err:
        reason = str(err).split(". ")[0]
    from .synthetic import make_shapes

    # Classes are shape × colour ("red_circle"): the tiny CLIP knows colours far better than shapes alone.
    root = cache_dir() / "datasets" / f"shapes-imagefolder-{n_fallback}"
    if not (root.is_dir() and any(root.iterdir())):
        datasets.write_image_folder(make_shapes(n_fallback, seed=202), root, by="shape_colour")
    data = datasets.load_image_folder(root, transform=preprocess)
    return Prepared(f"OFFLINE STAND-IN: {reason}; using {len(data)} shapes images in ImageFolder format at {root}",
                    True, extra={"dataset": data, "classes": list(data.classes), "id": f"shapes-{n_fallback}"})


def measure(model: Prepared, data: Prepared, n_images: int = 2000, template: str = "a photo of a {}",
            lambdas=LAMBDAS, seed: int = 0) -> dict:
    """The appendix's measurements for one model on one data set.

    The first ``n_images`` images are split in half: a validation half (to measure the gap
    direction and choose λ) and a test half (everything reported). Each image is paired with
    the prompt of its class. Returns a dict of floats plus ``curve`` (test accuracy by λ),
    ``seconds`` and ``images_per_second`` of the embedding pass (None when cached).
    """
    from torch.utils.data import Subset

    dataset = data.extra["dataset"]
    n = min(int(n_images), len(dataset))
    rng = np.random.default_rng(seed)
    index = np.sort(rng.permutation(len(dataset))[:n])
    key = {"weights": model.weights_id, "dataset": data.extra["id"], "split": "test", "index_seed": seed}
    start = time.perf_counter()
    images, labels, cached = embed.embed_image_dataset(model.model, Subset(dataset, index.tolist()), key)
    seconds = time.perf_counter() - start
    prompts, _ = embed.embed_text_list(model.model, model.tokenizer,
                                       [template.format(c.replace("_", " ")) for c in data.extra["classes"]], key)
    half = n // 2
    val, test = slice(0, half), slice(half, n)
    paired_texts = prompts[labels]
    direction = tasks.gap_direction(images[val], paired_texts[val])
    val_curve = zero_shot_vs_shift(images[val], labels[val], prompts, direction, lambdas)
    test_curve = zero_shot_vs_shift(images[test], labels[test], prompts, direction, lambdas)
    best = max(val_curve, key=val_curve.get)
    points, _, pooled_labels = metrics.pooled(images[test], paired_texts[test], labels[test])
    return {
        "gap": metrics.modality_gap(images[test], prompts),
        "image_cosine": metrics.mean_cosine_similarity(images[test]),
        "prompt_cosine": metrics.mean_cosine_similarity(prompts) if len(prompts) > 1 else float("nan"),
        "zero_shot": test_curve[0.0],
        "best_lambda_on_val": best,
        "zero_shot_at_best_lambda": test_curve[best],
        "v_measure_pooled": metrics.clustering_scores(points, pooled_labels, seed=seed)["v_measure"],
        "curve": test_curve,
        "n_images": n,
        "n_test": n - half,
        "seconds": None if cached else seconds,
        "images_per_second": None if cached else n / seconds,
    }


def measure_families(families: dict, dataset: str, n_images: int = 2000, allow_download: bool = False,
                     verbose: bool = True) -> dict:
    """:func:`measure` for every model of ``families`` (label → :class:`Prepared` model) on ``dataset``.

    Each family preprocesses images its own way (size, normalisation), so the data set is prepared
    again with each family's transform. With ``verbose`` one line per family says how many images
    were embedded and how fast (or that they came from the cache). Returns label → measure's dict.
    """
    if not isinstance(families, dict) or not families:
        raise ValueError("families must be a non-empty dict of label -> Prepared model")
    results = {}
    for label, model in families.items():
        data = prepare_dataset(dataset, model.preprocess, allow_download=allow_download)
        results[label] = measure(model, data, n_images=n_images)
        speed = results[label]["images_per_second"]
        if verbose:
            print(f"{label}: embedded {results[label]['n_images']} images",
                  f"at {speed:.0f} images/s" if speed else "(from the cache)")
    return results


def results_table(results: dict):
    """The scalar measurements of :func:`measure_families`' results, one column per family (a DataFrame)."""
    import pandas as pd

    skipped = ("curve", "seconds", "images_per_second")
    return pd.DataFrame({label: {k: v for k, v in r.items() if k not in skipped} for label, r in results.items()})
