"""Downstream tasks of chapter 3: how a gap affects retrieval, clustering, zero-shot and search.

Every function takes embeddings as array-likes (N, D) and returns floats, dicts or
pandas DataFrames.
"""

from __future__ import annotations

import numpy as np

from ._validation import as_embeddings, as_labels, check_int, check_same_rows
from ._vectors import normalized
from .geometry import center_modalities, shift_along, shift_along_gap
from .metrics import (
    clustering_scores,
    gap_vector,
    held_out_accuracy,
    knn_accuracy,
    match_recall_at_k,
    modality_gap,
    pooled,
    recall_at_k,
    true_pair_cosine,
    uniformity,
)

__all__ = [
    "shift_sweep",
    "content_groups",
    "scatter_decomposition",
    "zero_shot_predictions",
    "zero_shot_accuracy",
    "shifted_zero_shot",
    "distractor_share",
    "zero_shot_vs_shift",
    "shift_chosen_on_validation",
    "mixed_modality_search",
    "clusters_by_modality",
    "retrieval_when_centres_meet",
    "gap_direction",
    "evaluate_space",
    "multimodal_report",
    "group_vs_instance",
]


def shift_sweep(x, y, lambdas, labels=None, ks=(1, 5), seed: int = 0):
    """Retrieval (and clustering, if ``labels`` are given) after each shift λ along the gap.

    For every λ the pair is moved with :func:`gapnotes.geometry.shift_along_gap`; the
    result has one row per λ with columns ``lam``, ``gap``, ``r{k}_x2y``, ``r{k}_y2x``
    and, with labels, ``v_measure``, ``nmi``, ``ari`` of k-means on the pooled points
    (k = number of classes).
    """
    import pandas as pd

    x = as_embeddings(x, "x")
    y = as_embeddings(y, "y")
    check_same_rows(x, y, "x", "y")
    if labels is not None:
        labels = as_labels(labels, "labels", len(x), "x")
    rows = []
    for lam in np.asarray(lambdas, dtype=float):
        sx, sy = shift_along_gap(x, y, float(lam))
        row = {"lam": float(lam), "gap": modality_gap(sx, sy)}
        for direction, (q, g) in (("x2y", (sx, sy)), ("y2x", (sy, sx))):
            for k, value in recall_at_k(q, g, ks=ks).items():
                row[f"r{k}_{direction}"] = value
        if labels is not None:
            points, _, pooled_labels = pooled(sx, sy, labels)
            scores = clustering_scores(points, pooled_labels, seed=seed)
            row.update({key: scores[key] for key in ("v_measure", "nmi", "ari")})
        rows.append(row)
    return pd.DataFrame(rows)


def content_groups(x, k: int = 5, seed: int = 0) -> np.ndarray:
    """Groups of pairs found in one modality alone: k-means (10 restarts) on the unit rows of ``x``.

    For embeddings released without labels (the 2022 paper's MSCOCO pairs): the groups stand in
    for classes, so that a clustering of *both* modalities can be scored against them (V-measure
    after a shift along the gap, :func:`shift_sweep`). They are the image side's own structure,
    not human labels. Returns an int array (N,) with values 0..k−1.
    """
    from sklearn.cluster import KMeans

    x = as_embeddings(x, "x")
    k = check_int(k, "k", minimum=2)
    if k > len(x):
        raise ValueError(f"k={k} exceeds the number of rows of x ({len(x)})")
    return KMeans(k, n_init=10, random_state=check_int(seed, "seed", minimum=0)).fit_predict(normalized(x, "x"))


def scatter_decomposition(x, y, labels) -> dict:
    """Within-class scatter of the pooled modalities and its two parts.

    For class c with image points x (mean μˣ_c), text points y (mean μʸ_c), equally many,
    the mean squared distance of the pooled points to their common mean is::

        S_c = ½ (Sˣ_c + Sʸ_c) + ¼ ‖μˣ_c − μʸ_c‖²

    where Sˣ_c, Sʸ_c are the within-modality scatters. The last term is what a gap adds:
    an offset δ between the modalities' class means adds ‖δ‖²/4 to every class.
    Returns the class-averaged ``total``, ``within_modalities`` (½(Sˣ+Sʸ)) and
    ``offset_term`` (¼‖μˣ−μʸ‖²), computed on the points as given (normalise them first
    if you want the unit sphere).
    """
    x = as_embeddings(x, "x")
    y = as_embeddings(y, "y")
    check_same_rows(x, y, "x", "y")
    labels = as_labels(labels, "labels", len(x), "x")
    total, within, offset = [], [], []
    for c in np.unique(labels):
        xc, yc = x[labels == c].astype(np.float64), y[labels == c].astype(np.float64)
        both = np.concatenate([xc, yc])
        total.append(np.mean(np.sum((both - both.mean(0)) ** 2, axis=1)))
        sx = np.mean(np.sum((xc - xc.mean(0)) ** 2, axis=1))
        sy = np.mean(np.sum((yc - yc.mean(0)) ** 2, axis=1))
        within.append(0.5 * (sx + sy))
        offset.append(0.25 * np.sum((xc.mean(0) - yc.mean(0)) ** 2))
    return {"total": float(np.mean(total)), "within_modalities": float(np.mean(within)), "offset_term": float(np.mean(offset))}


