"""Small simulations of chapter 2: the 3-D sphere toy and the embedding-shift loss landscape."""

from __future__ import annotations

import numpy as np

from ._validation import as_embeddings, check_float, check_same_rows

__all__ = ["SPHERE_AZIMUTHS", "sphere_toy_points", "sphere_toy_loss", "sphere_toy_curves", "shift_loss_landscape"]

#: Azimuths (degrees) of the six image points of the paper's Fig. 3e–g.
SPHERE_AZIMUTHS = (-20.0, 0.0, 20.0, 40.0, 60.0, 80.0)


def _contrastive_loss_np(x: np.ndarray, y: np.ndarray, temperature: float) -> float:
    """Symmetric InfoNCE on unit rows, in float64 NumPy (same formula as losses.clip_loss)."""
    from scipy.special import logsumexp

    logits = (x @ y.T) / temperature
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


def shift_loss_landscape(x, y, lambdas, temperatures=(1 / 100, 1 / 50, 1.0)):
    """Contrastive loss after shifting the modalities along the gap by each λ.

    For every λ the pairs are moved with :func:`gapnotes.geometry.shift_along_gap` and the
    symmetric InfoNCE loss at each τ is computed on all pairs, together with the new gap.

    Returns a DataFrame with columns ``lam``, ``gap``, ``temperature``, ``loss``.
    """
    import pandas as pd

    from .geometry import shift_along_gap
    from .metrics import modality_gap

    x = as_embeddings(x, "x")
    y = as_embeddings(y, "y")
    check_same_rows(x, y, "x", "y")
    rows = []
    for lam in np.asarray(lambdas, dtype=float):
        sx, sy = shift_along_gap(x, y, float(lam))
        sx, sy = sx.astype(np.float64), sy.astype(np.float64)
        gap = modality_gap(sx, sy)
        for tau in temperatures:
            rows.append({"lam": float(lam), "gap": gap, "temperature": float(tau),
                         "loss": _contrastive_loss_np(sx, sy, float(tau))})
    return pd.DataFrame(rows)
