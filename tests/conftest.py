"""Shared fixtures: small random embedding sets with a known geometry."""

import numpy as np
import pytest


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture
def pair(rng):
    """Two 200×16 modalities with a clear gap: each is a cone around its own direction."""
    n, d = 200, 16
    base_x = np.zeros(d)
    base_x[0] = 3.0
    base_y = np.zeros(d)
    base_y[1] = 3.0
    shared = rng.normal(size=(n, d))
    x = base_x + shared + 0.3 * rng.normal(size=(n, d))
    y = base_y + shared + 0.3 * rng.normal(size=(n, d))
    return x.astype(np.float32), y.astype(np.float32)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty model/data cache private to the test (``$GAPNOTES_CACHE_DIR``)."""
    monkeypatch.setenv("GAPNOTES_CACHE_DIR", str(tmp_path))
    return tmp_path
