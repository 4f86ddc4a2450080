"""Small simulations of chapter 2: the 3-D sphere toy and the embedding-shift loss landscape."""

from __future__ import annotations

import numpy as np

from ._validation import as_embeddings, check_float, check_int, check_same_rows

__all__ = ["SPHERE_AZIMUTHS", "sphere_toy_points", "sphere_toy_loss", "sphere_toy_curves", "shift_loss_landscape",
           "landscape_minima", "sphere_toy_descent", "AUTHORS_SHIFTS", "AUTHORS_TEMPERATURES", "AUTHORS_BATCH_SIZE"]

#: Azimuths (degrees) of the six image points of the paper's Fig. 3e–g.
SPHERE_AZIMUTHS = (-20.0, 0.0, 20.0, 40.0, 60.0, 80.0)


def _contrastive_loss_np(x: np.ndarray, y: np.ndarray, temperature: float) -> float:
    """Symmetric InfoNCE on unit rows, in float64 NumPy (same formula as losses.clip_loss)."""
    return _contrastive_loss_from_similarities(x @ y.T, temperature)


def _contrastive_loss_from_similarities(similarities: np.ndarray, temperature: float) -> float:
    """:func:`_contrastive_loss_np` from the cosine matrix ``x @ y.T`` (one product for many τ)."""
    from scipy.special import logsumexp

    logits = similarities / temperature
    diag = np.diag(logits)
    row = np.mean(logsumexp(logits, axis=1) - diag)
    col = np.mean(logsumexp(logits, axis=0) - diag)
    return float(0.5 * (row + col))


def sphere_toy_points(delta_theta_deg: float, swap: bool = True):
    """Image and text points of the sphere toy, as two (6, 3) unit-vector arrays.

    Images lie on the equator at :data:`SPHERE_AZIMUTHS`; texts at the same azimuths
    but polar angle 90° + Δθ (Δθ > 0 moves them south). With ``swap`` the captions of
    images 0 and 1 are exchanged: two mismatched pairs, (I0, T0) and (I1, T1), as in Liang et al. (2022,
    Sec. 4.3 and Fig. 3) and as noisy real data has.
    """
    dt = np.deg2rad(check_float(delta_theta_deg, "delta_theta_deg"))
    if abs(dt) > np.pi / 2 + 1e-12:
        raise ValueError(f"delta_theta_deg must lie in [-90, 90], got {delta_theta_deg}")
    phi = np.deg2rad(np.array(SPHERE_AZIMUTHS))
    images = np.stack([np.cos(phi), np.sin(phi), np.zeros_like(phi)], axis=1)
    texts = np.stack([np.cos(dt) * np.cos(phi), np.cos(dt) * np.sin(phi), -np.sin(dt) * np.ones_like(phi)], axis=1)
    if swap:
        texts[[0, 1]] = texts[[1, 0]]
    return images, texts


def sphere_toy_loss(delta_theta_deg: float, temperature: float, swap: bool = True) -> float:
    """Symmetric CLIP loss of the sphere toy at text offset Δθ and temperature τ."""
    tau = check_float(temperature, "temperature", positive=True, allow_zero=False)
    images, texts = sphere_toy_points(delta_theta_deg, swap=swap)
    return _contrastive_loss_np(images, texts, tau)


def sphere_toy_curves(temperatures=(1 / 100, 1 / 50, 1 / 35, 1 / 5, 1.0), deltas=None, swap: bool = True):
    """Loss of the sphere toy over Δθ for several temperatures, as a long DataFrame.

    Columns: ``delta_theta`` (degrees), ``temperature``, ``loss``, ``loss_vs_aligned`` (the
    loss minus its value at Δθ = 0, so temperatures share one scale) and ``gap`` (the
    distance between the two centres, which grows with |Δθ|).
    """
    import pandas as pd

    from .metrics import modality_gap

    deltas = np.linspace(-90, 90, 181) if deltas is None else np.asarray(deltas, dtype=float)
    rows = []
    for tau in temperatures:
        aligned = sphere_toy_loss(0.0, tau, swap=swap)
        for d in deltas:
            images, texts = sphere_toy_points(d, swap=swap)
            loss = _contrastive_loss_np(images, texts, float(tau))
            rows.append({"delta_theta": float(d), "temperature": float(tau), "loss": loss,
                         "loss_vs_aligned": loss - aligned, "gap": modality_gap(images, texts)})
    return pd.DataFrame(rows)


#: Liang et al.'s loss-vs-shift protocol, as their Figure_3_Contrastive_Learning/
#: plot_optimization_exp.ipynb runs it on 5,000 MSCOCO validation pairs: shifts λ from −5 to
#: 4.75 in steps of 0.25, logit scales 100, 50, 30, 20, 10 and 1, consecutive batches of 50 pairs.
AUTHORS_SHIFTS = tuple(np.arange(-5.0, 5.0, 0.25).round(2))
AUTHORS_TEMPERATURES = (1 / 100, 1 / 50, 1 / 30, 1 / 20, 1 / 10, 1.0)
AUTHORS_BATCH_SIZE = 50


