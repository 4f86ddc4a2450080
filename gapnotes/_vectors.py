"""Vector helpers that several modules of gapnotes need (metrics, geometry, tasks): one home, no module
importing another module's private names. Internal: the public functions validate their input first."""

from __future__ import annotations

import numpy as np

from ._validation import row_norms

__all__ = ["fused_block", "norms_and_centre", "unit_mean", "normalized"]

# Rows per block for the fused passes: a block (≈ 2 MB at D = 512) stays in cache between the
# operations on it, so each pass reads the data from memory once.
_FUSED_BLOCK_BYTES = 2 << 20


def fused_block(x: np.ndarray) -> int:
    return max(1, _FUSED_BLOCK_BYTES // max(1, x.shape[1] * x.itemsize))


def norms_and_centre(x: np.ndarray, name: str):
    """Row norms ‖x_i‖ (float64) and the centre mean_i x_i/‖x_i‖ (float64, length D), in one pass over x.

    O(N·D), no normalised copy; refuses NaN/inf and all-zero rows, naming ``name``.
    """
    n = len(x)
    norms = np.empty(n, dtype=np.float64)
    centre = np.zeros(x.shape[1], dtype=np.float64)
    block = fused_block(x)
    for start in range(0, n, block):
        part = x[start : start + block]
        part_norms = row_norms(part, name, first_row=start)
        norms[start : start + len(part)] = part_norms
        centre += (1.0 / part_norms).astype(x.dtype) @ part
    return norms, centre / n


def unit_mean(x: np.ndarray, name: str) -> np.ndarray:
    """mean_i x_i/‖x_i‖ (see :func:`norms_and_centre`)."""
    return norms_and_centre(x, name)[1]


def normalized(x: np.ndarray, name: str) -> np.ndarray:
    """One L2-normalised copy of x (float32 unless x is float64)."""
    dtype = np.float64 if x.dtype == np.float64 else np.float32
    out = np.array(x, dtype=dtype, copy=True)
    out /= row_norms(x, name).astype(dtype)[:, None]
    return out
