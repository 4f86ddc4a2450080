"""The ledger's statistics: interval estimates over seeds, as science judges an effect.

Each function takes the per-seed numbers of one check (a 1-D array, one entry per seed) and
returns a plain float. Two questions are asked of a claim, and they have different answers:

* **Does the effect hold on average?** The one-sided lower confidence bound of the mean margin,
  :func:`mean_lower_bound` (Student t), with :func:`bootstrap_mean_lower_bound` as a cross-check;
  for "barely moves", the two one-sided tests of :func:`tost_bound` (Schuirmann 1987, Lakens 2017).
* **How often does a single run show it?** :func:`share_lower_bound`, the Clopper–Pearson lower
  bound of the share of runs in which it holds (Agarwal et al. 2021 argue for such interval
  estimates over point estimates of a few runs).
"""

from __future__ import annotations

import numpy as np

__all__ = ["mean_lower_bound", "bootstrap_mean_lower_bound", "tost_bound", "share_lower_bound"]


def _seed_values(values, name: str = "values") -> np.ndarray:
    x = np.asarray(values, dtype=float)
    if x.ndim != 1 or x.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D sequence of per-seed numbers, got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} must be finite, got {x}")
    return x


def _check_level(level: float) -> float:
    if not 0.5 < float(level) < 1:
        raise ValueError(f"level must be in (0.5, 1), got {level!r}")
    return float(level)


def mean_lower_bound(values, level: float = 0.95) -> float:
    """One-sided lower confidence bound of the mean of ``values`` (Student t).

    ``mean(x) − t(level, n − 1) · sd(x) / √n`` with the sample sd (ddof = 1). The true mean lies
    above it with probability ``level`` when the per-seed values are roughly normal. Needs
    n ≥ 2 seeds; equal values give the mean itself.
    """
    from ..metrics import mean_ci

    x = _seed_values(values)
    level = _check_level(level)
    if x.size < 2:
        raise ValueError(f"values must hold at least 2 seeds for an interval, got {x.size}")
    # the lower end of the two-sided (2·level − 1) t-interval is the one-sided ``level`` bound
    mean, half_width = mean_ci(x, 2 * level - 1)
    return mean - half_width


def bootstrap_mean_lower_bound(values, level: float = 0.95, n_resamples: int = 10_000, seed: int = 0) -> float:
    """Percentile-bootstrap lower bound of the mean of ``values``: the (1 − level) quantile of resampled means.

    A cross-check of :func:`mean_lower_bound` that assumes no normality (with few seeds it is
    narrower than the t bound: the percentile bootstrap under-covers for n ≈ 5). Deterministic
    for a given ``seed``.
    """
    x = _seed_values(values)
    level = _check_level(level)
    if int(n_resamples) < 100:
        raise ValueError(f"n_resamples must be at least 100, got {n_resamples!r}")
    rng = np.random.default_rng(seed)
    means = x[rng.integers(0, x.size, size=(int(n_resamples), x.size))].mean(axis=1)
    return float(np.quantile(means, 1 - level))


def tost_bound(changes, margins, level: float = 0.95) -> float:
    """Two one-sided tests (TOST) that a signed change is within ±margin on average.

    ``changes``: the signed change per seed (e.g. ModGap's R@1 minus CLIP-LT's); ``margins``: the
    allowed change per seed (a number, or one per seed). Returns the smaller of the two lower
    bounds :func:`mean_lower_bound` of ``margins − changes`` and ``margins + changes``: it is ≥ 0
    exactly when both one-sided tests reject at α = 1 − level, i.e. when (for a constant margin)
    the two-sided (2·level − 1) interval of the mean change, 90 % at the default, lies inside
    ±margin. A change that is small on average but varies a lot between seeds fails it: too few
    seeds to say "barely moves".
    """
    d = _seed_values(changes, "changes")
    m = np.broadcast_to(np.asarray(margins, dtype=float), d.shape)
    if not np.all(np.isfinite(m)) or np.any(m < 0):
        raise ValueError(f"margins must be finite and ≥ 0, got {margins!r}")
    return min(mean_lower_bound(m - d, level), mean_lower_bound(m + d, level))


def share_lower_bound(successes: int, trials: int, level: float = 0.95) -> float:
    """One-sided Clopper–Pearson lower confidence bound of a success probability.

    ``successes`` of ``trials`` runs showed the effect; the bound is the ``1 − level`` quantile of
    Beta(k, n − k + 1) (0 when k = 0). Even n of n gives ``(1 − level)^(1/n)``: 0.55 for 5 of 5,
    0.80 needs 14 of 14 (or 28 of 30 …), so a claim that "a single run shows" is judged on pooled
    seeds.
    """
    from scipy.stats import beta

    k, n = int(successes), int(trials)
    if n < 1 or not 0 <= k <= n or k != successes or n != trials:
        raise ValueError(f"successes and trials must be integers with 0 ≤ successes ≤ trials, trials ≥ 1; "
                         f"got {successes!r} of {trials!r}")
    level = _check_level(level)
    return 0.0 if k == 0 else float(beta.ppf(1 - level, k, n - k + 1))
