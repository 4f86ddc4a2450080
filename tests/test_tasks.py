"""Downstream tasks: rank invariance, scatter identity, zero-shot, mixed search, sweeps."""

import numpy as np
import pytest

from gapnotes import geometry, metrics, tasks


def test_translating_the_gallery_never_changes_dot_product_rankings(rng):
    q = rng.normal(size=(80, 12))
    g = q + rng.normal(size=(80, 12))
    delta = 3.0 * rng.normal(size=12)
    base = metrics.true_match_ranks(q, g, normalize=False)
    np.testing.assert_array_equal(metrics.true_match_ranks(q, g + delta, normalize=False), base)
    # With re-normalisation the ranking may change (through the norms ‖g + δ‖).
    assert not np.array_equal(metrics.true_match_ranks(q, g + delta), metrics.true_match_ranks(q, g))


def test_scatter_decomposition_identity_and_offset(rng):
    labels = np.repeat(np.arange(3), 40)
    x = rng.normal(size=(120, 5))
    y = x + 0.3 * rng.normal(size=(120, 5))
    parts = tasks.scatter_decomposition(x, y, labels)
    assert parts["total"] == pytest.approx(parts["within_modalities"] + parts["offset_term"])
    delta = np.array([2.0, 0, 0, 0, 0])
    moved = tasks.scatter_decomposition(x, y + delta, labels)
    assert moved["within_modalities"] == pytest.approx(parts["within_modalities"])
    # Offset term becomes mean_c ¼‖m_c − δ‖² with m_c = μˣ_c − μʸ_c.
    expected = np.mean([0.25 * np.sum((x[labels == c].mean(0) - y[labels == c].mean(0) - delta) ** 2) for c in range(3)])
    assert moved["offset_term"] == pytest.approx(expected)


def test_zero_shot_against_hand_computation():
    images = np.array([[1.0, 0.1], [0.1, 1.0], [-1.0, 0.0], [0.9, 0.5]])
    classes = np.array([[1.0, 0.0], [0.0, 1.0]])
    # cosines: image 2 is closer to class 1 (0) than class 0 (-1); image 3: 0.87 vs 0.49 → class 0
    assert tasks.zero_shot_predictions(images, classes).tolist() == [0, 1, 1, 0]
    assert tasks.zero_shot_accuracy(images, classes, [0, 1, 0, 0]) == 0.75
    with pytest.raises(ValueError, match="class_embeddings have 3"):
        tasks.zero_shot_predictions(images, np.ones((2, 3)))


def test_mixed_search_with_a_gap_returns_one_modality(rng):
    # Two narrow cones (around e0 and e1) sharing the same per-pair semantics.
    semantics = rng.normal(size=(200, 16))
    x = 6 * np.eye(16)[0] + semantics + 0.2 * rng.normal(size=(200, 16))
    y = 6 * np.eye(16)[1] + semantics + 0.2 * rng.normal(size=(200, 16))
    labels = np.arange(len(x)) % 4
    res = tasks.mixed_modality_search(y[:50], labels[:50], x, labels, y[50:], labels[50:], k=10)
    assert res["share_x"] < 0.05
    centred = tasks.mixed_modality_search(y[:50], labels[:50], x, labels, y[50:], labels[50:], k=10, center=True)
    assert centred["share_x"] > res["share_x"] and centred["gap"] < res["gap"]
    with pytest.raises(ValueError, match="k=1000"):
        tasks.mixed_modality_search(y[:5], labels[:5], x, labels, y, labels, k=1000)


def test_shift_sweep_columns(pair):
    x, y = pair
    out = tasks.shift_sweep(x, y, [0.0, 0.5], labels=np.arange(len(x)) % 2, ks=(1,))
    assert list(out.columns) == ["lam", "gap", "r1_x2y", "r1_y2x", "v_measure", "nmi", "ari"]
    assert out["gap"].iloc[1] < out["gap"].iloc[0]


