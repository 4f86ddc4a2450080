"""The book's figure style and its recurring plots.

One theme and one colour-blind-safe palette for every chapter: call
:func:`set_book_style` once at the top of a notebook.
"""

from __future__ import annotations

import numpy as np

from ._validation import as_embeddings, check_int, check_same_rows

__all__ = ["set_book_style", "MODALITY_COLORS", "plot_paired_embedding", "tau_label", "plot_check_margins",
           "plot_methods_per_seed", "plot_training_curves", "plot_zero_shot_curves", "plot_modality_examples",
           "plot_circle_gap", "plot_circle_shift", "plot_loss_forces"]

#: Colours of the two modalities everywhere in the book (seaborn "colorblind" blue and orange).
MODALITY_COLORS = ("#0173B2", "#DE8F05")


def set_book_style() -> None:
    """Apply the book's seaborn theme: white grid, colour-blind palette, readable sizes, opaque white figures."""
    import warnings

    import matplotlib as mpl
    import seaborn as sns

    # seaborn's FacetGrid calls tight_layout, which warns under constrained layout; harmless.
    warnings.filterwarnings("ignore", message="The figure layout has changed to tight")

    sns.set_theme(context="notebook", style="whitegrid", palette="colorblind")
    mpl.rcParams.update(
        {
            "figure.dpi": 100,
            "savefig.dpi": 150,
            "axes.titleweight": "bold",
            "figure.autolayout": False,
            "figure.constrained_layout.use": True,
            # Opaque white figures stay readable when the book's theme is switched to dark mode.
            "figure.facecolor": "white",
            "savefig.facecolor": "white",
            "savefig.transparent": False,
        }
    )


def plot_paired_embedding(
    x,
    y,
    method: str = "pca",
    ax=None,
    title: str | None = None,
    names=("image", "text"),
    max_links: int = 200,
    seed: int = 0,
):
    """Scatter two modalities in 2-D (PCA or UMAP of the pooled, normalised points).

    Paired points are joined by thin grey lines (at most ``max_links`` of them, so the
    figure stays legible). Returns the matplotlib Axes.

    Parameters
    ----------
    x, y : array-like, shape (N, D); row i of each is a pair.
    method : {"pca", "umap"}
    names : the legend names of x and y.
    """
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection

    from .geometry import project_2d

    x = as_embeddings(x, "x")
    y = as_embeddings(y, "y")
    check_same_rows(x, y, "x", "y")
    xy = project_2d(np.concatenate([x, y]), method=method, seed=seed)
    px, py = xy[: len(x)], xy[len(x) :]
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 4.5))
    rng = np.random.default_rng(seed)
    links = rng.choice(len(x), size=min(max_links, len(x)), replace=False)
    segments = np.stack([px[links], py[links]], axis=1)
    ax.add_collection(LineCollection(segments, colors="0.6", linewidths=0.4, alpha=0.5, zorder=1))
    ax.scatter(px[:, 0], px[:, 1], s=8, color=MODALITY_COLORS[0], label=names[0], zorder=2)
    ax.scatter(py[:, 0], py[:, 1], s=8, color=MODALITY_COLORS[1], label=names[1], zorder=2)
    axis = "PC" if method == "pca" else "UMAP"
    unit = " (unit-sphere coordinates)" if method == "pca" else " (arbitrary units)"
    ax.set_xlabel(f"{axis} 1{unit}")
    ax.set_ylabel(f"{axis} 2{unit}")
    ax.set_title(title or f"{names[0]} vs {names[1]} ({method.upper()})")
    ax.legend(loc="best", markerscale=2, frameon=True)
    return ax


def tau_label(temperature: float) -> str:
    """A temperature as the book writes it: ``"1/100"`` for 0.01, ``"1"`` for 1.0, ``"0.07"`` otherwise."""
    inverse = 1.0 / temperature
    if abs(inverse - round(inverse)) < 1e-6:
        return "1" if round(inverse) == 1 else f"1/{round(inverse)}"
    return f"{temperature:g}"


