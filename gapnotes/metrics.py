"""Measurements of a two-modality embedding space.

Every function takes array-likes (NumPy arrays or torch tensors) of shape (N, D),
L2-normalises rows internally (without modifying the input) and returns plain
Python floats or dicts of floats. Row ``i`` of ``x`` and row ``i`` of ``y`` are a
matched pair (an image and its caption).

Functions that are linear in the data (``modality_gap``, ``mean_cosine_similarity``,
``true_pair_cosine``) run in O(N·D) time and never build an N×N matrix; those that
compare all pairs (``recall_at_k``, ``uniformity``, ``knn_accuracy``) stream over
blocks of rows so their extra memory stays bounded.
"""

from __future__ import annotations

import numpy as np

from ._validation import as_embeddings, as_labels, check_float, check_int, check_same_rows, row_norms
from ._vectors import normalized, unit_mean

__all__ = [
    "modality_gap",
    "gap_vector",
    "centre_geometry",
    "mean_cosine_similarity",
    "mean_cosine_within_groups",
    "true_pair_cosine",
    "linear_separability",
    "held_out_accuracy",
    "recall_at_k",
    "match_recall_at_k",
    "clustering_scores",
    "pooled",
    "pooled_v_measure",
    "semantic_r1",
    "knn_accuracy",
    "alignment",
    "uniformity",
    "summarize_pair",
    "mean_ci",
]

# Rows per block for the streamed all-pairs computations: keeps a block of
# similarities under ~256 MB for galleries of up to ~64k rows and bounded beyond.
_BLOCK_ELEMENTS = 64_000_000


def gap_vector(x, y) -> np.ndarray:
    """The modality-gap vector Δ = mean_i x̂_i − mean_i ŷ_i (a 1-D float64 array of length D).

    ``x`` and ``y`` may have different numbers of rows (they are not paired here),
    but must have the same dimension D.
    """
    # unit_mean's row norms refuse NaN/inf: skip as_embeddings' separate pass
    x = as_embeddings(x, "x", check_finite=False)
    y = as_embeddings(y, "y", check_finite=False)
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"x has dimension {x.shape[1]} but y has {y.shape[1]}")
    return unit_mean(x, "x") - unit_mean(y, "y")


def modality_gap(x, y) -> float:
    """Euclidean distance between the centres of the two modalities, ‖mean(x̂) − mean(ŷ)‖₂.

    This is the gap of Liang et al. (2022): 0 when the two clouds share a centre,
    up to 2 when they sit at antipodal points of the unit sphere.

    Parameters
    ----------
    x : array-like, shape (N, D)
        Embeddings of the first modality (e.g. images).
    y : array-like, shape (M, D)
        Embeddings of the second modality (e.g. texts).
    """
    return float(np.linalg.norm(gap_vector(x, y)))


def centre_geometry(x, y) -> dict:
    """The two centres behind the gap: their lengths and the angle between their directions.

    The centres ``x̄ = mean(x̂)`` and ``ȳ = mean(ŷ)`` are *not* unit vectors: for N points
    ‖x̄‖² = 1/N + (1 − 1/N) · (mean pairwise cosine), so a narrow cone has a long centre and a wide
    one a short centre. Returns a dict of floats: ``gap`` (‖x̄ − ȳ‖), ``norm_x``, ``norm_y`` (the
    centres' lengths) and ``angle_deg``, the angle between the centre directions in degrees,
    arccos(x̄·ȳ / (‖x̄‖‖ȳ‖)). The gap follows from them by the law of cosines.

    Parameters
    ----------
    x : array-like, shape (N, D); y : array-like, shape (M, D), same D
    """
    x = as_embeddings(x, "x")
    y = as_embeddings(y, "y")
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"x and y must have the same dimension, got {x.shape[1]} and {y.shape[1]}")
    cx, cy = unit_mean(x, "x"), unit_mean(y, "y")
    nx, ny = float(np.linalg.norm(cx)), float(np.linalg.norm(cy))
    if min(nx, ny) < 1e-12:
        raise ValueError("x and y must each have a non-zero centre (their normalised rows must not cancel out)")
    cosine = float(np.clip(cx @ cy / (nx * ny), -1.0, 1.0))
    return {"gap": float(np.linalg.norm(cx - cy)), "norm_x": nx, "norm_y": ny,
            "angle_deg": float(np.degrees(np.arccos(cosine)))}


