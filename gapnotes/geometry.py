"""Geometric operations on embedding spaces: normalising, shifting and aligning modalities.

All functions take array-likes of shape (N, D) (NumPy or torch), never modify their
input, and return new NumPy arrays whose rows are unit vectors.
"""

from __future__ import annotations

import numpy as np

from ._validation import as_embeddings, check_float, check_same_rows, row_norms
from ._vectors import fused_block, normalized, norms_and_centre
from .metrics import gap_vector

__all__ = [
    "normalize",
    "shift_along",
    "shift_along_gap",
    "center_modalities",
    "procrustes_align",
    "project_2d",
    "PosthocMap",
    "fit_posthoc",
    "POSTHOC_METHODS",
]


def normalize(x) -> np.ndarray:
    """Return x with every row scaled to unit Euclidean norm, x̂_i = x_i / ‖x_i‖.

    Parameters
    ----------
    x : array-like, shape (N, D); no all-zero rows.

    Returns
    -------
    np.ndarray, shape (N, D), float32 (float64 if x is float64).
    """
    return normalized(as_embeddings(x, "x"), "x")


def _renormalize(a: np.ndarray, name: str) -> np.ndarray:
    """Scale the rows of ``a`` (a new array owned by the caller) back to unit norm, in place."""
    a /= row_norms(a, name).astype(a.dtype)[:, None]
    return a


def shift_along(x, direction, step: float) -> np.ndarray:
    """Move every row of x by ``step`` along a unit ``direction``, then re-normalise.

    x'_i = normalize(x̂_i + step · d̂). Used to move a modality (or a set of class
    prompts) along a gap direction measured on other data.

    Parameters
    ----------
    x : array-like, shape (N, D)
    direction : array-like, shape (D,), non-zero (it is normalised here)
    step : float
    """
    x = as_embeddings(x, "x")
    d = np.asarray(direction, dtype=np.float64)
    if d.ndim != 1 or d.shape[0] != x.shape[1]:
        raise ValueError(f"direction must have shape ({x.shape[1]},), got {d.shape}")
    norm = np.linalg.norm(d)
    if not np.isfinite(norm) or norm == 0:
        raise ValueError("direction must be a finite, non-zero vector")
    step = check_float(step, "step")
    out = normalized(x, "x")
    out += (step * d / norm).astype(out.dtype)
    return _renormalize(out, "shifted x")


def shift_along_gap(x, y, lam: float):
    """Move the two modalities towards (λ > 0) or away from (λ < 0) each other.

    The shift of Liang et al. (2022, Sec. 4.1). With ĝ = Δ/‖Δ‖ the unit gap vector,
    Δ = mean(x̂) − mean(ŷ)::

        x'_i = normalize(x̂_i − ½ λ ĝ)
        y'_i = normalize(ŷ_i + ½ λ ĝ)

    λ is measured in the units of the gap: λ ≈ ‖Δ‖ (the current gap) brings the
    two centres close together, λ = 0 returns the normalised inputs, λ < 0 widens
    the gap. Re-normalisation keeps every point on the unit sphere, so the new gap
    is not exactly ‖Δ‖ − λ: measure it with :func:`gapnotes.metrics.modality_gap`.

    Parameters
    ----------
    x : array-like, shape (N, D)
    y : array-like, shape (M, D)
    lam : float

    Returns
    -------
    (x_shifted, y_shifted) : two np.ndarrays of the input shapes.
    """
    # norms_and_centre below refuses NaN/inf
    x = as_embeddings(x, "x", check_finite=False)
    y = as_embeddings(y, "y", check_finite=False)
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"x has dimension {x.shape[1]} but y has {y.shape[1]}")
    lam = check_float(lam, "lam")
    norms_x, centre_x = norms_and_centre(x, "x")
    norms_y, centre_y = norms_and_centre(y, "y")
    delta = centre_x - centre_y
    norm = np.linalg.norm(delta)
    if lam != 0.0 and norm == 0:
        raise ValueError("x and y have the same centre: the gap direction is "
                         "undefined, so lam must be 0")
    step = 0.5 * lam * delta / norm if lam != 0.0 else np.zeros_like(delta)
    # each output is written once, block by block: no (N, D) temporary besides them
    shifted_x = _shifted_unit_rows(x, norms_x, -step, "x")
    shifted_y = _shifted_unit_rows(y, norms_y, step, "y")
    return shifted_x, shifted_y