def zero_shot_predictions(images, class_embeddings) -> np.ndarray:
    """Index of the most similar class embedding (by cosine) for every image, shape (N,)."""
    img = as_embeddings(images, "images")
    cls = as_embeddings(class_embeddings, "class_embeddings")
    if img.shape[1] != cls.shape[1]:
        raise ValueError(f"images have dimension {img.shape[1]} but class_embeddings have {cls.shape[1]}")
    return np.argmax(normalized(img, "images") @ normalized(cls, "class_embeddings").T, axis=1)


def zero_shot_accuracy(images, class_embeddings, labels) -> float:
    """Fraction of images whose most similar class embedding is their label (labels index the classes)."""
    pred = zero_shot_predictions(images, class_embeddings)
    labels = as_labels(labels, "labels", len(pred), "images")
    return float(np.mean(pred == labels))


def shifted_zero_shot(images, class_embeddings, direction, lambdas) -> dict:
    """λ → zero-shot predictions (N,) after moving the images by −½λ and the class embeddings by +½λ.

    Both move along the unit ``direction`` (D,) and are re-normalised
    (:func:`gapnotes.geometry.shift_along`); with ``direction`` from :func:`gap_direction` (from
    the texts to the images), λ > 0 closes the gap and λ < 0 widens it. Keys are floats.
    """
    lambdas = [float(lam) for lam in np.atleast_1d(np.asarray(lambdas, dtype=float))]
    if not lambdas or not all(np.isfinite(lambdas)):
        raise ValueError(f"lambdas must be a non-empty list of finite numbers, got {lambdas}")
    return {lam: zero_shot_predictions(shift_along(images, direction, -lam / 2),
                                       shift_along(class_embeddings, direction, lam / 2))
            for lam in lambdas}


def distractor_share(images, class_embeddings, is_distractor, direction, lambdas) -> dict:
    """λ → fraction of images whose zero-shot class is a distractor, after :func:`shifted_zero_shot`.

    ``is_distractor`` (K,) marks the class embeddings that name no class of the data (prompts for
    objects that never occur): a measure of predictions that go to the wrong *kind* of class.
    """
    flags = np.asarray(is_distractor)
    classes = as_embeddings(class_embeddings, "class_embeddings")
    if flags.dtype != bool or flags.shape != (len(classes),):
        raise ValueError(f"is_distractor must be a boolean array of length {len(classes)} (one per class "
                         f"embedding), got dtype {flags.dtype} and shape {flags.shape}")
    return {lam: float(flags[pred].mean())
            for lam, pred in shifted_zero_shot(images, classes, direction, lambdas).items()}


def zero_shot_vs_shift(images, labels, prompts, direction, lambdas) -> dict:
    """λ → zero-shot accuracy after :func:`shifted_zero_shot` (images −½λ, prompts +½λ along ``direction``).

    ``labels`` (N,) index the rows of ``prompts``.
    """
    labels = as_labels(labels, "labels", len(as_embeddings(images, "images")), "images")
    return {lam: float(np.mean(pred == labels))
            for lam, pred in shifted_zero_shot(images, prompts, direction, lambdas).items()}


