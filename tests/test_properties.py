"""Property-based tests (hypothesis) of the metrics and geometry: invariances and bounds that must hold
for every input, not just the fixtures."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from gapnotes import geometry, metrics

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True)


@st.composite
def two_clouds(draw, min_rows=3, max_rows=24, min_dim=2, max_dim=8):
    """Paired clouds (x, y): each modality a cone around its own random direction, plus a seed."""
    n = draw(st.integers(min_rows, max_rows))
    d = draw(st.integers(min_dim, max_dim))
    seed = draw(st.integers(0, 2**32 - 1))
    spread = draw(st.floats(0.05, 2.0))
    rng = np.random.default_rng(seed)
    x = rng.normal(size=d) + spread * rng.normal(size=(n, d))
    y = rng.normal(size=d) + spread * rng.normal(size=(n, d))
    assume(np.linalg.norm(x, axis=1).min() > 1e-3 and np.linalg.norm(y, axis=1).min() > 1e-3)
    return x, y, rng


def _rotation(rng, d):
    q, r = np.linalg.qr(rng.normal(size=(d, d)))
    return q * np.sign(np.diag(r))


@SETTINGS
@given(two_clouds())
def test_gap_invariant_to_shared_rotation(data):
    x, y, rng = data
    rotation = _rotation(rng, x.shape[1])
    assert metrics.modality_gap(x @ rotation, y @ rotation) == pytest.approx(metrics.modality_gap(x, y), abs=1e-9)


@SETTINGS
@given(two_clouds())
def test_gap_invariant_to_permuting_pairs(data):
    x, y, rng = data
    order = rng.permutation(len(x))
    assert metrics.modality_gap(x[order], y[order]) == pytest.approx(metrics.modality_gap(x, y), abs=1e-12)
    # the gap compares centres, so even unpairing the rows changes nothing
    assert metrics.modality_gap(x, y[rng.permutation(len(y))]) == pytest.approx(metrics.modality_gap(x, y), abs=1e-12)


@SETTINGS
@given(two_clouds(), st.floats(1e-3, 1e3))
def test_gap_invariant_to_positive_row_scaling(data, top):
    x, y, rng = data
    scale_x = rng.uniform(1e-3, top, size=(len(x), 1))
    scale_y = rng.uniform(1e-3, top, size=(len(y), 1))
    assert metrics.modality_gap(x * scale_x, y * scale_y) == pytest.approx(metrics.modality_gap(x, y), abs=1e-9)


@SETTINGS
@given(two_clouds(min_rows=2))
def test_gap_between_0_and_2(data):
    x, y, _ = data
    assert 0.0 <= metrics.modality_gap(x, y) <= 2.0 + 1e-12


@SETTINGS
@given(two_clouds(min_rows=2))
def test_mean_cosine_within_its_bounds(data):
    x, _, _ = data
    n = len(x)
    value = metrics.mean_cosine_similarity(x)
    assert -1.0 / (n - 1) - 1e-12 <= value <= 1.0 + 1e-12
    unit = x / np.linalg.norm(x, axis=1, keepdims=True)
    explicit = (unit @ unit.T)[~np.eye(n, dtype=bool)].mean()
    assert value == pytest.approx(explicit, abs=1e-9)


@SETTINGS
@given(two_clouds())
def test_shift_with_zero_lambda_is_normalisation(data):
    x, y, _ = data
    xs, ys = geometry.shift_along_gap(x, y, 0.0)
    np.testing.assert_allclose(xs, geometry.normalize(x), atol=1e-12)
    np.testing.assert_allclose(ys, geometry.normalize(y), atol=1e-12)


@SETTINGS
@given(two_clouds(), st.floats(0.05, 1.0))
def test_shift_moves_the_gap_as_documented(data, fraction):
    """λ > 0 narrows the gap, λ < 0 widens it (shift_along_gap's docstring), for λ up to the gap."""
    x, y, _ = data
    gap = metrics.modality_gap(x, y)
    assume(gap > 0.05)
    lam = fraction * gap
    narrower = metrics.modality_gap(*geometry.shift_along_gap(x, y, lam))
    wider = metrics.modality_gap(*geometry.shift_along_gap(x, y, -lam))
    assert narrower < gap < wider


@SETTINGS
@given(two_clouds(min_rows=10, max_rows=30, max_dim=6))
def test_procrustes_recovers_a_known_rotation(data):
    x, _, rng = data
    rotation = _rotation(rng, x.shape[1])
    aligned, estimate = geometry.procrustes_align(x, x @ rotation)
    np.testing.assert_allclose(estimate, rotation, atol=1e-6)
    np.testing.assert_allclose(aligned, geometry.normalize(x @ rotation), atol=1e-6)


@SETTINGS
@given(two_clouds(), st.sampled_from([True, False]))
def test_recall_of_a_set_against_itself_is_one(data, normalize):
    x, _, _ = data
    if not normalize:  # with raw dot products a longer vector can outrank x_i itself; use unit rows
        x = x / np.linalg.norm(x, axis=1, keepdims=True)
    assert metrics.recall_at_k(x, x, ks=(1, 5), normalize=normalize) == {1: 1.0, 5: 1.0}


@SETTINGS
@given(two_clouds())
def test_true_pair_cosine_bounded_and_symmetric(data):
    x, y, _ = data
    value = metrics.true_pair_cosine(x, y)
    assert -1 - 1e-12 <= value <= 1 + 1e-12
    assert value == pytest.approx(metrics.true_pair_cosine(y, x), abs=1e-12)