def mean_cosine_similarity(x) -> float:
    """Average cosine similarity over all ordered pairs i ≠ j of rows of ``x``.

    Uses Σ_{i≠j} x̂_i·x̂_j = ‖Σ_i x̂_i‖² − Σ_i ‖x̂_i‖² = ‖Σ_i x̂_i‖² − N, so the cost is
    O(N·D) and no N×N matrix is built. A value near 1 means all embeddings lie in a
    narrow cone (the "cone effect"); uniformly spread embeddings give ≈ 0. The result
    lies in [−1/(N−1), 1].

    Parameters
    ----------
    x : array-like, shape (N, D), N ≥ 2
    """
    x = as_embeddings(x, "x", min_rows=2, check_finite=False)  # row_norms refuses NaN/inf
    n = x.shape[0]
    s = unit_mean(x, "x") * n
    value = (float(s @ s) - n) / (n * (n - 1))
    return float(np.clip(value, -1.0 / (n - 1), 1.0))


def true_pair_cosine(x, y) -> float:
    """Mean cosine similarity of matched rows, mean_i x̂_i·ŷ_i.

    Parameters
    ----------
    x, y : array-like, shape (N, D)
        Row i of ``x`` is paired with row i of ``y``.
    """
    x = as_embeddings(x, "x", check_finite=False)  # row_norms refuses NaN/inf
    y = as_embeddings(y, "y", check_finite=False)
    check_same_rows(x, y, "x", "y")
    norms = row_norms(x, "x") * row_norms(y, "y")
    dots = np.einsum("ij,ij->i", x, y).astype(np.float64)
    return float(np.mean(dots / norms))