def shift_chosen_on_validation(validation, test, prompts, direction, lambdas) -> tuple:
    """Zero-shot accuracy along a gap shift, with λ chosen on a validation split (and, for contrast, on test).

    ``validation`` and ``test`` are ``(images, labels)`` pairs, scored by :func:`zero_shot_vs_shift`
    with the same ``prompts``, ``direction`` and ``lambdas``. Choosing λ on the test split itself
    (what the 2022 authors' zero-shot notebook does) is optimistic by construction; the honest
    choice is the validation split's best λ, scored on test.

    Returns ``(curves, choice)``: ``curves`` a DataFrame indexed by λ with columns ``validation`` and
    ``test``; ``choice`` one row each for no shift, λ chosen on validation and λ chosen on test, with
    columns ``λ`` and ``test accuracy``.
    """
    import pandas as pd

    for name, split in (("validation", validation), ("test", test)):
        if not isinstance(split, (tuple, list)) or len(split) != 2:
            raise ValueError(f"{name} must be an (images, labels) pair")
    lambdas = [float(lam) for lam in np.asarray(lambdas, dtype=float).ravel()]
    if 0.0 not in lambdas:
        raise ValueError("lambdas must include 0.0 (no shift), the baseline of the choice")
    curves = pd.DataFrame({name: pd.Series(zero_shot_vs_shift(*split, prompts, direction, lambdas))
                           for name, split in (("validation", validation), ("test", test))}).rename_axis("λ")
    on_validation, on_test = curves["validation"].idxmax(), curves["test"].idxmax()
    choice = pd.DataFrame(
        {"λ": [0.0, on_validation, on_test],
         "test accuracy": [curves.loc[lam, "test"] for lam in (0.0, on_validation, on_test)]},
        index=["no shift", "λ chosen on validation", "λ chosen on test (the original code's choice)"])
    return curves, choice


def mixed_modality_search(queries, query_labels, corpus_x, labels_x, corpus_y, labels_y, k: int = 20,
                          center: bool = False) -> dict:
    """Search a corpus that mixes two modalities (e.g. images and captions) with text queries.

    Each query retrieves its top ``k`` items from the pooled corpus by cosine. Returns
    ``share_x`` (fraction of retrieved items that come from ``corpus_x``; 0.5 would be
    balanced when both halves are equally relevant) and ``precision`` (fraction of
    retrieved items whose label equals the query's). With ``center=True`` each modality
    is centred on its own mean first (queries with the text corpus's mean), the fix of
    GR-CLIP (Li et al., 2025).

    queries are assumed to be of the same modality as ``corpus_y``.
    """
    q = as_embeddings(queries, "queries")
    cx = as_embeddings(corpus_x, "corpus_x")
    cy = as_embeddings(corpus_y, "corpus_y")
    ql = as_labels(query_labels, "query_labels", len(q), "queries")
    lx = as_labels(labels_x, "labels_x", len(cx), "corpus_x")
    ly = as_labels(labels_y, "labels_y", len(cy), "corpus_y")
    k = check_int(k, "k", minimum=1)
    if k > len(cx) + len(cy):
        raise ValueError(f"k={k} exceeds the corpus size ({len(cx) + len(cy)})")
    qn, xn, yn = normalized(q, "queries"), normalized(cx, "corpus_x"), normalized(cy, "corpus_y")
    if center:
        text_mean = yn.mean(0)
        xn, yn = center_modalities(xn, yn)
        qn = qn - text_mean.astype(qn.dtype)
        qn /= np.linalg.norm(qn, axis=1, keepdims=True)
    corpus = np.concatenate([xn, yn])
    is_x = np.r_[np.ones(len(xn), bool), np.zeros(len(yn), bool)]
    corpus_labels = np.concatenate([lx, ly])
    top = np.argsort(-(qn @ corpus.T), axis=1)[:, :k]
    return {
        "share_x": float(is_x[top].mean()),
        "precision": float((corpus_labels[top] == ql[:, None]).mean()),
        "gap": modality_gap(xn, yn),
    }


def retrieval_when_centres_meet(images, texts):
    """Two ways to put the modalities' centres together, and what each does to image→text Recall@1.

    Rows: ``original`` (the unit embeddings), ``translate captions by Δ (no re-normalisation)``
    (every caption plus the gap vector Δ = mean(x̂) − mean(ŷ), ranked by raw dot products: every
    candidate's score moves by the same x̂·Δ, so ranks cannot change) and ``per-modality centering``
    (:func:`gapnotes.geometry.center_modalities`: each modality minus its mean, re-normalised, ranked
    by cosine). Columns: ``centre distance`` (‖mean x − mean y‖ of the vectors ranked) and
    ``R@1 image→text``. The unit vectors are float64, so "unchanged" can be checked exactly.
    """
    import pandas as pd

    images = as_embeddings(images, "images")
    texts = as_embeddings(texts, "texts")
    check_same_rows(images, texts, "images", "texts")
    unit_x = normalized(images.astype(np.float64), "images")
    unit_y = normalized(texts.astype(np.float64), "texts")
    ways = {  # (images, captions, rank by cosine?)
        "original": (unit_x, unit_y, True),
        "translate captions by Δ (no re-normalisation)": (unit_x, unit_y + gap_vector(images, texts), False),
        "per-modality centering": (*center_modalities(images, texts), True),
    }
    return pd.DataFrame.from_dict(
        {name: {"centre distance": float(np.linalg.norm(a.mean(0) - b.mean(0))),
                "R@1 image→text": recall_at_k(a, b, ks=(1,), normalize=cosine)[1]}
         for name, (a, b, cosine) in ways.items()}, orient="index")


