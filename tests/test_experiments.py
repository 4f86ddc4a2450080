"""The chapter-4 scorer on a tiny run."""

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
