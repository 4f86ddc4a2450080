"""Metrics against direct (slow, obvious) computations, plus their error messages."""

import numpy as np
import pytest

from gapnotes import metrics


def unit(a):
    a = np.asarray(a, dtype=np.float64)
    return a / np.linalg.norm(a, axis=1, keepdims=True)


def test_modality_gap_matches_definition(pair):
    x, y = pair
    expected = np.linalg.norm(unit(x).mean(0) - unit(y).mean(0))
    assert metrics.modality_gap(x, y) == pytest.approx(expected, rel=1e-5)
    np.testing.assert_allclose(metrics.gap_vector(x, y), unit(x).mean(0) - unit(y).mean(0), rtol=1e-5, atol=1e-7)


def test_gap_of_identical_sets_is_zero(pair):
    x, _ = pair
    assert metrics.modality_gap(x, x) == pytest.approx(0.0, abs=1e-6)


def test_gap_of_antipodal_points_is_two():
    x = np.tile([1.0, 0.0, 0.0], (5, 1))
    assert metrics.modality_gap(x, -x) == pytest.approx(2.0)


def test_mean_cosine_matches_explicit_matrix(pair):
    x, _ = pair
    u = unit(x)
    sims = u @ u.T
    n = len(u)
    expected = (sims.sum() - np.trace(sims)) / (n * (n - 1))
    assert metrics.mean_cosine_similarity(x) == pytest.approx(expected, rel=1e-5)


def test_mean_cosine_bounds(rng):
    same = np.tile(rng.normal(size=(1, 8)), (10, 1))
    assert metrics.mean_cosine_similarity(same) == pytest.approx(1.0)
    # Two opposite vectors: the minimum −1/(N−1) = −1.
    assert metrics.mean_cosine_similarity(np.array([[1.0, 0], [-1.0, 0]])) == pytest.approx(-1.0)


def test_true_pair_cosine(pair):
    x, y = pair
    expected = np.mean(np.sum(unit(x) * unit(y), axis=1))
    assert metrics.true_pair_cosine(x, y) == pytest.approx(expected, rel=1e-5)


def test_inputs_accept_torch_and_lists(pair):
    torch = pytest.importorskip("torch")
    x, y = pair
    ref = metrics.modality_gap(x, y)
    assert metrics.modality_gap(torch.from_numpy(x).requires_grad_(), torch.from_numpy(y)) == pytest.approx(ref)
    assert metrics.modality_gap(x.tolist(), y.tolist()) == pytest.approx(ref, rel=1e-5)


def test_linear_separability_separates_and_fails_when_it_should(pair, rng):
    x, y = pair
    assert metrics.linear_separability(x, y, seed=0) > 0.95
    same = rng.normal(size=(400, 16))
    assert 0.3 < metrics.linear_separability(same[:200], same[200:], seed=0) < 0.7


def test_recall_at_k_matches_brute_force(rng):
    q = rng.normal(size=(50, 8))
    g = q + 1.2 * rng.normal(size=(50, 8))
    sims = unit(q) @ unit(g).T
    order = np.argsort(-sims, axis=1)
    rank = np.array([np.where(order[i] == i)[0][0] for i in range(50)])
    out = metrics.recall_at_k(q, g, ks=(1, 5, 10))
    for k in (1, 5, 10):
        assert out[k] == pytest.approx(np.mean(rank < k))
    assert metrics.recall_at_k(q, q, ks=(1,))[1] == 1.0


def test_recall_streams_in_blocks(rng, monkeypatch):
    q = rng.normal(size=(300, 8))
    g = q + rng.normal(size=(300, 8))
    whole = metrics.recall_at_k(q, g)
    monkeypatch.setattr(metrics, "_BLOCK_ELEMENTS", 300 * 7)  # blocks of 7 queries
    assert metrics.recall_at_k(q, g) == whole