def shift_loss_landscape(x, y, lambdas, temperatures=(1 / 100, 1 / 50, 1.0), batch_size: int | None = None):
    """Contrastive loss after shifting the modalities along the gap by each λ.

    For every λ the pairs are moved with :func:`gapnotes.geometry.shift_along_gap` (x̂ − ½λĝ,
    ŷ + ½λĝ, renormalised; the authors' shift) and the symmetric InfoNCE loss at each τ is
    computed, together with the new gap. With ``batch_size`` the loss is the mean over
    consecutive batches of that many pairs (the authors use 50; a leftover shorter batch is
    dropped, as in their notebook); ``None`` scores all pairs as one batch.

    Differences from the authors' notebook: their second cross-entropy term is computed on
    ``logits_per_text.T``, which is the image→text logits again, so the loss they plot is the
    image→text cross-entropy alone; here it is the symmetric loss the paper's text describes.
    Their x axis signs the centre distance by the first principal component; ``signed_gap`` here
    signs it by the original gap direction (the same sign: both flip when the centres cross).

    Returns a DataFrame with columns ``lam``, ``gap``, ``signed_gap``, ``temperature``, ``loss``.
    """
    import pandas as pd

    from .geometry import shift_along_gap
    from .metrics import gap_vector

    x = as_embeddings(x, "x")
    y = as_embeddings(y, "y")
    check_same_rows(x, y, "x", "y")
    if batch_size is not None:
        batch_size = check_int(batch_size, "batch_size", minimum=2)
        if batch_size > len(x):
            raise ValueError(f"batch_size={batch_size} exceeds the number of pairs ({len(x)})")
    n_batches = 1 if batch_size is None else len(x) // batch_size
    size = len(x) if batch_size is None else batch_size
    direction = gap_vector(x, y)  # only its sign is used: which side the image centre is on
    rows = []
    for lam in np.asarray(lambdas, dtype=float):
        sx, sy = shift_along_gap(x, y, float(lam))
        sx, sy = sx.astype(np.float64), sy.astype(np.float64)
        difference = gap_vector(sx, sy)
        gap = float(np.linalg.norm(difference))
        signed = gap if float(difference @ direction) >= 0 else -gap
        # one similarity matrix per batch, scored at every τ
        batches = [sx[b * size:(b + 1) * size] @ sy[b * size:(b + 1) * size].T for b in range(n_batches)]
        for tau in temperatures:
            loss = np.mean([_contrastive_loss_from_similarities(s, float(tau)) for s in batches])
            rows.append({"lam": float(lam), "gap": gap, "signed_gap": signed, "temperature": float(tau),
                         "loss": float(loss)})
    return pd.DataFrame(rows)


def landscape_minima(landscape, by=("temperature",)):
    """Where each curve of :func:`shift_loss_landscape` is lowest, and how flat it is.

    ``landscape`` is its DataFrame (optionally with more key columns, e.g. ``model``, named in
    ``by``). Returns one row per group: ``lam``, ``gap`` and ``signed_gap`` at the lowest loss,
    that ``loss``, the loss at λ = 0 (``loss_unshifted``, NaN when λ = 0 is not on the grid) and
    ``loss_range`` (highest − lowest loss: near 0 means the loss barely cares where the
    modalities sit, and the minimum's position means little).
    """
    by = [by] if isinstance(by, str) else list(by)
    missing = [c for c in [*by, "lam", "gap", "signed_gap", "loss"] if c not in landscape]
    if missing:
        raise ValueError(f"landscape lacks the columns {missing}")
    landscape = landscape.reset_index(drop=True)  # idxmin below needs unique row labels
    groups = landscape.groupby(by, sort=False)
    minima = landscape.loc[groups["loss"].idxmin(), [*by, "lam", "gap", "signed_gap", "loss"]].set_index(by)
    unshifted = landscape[landscape["lam"] == 0].set_index(by)["loss"]
    minima["loss_unshifted"] = unshifted.reindex(minima.index)
    minima["loss_range"] = groups["loss"].max() - groups["loss"].min()
    return minima


def sphere_toy_descent(temperature: float, start_deg: float = 40.0, steps: int = 80, step_size: float = 4000.0,
                       swap: bool = True) -> np.ndarray:
    """Gradient descent of the sphere toy's caption offset Δθ at one temperature.

    The captions move together (the toy's one degree of freedom, :func:`sphere_toy_points`),
    from ``start_deg``: Δθ ← Δθ − ``step_size`` · τ · ∂L/∂Δθ, the derivative by central
    differences (±10⁻³ degrees). The factor τ undoes the 1/τ that the logits put in front of
    every gradient, so one ``step_size`` suits every temperature. Returns the ``steps + 1``
    offsets (degrees), the start included; |Δθ| stays ≤ 90.
    """
    tau = check_float(temperature, "temperature", positive=True, allow_zero=False)
    delta = check_float(start_deg, "start_deg")
    if abs(delta) > 90:
        raise ValueError(f"start_deg must lie in [-90, 90], got {start_deg}")
    steps = check_int(steps, "steps", minimum=1)
    step_size = check_float(step_size, "step_size", positive=True, allow_zero=False)
    h = 1e-3
    path = [delta]
    for _ in range(steps):
        slope = (sphere_toy_loss(min(delta + h, 90), tau, swap) - sphere_toy_loss(max(delta - h, -90), tau, swap)) / (
            min(delta + h, 90) - max(delta - h, -90))
        delta = float(np.clip(delta - step_size * tau * slope, -90, 90))
        path.append(delta)
    return np.array(path)
