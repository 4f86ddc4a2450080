"""The recurring plots of gapnotes.plots: what they draw and the errors they raise."""

import pytest

from gapnotes import plots, synthetic

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")


def test_plot_zero_shot_curves_draws_a_line_per_model():
    results = {"A": {"curve": {0.5: 0.4, -0.5: 0.2, 0.0: 0.3}}, "B": {"curve": {0.0: 0.5, 0.5: 0.6}}}
    ax = plots.plot_zero_shot_curves(results, "CIFAR-10")
    lines = [line for line in ax.get_lines() if line.get_label() in results]
    assert [line.get_label() for line in lines] == ["A", "B"]
    assert list(lines[0].get_xdata()) == [-0.5, 0.0, 0.5]  # sorted by λ
    assert "CIFAR-10" in ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    with pytest.raises(ValueError, match="results"):
        plots.plot_zero_shot_curves({}, "CIFAR-10")


def test_plot_modality_examples_shows_image_and_sketch_per_sample():
    pairs = synthetic.make_shapes(4, seed=3)
    fig = plots.plot_modality_examples(pairs, n=3)
    assert len(fig.axes) == 6 and fig.axes[0].get_title() == pairs.captions[0].replace(" in the ", "\n")
    assert "32×32" in fig._suptitle.get_text()
    with pytest.raises(ValueError, match="n must"):
        plots.plot_modality_examples(pairs, n=5)


def test_circle_diagrams_are_drawn_from_the_package_functions():
    import matplotlib.pyplot as plt
    import numpy as np

    from gapnotes import geometry, metrics, synthetic

    x, y = synthetic.circle_cones(n=10, seed=1)
    assert x.shape == y.shape == (10, 2) and np.allclose(np.linalg.norm(x, axis=1), 1)
    ax = plots.plot_circle_gap(x, y)
    assert ax.get_title() == f"gap ‖Δ‖ = {metrics.modality_gap(x, y):.2f}"
    axes = plots.plot_circle_shift(x, y, [0, 1.0])
    assert axes[1].get_title().endswith(f"{metrics.modality_gap(*geometry.shift_along_gap(x, y, 1.0)):.2f}")
    forces = plots.plot_loss_forces(x, y)
    assert [a.get_title() for a in forces] == ["ATP pulls each pair together", "CU spreads the pairs' centroids"]
    assert all(a.collections for a in forces)
    with pytest.raises(ValueError, match="2-D points"):
        plots.plot_circle_gap(np.ones((3, 3)), np.ones((3, 3)))
    with pytest.raises(ValueError, match="lams"):
        plots.plot_circle_shift(x, y, [])
    with pytest.raises(ValueError, match="n"):
        synthetic.circle_cones(n=1)
    plt.close("all")
