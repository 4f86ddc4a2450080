"""The cone-effect helpers of chapter 1."""

import numpy as np
import pytest

from gapnotes import cone, metrics


def test_random_mlp_initialisation_scale():
    x = np.random.default_rng(0).normal(size=(2000, 256))
    out = cone.random_mlp(x, depth=1, width=256, activation="linear", seed=0, bias=False)
    # W ~ N(0, 1/width) with width = fan-in keeps the squared norm on average.
    assert np.mean(np.sum(out**2, 1)) / np.mean(np.sum(x**2, 1)) == pytest.approx(1.0, rel=0.05)
    layers = cone.random_mlp(x[:10], depth=3, width=8, seed=1, return_all=True)
    assert [h.shape for h in layers] == [(10, 8)] * 3


def test_relu_cone_grows_and_linear_does_not():
    relu = cone.cosine_by_depth("relu", depth=10, width=128, n_inputs=256, seed=0)
    linear = cone.cosine_by_depth("linear", depth=10, width=128, n_inputs=256, seed=0)
    assert abs(relu[0]) < 0.02 and np.all(np.diff(relu) > 0) and relu[-1] > 0.8
    assert linear[-1] < 0.2


def test_seed_cones_are_distinguishable():
    x = np.random.default_rng(0).normal(size=(60, 20))
    emb, seeds = cone.seed_cones(x, n_seeds=4, depth=6, width=64)
    assert emb.shape == (240, 64) and np.bincount(seeds).tolist() == [60] * 4
    assert metrics.held_out_accuracy(emb, seeds, seed=0) > 0.9


def test_theorem1_threshold_values():
    assert cone.theorem1_threshold(1.0) == pytest.approx(1.0)
    assert cone.theorem1_threshold(2.0) == pytest.approx(0.8)
    assert cone.theorem1_threshold(0.5) == pytest.approx(0.8)  # symmetric in r ↔ 1/r
    with pytest.raises(ValueError, match="norm_ratio"):
        cone.theorem1_threshold(0.0)


def test_cosine_increase_probability_follows_theorem():
    assert cone.cosine_increase_probability(0.3, 1.0, width=1024, n_trials=100) > 0.95
    assert cone.cosine_increase_probability(0.95, 2.0, width=1024, n_trials=100) < 0.2
    with pytest.raises(ValueError, match="input_cosine"):
        cone.cosine_increase_probability(1.5)


def test_cap_fraction_closed_forms():
    assert cone.cap_fraction(90, 5) == pytest.approx(0.5)
    assert cone.cap_fraction(180, 7) == pytest.approx(1.0)
    assert cone.cap_fraction(30, 2) == pytest.approx(30 / 180)  # arc of width 2θ on the circle
    theta = np.deg2rad(40)
    assert cone.cap_fraction(40, 3) == pytest.approx((1 - np.cos(theta)) / 2)  # Archimedes
    # The underflow-safe log agrees with the direct value where both are representable.
    assert cone.log2_cap_fraction(20, 200) == pytest.approx(np.log2(cone.cap_fraction(20, 200)), rel=1e-6)
    assert cone.log2_cap_fraction(10, 4000) < -1000


def test_bad_arguments():
    with pytest.raises(ValueError, match="activation"):
        cone.random_mlp(np.ones((2, 3)), activation="gelu")
    with pytest.raises(ValueError, match="normalization"):
        cone.random_mlp(np.ones((2, 3)), normalization="group")
    with pytest.raises(ValueError, match="depth"):
        cone.random_mlp(np.ones((2, 3)), depth=0)
    with pytest.raises(ValueError, match="angle_deg"):
        cone.cap_fraction(200, 3)


def test_theorem1_grid_is_the_probability_at_every_point():
    grid = cone.theorem1_grid([0.0, 0.9], norm_ratios=(1.0, 2.0), widths=(8, 64), dim_in=8, n_trials=20, seed=3)
    assert list(grid.columns) == ["input cosine", "width", "r", "P(cosine increases)"] and len(grid) == 8
    assert grid[["r", "width", "input cosine"]].iloc[:3].values.tolist() == [[1.0, 8, 0.0], [1.0, 8, 0.9],
                                                                            [1.0, 64, 0.0]]
    for row in grid.itertuples(index=False):
        assert row[3] == cone.cosine_increase_probability(row[0], norm_ratio=row[2], width=row[1], dim_in=8,
                                                          n_trials=20, seed=3)
    with pytest.raises(ValueError, match="at least one value"):
        cone.theorem1_grid([], widths=(8,))


def test_mean_cosine_table_reads_each_towers_cone(rng):
    wide = rng.normal(size=(50, 8))
    narrow = wide + np.r_[10.0, np.zeros(7)]  # everything near one direction
    towers = {"m": {"image_data": narrow, "image_noise": wide, "text_data": wide, "text_noise": narrow}}
    table = cone.mean_cosine_table(towers, {"image": ("m", "image"), "text": ("m", "text")})
    assert list(table.columns) == ["data", "noise"] and list(table.index) == ["image", "text"]
    assert table.loc["image", "data"] == pytest.approx(metrics.mean_cosine_similarity(narrow))
    assert table.loc["image", "data"] > 0.9 > table.loc["text", "data"]
    with pytest.raises(ValueError, match="towers has"):
        cone.mean_cosine_table(towers, {"x": ("other", "image")})
    with pytest.raises(ValueError, match="modality"):
        cone.mean_cosine_table(towers, {"x": ("m", "sketch")})


def test_angles_to_centre_follow_arccos_sqrt_c_in_high_dimension():
    from gapnotes import metrics

    rng = np.random.default_rng(0)
    direction = np.eye(256)[0]
    x = rng.normal(size=(2000, 256)) / 16 + direction  # a cone around the first axis
    angles = cone.angles_to_centre(x)
    assert angles.shape == (2000,)
    predicted = np.degrees(np.arccos(np.sqrt(metrics.mean_cosine_similarity(x))))
    assert np.median(angles) == pytest.approx(predicted, abs=1.0)
    assert np.median(angles) > np.degrees(np.arccos(metrics.mean_cosine_similarity(x))) / 2 + 5
    with pytest.raises(ValueError, match="x"):
        cone.angles_to_centre(x[:1])
    with pytest.raises(ValueError, match="non-zero centre"):
        cone.angles_to_centre(np.vstack([np.eye(3), -np.eye(3)]))


def test_a_relu_mlp_without_biases_keeps_most_of_its_cone():
    with_bias = cone.cosine_by_depth("relu", depth=12, width=128, n_inputs=200, seed=0)
    without = cone.cosine_by_depth("relu", depth=12, width=128, n_inputs=200, seed=0, bias=False)
    assert without[0] == pytest.approx(with_bias[0])  # the same inputs
    assert without[-1] > without[1] + 0.3 and without[-1] > 0.7  # rises with depth (not every layer at width 128)
    assert without[-1] < with_bias[-1]