def held_out_accuracy(embeddings, labels, seed: int = 0, test_size: float = 0.5) -> float:
    """Held-out accuracy of a logistic-regression classifier predicting ``labels`` from embeddings.

    The embeddings are L2-normalised; a stratified ``test_size`` fraction is held out.
    Chance level is the frequency of the most common class.

    Parameters
    ----------
    embeddings : array-like, shape (N, D)
    labels : array-like, shape (N,)
    seed : int
        Seed for the split and the solver.
    test_size : float in (0, 1)
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split

    x = as_embeddings(embeddings, "embeddings", min_rows=2)
    labels = as_labels(labels, "labels", len(x), "embeddings")
    seed = check_int(seed, "seed", minimum=0)
    test_size = check_float(test_size, "test_size")
    if not 0 < test_size < 1:
        raise ValueError(f"test_size must lie in (0, 1), got {test_size}")
    if len(np.unique(labels)) < 2:
        raise ValueError("labels must contain at least two classes")
    train_x, test_x, train_t, test_t = train_test_split(
        normalized(x, "embeddings"), labels, test_size=test_size, random_state=seed, stratify=labels
    )
    clf = LogisticRegression(max_iter=2000, random_state=seed)
    clf.fit(train_x, train_t)
    return float(clf.score(test_x, test_t))


def linear_separability(x, y, seed: int = 0, test_size: float = 0.5) -> float:
    """Held-out accuracy of a logistic-regression classifier telling modality x from y.

    The classifier sees L2-normalised embeddings; half of each modality (by default)
    is held out. 0.5 means the modalities are indistinguishable, 1.0 that a single
    hyperplane separates them.

    Parameters
    ----------
    x : array-like, shape (N, D)
    y : array-like, shape (M, D)
    seed : int
        Seed for the train/test split and the solver.
    test_size : float in (0, 1)
        Fraction of the points held out.
    """
    points, modality = pooled(as_embeddings(x, "x", min_rows=2), as_embeddings(y, "y", min_rows=2))
    return held_out_accuracy(points, modality, seed=seed, test_size=test_size)


def _block_rows(n_cols: int) -> int:
    return max(1, min(4096, _BLOCK_ELEMENTS // max(n_cols, 1)))


def _checked_ks(ks) -> tuple:
    """``ks`` (an int or an iterable of ints ≥ 1, at least one) as a tuple."""
    ks = tuple(ks) if not np.isscalar(ks) else (ks,)
    if not ks:
        raise ValueError("ks must name at least one k")
    return tuple(check_int(k, "ks", minimum=1) for k in ks)


def recall_at_k(queries, gallery, ks=(1, 5, 10), normalize: bool = True) -> dict:
    """Cross-modal retrieval recall: row i of ``queries`` should retrieve row i of ``gallery``.

    For each query the gallery is ranked by cosine similarity; Recall@k is the
    fraction of queries whose true match is among the top k. Ties count in the
    query's favour (rank = number of gallery items strictly more similar).
    Streams over blocks of queries, so memory is O(block · N), never N×N.

    Parameters
    ----------
    queries, gallery : array-like, shape (N, D)
    ks : iterable of int ≥ 1
    normalize : bool
        Rank by cosine (default). ``False`` ranks by raw dot products, e.g. to check
        that translating the gallery leaves rankings unchanged.

    Returns
    -------
    dict {k: recall} with recall in [0, 1].
    """
    q = as_embeddings(queries, "queries")
    g = as_embeddings(gallery, "gallery")
    check_same_rows(q, g, "queries", "gallery")
    ks = _checked_ks(ks)
    ranks = true_match_ranks(q, g, normalize=normalize)
    return {k: float(np.mean(ranks < k)) for k in ks}


def match_recall_at_k(queries, gallery, relevant, ks=(1,)) -> dict:
    """Recall when several gallery items are correct: a hit is any relevant item in the top k.

    Instance retrieval (:func:`recall_at_k`) is ill-posed when gallery items repeat: two
    identical captions tie, so Recall@1 has a ceiling below 1. Here ``relevant[i, j]`` says
    whether gallery item j is a correct answer to query i (e.g. a caption whose named
    attributes all hold for image i, :meth:`gapnotes.synthetic.ShapesPairs.caption_matches`),
    and the score is reported with its chance level and ceiling.

    Parameters
    ----------
    queries : array-like (N, D); gallery : array-like (M, D), ranked by cosine
    relevant : bool array (N, M); every query needs at least one relevant item
    ks : iterable of int ≥ 1

    Returns
    -------
    dict with ``k`` → recall for every k, ``"chance"`` (expected Recall@1 of a random
    ranking: the mean fraction of relevant items per query) and ``"ceiling"`` (1.0).
    """
    q = as_embeddings(queries, "queries")
    g = as_embeddings(gallery, "gallery")
    if q.shape[1] != g.shape[1]:
        raise ValueError(f"queries have dimension {q.shape[1]} but gallery has {g.shape[1]}")
    relevant = np.asarray(relevant)
    if relevant.dtype != bool or relevant.shape != (len(q), len(g)):
        raise ValueError(f"relevant must be a bool array of shape ({len(q)}, {len(g)}), "
                         f"got {relevant.dtype} {relevant.shape}")
    if not relevant.any(axis=1).all():
        raise ValueError("relevant has a query (row) without any relevant gallery item")
    ks = _checked_ks(ks)
    qn, gn = normalized(q, "queries"), normalized(g, "gallery")
    kmax = min(max(ks), len(g))
    hits = {k: 0 for k in ks}
    step = _block_rows(len(g))
    for start in range(0, len(qn), step):
        sims = qn[start:start + step] @ gn.T
        top = np.argsort(-sims, axis=1, kind="stable")[:, :kmax]
        found = np.take_along_axis(relevant[start:start + step], top, axis=1)
        for k in ks:
            hits[k] += int(found[:, :k].any(axis=1).sum())
    out = {k: hits[k] / len(qn) for k in ks}
    out.update(chance=float(relevant.mean(axis=1).mean()), ceiling=1.0)
    return out


def true_match_ranks(queries, gallery, normalize: bool = True) -> np.ndarray:
    """0-based rank of each query's true match in the gallery (0 = retrieved first).

    Shape (N,) int64. See :func:`recall_at_k`.
    """
    q = as_embeddings(queries, "queries")
    g = as_embeddings(gallery, "gallery")
    check_same_rows(q, g, "queries", "gallery")
    if normalize:
        qn, gn = normalized(q, "queries"), normalized(g, "gallery")
    else:
        qn, gn = q, g
    n = len(qn)
    ranks = np.empty(n, dtype=np.int64)
    step = _block_rows(n)
    for start in range(0, n, step):
        stop = min(n, start + step)
        sims = qn[start:stop] @ gn.T
        # The true match's score is read from the same product (not recomputed), so
        # rounding can never rank a pair below itself.
        own = sims[np.arange(stop - start), np.arange(start, stop)]
        ranks[start:stop] = (sims > own[:, None]).sum(axis=1)
    return ranks


def pooled(x, y, labels=None):
    """Stack two modalities as separate points, for clustering or plotting.

    Returns ``(points, modality)`` with points of shape (N+M, D) (x first) and
    modality an int array (0 for x, 1 for y); with ``labels`` (length N, shared by the
    pairs) returns ``(points, modality, labels_repeated)`` where labels are tiled twice.
    """
    x = as_embeddings(x, "x")
    y = as_embeddings(y, "y")
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"x has dimension {x.shape[1]} but y has {y.shape[1]}")
    points = np.concatenate([x, y])
    modality = np.r_[np.zeros(len(x), int), np.ones(len(y), int)]
    if labels is None:
        return points, modality
    check_same_rows(x, y, "x", "y")
    labels = as_labels(labels, "labels", len(x), "x")
    return points, modality, np.concatenate([labels, labels])


def clustering_scores(
    embeddings,
    labels,
    n_clusters: int | None = None,
    seed: int = 0,
    method: str = "kmeans",
    return_assignments: bool = False,
    n_init: int = 10,
) -> dict:
    """k-means on L2-normalised embeddings, scored against ground-truth labels.

    Parameters
    ----------
    embeddings : array-like, shape (N, D)
    labels : array-like, shape (N,)
        Ground-truth classes.
    n_clusters : int, optional
        Defaults to the number of distinct labels.
    seed : int
    method : {"kmeans", "minibatch"}
        ``"minibatch"`` uses MiniBatchKMeans, for large N.
    return_assignments : bool
        Also return the cluster index of each point under key ``"assignments"``.
    n_init : int ≥ 1
        k-means restarts; the run with the lowest inertia is kept. More restarts make the
        score a property of the embeddings rather than of the random start (the claims
        ledger uses 100).

    Returns
    -------
    dict with ``v_measure``, ``nmi``, ``ari``, ``homogeneity``, ``completeness``
    (all in [0, 1] except ARI, which can dip below 0).
    """
    from sklearn import metrics as skm
    from sklearn.cluster import KMeans, MiniBatchKMeans

    x = as_embeddings(embeddings, "embeddings", min_rows=2)
    labels = as_labels(labels, "labels", len(x), "embeddings")
    seed = check_int(seed, "seed", minimum=0)
    if n_clusters is None:
        n_clusters = len(np.unique(labels))
    n_clusters = check_int(n_clusters, "n_clusters", minimum=1)
    if n_clusters > len(x):
        raise ValueError(f"n_clusters={n_clusters} exceeds the number of points ({len(x)})")
    n_init = check_int(n_init, "n_init", minimum=1)
    if method == "kmeans":
        model = KMeans(n_clusters=n_clusters, n_init=n_init, random_state=seed)
    elif method == "minibatch":
        model = MiniBatchKMeans(n_clusters=n_clusters, n_init=3, random_state=seed, batch_size=4096)
    else:
        raise ValueError(f"method must be 'kmeans' or 'minibatch', got {method!r}")
    assignments = model.fit_predict(normalized(x, "embeddings"))
    h, c, v = skm.homogeneity_completeness_v_measure(labels, assignments)
    out = {
        "v_measure": float(v),
        "nmi": float(skm.normalized_mutual_info_score(labels, assignments)),
        "ari": float(skm.adjusted_rand_score(labels, assignments)),
        "homogeneity": float(h),
        "completeness": float(c),
    }
    if return_assignments:
        out["assignments"] = assignments
    return out


def pooled_v_measure(x, y, labels, n_init: int = 100, seed: int = 0) -> float:
    """V-measure of k-means (k = number of classes) on the 2N pooled points of x and y.

    The 2026 paper's group-wise score: ``x`` and ``y`` (N, D) are paired, ``labels`` (N,) the class of
    each pair, given to both of its points. ``n_init`` restarts (default 100: with 10, k-means on a
    space with a gap sometimes splits by modality and sometimes by class from one start to the next).
    """
    points, _, pooled_labels = pooled(x, y, labels)
    return clustering_scores(points, pooled_labels, seed=seed, n_init=n_init)["v_measure"]


def semantic_r1(x, y, matches) -> float:
    """Image→text Recall@1 where a hit is any caption whose named attributes all hold.

    ``matches`` is :meth:`gapnotes.synthetic.ShapesPairs.caption_matches` of the pairs
    (see :func:`match_recall_at_k`).
    """
    return match_recall_at_k(x, y, matches, ks=(1,))[1]


def knn_accuracy(train, train_labels, test, test_labels, k: int = 10) -> float:
    """Accuracy of a cosine k-nearest-neighbour classifier (majority vote, ties → smallest label).

    Parameters
    ----------
    train : array-like, shape (N, D); train_labels : shape (N,)
    test : array-like, shape (M, D); test_labels : shape (M,)
    k : int, 1 ≤ k ≤ N
    """
    tr = as_embeddings(train, "train")
    te = as_embeddings(test, "test")
    if tr.shape[1] != te.shape[1]:
        raise ValueError(f"train has dimension {tr.shape[1]} but test has {te.shape[1]}")
    tr_lab = as_labels(train_labels, "train_labels", len(tr), "train")
    te_lab = as_labels(test_labels, "test_labels", len(te), "test")
    k = check_int(k, "k", minimum=1)
    if k > len(tr):
        raise ValueError(f"k={k} exceeds the number of training points ({len(tr)})")
    classes, tr_idx = np.unique(tr_lab, return_inverse=True)
    trn, ten = normalized(tr, "train"), normalized(te, "test")
    pred = np.empty(len(te), dtype=np.int64)
    step = _block_rows(len(tr))
    for start in range(0, len(te), step):
        sims = ten[start : start + step] @ trn.T
        nn = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        votes = np.zeros((len(nn), len(classes)), dtype=np.int64)
        np.add.at(votes, (np.arange(len(nn))[:, None], tr_idx[nn]), 1)
        pred[start : start + step] = votes.argmax(axis=1)
    return float(np.mean(classes[pred] == te_lab))


def alignment(x, y, alpha: float = 2.0) -> float:
    """Alignment of Wang & Isola (2020): mean_i ‖x̂_i − ŷ_i‖^α (lower is better aligned)."""
    x = as_embeddings(x, "x")
    y = as_embeddings(y, "y")
    check_same_rows(x, y, "x", "y")
    alpha = check_float(alpha, "alpha", positive=True, allow_zero=False)
    # ‖x̂−ŷ‖² = 2 − 2 cos, computed without a difference array.
    dots = np.einsum("ij,ij->i", x, y).astype(np.float64) / (row_norms(x, "x") * row_norms(y, "y"))
    sq = np.clip(2.0 - 2.0 * dots, 0.0, 4.0)
    return float(np.mean(sq ** (alpha / 2.0)))


def uniformity(x, t: float = 2.0) -> float:
    """Uniformity of Wang & Isola (2020): log mean_{i≠j} exp(−t‖x̂_i − x̂_j‖²).

    Lower (more negative) is more uniform on the sphere. Streams over blocks and
    uses a log-sum-exp, so it is exact and memory-bounded; cost O(N²·D).
    """
    x = as_embeddings(x, "x", min_rows=2)
    t = check_float(t, "t", positive=True, allow_zero=False)
    xn = normalized(x, "x")
    n = len(xn)
    step = _block_rows(n)
    partial = []
    for start in range(0, n, step):
        stop = min(n, start + step)
        cos = (xn[start:stop] @ xn.T).astype(np.float64)
        logits = -t * np.clip(2.0 - 2.0 * cos, 0.0, 4.0)
        logits[np.arange(stop - start), np.arange(start, stop)] = -np.inf  # drop i == j
        m = logits.max()
        partial.append(m + np.log(np.exp(logits - m).sum()))
    partial = np.array(partial)
    m = partial.max()
    return float(m + np.log(np.exp(partial - m).sum()) - np.log(n * (n - 1)))


def mean_cosine_within_groups(x, groups) -> float:
    """The mean over groups of :func:`mean_cosine_similarity` of each group's rows of ``x`` (N, D).

    ``groups`` (N,) labels each row (e.g. the random seed that embedded it); every group needs at
    least two rows. Compare with :func:`mean_cosine_similarity` of all rows together.
    """
    x = as_embeddings(x, "x")
    groups = as_labels(groups, "groups", len(x), "x")
    values, counts = np.unique(groups, return_counts=True)
    if (counts < 2).any():
        raise ValueError(f"groups: every group needs at least two rows; {values[counts < 2].tolist()} have one")
    return float(np.mean([mean_cosine_similarity(x[groups == g]) for g in values]))


def summarize_pair(x, y, seed: int = 0) -> dict:
    """The chapter-00 summary of a paired embedding set, as a dict of floats.

    Keys: ``gap``, ``cos_x`` and ``cos_y`` (mean in-modality cosine), ``true_pair_cos``,
    ``separability`` (held-out linear accuracy), ``r1_x2y`` and ``r1_y2x`` (Recall@1).
    """
    return {
        "gap": modality_gap(x, y),
        "cos_x": mean_cosine_similarity(x),
        "cos_y": mean_cosine_similarity(y),
        "true_pair_cos": true_pair_cosine(x, y),
        "separability": linear_separability(x, y, seed=seed),
        "r1_x2y": recall_at_k(x, y, ks=(1,))[1],
        "r1_y2x": recall_at_k(y, x, ks=(1,))[1],
    }


def mean_ci(values, confidence: float = 0.95) -> tuple:
    """Mean and half-width of a Student-t confidence interval over independent runs (e.g. seeds).

    Returns ``(mean, half_width)``; the interval is mean ± half_width. Needs ≥ 2 values.
    """
    from scipy import stats

    v = np.asarray(values, dtype=np.float64).ravel()
    if v.size < 2:
        raise ValueError(f"values needs at least 2 numbers for an interval, got {v.size}")
    if not np.all(np.isfinite(v)):
        raise ValueError("values contains NaN or infinite values")
    confidence = check_float(confidence, "confidence")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie in (0, 1), got {confidence}")
    sem = v.std(ddof=1) / np.sqrt(v.size)
    return float(v.mean()), float(stats.t.ppf(0.5 + confidence / 2, v.size - 1) * sem)
