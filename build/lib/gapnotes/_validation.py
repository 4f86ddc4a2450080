"""Input validation shared by every public function of :mod:`gapnotes`.

Public functions accept NumPy arrays, torch tensors (any device, with or without
grad) or nested lists. They are converted once, here, into a NumPy floating array
without copying when the input already is one. Errors name the argument the user
passed, so a message reads ``ValueError: x has 3 rows but y has 4``.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["as_embeddings", "check_same_rows", "row_norms", "as_labels", "check_int", "check_float"]


def _to_numpy(x, name: str) -> np.ndarray:
    # Duck-type torch so importing gapnotes.metrics never needs torch.
    if hasattr(x, "detach") and hasattr(x, "cpu") and hasattr(x, "numpy"):
        x = x.detach().cpu()
        if str(getattr(x, "dtype", "")) in ("torch.bfloat16", "torch.float16"):
            x = x.float()
        return x.numpy()
    if isinstance(x, (str, bytes)) or x is None:
        raise TypeError(f"{name} must be an array of numbers, got {type(x).__name__}")
    try:
        return np.asarray(x)
    except (ValueError, TypeError) as err:  # ragged lists and the like
        raise TypeError(f"{name} must be an array of numbers ({err})") from None


def as_embeddings(x, name: str, *, ndim: int = 2, min_rows: int = 1, check_finite: bool = True) -> np.ndarray:
    """Return ``x`` as a floating NumPy array of shape (N, D), validated.

    Integer inputs are promoted to float64; float16 to float32; float32/float64 pass
    through without a copy. Raises ``TypeError`` for non-numeric data and ``ValueError``
    for the wrong number of dimensions, too few rows, zero width or NaN/inf values.
    """
    arr = _to_numpy(x, name)
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.number):
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise TypeError(f"{name} must hold real numbers, got complex dtype {arr.dtype}")
    if arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D (N, D), got shape {arr.shape}")
    if arr.shape[0] < min_rows:
        raise ValueError(f"{name} needs at least {min_rows} row(s), got shape {arr.shape}")
    if ndim == 2 and arr.shape[1] == 0:
        raise ValueError(f"{name} has zero columns (shape {arr.shape})")
    if np.issubdtype(arr.dtype, np.integer):
        arr = arr.astype(np.float64)
    elif arr.dtype == np.float16:
        arr = arr.astype(np.float32)
    # A float64 sum of finite float32 values cannot overflow, so a finite sum proves there
    # is no NaN/inf without an (N, D) boolean temporary; only a non-finite sum (or huge
    # float64 values) takes the exact, slower check.
    if check_finite and not np.isfinite(arr.sum(dtype=np.float64)) and not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr


def row_norms(x: np.ndarray, name: str, first_row: int = 0) -> np.ndarray:
    """Euclidean norm of each row of an (N, D) array; refuses all-zero rows.

    Computed with ``einsum`` so no (N, D) temporary is made; accumulated in float64
    only when the input is float64 (float32 squares cannot overflow for |x| < 1e19).
    ``first_row``: the index of ``x``'s first row in a larger array, for the error message.
    """
    sq = np.einsum("ij,ij->i", x, x)
    if not np.all(np.isfinite(sq)):
        # NaN/inf in a row make its squared norm non-finite, so this also validates x (callers that
        # compute norms can skip as_embeddings' own finiteness pass over the data).
        if not np.isfinite(x).all():
            raise ValueError(f"{name} contains NaN or infinite values")
        # Very large finite entries overflow in the squares: recompute safely.
        scale = np.abs(x).max(axis=1)
        scale[scale == 0] = 1
        sq = np.einsum("ij,ij->i", x / scale[:, None], x / scale[:, None]).astype(np.float64) * scale.astype(np.float64) ** 2
    norms = np.sqrt(sq)
    zero = np.flatnonzero(norms == 0)
    if zero.size:
        raise ValueError(
            f"{name} has {zero.size} all-zero row(s) (first at index {first_row + zero[0]}); "
            "a zero vector has no direction and cannot be L2-normalised"
        )
    return norms


def check_same_rows(x: np.ndarray, y: np.ndarray, name_x: str, name_y: str, *, same_dim: bool = True) -> None:
    """Refuse two embedding arrays that do not describe the same pairs."""
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"{name_x} has {x.shape[0]} rows but {name_y} has {y.shape[0]}; row i of each must be a pair")
    if same_dim and x.shape[1] != y.shape[1]:
        raise ValueError(f"{name_x} has dimension {x.shape[1]} but {name_y} has {y.shape[1]}")


def as_labels(labels, name: str, n: int, rows_of: str = "the embeddings") -> np.ndarray:
    """Validate a 1-D array of ``n`` class labels (any hashable dtype NumPy can sort).

    ``rows_of`` names the array the labels belong to, for the mismatch message.
    """
    arr = _to_numpy(labels, name)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {arr.shape}")
    if arr.shape[0] != n:
        raise ValueError(f"{name} has {arr.shape[0]} entries but {rows_of} has {n} rows; they must match")
    if np.issubdtype(arr.dtype, np.floating) and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr


def check_int(value, name: str, *, minimum: int | None = None) -> int:
    """Return ``value`` as an int, refusing bools, floats and values below ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def check_float(value, name: str, *, positive: bool = False, allow_zero: bool = True) -> float:
    """Return ``value`` as a finite float, optionally requiring it to be > 0 (or >= 0)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if positive and (value < 0 or (value == 0 and not allow_zero)):
        raise ValueError(f"{name} must be {'>= 0' if allow_zero else '> 0'}, got {value}")
    return value
