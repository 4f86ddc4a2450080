"""The interactive figures (gapnotes.interactive) and the numbers the chapters compute for them."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from gapnotes import cone, dynamics, interactive, simulate, tasks
from gapnotes.train import TrainConfig


def _frame(label, shift=0.0, n=5, three_d=False):
    points = np.linspace(0, 1, n) + shift
    trace = {"name": "points", "x": points, "y": points ** 2}
    if three_d:
        trace["z"] = -points
    return {"label": label, "title": f"frame {label}", "traces": [trace]}


def _spec(figure):
    html = figure.html()
    return json.loads(re.search(r"var spec = (\{.*?\});\n", html, re.S).group(1))


def test_slider_figure_holds_every_frame_and_no_plotly_js():
    figure = interactive.slider_figure([_frame("a"), _frame("b", 0.5)], slider_label="s", alt="two frames")
    html = figure.html()
    spec = _spec(figure)
    assert [f["name"] for f in spec["frames"]] == ["a", "b"]
    assert [s["label"] for s in spec["layout"]["sliders"][0]["steps"]] == ["a", "b"]
    assert spec["frames"][1]["layout"]["title"]["text"] == "frame b"
    assert spec["frames"][1]["data"][0]["x"][0] == 0.5
    # plotly.js (4.8 MB) is never inside a figure: the book serves it, notebooks load it once
    assert len(html) < 50_000 and "Plotly.register" not in html
    assert figure.static_png.startswith(b"\x89PNG")
    assert 'alt="two frames"' in html
    bundle = figure._repr_mimebundle_()
    assert set(bundle) == {"text/html", "image/png", "text/plain"}


def test_values_are_rounded_and_axes_fixed_over_frames():
    frame = {"label": "0", "title": "t", "traces": [{"name": "points", "x": [0.123456, 1.0], "y": [2.0, 3.987654]}]}
    spec = _spec(interactive.slider_figure([frame, _frame("1", 5.0, 2)], slider_label="s", alt="a"))
    assert spec["data"][0]["x"] == [0.123, 1.0] and spec["data"][0]["y"] == [2.0, 3.988]
    low, high = spec["layout"]["xaxis"]["range"]
    assert low < 0.123 and high > 6.0  # the range covers both frames


def test_three_d_figures_and_background():
    figure = interactive.slider_figure([_frame("a", three_d=True)], slider_label="s", alt="3-D", three_d=True,
                                       background=interactive.sphere_wireframe())
    spec = _spec(figure)
    assert {d["type"] for d in spec["data"]} == {"scatter3d"}
    moving = spec["frames"][0]["traces"]
    assert moving == [len(spec["data"]) - 1]  # only the frame's own trace changes


@pytest.mark.parametrize("frames, options, message", [
    ([], {}, "at least one frame"),
    ([_frame("a")], {"alt": " "}, "alt"),
    ([{"label": "a", "traces": []}], {}, "'label', 'title' and 'traces'"),
    ([_frame("a"), {"label": "b", "title": "", "traces": []}], {}, "same traces"),
    ([{"label": "a", "title": "", "traces": [{"name": "p", "x": [1], "y": [1], "mode": "bars"}]}], {}, "mode"),
    ([{"label": "a", "title": "", "traces": [{"name": "p", "x": [1, 2], "y": [1]}]}], {}, "same length"),
    ([{"label": "a", "title": "", "traces": [{"name": "p", "x": [np.nan], "y": [1]}]}], {}, "NaN"),
    ([{"label": "a", "title": "", "traces": [{"name": "p", "x": [1], "y": [1], "colour": "red"}]}], {},
     "unknown keys"),
    ([_frame("a")], {"three_d": True}, "needs 'z'"),
    ([_frame("a")], {"static_frame": 3}, "static_frame"),
])
def test_slider_figure_rejects_bad_input(frames, options, message):
    options = {"slider_label": "s", "alt": "a figure", **options}
    with pytest.raises(ValueError, match=message):
        interactive.slider_figure(frames, **options)


def test_cones_in_3d_measures_in_full_width():
    inputs = np.random.default_rng(0).normal(size=(64, 128))
    cones = cone.cones_in_3d(inputs, depth=6, width=128, seeds=(0, 1), n_show=20)
    assert cones["layers"] == list(range(7))
    assert len(cones["points"][0]) == 7 and cones["points"][0][3].shape == (20, 3)
    assert np.allclose(np.linalg.norm(cones["points"][1][5], axis=1), 1)
    assert np.all(np.diff(cones["mean_cosine"][0]) > 0)
    assert cones["centre_cosine"][0] == pytest.approx(1.0)  # layer 0: the same inputs
    assert cones["centre_cosine"][-1] < 0.9
    with pytest.raises(ValueError, match="seeds"):
        cone.cones_in_3d(inputs, seeds=(1, 1))
    figure = interactive.cones_figure(cones)
    assert len(_spec(figure)["frames"]) == 7 and len(figure.figure.frames) == 7


def test_sphere_toy_descent_keeps_or_closes_the_gap_by_temperature():
    low = simulate.sphere_toy_descent(0.01, start_deg=20)
    high = simulate.sphere_toy_descent(1.0, start_deg=20)
    assert len(low) == 81 and low[0] == 20
    assert low[-1] > 60 and abs(high[-1]) < 1
    # the path follows the loss downhill
    losses = [simulate.sphere_toy_loss(d, 1.0) for d in high]
    assert np.all(np.diff(losses) <= 1e-12)
    with pytest.raises(ValueError, match="start_deg"):
        simulate.sphere_toy_descent(0.1, start_deg=95)
    with pytest.raises(ValueError, match="temperature"):
        simulate.sphere_toy_descent(0.0)
    figure = interactive.sphere_toy_figure({0.01: low, 1.0: high})
    titles = [f["layout"]["title"]["text"] for f in _spec(figure)["frames"]]
    assert titles[0].startswith("τ = 1/100") and "→ 0.0°" in titles[1]


def test_landscape_figure_one_frame_per_temperature():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(40, 8)) + 2, rng.normal(size=(40, 8)) - 2
    landscape = simulate.shift_loss_landscape(x, y, [-0.5, 0, 0.5], temperatures=(0.01, 1.0)).assign(model="m")
    spec = _spec(interactive.landscape_figure(landscape))
    assert [f["name"] for f in spec["frames"]] == ["1/100", "1"]
    assert min(spec["frames"][0]["data"][0]["y"]) == 0  # loss minus its minimum
    with pytest.raises(ValueError, match="model"):
        interactive.landscape_figure(landscape.drop(columns="model"))


def test_content_groups_and_shift_figure():
    rng = np.random.default_rng(1)
    centres = rng.normal(size=(3, 16)) * 3
    labels = np.repeat(np.arange(3), 20)
    images = centres[labels] + rng.normal(size=(60, 16)) + 4
    texts = centres[labels] + rng.normal(size=(60, 16)) - 4
    groups = tasks.content_groups(images, k=3)
    assert sorted(np.unique(groups)) == [0, 1, 2]
    with pytest.raises(ValueError, match="k="):
        tasks.content_groups(images[:2], k=3)
    sweep = tasks.shift_sweep(images, texts, [0.0, 0.5, 1.0], labels=groups, ks=(1,))
    figure = interactive.shift_figure(images, texts, sweep, groups, n_show=30)
    spec = _spec(figure)
    data = spec["frames"][0]["data"]
    assert len(spec["frames"]) == 3 and len(data) == 3 + 3 + 1  # images and captions by group, the marker
    assert sum(len(t["x"]) for t in data[:3]) == 30 and [t["name"] for t in data[:3]] == ["group 0", "group 1",
                                                                                          "group 2"]
    assert len(figure.figure.frames) == 3  # plotly accepts the figure
    assert spec["frames"][2]["data"][-1]["y"] == [round(sweep["r1_x2y"].iloc[2], 3),
                                                 round(sweep["v_measure"].iloc[2], 3)]
    with pytest.raises(ValueError, match="v_measure"):
        interactive.shift_figure(images, texts, sweep.drop(columns="v_measure"), groups)


def test_training_snapshots_pictures_every_checkpoint(cache, monkeypatch):
    small = TrainConfig(steps=20, batch_size=32, n_train=256, n_val=64, warmup_steps=5)
    runs = {"CLIP": small, "ModGap": small.replace(loss="modgap", temperature=0.1, learn_temperature=False)}
    snapshots = dynamics.training_snapshots(runs, record_at=[10, 20], n_show=16, n_init=2, device="cpu")
    # kept on disk: a second call reads the same numbers without training
    import gapnotes.training.loop as loop

    with monkeypatch.context() as patched:
        patched.setattr(loop, "train_members", lambda *a, **k: pytest.fail("trained again"))
        again = dynamics.training_snapshots(runs, record_at=[20, 10], n_show=16, n_init=2, device="cpu")
        assert len(list((cache / "snapshots").glob("*.json"))) == 1
        for name, run in snapshots.items():
            assert again[name]["gap"] == run["gap"] and again[name]["shape"] == run["shape"]
            assert all(np.array_equal(a, b) for a, b in zip(again[name]["images"], run["images"]))
        with pytest.raises(pytest.fail.Exception, match="trained again"):
            dynamics.training_snapshots(runs, record_at=[10, 20], n_show=16, n_init=2, device="cpu", cache=False)
        with pytest.raises(ValueError, match="record_at"):
            dynamics.training_snapshots(runs, record_at=[0], device="cpu")
    for run in snapshots.values():
        assert run["step"] == [0, 10, 20]
        assert len(run["images"]) == 3 and run["texts"][2].shape == (16, 2)
        assert len(run["shape"]) == 16 and len(run["gap"]) == len(run["v_measure"]) == 3
    assert snapshots["CLIP"]["gap"] != snapshots["ModGap"]["gap"]
    figure = interactive.training_figure(snapshots)
    spec = _spec(figure)
    assert [f["name"] for f in spec["frames"]] == ["0", "10", "20"]
    assert figure.figure.layout.updatemenus  # plotly accepts the figure
    # the first axis is the gap at step 0: images and captions lie on either side of it
    first = snapshots["CLIP"]
    assert first["images"][0][:, 0].mean() > first["texts"][0][:, 0].mean()
    assert spec["layout"]["updatemenus"][0]["buttons"][0]["label"].endswith("play")
    with pytest.raises(ValueError, match="one ensemble"):
        dynamics.training_snapshots({"a": small, "b": small.replace(batch_size=16)}, record_at=[10])
    with pytest.raises(ValueError, match="two runs"):
        interactive.training_figure({"CLIP": snapshots["CLIP"]})


def test_frames_of_a_data_frame_sweep_are_python_floats():
    sweep = pd.DataFrame({"lam": [0.0], "gap": [0.5], "r1_x2y": [0.25], "v_measure": [0.125]})
    rng = np.random.default_rng(2)
    x = rng.normal(size=(10, 4))
    figure = interactive.shift_figure(x, x + 1, sweep, np.arange(10) % 2, n_show=5)
    assert "λ = 0.00" in _spec(figure)["frames"][0]["layout"]["title"]["text"]
