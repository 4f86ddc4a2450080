"""The sphere toy and the shift landscape."""

import numpy as np
import pandas as pd
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


def test_shift_landscape_in_batches_is_the_mean_of_the_batch_losses(pair):
    x, y = pair
    batched = simulate.shift_loss_landscape(x[:40], y[:40], [0.0, 3.0], temperatures=(0.1,), batch_size=20)
    halves = [simulate.shift_loss_landscape(x[i:i + 20], y[i:i + 20], [0.0], temperatures=(0.1,))
              for i in (0, 20)]
    # the shift direction comes from all 40 pairs, so compare at λ = 0 only
    assert batched.loc[0, "loss"] == pytest.approx(np.mean([h.loc[0, "loss"] for h in halves]))
    # far past closing, the centres cross: the signed gap changes sign, the gap does not
    assert batched.loc[0, "signed_gap"] > 0 > batched.loc[1, "signed_gap"]
    assert batched.loc[1, "gap"] == pytest.approx(-batched.loc[1, "signed_gap"])
    with pytest.raises(ValueError, match="batch_size"):
        simulate.shift_loss_landscape(x, y, [0.0], batch_size=len(x) + 1)


def test_landscape_minima_finds_each_curves_lowest_point(pair):
    x, y = pair
    land = simulate.shift_loss_landscape(x, y, [-0.5, 0.0, 0.5, 1.0], temperatures=(0.01, 1.0))
    minima = simulate.landscape_minima(land)
    assert list(minima.index) == [0.01, 1.0]
    for tau in (0.01, 1.0):
        curve = land[land.temperature == tau]
        assert minima.loc[tau, "loss"] == curve["loss"].min()
        assert minima.loc[tau, "loss_range"] == pytest.approx(curve["loss"].max() - curve["loss"].min())
        assert minima.loc[tau, "loss_unshifted"] == curve.loc[curve.lam == 0, "loss"].item()
    # curves stacked with repeated row labels (pd.concat of several models) stay apart
    two = pd.concat([land.assign(model="a"), land.assign(model="b", loss=land["loss"] + 1)])
    both = simulate.landscape_minima(two, by=("model", "temperature"))
    assert len(both) == 4 and both.loc[("b", 0.01), "loss"] == minima.loc[0.01, "loss"] + 1
    with pytest.raises(ValueError, match="model"):
        simulate.landscape_minima(land, by=("model", "temperature"))