def plot_check_margins(margins, ax=None, title: str | None = None):
    """Every check of every claim: one dot per seed at its margin, a bar at the lower bound of the mean margin.

    ``margins``: a long DataFrame with columns claim, check, seed, margin, mean_bound and,
    optionally, paper_margin (as :func:`gapnotes.claims.margins_frame` returns). A margin ≥ 0 means the
    check holds in that seed (the dashed line at 0 is the threshold); a bar ≥ 0 means the check holds on
    average (the one-sided 95 % lower confidence bound of its mean margin, TOST for "barely moves"); a diamond is the paper's own number put through the check (none where the paper has no
    number). Margins are in each check's own units, so compare a row with 0, not rows with each other.
    Returns the axes.
    """
    import matplotlib.pyplot as plt

    required = {"claim", "check", "seed", "margin", "mean_bound"}
    missing = required - set(getattr(margins, "columns", []))
    if missing:
        raise ValueError(f"margins must be a DataFrame with columns {sorted(required)}; missing {sorted(missing)}")
    if len(margins) == 0:
        raise ValueError("margins is empty: no claim was run")
    columns = ["claim", "check", "mean_bound"] + (["paper_margin"] if "paper_margin" in margins else [])
    rows = margins.drop_duplicates(["claim", "check"])[columns].reset_index(drop=True)
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 0.32 * (len(rows) + 3) + 1.2))
    position = {(c, k): i for i, (c, k) in enumerate(zip(rows["claim"], rows["check"]))}
    y = margins.apply(lambda r: position[(r["claim"], r["check"])], axis=1).to_numpy()
    jitter = np.random.default_rng(0).uniform(-0.15, 0.15, len(y))
    held = margins["margin"].to_numpy() >= 0
    ax.scatter(margins["margin"][held], (y + jitter)[held], s=14, color=MODALITY_COLORS[0], label="a seed (holds)")
    ax.scatter(margins["margin"][~held], (y + jitter)[~held], s=22, marker="x", color="#D55E00",
               label="a seed (fails)")
    ax.scatter(rows["mean_bound"], np.arange(len(rows)), marker="|", s=160, color="0.2",
               label="mean margin, 95 % lower bound")
    if "paper_margin" in rows and rows["paper_margin"].notna().any():
        known = rows["paper_margin"].notna().to_numpy()
        ax.scatter(rows["paper_margin"][known], np.arange(len(rows))[known], marker="D", s=26, facecolor="none",
                   edgecolor=MODALITY_COLORS[1], linewidth=1.3, label="the paper's number")
    ax.axvline(0, color="0.3", linestyle="--", linewidth=1)
    # margins range from a few thousandths to a few units: linear near 0, logarithmic beyond
    ax.set_xscale("symlog", linthresh=0.05)
    ax.set_yticks(np.arange(len(rows)), [f"{c}: {k}" for c, k in zip(rows["claim"], rows["check"])], fontsize=7)
    ax.set_ylim(len(rows) + 2.6, -0.8)  # top row first; three empty rows at the foot hold the legend
    ax.set(xlabel="margin over the threshold (each check's own units; ≥ 0 holds)",
           title=title or "Every check of every claim, seed by seed")
    ax.legend(fontsize=8, loc="lower right")
    return ax


def plot_zero_shot_curves(results: dict, dataset: str, ax=None):
    """Zero-shot accuracy against the shift λ, one line per model (the real-CLIP appendix).

    ``results`` maps a model's label to :func:`gapnotes.pretrained.measure`'s dict (its ``curve``:
    λ → accuracy on the test half). Returns the axes.
    """
    import matplotlib.pyplot as plt

    if not results:
        raise ValueError("results must hold at least one model's measurement")
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 4))
    for label, measured in results.items():
        curve = sorted(measured["curve"].items())
        ax.plot([lam for lam, _ in curve], [acc for _, acc in curve], marker="o", label=label)
    ax.axvline(0, color="0.5", linestyle=":")
    ax.set(xlabel="λ (negative widens the gap, positive closes it)",
           ylabel="zero-shot accuracy on the test half (fraction)",
           title=f"Zero-shot accuracy against the shift ({dataset})")
    ax.legend()
    return ax


def plot_modality_examples(pairs, n: int = 6):
    """The first ``n`` samples of a three-modality shapes set: image above sketch, caption as title.

    ``pairs`` is a :class:`gapnotes.synthetic.ShapesPairs`. Returns the figure.
    """
    import matplotlib.pyplot as plt

    if not isinstance(n, (int, np.integer)) or not 1 <= n <= len(pairs.images):
        raise ValueError(f"n must be an int between 1 and {len(pairs.images)}, got {n!r}")
    sketches = pairs.sketches()
    fig, axes = plt.subplots(2, n, figsize=(2 * n, 4.4), squeeze=False)
    for i in range(n):
        axes[0, i].imshow(pairs.images[i].transpose(1, 2, 0))
        axes[1, i].imshow(sketches[i].transpose(1, 2, 0))
        axes[0, i].set_title(pairs.captions[i].replace(" in the ", "\n"), fontsize=8)
        for ax in axes[:, i]:
            ax.set_xticks([])
            ax.set_yticks([])
    axes[0, 0].set_ylabel("image")
    axes[1, 0].set_ylabel("sketch")
    size = pairs.images.shape[-1]
    fig.suptitle(f"Three modalities of one sample: image, caption (title), sketch ({size}×{size} pixels)")
    return fig


