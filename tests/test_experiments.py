"""The chapter-4 scorer on a tiny run."""

import numpy as np
import pytest

pytest.importorskip("torch")

from gapnotes import experiments, synthetic  # noqa: E402
from gapnotes.train import TrainConfig, train  # noqa: E402


def test_score_keys_and_posthoc(tmp_path, monkeypatch):
    monkeypatch.setenv("GAPNOTES_CACHE_DIR", str(tmp_path))
    result = train(TrainConfig(steps=20, batch_size=32, n_train=256, n_val=64, eval_every=10, warmup_steps=2,
                               **{k: v for k, v in experiments.METHODS["ModGap"].items()}), progress=False, device="cpu")
    bench = experiments.benchmark(n_fit=120, n_test=120)
    plain = experiments.score(result, bench)
    assert set(plain) == {"gap", "true_pair_cos", "r1_i2t", "r1_t2i", "v_measure", "nmi", "ari", "knn_acc",
                          "zero_shot", "uniformity"}
    centred = experiments.score(result, bench, posthoc="center")
    assert centred["gap"] < plain["gap"] or plain["gap"] < 0.05
    assert set(experiments.METHODS) >= {"CLIP-LT", "CLIP-FT", "ModGap"}


def test_chapter_runs_cover_the_ablation_the_taus_and_the_curves():
    from gapnotes.train import cache_key

    base = TrainConfig()
    runs = experiments.chapter_runs(base, 2)
    keys = {cache_key(c) for c in runs}
    assert {cache_key(base.replace(**o)) for o in experiments.ABLATION.values()} <= keys
    modgap = experiments.METHODS["ModGap"]
    assert {cache_key(base.replace(**{**modgap, "temperature": t})) for t in experiments.TAU_SWEEP} <= keys
    partial = base.replace(caption_detail=2)
    assert {cache_key(partial.replace(**experiments.METHODS[m])) for m in experiments.CURVE_METHODS} <= keys
    assert all(c.seed == 0 for c in runs)


def test_three_tower_gaps_reports_every_pair_per_run(tmp_path, monkeypatch):
    monkeypatch.setenv("GAPNOTES_CACHE_DIR", str(tmp_path))
    small = TrainConfig(modalities=3, loss="pairwise_clip", steps=4, batch_size=16, n_train=64, n_val=32,
                        eval_every=2, warmup_steps=1)
    pairs = synthetic.make_shapes(40, seed=9)
    table = experiments.three_tower_gaps({("pairwise", 0): small, ("pairwise", 1): small.replace(seed=1)},
                                         pairs, pairs.labels("colour"))
    assert list(table.columns) == ["image–text", "image–sketch", "text–sketch", "v_measure"]
    assert table.index.nlevels == 2 and len(table) == 2
    assert (table[["image–text", "image–sketch", "text–sketch"]] > 0).all().all()
    with pytest.raises(ValueError, match="3"):
        experiments.three_tower_gaps({"two": TrainConfig()}, pairs, pairs.labels("colour"))


TINY = TrainConfig(steps=6, batch_size=16, n_train=64, n_val=32, eval_every=3, warmup_steps=1)


def test_posthoc_per_seed_scores_every_correction_of_every_seed(cache):
    bench = experiments.benchmark(n_fit=60, n_test=60)
    table = experiments.posthoc_per_seed(TINY, bench, seeds=[0, 1], corrections=("none", "center"))
    assert list(table[["correction", "seed"]].itertuples(index=False, name=None)) == [
        ("none", 0), ("none", 1), ("center", 0), ("center", 1)]
    # the same scores as scoring each model by hand
    by_hand = experiments.score(train(TINY.replace(seed=1), progress=False), bench, posthoc="center")
    assert table.iloc[3]["v_measure"] == pytest.approx(by_hand["v_measure"])
    with pytest.raises(ValueError, match="corrections"):
        experiments.posthoc_per_seed(TINY, bench, seeds=[0], corrections=("whiten",))
    with pytest.raises(ValueError, match="seeds"):
        experiments.posthoc_per_seed(TINY, bench, seeds=[])


def test_training_histories_and_final_scores_name_each_run(cache):
    runs = {"τ = 1/100": TINY.replace(temperature=0.01, learn_temperature=False), "learnable": TINY}
    history = experiments.training_histories(runs, key="τ")
    assert set(history["τ"]) == set(runs) and {"step", "gap", "r1_i2t"} <= set(history.columns)
    assert len(history) == 2 * len(train(TINY, progress=False).history)
    final = experiments.final_scores(runs, columns=("gap",))
    assert list(final.index) == list(runs) and list(final.columns) == ["gap"]
    assert final.loc["learnable", "gap"] == pytest.approx(train(TINY, progress=False).history["gap"].iloc[-1])
    with pytest.raises(ValueError, match="not in a training history"):
        experiments.final_scores(runs, columns=("accuracy",))
    with pytest.raises(ValueError, match="runs"):
        experiments.training_histories({})


def test_centring_by_regime_scores_each_regime_before_and_after(cache):
    regimes = {"partial": [TINY.replace(caption_detail=2, seed=s) for s in (0, 1)], "complete": [TINY]}
    table = experiments.centring_by_regime(regimes, attributes=("colour", "shape"), n_test=60, n_init=2)
    assert list(table.columns) == ["regime", "seed", "gap", "attribute", "v_trained", "v_centred", "change"]
    assert len(table) == (2 + 1) * 2 and set(table["regime"]) == set(regimes)
    assert np.allclose(table["change"], table["v_centred"] - table["v_trained"])
    assert table["v_trained"].between(0, 1).all() and table["gap"].gt(0).all()
    with pytest.raises(ValueError, match="regimes"):
        experiments.centring_by_regime({"none": []})
