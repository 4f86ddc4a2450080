"""The cone effect: random deep networks map every input into a narrow cone.

Tools for chapter 1: cosine similarity through the layers of random MLPs, the
seed-dependence of the cone, the probability behind Theorem 1 of Liang et al.
(2022), and how small a cone of a given angle is on a high-dimensional sphere.
"""

from __future__ import annotations

import numpy as np

from ._validation import as_embeddings, check_float, check_int
from ._vectors import normalized, unit_mean
from .metrics import mean_cosine_similarity

__all__ = [
    "ACTIVATIONS",
    "random_mlp",
    "cosine_by_depth",
    "seed_cones",
    "theorem1_threshold",
    "cosine_increase_probability",
    "cap_fraction",
    "angles_to_centre",
    "log2_cap_fraction",
    "random_clip_embeddings",
    "mean_cosine_table",
    "cones_in_3d",
]


def _leaky_relu(z):
    return np.where(z > 0, z, 0.01 * z)


#: The activations of the paper's Fig. 2b, as NumPy functions.
ACTIVATIONS = {
    "relu": lambda z: np.maximum(z, 0.0),
    "leaky_relu": _leaky_relu,
    "tanh": np.tanh,
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "linear": lambda z: z,
}
_NORMALIZATIONS = (None, "layer", "batch")


def _normalize_features(h, normalization):
    if normalization == "layer":  # per sample, across features
        return (h - h.mean(1, keepdims=True)) / (h.std(1, keepdims=True) + 1e-5)
    if normalization == "batch":  # per feature, across the batch
        return (h - h.mean(0, keepdims=True)) / (h.std(0, keepdims=True) + 1e-5)
    return h


def random_mlp(
    inputs,
    depth: int = 25,
    width: int = 512,
    activation: str = "relu",
    seed: int = 0,
    bias: bool = True,
    normalization: str | None = None,
    return_all: bool = False,
):
    """Pass ``inputs`` through a freshly drawn random MLP.

    Each layer is h ← σ(norm(h W + b)) with W_{kl}, b_k ~ N(0, 1/width) i.i.d.
    (the initialisation of the paper's Fig. 2b).

    Parameters
    ----------
    inputs : array-like, shape (N, D_in)
    depth : int ≥ 1, number of layers
    width : int ≥ 1, output width of every layer
    activation : one of :data:`ACTIVATIONS`
    seed : int, seeds the weights (the inputs are given)
    bias : bool
    normalization : None, ``"layer"`` or ``"batch"``, applied before the activation
    return_all : bool
        Return the list of every layer's output (length ``depth``) instead of the last.
    """
    x = as_embeddings(inputs, "inputs").astype(np.float64)
    depth = check_int(depth, "depth", minimum=1)
    width = check_int(width, "width", minimum=1)
    seed = check_int(seed, "seed", minimum=0)
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, "
                         f"got {activation!r}")
    if normalization not in _NORMALIZATIONS:
        raise ValueError(f"normalization must be one of {_NORMALIZATIONS}, "
                         f"got {normalization!r}")
    rng = np.random.default_rng(seed)
    act = ACTIVATIONS[activation]
    std = 1.0 / np.sqrt(width)
    outputs = []
    h = x
    for _ in range(depth):
        w = rng.normal(0.0, std, size=(h.shape[1], width))
        z = h @ w
        if bias:
            z = z + rng.normal(0.0, std, size=width)
        h = act(_normalize_features(z, normalization))
        outputs.append(h)
    return outputs if return_all else outputs[-1]


def cosine_by_depth(activation: str = "relu", depth: int = 25, width: int = 512, n_inputs: int = 1024,
                    seed: int = 0, normalization: str | None = None, bias: bool = True) -> np.ndarray:
    """Mean pairwise cosine of ``n_inputs`` Gaussian inputs after each layer of a random MLP.

    Returns an array of length ``depth + 1``: entry 0 is the inputs' own mean cosine
    (≈ 0 for Gaussian inputs), entry ℓ the mean cosine after layer ℓ. Layers whose
    output is all-zero for some input (possible for ReLU at tiny widths) raise. ``bias=False``
    draws no biases (the authors' ``no_bias`` notebook): a bias is the same vector for every input,
    so with biases part of the cone is that shared offset rather than the non-linearity.
    """
    n_inputs = check_int(n_inputs, "n_inputs", minimum=2)
    width = check_int(width, "width", minimum=1)
    inputs = np.random.default_rng(seed + 1_000_003).normal(size=(n_inputs, width))
    layers = random_mlp(inputs, depth=depth, width=width, activation=activation, seed=seed,
                        normalization=normalization, bias=bias, return_all=True)
    return np.array([mean_cosine_similarity(inputs)] + [mean_cosine_similarity(h) for h in layers])


