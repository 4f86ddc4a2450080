"""Geometry helpers: normalising, shifting, centring, Procrustes, projection."""

import numpy as np
import pytest

from gapnotes import geometry, metrics


def test_normalize_unit_rows_and_no_mutation(pair):
    x, _ = pair
    before = x.copy()
    out = geometry.normalize(x)
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(x, before)
    assert out.dtype == np.float32


def test_shift_zero_is_normalisation(pair):
    x, y = pair
    sx, sy = geometry.shift_along_gap(x, y, 0.0)
    np.testing.assert_allclose(sx, geometry.normalize(x), rtol=1e-6)
    np.testing.assert_allclose(sy, geometry.normalize(y), rtol=1e-6)


def test_shift_follows_the_formula_and_moves_the_gap(pair):
    x, y = pair
    gap = metrics.modality_gap(x, y)
    lam = 0.6 * gap
    sx, sy = geometry.shift_along_gap(x, y, lam)
    g = metrics.gap_vector(x, y)
    g = g / np.linalg.norm(g)
    ux = geometry.normalize(x).astype(np.float64) - 0.5 * lam * g
    np.testing.assert_allclose(sx, ux / np.linalg.norm(ux, axis=1, keepdims=True), rtol=1e-5, atol=1e-6)
    assert metrics.modality_gap(sx, sy) < gap  # λ > 0 closes
    wx, wy = geometry.shift_along_gap(x, y, -0.3)
    assert metrics.modality_gap(wx, wy) > gap  # λ < 0 widens


def test_center_modalities_closes_gap(pair):
    x, y = pair
    cx, cy = geometry.center_modalities(x, y)
    assert metrics.modality_gap(cx, cy) < 0.2 * metrics.modality_gap(x, y)
    np.testing.assert_allclose(np.linalg.norm(cx, axis=1), 1.0, rtol=1e-5)


def test_procrustes_recovers_rotation(rng):
    src = rng.normal(size=(100, 6))
    q, _ = np.linalg.qr(rng.normal(size=(6, 6)))
    aligned, rotation = geometry.procrustes_align(src, src @ q)
    np.testing.assert_allclose(rotation, q, atol=1e-8)
    np.testing.assert_allclose(aligned, geometry.normalize(src @ q), atol=1e-6)


def test_project_2d(pair):
    x, y = pair
    pts = np.concatenate([x, y])
    assert geometry.project_2d(pts, "pca").shape == (400, 2)
    with pytest.raises(ValueError, match="method"):
        geometry.project_2d(pts, "tsne")


def test_errors_name_arguments(pair):
    x, y = pair
    with pytest.raises(TypeError, match="lam"):
        geometry.shift_along_gap(x, y, "big")
    with pytest.raises(ValueError, match="lam"):
        geometry.shift_along_gap(x, y, float("nan"))
    with pytest.raises(ValueError, match="source has 200 rows but target has 3"):
        geometry.procrustes_align(x, y[:3])
    with pytest.raises(ValueError, match="same centre"):
        geometry.shift_along_gap(x, x, 0.5)


@pytest.mark.parametrize("method", ["none", "center", "shift", "procrustes"])
def test_fit_posthoc_closes_the_gap_and_returns_unit_rows(pair, method):
    x, y = pair
    fix = geometry.fit_posthoc(method, x, y)
    fx, fy = fix.images(x), fix.texts(y)
    np.testing.assert_allclose(np.linalg.norm(fx, axis=1), 1, rtol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(fy, axis=1), 1, rtol=1e-5)
    if method == "none":
        assert metrics.modality_gap(fx, fy) == pytest.approx(metrics.modality_gap(x, y), rel=1e-5)
    else:
        assert metrics.modality_gap(fx, fy) < 0.35 * metrics.modality_gap(x, y)
    # The fitted map applies to new points of the same modality (e.g. class prompts).
    assert fix.texts(y[:3]).shape == (3, x.shape[1])


def test_fit_posthoc_unknown_method(pair):
    with pytest.raises(ValueError, match="method must be one of"):
        geometry.fit_posthoc("whiten", *pair)