def clusters_by_modality(x, y, labels, seed: int = 0, names=("image", "caption")):
    """How k-means splits the pooled points of two modalities: counts per (cluster, modality).

    k-means (:func:`gapnotes.metrics.clustering_scores`, as many clusters as ``labels`` has groups)
    on the N + N pooled points of ``x`` and ``y`` (N, D) with the pairs' ``labels`` (N,) repeated.
    Returns a DataFrame, one row per cluster, one column per modality (``names``): a row with one
    zero is a cluster of one modality only, the sign that the gap, not the groups, decides.
    """
    import pandas as pd

    points, modality, pooled_labels = pooled(x, y, labels)
    found = clustering_scores(points, pooled_labels, seed=seed, return_assignments=True)["assignments"]
    return pd.crosstab(found, np.asarray(names)[modality], rownames=["cluster"], colnames=[None])


def gap_direction(x, y) -> np.ndarray:
    """Unit vector from the y centre to the x centre (float64, shape (D,))."""
    g = gap_vector(x, y)
    return g / np.linalg.norm(g)


def evaluate_space(test_images, test_texts, cluster_labels, class_labels, class_prompts,
                   train_images, train_labels, k_neighbours: int = 10, seed: int = 0) -> dict:
    """The chapter-4 scorecard of one embedding space, as a dict of floats.

    Parameters
    ----------
    test_images, test_texts : (N, D) paired test embeddings
    cluster_labels : (N,) groups for k-means on the pooled 2N points (k = number of groups)
    class_labels : (N,) classes for kNN and zero-shot accuracy
    class_prompts : (C, D) embeddings of one prompt per class (index = class label)
    train_images, train_labels : labelled image embeddings for the kNN classifier

    Returns
    -------
    dict with ``gap``, ``true_pair_cos``, ``r1_i2t``, ``r1_t2i``, ``v_measure``, ``nmi``, ``ari``
    (pooled k-means), ``knn_acc`` (cosine kNN of test images), ``zero_shot`` and
    ``uniformity`` (of the pooled points, lower = more spread).
    """
    points, _, pooled_labels = pooled(test_images, test_texts, cluster_labels)
    clusters = clustering_scores(points, pooled_labels, seed=seed)
    return {
        "gap": modality_gap(test_images, test_texts),
        "true_pair_cos": true_pair_cosine(test_images, test_texts),
        "r1_i2t": recall_at_k(test_images, test_texts, ks=(1,))[1],
        "r1_t2i": recall_at_k(test_texts, test_images, ks=(1,))[1],
        "v_measure": clusters["v_measure"],
        "nmi": clusters["nmi"],
        "ari": clusters["ari"],
        "knn_acc": knn_accuracy(train_images, train_labels, test_images, class_labels, k=k_neighbours),
        "zero_shot": zero_shot_accuracy(test_images, class_prompts, class_labels),
        "uniformity": uniformity(points),
    }


