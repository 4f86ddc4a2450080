"""The sphere toy and the shift landscape."""

import numpy as np
import pytest

from gapnotes import metrics, simulate


def test_sphere_points_geometry():
    images, texts = simulate.sphere_toy_points(30.0, swap=False)
    np.testing.assert_allclose(np.linalg.norm(texts, axis=1), 1.0)
    assert np.allclose(images[:, 2], 0) and np.allclose(texts[:, 2], -0.5)
    np.testing.assert_allclose(np.sum(images * texts, axis=1), np.cos(np.deg2rad(30)))
    swapped, texts_s = simulate.sphere_toy_points(0.0, swap=True)
    np.testing.assert_allclose(texts_s[0], swapped[1])


def test_sphere_toy_minima_follow_the_paper():
    deltas = np.linspace(-90, 90, 91)
    low = [simulate.sphere_toy_loss(d, 0.01) for d in deltas]
    high = [simulate.sphere_toy_loss(d, 1.0) for d in deltas]
    matched = [simulate.sphere_toy_loss(d, 0.01, swap=False) for d in deltas]
    assert abs(deltas[np.argmin(low)]) > 30
    assert deltas[np.argmin(high)] == 0 and deltas[np.argmin(matched)] == 0


def test_curves_columns():
    c = simulate.sphere_toy_curves((0.1,), deltas=[-10, 0, 10])
    assert list(c.columns) == ["delta_theta", "temperature", "loss", "loss_vs_aligned", "gap"]
    assert c.loc[c.delta_theta == 0, "loss_vs_aligned"].item() == 0


def test_shift_landscape(pair):
    x, y = pair
    land = simulate.shift_loss_landscape(x, y, [0.0, 0.5], temperatures=(0.1,))
    assert land.loc[0, "gap"] == pytest.approx(metrics.modality_gap(x, y), rel=1e-5)
    assert land.loc[1, "gap"] < land.loc[0, "gap"]


def test_bad_arguments():
    with pytest.raises(ValueError, match="delta_theta_deg"):
        simulate.sphere_toy_points(100)
    with pytest.raises(ValueError, match="temperature"):
        simulate.sphere_toy_loss(0, 0.0)
