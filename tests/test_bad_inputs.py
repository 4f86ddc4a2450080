"""Every public array function refuses bad input with a ValueError/TypeError that names the argument.

Run ``python tests/test_bad_inputs.py`` to print the table of inputs tried (function, argument, bad
input, exception, message) as Markdown.
"""

from __future__ import annotations

import numpy as np
import pytest

from gapnotes import geometry, metrics, tasks

RNG = np.random.default_rng(0)
GOOD = RNG.normal(size=(12, 4)).astype(np.float32)
GOOD_Y = RNG.normal(size=(12, 4)).astype(np.float32) + 1
LABELS = np.arange(12) % 3


def _bad_values(good: np.ndarray) -> dict:
    nan, inf, zero_row = good.copy(), good.copy(), good.copy()
    nan[3, 1] = np.nan
    inf[0, 0] = np.inf
    zero_row[5] = 0
    return {
        "NaN": nan,
        "inf": inf,
        "empty (0 rows)": good[:0],
        "1-D": good[:, 0],
        "mismatched N": good[:-1],
        "all-zero row": zero_row,
        "strings": np.array([["a"] * good.shape[1]] * len(good)),
        "complex": good.astype(np.complex64),
        "bool": good > 0,
        "None": None,
    }


# (function name, call taking the bad value, name of the argument it fills, bad kinds that do not apply)
CASES = [
    ("metrics.modality_gap", lambda v: metrics.modality_gap(GOOD, v), "y", {"mismatched N"}),
    ("metrics.gap_vector", lambda v: metrics.gap_vector(v, GOOD_Y), "x", {"mismatched N"}),
    ("metrics.centre_geometry", lambda v: metrics.centre_geometry(GOOD, v), "y", {"mismatched N"}),
    ("metrics.mean_cosine_similarity", lambda v: metrics.mean_cosine_similarity(v), "x", {"mismatched N"}),
    ("metrics.true_pair_cosine", lambda v: metrics.true_pair_cosine(GOOD, v), "y", set()),
    ("metrics.linear_separability", lambda v: metrics.linear_separability(v, GOOD_Y), "x", {"mismatched N"}),
    ("metrics.held_out_accuracy", lambda v: metrics.held_out_accuracy(v, LABELS), "embeddings", set()),
    ("metrics.recall_at_k", lambda v: metrics.recall_at_k(GOOD, v), "gallery", set()),
    ("metrics.true_match_ranks", lambda v: metrics.true_match_ranks(v, GOOD_Y), "queries", set()),
    ("metrics.pooled", lambda v: metrics.pooled(GOOD, v), "y", {"mismatched N", "all-zero row"}),
    ("metrics.clustering_scores", lambda v: metrics.clustering_scores(v, LABELS), "embeddings", set()),
    ("metrics.match_recall_at_k", lambda v: metrics.match_recall_at_k(v, GOOD_Y, np.eye(len(GOOD_Y), dtype=bool)),
     "queries", {"mismatched N"}),
    ("metrics.knn_accuracy", lambda v: metrics.knn_accuracy(GOOD, LABELS, v, LABELS, k=3), "test", set()),
    ("metrics.alignment", lambda v: metrics.alignment(GOOD, v), "y", set()),
    ("metrics.uniformity", lambda v: metrics.uniformity(v), "x", {"mismatched N"}),
    ("metrics.summarize_pair", lambda v: metrics.summarize_pair(v, GOOD_Y), "x", set()),
    ("geometry.normalize", lambda v: geometry.normalize(v), "x", {"mismatched N"}),
    ("geometry.shift_along", lambda v: geometry.shift_along(v, np.ones(4), 0.5), "x", {"mismatched N"}),
    ("geometry.shift_along_gap", lambda v: geometry.shift_along_gap(GOOD, v, 0.5), "y", {"mismatched N"}),
    ("geometry.center_modalities", lambda v: geometry.center_modalities(v, GOOD_Y), "x", {"mismatched N"}),
    ("geometry.procrustes_align", lambda v: geometry.procrustes_align(GOOD, v), "target", set()),
    ("geometry.project_2d", lambda v: geometry.project_2d(v), "points", {"mismatched N", "all-zero row"}),
    ("geometry.fit_posthoc", lambda v: geometry.fit_posthoc("center", GOOD, v), "texts", {"mismatched N"}),
    ("tasks.zero_shot_accuracy", lambda v: tasks.zero_shot_accuracy(v, GOOD_Y[:3], LABELS), "images", set()),
    ("tasks.scatter_decomposition", lambda v: tasks.scatter_decomposition(GOOD, v, LABELS), "y", {"all-zero row"}),  # not normalised
    ("tasks.gap_direction", lambda v: tasks.gap_direction(v, GOOD_Y), "x", {"mismatched N"}),
]