def multimodal_report(embeddings: dict, labels, seed: int = 0) -> dict:
    """Gaps, retrieval and clustering for any number of paired modalities.

    Parameters
    ----------
    embeddings : dict name -> (N, D) array; row i of every array is the same sample
    labels : (N,) groups for k-means on all modalities pooled (k = number of groups)

    Returns
    -------
    dict with ``gaps`` (DataFrame, modality × modality), ``recall_at_1`` (DataFrame, query
    modality × gallery modality; diagonal empty) and ``clustering`` (dict of k-means scores
    on the pooled M·N points).
    """
    import pandas as pd

    if not isinstance(embeddings, dict) or len(embeddings) < 2:
        raise ValueError("embeddings must be a dict of at least two named (N, D) arrays")
    names = list(embeddings)
    arrays = {name: as_embeddings(value, f"embeddings[{name!r}]") for name, value in embeddings.items()}
    first = arrays[names[0]]
    for name in names[1:]:
        check_same_rows(first, arrays[name], f"embeddings[{names[0]!r}]", f"embeddings[{name!r}]")
    labels = as_labels(labels, "labels", len(first))
    gaps = pd.DataFrame(0.0, index=names, columns=names)
    recall = pd.DataFrame(np.nan, index=pd.Index(names, name="query"), columns=pd.Index(names, name="gallery"))
    for a in names:
        for b in names:
            if a != b:
                gaps.loc[a, b] = modality_gap(arrays[a], arrays[b])
                recall.loc[a, b] = recall_at_k(arrays[a], arrays[b], ks=(1,))[1]
    points = np.concatenate([arrays[name] for name in names])
    clustering = clustering_scores(points, np.tile(labels, len(names)), seed=seed)
    return {"gaps": gaps, "recall_at_1": recall, "clustering": clustering}


#: The 2026 paper's evaluation of a two-modal space (the authors' ``metrics.py``): group-wise
#: scores from k-means on the pooled points, instance-wise ones from retrieval and classifiers.
GROUP_WISE = ("v_measure", "nmi", "ari", "homogeneity")


def group_vs_instance(x, y, labels, relevant, seed: int = 0, n_init: int = 100,
                      test_size: float = 0.2) -> dict:
    """Every metric of the 2026 paper's two-modal evaluation, for one model's paired embeddings.

    Group-wise: V-measure, NMI, ARI and homogeneity of k-means (k = number of classes,
    ``n_init`` restarts) on the 2N pooled points. Instance-wise: Recall@1/5/10 image→text
    and text→image (a hit is any relevant item, :func:`gapnotes.metrics.match_recall_at_k`),
    and two classifiers of the class from a pooled point, trained on a stratified
    ``1 − test_size`` share and scored on the rest: k-NN (k = 5, cosine) and a linear probe
    (logistic regression). Geometry: the gap and the mean true-pair cosine.

    Differences from the authors' ``metrics.py``: their linear probe is a linear layer trained
    with Adam for 100 epochs and reports the best test accuracy over the epochs (a number chosen
    on the test set); here it is a logistic regression fitted to convergence. Their k-NN uses
    Euclidean distance on the features and a random 80/20 split; here cosine and a stratified split.

    Parameters
    ----------
    x, y : (N, D) image and text embeddings, row i a pair
    labels : (N,) class of each pair (the same for its image and its text)
    relevant : (N, N) bool, ``relevant[i, j]`` when text j is a correct caption of image i
    seed : int, for k-means, the split and the probe
    n_init : k-means restarts (the ledger's 100)
    test_size : held-out share for the two classifiers

    Returns
    -------
    dict of floats: gap, true_pair_cos, v_measure, nmi, ari, homogeneity, knn_acc, probe_acc,
    i2t_r1, i2t_r5, i2t_r10, t2i_r1, t2i_r5, t2i_r10
    """
    x = as_embeddings(x, "x")
    y = as_embeddings(y, "y")
    check_same_rows(x, y, "x", "y")
    labels = as_labels(labels, "labels", len(x), "x")
    relevant = np.asarray(relevant)
    if relevant.shape != (len(x), len(x)):
        raise ValueError(f"relevant must have shape ({len(x)}, {len(x)}), got {relevant.shape}")
    seed = check_int(seed, "seed", minimum=0)
    points, _, pooled_labels = pooled(x, y, labels)
    clusters = clustering_scores(points, pooled_labels, seed=seed, n_init=n_init)
    out = {"gap": modality_gap(x, y), "true_pair_cos": true_pair_cosine(x, y)}
    out.update({name: clusters[name] for name in GROUP_WISE})
    from sklearn.model_selection import train_test_split

    train, test = train_test_split(np.arange(len(points)), test_size=test_size, random_state=seed,
                                   stratify=pooled_labels)
    out["knn_acc"] = knn_accuracy(points[train], pooled_labels[train], points[test], pooled_labels[test], k=5)
    out["probe_acc"] = held_out_accuracy(points, pooled_labels, seed=seed, test_size=test_size)
    for direction, (queries, gallery, hits) in {"i2t": (x, y, relevant), "t2i": (y, x, relevant.T)}.items():
        recall = match_recall_at_k(queries, gallery, hits, ks=(1, 5, 10))
        out.update({f"{direction}_r{k}": recall[k] for k in (1, 5, 10)})
    return out