def test_shift_along_and_gap_direction(pair):
    x, y = pair
    d = tasks.gap_direction(x, y)
    assert np.linalg.norm(d) == pytest.approx(1.0)
    moved = geometry.shift_along(x, d, -0.5)
    assert metrics.modality_gap(moved, y) < metrics.modality_gap(x, y)
    with pytest.raises(ValueError, match="direction must have shape"):
        geometry.shift_along(x, d[:3], 0.1)
    with pytest.raises(ValueError, match="non-zero"):
        geometry.shift_along(x, np.zeros_like(d), 0.1)


def test_mean_ci():
    mean, half = metrics.mean_ci([1.0, 2.0, 3.0])
    assert mean == 2.0 and half == pytest.approx(4.302653 * 1 / np.sqrt(3), rel=1e-5)
    with pytest.raises(ValueError, match="at least 2"):
        metrics.mean_ci([1.0])


def test_multimodal_report(rng):
    base = rng.normal(size=(90, 8))
    emb = {"a": base + 4 * np.eye(8)[0], "b": base + 4 * np.eye(8)[1], "c": base + 0.1 * rng.normal(size=(90, 8))}
    out = tasks.multimodal_report(emb, np.arange(90) % 3)
    assert out["gaps"].shape == (3, 3) and np.allclose(np.diag(out["gaps"]), 0)
    assert out["gaps"].loc["a", "b"] == pytest.approx(metrics.modality_gap(emb["a"], emb["b"]))
    assert np.isnan(out["recall_at_1"].loc["a", "a"]) and out["recall_at_1"].loc["c", "a"] > 0.5
    assert set(out["clustering"]) >= {"v_measure", "nmi", "ari"}
    with pytest.raises(ValueError, match="embeddings\\['b'\\]"):
        tasks.multimodal_report({"a": emb["a"], "b": emb["b"][:5]}, np.arange(90))


def test_shifted_zero_shot_scores_are_the_hand_computation(pair, rng):
    x, y = pair
    prompts = y[:5]
    labels = rng.integers(0, 5, len(x))
    d = tasks.gap_direction(x, y)
    lambdas = np.array([-0.5, 0.0, 0.8])
    by_hand = {lam: tasks.zero_shot_predictions(geometry.shift_along(x, d, -lam / 2),
                                                geometry.shift_along(prompts, d, lam / 2)) for lam in lambdas}
    predictions = tasks.shifted_zero_shot(x, prompts, d, lambdas)
    assert list(predictions) == [-0.5, 0.0, 0.8]
    assert all(np.array_equal(predictions[lam], by_hand[lam]) for lam in lambdas)
    accuracy = tasks.zero_shot_vs_shift(x, labels, prompts, d, lambdas)
    assert accuracy[0.0] == tasks.zero_shot_accuracy(x, prompts, labels)
    flags = np.array([False, False, False, True, True])
    share = tasks.distractor_share(x, prompts, flags, d, lambdas)
    assert all(share[lam] == flags[by_hand[lam]].mean() for lam in lambdas)
    with pytest.raises(ValueError, match="is_distractor must be a boolean array of length 5"):
        tasks.distractor_share(x, prompts, flags[:4], d, lambdas)
    with pytest.raises(ValueError, match="lambdas"):
        tasks.shifted_zero_shot(x, prompts, d, [])
    with pytest.raises(ValueError, match="labels"):
        tasks.zero_shot_vs_shift(x, labels[:3], prompts, d, lambdas)