def _params():
    for name, call, argument, skip in CASES:
        for kind, value in _bad_values(GOOD).items():
            if kind not in skip:
                yield pytest.param(call, argument, value, id=f"{name}-{kind}")


@pytest.mark.parametrize("call, argument, value", list(_params()))
def test_bad_input_raises_a_clear_error_naming_the_argument(call, argument, value):
    with pytest.raises((ValueError, TypeError)) as info:
        call(value)
    assert argument in str(info.value), f"message does not name {argument!r}: {info.value}"


@pytest.mark.parametrize("call", [
    lambda: metrics.recall_at_k(GOOD, GOOD_Y, ks=(0,)),
    lambda: metrics.recall_at_k(GOOD, GOOD_Y, ks=()),
    lambda: metrics.clustering_scores(GOOD, LABELS, method="dbscan"),
    lambda: metrics.clustering_scores(GOOD, LABELS[:-1]),
    lambda: metrics.clustering_scores(GOOD, LABELS, n_init=0),
    lambda: metrics.knn_accuracy(GOOD, LABELS, GOOD, LABELS, k=0),
    lambda: metrics.uniformity(GOOD, t=-1.0),
    lambda: metrics.held_out_accuracy(GOOD, LABELS, test_size=1.5),
    lambda: metrics.mean_ci([]),
    lambda: geometry.shift_along_gap(GOOD, GOOD_Y, float("nan")),
    lambda: geometry.fit_posthoc("rotate-ish", GOOD, GOOD_Y),
    lambda: geometry.project_2d(GOOD, method="tsne"),
])
def test_bad_options_are_refused(call):
    with pytest.raises((ValueError, TypeError)):
        call()


def _table() -> str:
    lines = ["| function | argument | bad input | exception | message |", "|---|---|---|---|---|"]
    for name, call, argument, skip in CASES:
        for kind, value in _bad_values(GOOD).items():
            if kind in skip:
                continue
            try:
                call(value)
                outcome, message = "no error", ""
            except Exception as error:  # noqa: BLE001 — we report whatever was raised
                outcome, message = type(error).__name__, str(error).replace("|", "/")[:90]
            lines.append(f"| `{name}` | `{argument}` | {kind} | {outcome} | {message} |")
    return "\n".join(lines)


def _matrix() -> str:
    """The same, compact: one row per function, one column per bad input (V = ValueError, T = TypeError)."""
    kinds = list(_bad_values(GOOD))
    lines = ["| function (argument) | " + " | ".join(kinds) + " |", "|---|" + "---|" * len(kinds)]
    for name, call, argument, skip in CASES:
        cells = []
        for kind, value in _bad_values(GOOD).items():
            if kind in skip:
                cells.append("n/a")
                continue
            try:
                call(value)
                cells.append("**none**")
            except ValueError as error:
                cells.append("V" if argument in str(error) else "V (unnamed)")
            except TypeError as error:
                cells.append("T" if argument in str(error) else "T (unnamed)")
        lines.append(f"| `{name}` (`{argument}`) | " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    import sys

    print(_matrix() if "--matrix" in sys.argv else _table())