def test_pooled_shapes(pair):
    x, y = pair
    points, modality, labels = metrics.pooled(x, y, labels=np.arange(len(x)) % 3)
    assert points.shape == (2 * len(x), x.shape[1])
    assert modality.tolist() == [0] * len(x) + [1] * len(y)
    assert (labels[: len(x)] == labels[len(x) :]).all()


def test_clustering_scores_perfect_and_by_modality(rng):
    centres = np.eye(4)[:, :] * 5
    labels = np.repeat(np.arange(4), 50)
    pts = centres[labels] + 0.1 * rng.normal(size=(200, 4))
    good = metrics.clustering_scores(pts, labels, seed=0)
    assert good["v_measure"] == pytest.approx(1.0) and good["ari"] == pytest.approx(1.0)
    # Clusters that follow a 2-way split unrelated to the 2 labels score ~0.
    split = np.r_[np.zeros(100), np.ones(100)]
    pts2 = np.c_[split * 5, 1 - split, rng.normal(scale=0.01, size=200)] + 0.1
    unrelated = rng.permutation(np.repeat([0, 1], 100))
    bad = metrics.clustering_scores(pts2, unrelated, seed=0, return_assignments=True)
    assert bad["v_measure"] < 0.05 and len(bad["assignments"]) == 200
    mb = metrics.clustering_scores(pts, labels, seed=0, method="minibatch")
    assert mb["v_measure"] > 0.9


def test_knn_accuracy(rng):
    centres = rng.normal(size=(3, 8)) * 4
    tr_lab = np.repeat(np.arange(3), 30)
    te_lab = np.repeat(np.arange(3), 10)
    tr = centres[tr_lab] + rng.normal(size=(90, 8))
    te = centres[te_lab] + rng.normal(size=(30, 8))
    assert metrics.knn_accuracy(tr, tr_lab, te, te_lab, k=5) > 0.9
    assert metrics.knn_accuracy(tr, tr_lab, tr, tr_lab, k=1) == 1.0


def test_alignment_and_uniformity_against_definitions(rng):
    x = rng.normal(size=(40, 5))
    y = x + 0.5 * rng.normal(size=(40, 5))
    ux, uy = unit(x), unit(y)
    assert metrics.alignment(x, y) == pytest.approx(np.mean(np.sum((ux - uy) ** 2, axis=1)))
    d2 = np.sum((ux[:, None] - ux[None]) ** 2, axis=-1)
    off = ~np.eye(40, dtype=bool)
    assert metrics.uniformity(x) == pytest.approx(np.log(np.mean(np.exp(-2 * d2[off]))), rel=1e-6)


@pytest.mark.parametrize(
    "bad, message",
    [
        (np.zeros((0, 4)), "at least"),
        (np.ones(4), "2-D"),
        (np.array([[1.0, np.nan]]), "NaN"),
        (np.array([[1.0, np.inf]]), "NaN or infinite"),
        (np.array([[0.0, 0.0], [1.0, 0.0]]), "all-zero"),
    ],
)
def test_bad_input_names_the_argument(bad, message):
    good = np.ones((len(bad) if bad.ndim == 2 and len(bad) else 1, bad.shape[-1] if bad.ndim == 2 else 4))
    with pytest.raises(ValueError, match=message) as err:
        metrics.modality_gap(good, bad)
    assert str(err.value).startswith("y ")


def test_wrong_dtype_and_mismatch():
    with pytest.raises(TypeError, match="x must"):
        metrics.modality_gap(np.array([["a", "b"]]), np.ones((1, 2)))
    with pytest.raises(TypeError, match="x must"):
        metrics.mean_cosine_similarity(np.ones((3, 2), dtype=complex))
    with pytest.raises(ValueError, match="x has 3 rows but y has 4"):
        metrics.true_pair_cosine(np.ones((3, 2)), np.ones((4, 2)))
    with pytest.raises(ValueError, match="dimension"):
        metrics.modality_gap(np.ones((3, 2)), np.ones((3, 5)))
    with pytest.raises(ValueError, match="ks"):
        metrics.recall_at_k(np.eye(3), np.eye(3), ks=(0,))
    with pytest.raises(ValueError, match="labels has 2 entries"):
        metrics.clustering_scores(np.eye(3), [0, 1])
    with pytest.raises(ValueError, match="method"):
        metrics.clustering_scores(np.eye(3), [0, 1, 1], method="dbscan")


