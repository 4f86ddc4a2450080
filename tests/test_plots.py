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