def seed_cones(inputs, n_seeds: int = 25, depth: int = 10, width: int = 512, activation: str = "relu"):
    """Embed the same ``inputs`` with ``n_seeds`` independently initialised random MLPs.

    Returns ``(embeddings, seed_labels)`` of shapes (n_seeds·N, width) and (n_seeds·N,).
    Each seed's embeddings form their own narrow cone (paper, Fig. 2c).
    """
    n_seeds = check_int(n_seeds, "n_seeds", minimum=2)
    x = as_embeddings(inputs, "inputs")
    outs = [random_mlp(x, depth=depth, width=width, activation=activation, seed=s) for s in range(n_seeds)]
    return np.concatenate(outs), np.repeat(np.arange(n_seeds), len(x))


def theorem1_threshold(norm_ratio) -> np.ndarray | float:
    """The cosine below which one random ReLU layer increases cosine similarity (Theorem 1).

    For inputs u, v with ‖u‖ = r‖v‖ the condition is cos(u, v) < (½(r + 1/r))⁻¹ = 2r/(1 + r²).
    The threshold is 1 for equal norms and falls as the norms differ.
    """
    r = np.asarray(norm_ratio, dtype=np.float64)
    if np.any(~np.isfinite(r)) or np.any(r <= 0):
        raise ValueError(f"norm_ratio must be finite and > 0, got {norm_ratio}")
    out = 2.0 * r / (1.0 + r**2)
    return float(out) if out.ndim == 0 else out


def _pair_with_cosine(cosine: float, norm_ratio: float, dim: int, rng) -> tuple[np.ndarray, np.ndarray]:
    """Two vectors in R^dim with the given cosine and ‖u‖ = norm_ratio · ‖v‖ (‖v‖ = 1)."""
    q, _ = np.linalg.qr(rng.normal(size=(dim, 2)))
    e1, e2 = q[:, 0], q[:, 1]
    v = e1
    u = norm_ratio * (cosine * e1 + np.sqrt(max(0.0, 1 - cosine**2)) * e2)
    return u, v


def cosine_increase_probability(input_cosine: float, norm_ratio: float = 1.0, width: int = 512,
                                dim_in: int = 32, n_trials: int = 200, seed: int = 0) -> float:
    """Fraction of random ReLU layers Φ(z) = ReLU(Wz + b) with cos(Φ(u), Φ(v)) > cos(u, v).

    W ∈ R^{width×dim_in} and b ∈ R^{width} have i.i.d. N(0, 1/width) entries, as in
    Theorem 1 of Liang et al. (2022); u, v are fixed vectors with the given cosine and
    norm ratio ‖u‖/‖v‖. The theorem says the probability tends to 1 as the width grows
    whenever ``input_cosine`` < :func:`theorem1_threshold` (``norm_ratio``).
    """
    c = check_float(input_cosine, "input_cosine")
    if not -1 <= c < 1:
        raise ValueError(f"input_cosine must lie in [-1, 1), got {c}")
    r = check_float(norm_ratio, "norm_ratio", positive=True, allow_zero=False)
    width = check_int(width, "width", minimum=1)
    dim_in = check_int(dim_in, "dim_in", minimum=2)
    n_trials = check_int(n_trials, "n_trials", minimum=1)
    rng = np.random.default_rng(seed)
    u, v = _pair_with_cosine(c, r, dim_in, rng)
    std = 1.0 / np.sqrt(width)
    w = rng.normal(0.0, std, size=(n_trials, width, dim_in))
    b = rng.normal(0.0, std, size=(n_trials, width))
    pu = np.maximum(w @ u + b, 0.0)
    pv = np.maximum(w @ v + b, 0.0)
    norms = np.linalg.norm(pu, axis=1) * np.linalg.norm(pv, axis=1)
    cos_out = np.einsum("tk,tk->t", pu, pv) / np.where(norms > 0, norms, 1.0)
    # An all-zero output has no direction: count it as "not increased".
    return float(np.mean((cos_out > c) & (norms > 0)))