def plot_methods_per_seed(per_seed, methods: dict, metrics: dict, title: str):
    """Two or more methods compared seed by seed: one panel per metric, a line joins each seed's methods.

    ``per_seed``: a DataFrame indexed by seed whose columns are named ``f"{prefix}_{key}"`` (the values
    of a claim, e.g. ``gap_clip_lt``); ``methods`` maps a method's label to its ``key``, ``metrics`` a
    panel's label to its ``prefix``. Returns the figure.
    """
    import matplotlib.pyplot as plt
    import pandas as pd
    import seaborn as sns

    if not methods or not metrics:
        raise ValueError("methods and metrics must each name at least one column")
    wanted = [f"{prefix}_{key}" for key in methods.values() for prefix in metrics.values()]
    missing = [name for name in wanted if name not in getattr(per_seed, "columns", [])]
    if missing:
        raise ValueError(f"per_seed has no columns {missing}")
    long = pd.concat(
        {label: per_seed[[f"{prefix}_{key}" for prefix in metrics.values()]].set_axis(list(metrics), axis=1)
         for label, key in methods.items()},
        names=["method", "seed"],
    ).reset_index()
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.2 * len(metrics), 3.8), squeeze=False)
    axes = axes[0]
    for ax, column in zip(axes, metrics):
        sns.pointplot(data=long, x="method", y=column, hue="seed", ax=ax, palette="colorblind",
                      legend=ax is axes[-1])
        ax.set(xlabel="", ylabel=f"{column} (unitless)", title=column)
    axes[-1].legend(title="seed", fontsize=8, loc="best")
    fig.suptitle(title)
    return fig


def plot_training_curves(curves, panels, figsize_per_panel=(5.0, 4.0), ncols: int | None = None):
    """Checkpoint curves of kept training records, mean ± one sd over seeds, on a log step axis.

    ``curves``: a DataFrame with columns ``regime``, ``seed``, ``step`` and the plotted columns
    (:func:`gapnotes.dynamics.curves`); ``panels``: one ``(regimes, column, title, ylabel)`` per panel,
    ``regimes`` a list of regime names; ``ncols``: panels per row (default: all in one row). Step 0 is
    left out (no log position). Returns the figure.
    """
    import matplotlib.pyplot as plt
    import seaborn as sns

    if not panels:
        raise ValueError("panels must hold at least one (regimes, column, title, ylabel)")
    known = set(curves["regime"])
    for regimes, column, _, _ in panels:
        missing = [name for name in regimes if name not in known]
        if missing or column not in curves:
            raise ValueError(f"panels: curves has no regime {missing} or no column {column!r}")
    ncols = len(panels) if ncols is None else check_int(ncols, "ncols", minimum=1)
    nrows = -(-len(panels) // ncols)
    width, height = figsize_per_panel
    fig, axes = plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows), squeeze=False)
    for ax, (regimes, column, title, ylabel) in zip(axes.flat, panels):
        shown = curves[curves["regime"].isin(regimes) & (curves["step"] > 0)]
        sns.lineplot(data=shown, x="step", y=column, hue="regime", hue_order=list(regimes), errorbar="sd",
                     ax=ax, palette="colorblind", marker="o", markersize=3)
        ax.set(xscale="log", xlabel="training step (log scale)", title=title, ylabel=ylabel)
        ax.legend(fontsize=7, title=None)
    for ax in list(axes.flat)[len(panels):]:
        ax.set_visible(False)
    fig.tight_layout()
    return fig