def _shifted_unit_rows(x: np.ndarray, norms: np.ndarray, shift: np.ndarray, name: str) -> np.ndarray:
    """normalize(x_i/‖x_i‖ + shift) for every row, written once into a new array (one pass over x).

    Uses ‖x̂_i + s‖² = 1 + 2 x̂_i·s + ‖s‖², so the new norms need no second pass over a shifted copy.
    """
    dtype = np.float64 if x.dtype == np.float64 else np.float32
    out = np.empty(x.shape, dtype=dtype)
    moving = bool(shift.any())
    shift_t = shift.astype(dtype)
    shift_sq = float(shift @ shift)
    block = fused_block(x)
    offset = np.empty((min(block, len(x)), x.shape[1]), dtype=dtype) if moving else None
    for start in range(0, len(x), block):
        part = x[start : start + block]
        inv = 1.0 / norms[start : start + len(part)]
        if moving:
            projection = (part @ shift_t).astype(np.float64) * inv
            shifted_sq = 1.0 + 2.0 * projection + shift_sq
            if np.any(shifted_sq <= 1e-24):
                raise ValueError(f"shifting {name} puts a row on the origin; use a smaller lam")
            scale = 1.0 / np.sqrt(shifted_sq)
        else:
            scale = np.ones(len(part))
        target = out[start : start + len(part)]
        np.multiply(part, (inv * scale).astype(dtype)[:, None], out=target, casting="same_kind")
        if moving:
            extra = offset[: len(part)]
            np.multiply(scale.astype(dtype)[:, None], shift_t[None, :], out=extra)
            target += extra
    return out


def center_modalities(x, y):
    """Remove each modality's own mean, then re-normalise.

    x'_i = normalize(x̂_i − mean_j x̂_j),  y'_i = normalize(ŷ_i − mean_j ŷ_j).

    Both clouds end up centred on the origin, so their centres coincide (gap ≈ 0).
    The per-modality centering used by GR-CLIP (arXiv 2507.19054) for mixed-modality
    search. Needs at least 2 rows per modality (one row minus its mean is zero).

    Returns
    -------
    (x_centred, y_centred)
    """
    x = as_embeddings(x, "x", min_rows=2)
    y = as_embeddings(y, "y", min_rows=2)
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"x has dimension {x.shape[1]} but y has {y.shape[1]}")
    out = []
    for arr, name in ((x, "x"), (y, "y")):
        arr_n = normalized(arr, name)
        arr_n -= arr_n.mean(axis=0, dtype=np.float64).astype(arr_n.dtype)
        out.append(_renormalize(arr_n, f"centred {name}"))
    return out[0], out[1]


def procrustes_align(source, target):
    """Rotate ``source`` onto ``target`` with the best orthogonal map (orthogonal Procrustes).

    Finds R = argmin_{RᵀR = I} ‖Ŝ R − T̂‖_F over normalised rows, R = U Vᵀ where
    U Σ Vᵀ = Ŝᵀ T̂. Rotations preserve every angle within ``source``, so retrieval
    *inside* a modality is unchanged while matched pairs are brought together.

    Parameters
    ----------
    source, target : array-like, shape (N, D)
        Row i of source corresponds to row i of target.

    Returns
    -------
    (aligned, rotation) : aligned = normalize(Ŝ R) of shape (N, D); rotation (D, D).
    """
    s = as_embeddings(source, "source")
    t = as_embeddings(target, "target")
    check_same_rows(s, t, "source", "target")
    sn = normalized(s, "source").astype(np.float64)
    tn = normalized(t, "target").astype(np.float64)
    u, _, vt = np.linalg.svd(sn.T @ tn)
    rotation = u @ vt
    aligned = sn @ rotation
    aligned /= np.linalg.norm(aligned, axis=1, keepdims=True)
    dtype = np.float64 if s.dtype == np.float64 else np.float32
    return aligned.astype(dtype), rotation