def theorem1_grid(input_cosines, norm_ratios=(1.0, 2.0), widths=(8, 64, 1024), dim_in: int = 16,
                  n_trials: int = 400, seed: int = 1):
    """:func:`cosine_increase_probability` over a grid of input cosines, norm ratios and widths.

    Returns a DataFrame with one row per (norm ratio r, width, input cosine), in that nesting order,
    and columns ``input cosine``, ``width``, ``r``, ``P(cosine increases)``. Every cell uses the same
    ``dim_in``, ``n_trials`` and ``seed``.
    """
    import pandas as pd

    rows = [{"input cosine": c, "width": w, "r": r,
             "P(cosine increases)": cosine_increase_probability(c, norm_ratio=r, width=w, dim_in=dim_in,
                                                                 n_trials=n_trials, seed=seed)}
            for r in norm_ratios for w in widths for c in input_cosines]
    if not rows:
        raise ValueError("input_cosines, norm_ratios and widths must each hold at least one value")
    return pd.DataFrame(rows)


def cap_fraction(angle_deg, dim: int) -> float:
    """Fraction of the unit sphere S^{dim−1} ⊂ R^dim within ``angle_deg`` of a fixed pole.

    For dim = 2 this is angle/180° (an arc of total width 2·angle); in general it is
    ½ I_{sin²θ}((dim−1)/2, ½) for θ ≤ 90°, with I the regularised incomplete beta
    function, and 1 − (that of 180° − θ) beyond 90°.
    """
    from scipy.special import betainc

    dim = check_int(dim, "dim", minimum=2)
    theta = np.deg2rad(check_float(angle_deg, "angle_deg"))
    if not 0 <= theta <= np.pi:
        raise ValueError(f"angle_deg must lie in [0, 180], got {angle_deg}")
    if theta <= np.pi / 2:
        return float(0.5 * betainc((dim - 1) / 2.0, 0.5, np.sin(theta) ** 2))
    return float(1.0 - 0.5 * betainc((dim - 1) / 2.0, 0.5, np.sin(np.pi - theta) ** 2))


def angles_to_centre(x) -> np.ndarray:
    """Each row's angle, in degrees, from the direction of the cloud's centre mean(x̂).

    The angular radius of a cone, measured rather than assumed. In high dimension, with mean
    pairwise cosine c, the centre has length ≈ √c and a typical point sits about arccos √c from its
    direction (not arccos(c)/2, half the typical angle between two points). Returns an array of
    shape (N,).

    Parameters
    ----------
    x : array-like, shape (N, D), N ≥ 2
    """
    x = as_embeddings(x, "x", min_rows=2)
    centre = unit_mean(x, "x")
    length = np.linalg.norm(centre)
    if length < 1e-12:
        raise ValueError("x must have a non-zero centre (its normalised rows cancel out)")
    cosines = normalized(x, "x").astype(np.float64) @ (centre / length)
    return np.degrees(np.arccos(np.clip(cosines, -1.0, 1.0)))


def log2_cap_fraction(angle_deg, dim: int) -> float:
    """log₂ of :func:`cap_fraction`, accurate even when the fraction underflows (θ ≤ 90°).

    Uses the leading term of the incomplete beta function for small x = sin²θ when the
    direct value is below 1e-300.
    """
    from scipy.special import betaln

    value = cap_fraction(angle_deg, dim)
    if value > 1e-300:
        return float(np.log2(value))
    theta = np.deg2rad(angle_deg)
    a = (dim - 1) / 2.0
    x = np.sin(theta) ** 2
    # I_x(a, ½) ≈ x^a (1−x)^½ / (a B(a, ½)) for small x (the first term of the series).
    log_i = a * np.log(x) + 0.5 * np.log1p(-x) - np.log(a) - betaln(a, 0.5)
    return float((np.log(0.5) + log_i) / np.log(2))


def random_clip_embeddings(name: str, images, captions, n_noise: int = 64, seed: int = 0, device=None) -> dict:
    """Embeddings of a randomly initialised open_clip model on data and on noise.

    Returns a dict with four float32 arrays: ``image_data`` (the given images),
    ``image_noise`` (standard Gaussian images at the model's input size),
    ``text_data`` (the given captions) and ``text_noise`` (random token sequences).
    """
    from .embed import embed_images, embed_texts
    from .models import create_random_clip, image_size, random_text_tokens

    model, tokenizer = create_random_clip(name, seed=seed, device=device)
    size = image_size(model)
    rng = np.random.default_rng(seed + 7)
    noise_images = rng.normal(size=(n_noise, 3, size, size)).astype(np.float32)
    return {
        "image_data": embed_images(model, images),
        "image_noise": embed_images(model, noise_images, normalize_input=False),
        "text_data": embed_texts(model, captions, tokenizer),
        "text_noise": embed_texts(model, random_text_tokens(n_noise, seed=seed + 11)),
    }