def _circle_axes(ax, title: str):
    """A square axes with the unit circle drawn in grey."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(4.2, 4.2))
    angles = np.linspace(0, 2 * np.pi, 361)
    ax.plot(np.cos(angles), np.sin(angles), color="0.8", lw=1, zorder=0)
    ax.set(xlim=(-1.25, 1.25), ylim=(-1.25, 1.25), aspect="equal", title=title, xticks=[], yticks=[])
    return ax


def _two_dimensional(x, y) -> tuple:
    x, y = as_embeddings(x, "x"), as_embeddings(y, "y")
    if x.shape[1] != 2 or y.shape[1] != 2:
        raise ValueError(f"x and y must be 2-D points (shape (N, 2)), got {x.shape} and {y.shape}")
    return x, y


def plot_circle_gap(x, y, ax=None, names=("images", "captions"), title: str | None = None):
    """Two modalities on the unit circle, their centres and the gap vector Δ between them.

    ``x``, ``y``: (N, 2) points (normalised here). The centres are the means of the unit points and
    the arrow is :func:`gapnotes.metrics.gap_vector`, drawn from the caption centre to the image centre
    and labelled with :func:`gapnotes.metrics.modality_gap`. Returns the axes.
    """
    from .geometry import normalize
    from .metrics import gap_vector, modality_gap

    x, y = _two_dimensional(x, y)
    ux, uy = normalize(x), normalize(y)
    ax = _circle_axes(ax, title or f"gap ‖Δ‖ = {modality_gap(ux, uy):.2f}")
    for points, colour, name in ((ux, MODALITY_COLORS[0], names[0]), (uy, MODALITY_COLORS[1], names[1])):
        ax.scatter(points[:, 0], points[:, 1], color=colour, s=25, label=name, zorder=3)
        centre = points.mean(axis=0)
        ax.scatter(*centre, color=colour, marker="X", s=90, edgecolor="black", zorder=4)
    start, delta = uy.mean(axis=0), gap_vector(ux, uy)
    ax.annotate("", xy=start + delta, xytext=start, arrowprops={"arrowstyle": "->", "lw": 2, "color": "black"})
    ax.text(*(start + delta / 2), " Δ", fontsize=12, va="bottom")
    ax.legend(loc="lower left", fontsize=8)
    return ax


def plot_circle_shift(x, y, lams, axes=None):
    """The same two circle clouds after :func:`gapnotes.geometry.shift_along_gap` by each λ in ``lams``,
    one panel each, titled with λ and the gap left. Returns the axes."""
    import matplotlib.pyplot as plt

    from .geometry import shift_along_gap

    x, y = _two_dimensional(x, y)
    lams = list(lams)
    if not lams:
        raise ValueError("lams must hold at least one λ")
    if axes is None:
        _, axes = plt.subplots(1, len(lams), figsize=(3.6 * len(lams), 3.8))
    axes = np.atleast_1d(axes)
    for ax, lam in zip(axes, lams):
        shifted_x, shifted_y = shift_along_gap(x, y, lam)
        plot_circle_gap(shifted_x, shifted_y, ax=ax)
        ax.set_title(f"λ = {lam:g}: {ax.get_title()}")
    return axes


def plot_loss_forces(x, y, axes=None, t: float = 2.0):
    """The pull of L_ATP and the push of L_CU on every point: minus each loss's gradient, as arrows.

    The gradients are those of :func:`gapnotes.losses.align_true_pairs_loss` and
    :func:`gapnotes.losses.centroid_uniformity_loss` (with ``t``) on the unit points, computed by autograd,
    and drawn at each point (scaled for visibility). Two panels; returns the axes.
    """
    import matplotlib.pyplot as plt
    import torch

    from .geometry import normalize
    from .losses import align_true_pairs_loss, centroid_uniformity_loss

    x, y = _two_dimensional(x, y)
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(8.4, 4.2))
    for ax, name, loss in zip(axes, ("ATP pulls each pair together", "CU spreads the pairs' centroids"),
                              (align_true_pairs_loss, lambda zs: centroid_uniformity_loss(zs, t=t))):
        zs = [torch.tensor(normalize(points), requires_grad=True) for points in (x, y)]
        loss(zs).backward()
        plot_circle_gap(zs[0].detach().numpy(), zs[1].detach().numpy(), ax=ax, title=name)
        forces = [-z.grad.numpy() for z in zs]
        scale = 0.35 / max(float(np.abs(np.concatenate(forces)).max()), 1e-12)
        for z, force in zip(zs, forces):
            points = z.detach().numpy()
            ax.quiver(points[:, 0], points[:, 1], scale * force[:, 0], scale * force[:, 1], angles="xy",
                      scale_units="xy", scale=1, width=0.006, color="0.25", zorder=5)
    return axes