def project_2d(points, method: str = "pca", seed: int = 0, n_neighbors: int = 15) -> np.ndarray:
    """Project L2-normalised points to 2-D for plotting.

    Parameters
    ----------
    points : array-like, shape (N, D)
    method : {"pca", "umap"}
        PCA is linear and keeps distances along the top two directions (so the gap
        shows as a real distance); UMAP (umap-learn) keeps neighbourhoods.
    seed : int
    n_neighbors : int
        UMAP's neighbourhood size (ignored by PCA).

    Returns
    -------
    np.ndarray, shape (N, 2)
    """
    from ._validation import check_int

    x = normalized(as_embeddings(points, "points", min_rows=3), "points")
    seed = check_int(seed, "seed", minimum=0)
    if method == "pca":
        from sklearn.decomposition import PCA

        return PCA(n_components=2, random_state=seed).fit_transform(x)
    if method == "umap":
        import warnings

        import umap

        n_neighbors = min(check_int(n_neighbors, "n_neighbors", minimum=2), len(x) - 1)
        options = {}
        if 4096 <= len(x) <= 50_000:
            # From 4,096 points on, UMAP switches to approximate neighbours (pynndescent), whose
            # just-in-time compilation alone takes ~30 s; exact cosine neighbours cost ~1 s here.
            from sklearn.neighbors import NearestNeighbors

            distances, indices = NearestNeighbors(n_neighbors=n_neighbors, metric="cosine",
                                                  algorithm="brute").fit(x).kneighbors(x)
            options["precomputed_knn"] = (indices, distances, None)
        with warnings.catch_warnings():
            # umap warns that a fixed random_state disables parallelism: that is the point.
            warnings.simplefilter("ignore", UserWarning)
            reducer = umap.UMAP(n_components=2, n_neighbors=n_neighbors, metric="cosine", random_state=seed,
                                **options)
            return reducer.fit_transform(x)
    raise ValueError(f"method must be 'pca' or 'umap', got {method!r}")


POSTHOC_METHODS = ("none", "center", "shift", "procrustes")


class PosthocMap:
    """A post-hoc correction fitted on some pairs, applicable to any image or text embeddings.

    Use :func:`fit_posthoc` to build one; then ``m.images(x)`` and ``m.texts(y)`` return the
    corrected, L2-normalised embeddings (class prompts are texts).
    """

    def __init__(self, method: str, image_fn, text_fn):
        self.method = method
        self._image_fn, self._text_fn = image_fn, text_fn

    def images(self, x) -> np.ndarray:
        return self._image_fn(normalize(x))

    def texts(self, y) -> np.ndarray:
        return self._text_fn(normalize(y))

    def __repr__(self) -> str:
        return f"PosthocMap({self.method!r})"


def fit_posthoc(method: str, images, texts) -> PosthocMap:
    """Fit a post-hoc gap correction on paired embeddings (e.g. a validation split).

    Methods:

    - ``"none"``: normalisation only;
    - ``"center"``: subtract each modality's mean (measured here), re-normalise;
    - ``"shift"``: move images by −½‖Δ‖ĝ and texts by +½‖Δ‖ĝ along the unit gap direction ĝ
      measured here (the 2022 paper's shift with λ = the gap);
    - ``"procrustes"``: rotate texts onto images with the orthogonal map fitted on these pairs.

    Parameters
    ----------
    method : one of :data:`POSTHOC_METHODS`
    images, texts : array-like (N, D), the pairs to fit on
    """
    if method not in POSTHOC_METHODS:
        raise ValueError(f"method must be one of {POSTHOC_METHODS}, got {method!r}")
    x = as_embeddings(images, "images", min_rows=2)
    y = as_embeddings(texts, "texts", min_rows=2)
    check_same_rows(x, y, "images", "texts")
    xn, yn = normalized(x, "images"), normalized(y, "texts")

    def renorm(a):
        return _renormalize(a, "corrected embeddings")

    if method == "none":
        return PosthocMap(method, lambda a: a, lambda b: b)
    if method == "center":
        mx, my = xn.mean(0), yn.mean(0)
        return PosthocMap(method, lambda a: renorm(a - mx.astype(a.dtype)), lambda b: renorm(b - my.astype(b.dtype)))
    if method == "shift":
        delta = gap_vector(xn, yn)
        gap = float(np.linalg.norm(delta))
        return PosthocMap(method, lambda a: shift_along(a, delta, -gap / 2), lambda b: shift_along(b, delta, gap / 2))
    _, rotation = procrustes_align(yn, xn)
    return PosthocMap(method, lambda a: a, lambda b: renorm((b.astype(np.float64) @ rotation).astype(b.dtype)))