def test_group_vs_instance_separates_a_shifted_space_from_a_shared_one(rng):
    # five classes; an image and its caption share the class centre plus their own noise
    labels = np.arange(200) % 5
    centres = 3 * rng.normal(size=(5, 16))
    x = centres[labels] + rng.normal(size=(200, 16))
    y = centres[labels] + rng.normal(size=(200, 16))
    relevant = labels[:, None] == labels[None, :]
    offset = 12 * np.eye(16)[0]
    shared = tasks.group_vs_instance(x, y, labels, relevant, n_init=5)
    apart = tasks.group_vs_instance(x + offset, y - offset, labels, relevant, n_init=5)
    assert set(shared) == {"gap", "true_pair_cos", "v_measure", "nmi", "ari", "homogeneity", "knn_acc",
                           "probe_acc", "i2t_r1", "i2t_r5", "i2t_r10", "t2i_r1", "t2i_r5", "t2i_r10"}
    assert apart["gap"] > shared["gap"] + 0.5
    # pooled k-means splits the two clouds apart: group-wise scores fall
    assert apart["v_measure"] < shared["v_measure"] - 0.2 and apart["ari"] < shared["ari"]
    # retrieval ranks within the other modality: the offset moves it little
    assert abs(apart["i2t_r5"] - shared["i2t_r5"]) < 0.1
    assert shared["v_measure"] == pytest.approx(
        metrics.clustering_scores(np.vstack([x, y]), np.tile(labels, 2), n_init=5)["v_measure"])
    assert shared["i2t_r1"] == metrics.match_recall_at_k(x, y, relevant)[1]
    with pytest.raises(ValueError, match="relevant"):
        tasks.group_vs_instance(x, y, labels, relevant[:10])


def test_shift_chosen_on_validation_scores_the_validation_choice_on_test(pair, rng):
    x, y = pair
    labels = rng.integers(0, 4, len(x))
    prompts = rng.normal(size=(4, x.shape[1]))
    d = tasks.gap_direction(x, y)
    lambdas = [-0.5, 0.0, 0.5, 1.0]
    half = len(x) // 2
    validation, test = (x[:half], labels[:half]), (x[half:], labels[half:])
    curves, choice = tasks.shift_chosen_on_validation(validation, test, prompts, d, lambdas)
    assert list(curves.columns) == ["validation", "test"] and list(curves.index) == lambdas
    assert curves["test"].to_dict() == tasks.zero_shot_vs_shift(*test, prompts, d, lambdas)
    best = curves["validation"].idxmax()
    assert choice.loc["λ chosen on validation", "λ"] == best
    assert choice.loc["λ chosen on validation", "test accuracy"] == curves.loc[best, "test"]
    assert choice.loc["no shift", "test accuracy"] == curves.loc[0.0, "test"]
    assert choice["test accuracy"].iloc[2] == curves["test"].max()
    with pytest.raises(ValueError, match="must include 0.0"):
        tasks.shift_chosen_on_validation(validation, test, prompts, d, [0.5, 1.0])
    with pytest.raises(ValueError, match="test must be an"):
        tasks.shift_chosen_on_validation(validation, x, prompts, d, lambdas)


def test_clusters_by_modality_counts_each_modality_per_cluster(pair):
    x, y = pair
    labels = np.arange(len(x)) % 2
    table = tasks.clusters_by_modality(x, y, labels)
    assert list(table.columns) == ["caption", "image"] and table.to_numpy().sum() == 2 * len(x)
    assert (table.min(axis=1) < 0.05 * table.sum(axis=1)).all()  # the gap decides: one modality per cluster
    closed = tasks.clusters_by_modality(x, x, labels)  # no gap: each cluster holds both
    assert (closed["image"] == closed["caption"]).all()


def test_retrieval_when_centres_meet_translation_keeps_every_rank(pair):
    x, y = pair
    table = tasks.retrieval_when_centres_meet(x, y)
    assert list(table.index) == ["original", "translate captions by Δ (no re-normalisation)",
                                 "per-modality centering"]
    translated = table.loc["translate captions by Δ (no re-normalisation)"]
    assert translated["R@1 image→text"] == table.loc["original", "R@1 image→text"]  # the rank argument, exactly
    assert translated["centre distance"] < 1e-6 < table.loc["original", "centre distance"]
    assert table.loc["per-modality centering", "centre distance"] < 0.1 * table.loc["original", "centre distance"]
    with pytest.raises(ValueError, match="texts"):
        tasks.retrieval_when_centres_meet(x, y[:-1])