def mean_cosine_table(towers: dict, rows: dict):
    """The cone of each random tower, on data and on noise: mean cosine similarity, one row each.

    ``towers`` maps a model name to :func:`random_clip_embeddings`' dict; ``rows`` maps a row label to
    ``(model name, "image" or "text")``. Returns a DataFrame indexed by the labels with columns
    ``data`` and ``noise`` (:func:`gapnotes.metrics.mean_cosine_similarity`; 1 = one direction).
    """
    import pandas as pd

    from .metrics import mean_cosine_similarity

    if not rows:
        raise ValueError("rows must name at least one (model, modality)")
    table = {}
    for label, (name, modality) in rows.items():
        if name not in towers:
            raise ValueError(f"rows[{label!r}] names model {name!r}; towers has {sorted(towers)}")
        if modality not in ("image", "text"):
            raise ValueError(f"rows[{label!r}]: modality must be 'image' or 'text', got {modality!r}")
        table[label] = {k: mean_cosine_similarity(towers[name][f"{modality}_{k}"]) for k in ("data", "noise")}
    return pd.DataFrame.from_dict(table, orient="index")


def cones_in_3d(inputs, depth: int = 10, width: int = 512, seeds=(0, 1), n_show: int = 200,
                projection_seed: int = 0) -> dict:
    """Two (or more) random towers' cones, layer by layer, seen on the 3-D unit sphere.

    Each seed draws one random ReLU MLP (:func:`random_mlp`) and passes the same ``inputs``
    through it. Every layer's output (and the input, layer 0) is measured in its own ``width``
    dimensions, then multiplied by one fixed Gaussian matrix (width × 3, drawn with
    ``projection_seed``, the same for every tower and layer: one shared space) and normalised,
    so it can be drawn on a sphere.

    Returns ``{"layers": [0, …, depth], "points": {seed: [(n_show, 3) per layer]},
    "mean_cosine": {seed: [float per layer]}, "shown_cosine": {seed: [float per layer]},
    "centre_cosine": [float per layer]}``. ``mean_cosine``
    (:func:`gapnotes.metrics.mean_cosine_similarity`) and the cosine between the first and last
    tower's mean directions are measured in the full width, on every input; ``shown_cosine`` is
    the mean cosine of the drawn 3-D points, which is larger (three random directions cannot
    keep a 512-D cloud's residuals orthogonal): the picture exaggerates how narrow a cone is.
    """
    x = as_embeddings(inputs, "inputs").astype(np.float64)
    depth = check_int(depth, "depth", minimum=1)
    width = check_int(width, "width", minimum=3)
    n_show = check_int(n_show, "n_show", minimum=1)
    seeds = [check_int(s, "seeds", minimum=0) for s in seeds]
    if len(seeds) < 1 or len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must name distinct towers, got {seeds}")
    projection_seed = check_int(projection_seed, "projection_seed", minimum=0)
    shown = np.arange(min(n_show, len(x)))
    result = {"layers": list(range(depth + 1)), "points": {}, "mean_cosine": {}, "shown_cosine": {},
              "centre_cosine": []}
    rng = np.random.default_rng(projection_seed)
    projections = {}
    means = {}
    for seed in seeds:
        layers = [x] + random_mlp(x, depth=depth, width=width, seed=seed, return_all=True)
        result["mean_cosine"][seed] = [mean_cosine_similarity(h) for h in layers]
        means[seed] = [unit_mean(h, "inputs") for h in layers]
        result["points"][seed] = []
        for h in layers:
            dim = h.shape[1]
            if dim not in projections:
                projections[dim] = rng.normal(size=(dim, 3))
            result["points"][seed].append(normalized(h[shown] @ projections[dim], "inputs"))
        result["shown_cosine"][seed] = [mean_cosine_similarity(p) for p in result["points"][seed]]
    first, second = seeds[0], seeds[-1]
    result["centre_cosine"] = [float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))
                               for a, b in zip(means[first], means[second])]
    return result