def test_zero_row_error_gives_the_global_index_across_blocks():
    from gapnotes import geometry

    x = np.ones((3000, 512), dtype=np.float32)  # 1,024 rows per fused block at D = 512
    x[2500] = 0
    for call in (lambda: metrics.modality_gap(x, np.ones_like(x)), lambda: geometry.shift_along_gap(x, -x + 2, 0.5)):
        with pytest.raises(ValueError, match="first at index 2500"):
            call()


def test_pooled_v_measure_and_semantic_r1():
    rng = np.random.default_rng(0)
    centres = np.eye(8)[:3] * 10
    labels = np.repeat(np.arange(3), 20)
    x = centres[labels] + rng.normal(scale=0.1, size=(60, 8))
    y = centres[labels] + rng.normal(scale=0.1, size=(60, 8))
    assert metrics.pooled_v_measure(x, y, labels) == pytest.approx(1.0)
    # a caption is a hit when its attributes hold: here, any caption of the same class
    matches = labels[:, None] == labels[None, :]
    assert metrics.semantic_r1(x, y, matches) == pytest.approx(1.0)
    assert metrics.semantic_r1(x, y[::-1], matches[:, ::-1]) == pytest.approx(1.0)



def test_mean_cosine_within_groups_averages_each_groups_cone(pair):
    x, y = pair
    both = np.concatenate([x, y])
    groups = np.r_[np.zeros(len(x), int), np.ones(len(y), int)]
    expected = (metrics.mean_cosine_similarity(x) + metrics.mean_cosine_similarity(y)) / 2
    assert metrics.mean_cosine_within_groups(both, groups) == pytest.approx(expected)
    assert metrics.mean_cosine_within_groups(both, groups) > metrics.mean_cosine_similarity(both)
    with pytest.raises(ValueError, match="groups"):
        metrics.mean_cosine_within_groups(both, np.r_[groups[:-1], 2])  # a group of one row
    with pytest.raises(ValueError, match="groups"):
        metrics.mean_cosine_within_groups(both, groups[:-1])


def test_centre_geometry_gives_the_centres_lengths_and_angle():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(400, 16)) + 2 * np.eye(16)[0]
    y = rng.normal(size=(300, 16)) + 2 * np.eye(16)[1]
    g = metrics.centre_geometry(x, y)
    assert g["gap"] == pytest.approx(metrics.modality_gap(x, y))
    # the law of cosines ties the gap to the two lengths and the angle
    law = g["norm_x"] ** 2 + g["norm_y"] ** 2 - 2 * g["norm_x"] * g["norm_y"] * np.cos(np.radians(g["angle_deg"]))
    assert g["gap"] ** 2 == pytest.approx(law)
    # squared length ≈ mean pairwise cosine for many points (exactly 1/N + (1 − 1/N)·c)
    c, n = metrics.mean_cosine_similarity(x), len(x)
    assert g["norm_x"] ** 2 == pytest.approx(1 / n + (1 - 1 / n) * c)
    same = metrics.centre_geometry(x, x)
    assert same["gap"] == pytest.approx(0, abs=1e-12) and same["angle_deg"] == pytest.approx(0, abs=1e-5)
    with pytest.raises(ValueError, match="same dimension"):
        metrics.centre_geometry(x, y[:, :8])
    with pytest.raises(ValueError, match="non-zero centre"):
        metrics.centre_geometry(np.vstack([np.eye(4), -np.eye(4)]), np.eye(4))
