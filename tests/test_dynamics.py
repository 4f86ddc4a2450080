"""The gap over training: checkpoints, the convergence criterion, the trainer's new options, the kept record."""

import dataclasses
import hashlib
import json

import numpy as np
import pandas as pd
import pytest

from gapnotes import dynamics
from gapnotes.claims import seed_span
from gapnotes.train import TRAINER_VERSION, TrainConfig, cache_key

TINY = TrainConfig(steps=40, batch_size=32, n_train=256, n_val=64, eval_every=20, warmup_steps=5)


def test_checkpoints_are_log_spaced_and_hold_each_doubling():
    steps = dynamics.checkpoint_steps(2400)
    assert steps[-1] == 2400 and steps == sorted(set(steps)) and steps[0] >= 10
    for budget in (2400, 1200, 600, 300, 150):
        assert budget in steps and budget // 2 in steps
    ratios = np.diff(np.log2(steps))
    assert np.allclose(ratios[3:], 0.5, atol=0.03)  # two points per doubling
    with pytest.raises(ValueError, match="steps"):
        dynamics.checkpoint_steps(0)


def _run(r1, v, steps=(150, 300, 600)):
    return pd.DataFrame({"step": steps, "sem_r1_i2t": r1, "v_measure": v})


def test_converged_reads_the_last_doubling():
    assert dynamics.converged(_run([0.2, 0.80, 0.81], [0.1, 0.50, 0.505]))  # +1.25 %, +1 %
    assert not dynamics.converged(_run([0.2, 0.80, 0.81], [0.1, 0.50, 0.52]))  # V +4 %
    assert dynamics.converged(_run([0.2, 0.80, 0.81], [0.1, 0.50, 0.52]), tolerance=0.05)
    # a score that falls after its peak counts as trained; the two-sided form does not count it
    assert dynamics.converged(_run([0.2, 0.80, 0.78], [0.1, 0.50, 0.48]))
    assert not dynamics.converged(_run([0.2, 0.80, 0.78], [0.1, 0.50, 0.48]), two_sided=True)
    assert not dynamics.converged(_run([0.2, 0.80, 0.81], [0.1, 0.50, 0.505]), step=300)
    with pytest.raises(ValueError, match="history must hold steps"):
        dynamics.converged(_run([0.2, 0.8], [0.1, 0.5], steps=(100, 300)))


def test_convergence_table_counts_trained_seeds():
    rows = []
    for seed, last in ((0, 0.81), (1, 0.95)):
        for step, value in ((75, 0.3), (150, 0.6), (300, 0.8), (600, last)):
            rows.append({"regime": "a", "seed": seed, "step": step, "sem_r1_i2t": value, "v_measure": value,
                         "gap": 0.5, "temperature": 0.07})
    table = dynamics.convergence_table(pd.DataFrame(rows))
    assert table.loc["a", "trained at 600"] == "1/2"
    assert table.loc["a", "trained at 300"] == "0/2"


def test_early_growth_reads_each_regime_and_rejects_missing_checkpoints():
    frame = dynamics.curves(dynamics.kept_record())
    early = dynamics.early_growth(frame)
    assert list(early.index) == list(dict.fromkeys(frame["regime"]))
    assert (early["grew"] <= early["seeds"]).all() and early["gap_start"].gt(0).all()
    with pytest.raises(ValueError, match="no step 0"):
        dynamics.early_growth(frame[frame["step"] > 0])
    with pytest.raises(TypeError, match="until"):
        dynamics.early_growth(frame, until=10.5)


def test_added_regimes_say_how_they_were_trained():
    record = dynamics.kept_record()
    added = dynamics.added_regimes(record)
    assert added == ["CLIP, τ 0.01 → 0.05 scheduled", "CLIP, τ = 0.05 fixed"]
    for addition in record["additions"]:
        assert addition["command"].startswith("python benchmarks/training_length.py --add")
        assert addition["wall_seconds"] > 0 and addition["machine"]["cpu"]
    assert dynamics.added_regimes({"rows": []}) == []


def test_regimes_are_valid_configs():
    for name in dynamics.REGIMES:
        config = dynamics.regime_config(name, seed=3).validate()
        assert config.seed == 3 and config.steps == 2400
    with pytest.raises(ValueError, match="name must be one of"):
        dynamics.regime_config("CLIP-XL")


def test_new_fields_keep_old_cache_keys():
    """decay_all=True, mismatched=0 and no τ schedule are the trainer's behaviour before the fields existed."""
    fields = dataclasses.asdict(TINY)
    for name in ("modalities", "decay_all", "mismatched", "temperature_end"):
        del fields[name]
    payload = json.dumps({"trainer": TRAINER_VERSION, **fields}, sort_keys=True, default=str)
    assert cache_key(TINY) == hashlib.sha256(payload.encode()).hexdigest()[:20]
    assert cache_key(TINY.replace(decay_all=False)) != cache_key(TINY)
    assert cache_key(TINY.replace(mismatched=0.2)) != cache_key(TINY)
    assert cache_key(TINY.replace(temperature_end=0.05, learn_temperature=False)) != cache_key(
        TINY.replace(learn_temperature=False))


@pytest.mark.parametrize("changes, match", [({"mismatched": 1.0}, "mismatched"), ({"mismatched": -0.1}, "mismatched"),
                                            ({"decay_all": "no"}, "decay_all")])
def test_new_fields_are_validated(changes, match):
    with pytest.raises((TypeError, ValueError), match=match):
        TINY.replace(**changes).validate()


def test_mismatched_shuffles_that_share_of_training_captions_only():
    torch = pytest.importorskip("torch")
    from gapnotes.training.data import prepared

    clean = prepared(400, 50, 0, 4, 16, 32)
    noisy = prepared(400, 50, 0, 4, 16, 32, mismatched=0.25)
    moved = (clean["train"][1] != noisy["train"][1]).any(dim=1).float().mean().item()
    assert 0.15 < moved <= 0.25  # a shuffled caption can land on an identical one
    assert torch.equal(clean["val"][1], noisy["val"][1]) and torch.equal(clean["train"][0], noisy["train"][0])
    # the same captions, in another order
    assert sorted(map(tuple, clean["train"][1].tolist())) == sorted(map(tuple, noisy["train"][1].tolist()))


def test_open_clip_decay_rule_spares_scales_gains_and_biases():
    pytest.importorskip("torch")
    from gapnotes.models import create_tiny_clip, tiny_clip_config
    from gapnotes.training.loop import adamw
    from gapnotes.training.stacked import StackedCLIP

    cfg = tiny_clip_config()
    stacked = StackedCLIP([create_tiny_clip(cfg, seed=s, device="cpu") for s in (0, 1)], cfg)
    groups = adamw(stacked.trainable(), 1e-3, 0.1, decay_all=False, matrix_ndim=3).param_groups
    decayed, kept = ({id(p) for p in g["params"]} for g in groups)
    assert groups[0]["weight_decay"] == 0.1 and groups[1]["weight_decay"] == 0.0
    assert all(id(s) in kept for s in stacked.logit_scales)
    for name, p in stacked.params.items():
        per_member_matrix = p.ndim >= 3
        assert (id(p) in decayed) == per_member_matrix, name
        if "ln" in name or name.endswith("bias"):
            assert id(p) in kept, name
    assert len(adamw(stacked.trainable(), 1e-3, 0.1, decay_all=True).param_groups) == 1


def test_checkpoints_of_one_run_are_its_weights():
    """Stopping early and recording at other steps leaves every recorded step's weights unchanged."""
    pytest.importorskip("torch")
    from gapnotes.training.loop import train_members

    config = TINY.replace(decay_all=False)
    (_, full, _), = train_members([config], "cpu", record_at=[10, 20, 40])
    (_, early, _), = train_members([config], "cpu", record_at=[10, 20], stop_after=20,
                                   extra_scores=lambda x, y, pairs: {"n": len(pairs)})
    assert full["step"].tolist() == [0, 10, 20, 40] and early["step"].tolist() == [0, 10, 20]
    pd.testing.assert_frame_equal(full.iloc[:3], early.drop(columns="n"))
    assert (early["n"] == 64).all()
    with pytest.raises(ValueError, match="stop_after"):
        train_members([config], "cpu", stop_after=41)
    with pytest.raises(ValueError, match="record_at"):
        train_members([config], "cpu", record_at=[0, 50])


def test_kept_record_is_complete():
    record = dynamics.kept_record()
    frame = dynamics.curves(record)
    assert set(frame["regime"]) == set(record["regimes"]) == set(dynamics.REGIMES)
    assert record["steps"] >= 8 * TrainConfig().steps and len(record["seeds"]) >= 5
    assert record["machine"]["cpu"] and record["wall_seconds"] > 0 and record["command"].startswith("python ")
    counts = frame.groupby(["regime", "seed"]).size()
    assert (counts == len(dynamics.checkpoint_steps(record["steps"])) + 1).all()  # + step 0
    for name, overrides in record["regimes"].items():
        assert overrides == dynamics.REGIMES[name], f"{name}: the record was made with other settings"


#: Tolerances of a cold re-measurement of the record's step-150 checkpoint: the same maths on
#: another CPU (or torch build) sums in another order, and 150 steps amplify that a little.
REMEASURE_TOLERANCE = {"gap": 0.03, "temperature": 0.002, "r1_i2t": 0.03, "sem_r1_i2t": 0.04}


def test_record_point_remeasured_cold():
    pytest.importorskip("torch")
    record = dynamics.kept_record()
    name, seed, step = "CLIP-LT (τ from 0.07)", record["seeds"][0], 150
    kept = dynamics.curves(record).query("regime == @name and seed == @seed and step == @step").iloc[0]
    config = dynamics.regime_config(name, seed, record["steps"])
    fresh = dynamics.training_curves([config], record_at=[step], stop_after=step, device="cpu")
    fresh = fresh[fresh["step"] == step].iloc[0]
    for column, tolerance in REMEASURE_TOLERANCE.items():
        assert abs(fresh[column] - kept[column]) <= tolerance, (column, fresh[column], kept[column])


def test_scheduled_regime_point_remeasured_cold():
    """The added regime (Yaras et al.'s τ schedule) re-trained to step 150: the schedule follows the whole run."""
    pytest.importorskip("torch")
    record = dynamics.kept_record()
    name, seed, step = "CLIP, τ 0.01 → 0.05 scheduled", record["seeds"][0], 150
    kept = dynamics.curves(record).query("regime == @name and seed == @seed and step == @step").iloc[0]
    assert kept["temperature"] == pytest.approx(0.01 + 0.04 * step / record["steps"], rel=1e-4)
    config = dynamics.regime_config(name, seed, record["steps"])
    fresh = dynamics.training_curves([config], record_at=[step], stop_after=step, device="cpu")
    fresh = fresh[fresh["step"] == step].iloc[0]
    for column, tolerance in REMEASURE_TOLERANCE.items():
        assert abs(fresh[column] - kept[column]) <= tolerance, (column, fresh[column], kept[column])


def test_adding_to_a_record_refuses_what_it_holds_and_its_own_settings(tmp_path, capsys):
    import shutil
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import training_length

    copy = tmp_path / "record.json"
    shutil.copy(dynamics.RECORD_PATH, copy)
    for argv, message in (
        (["--add", "--regimes", "CLIP, τ = 0.05 fixed", "--out", str(copy)], "already holds"),
        (["--add", "--regimes", "CLIP, τ = 0.05 fixed", "--out", str(tmp_path / "none.json")], "does not exist"),
        (["--add", "--out", str(copy)], "needs --regimes"),
        (["--add", "--regimes", "CLIP-XL", "--steps", "10", "--out", str(copy)], "from the record"),
    ):
        with pytest.raises(SystemExit):
            training_length.main(argv)
        assert message in capsys.readouterr().err
    assert copy.read_bytes() == dynamics.RECORD_PATH.read_bytes()


def test_headline_records_are_complete():
    for label, path in dynamics.HEADLINE_RECORDS.items():
        record = dynamics.kept_record(label)
        assert path.is_file() and record["steps"] == dynamics.HEADLINE_STEPS
        assert record["n_val"] == 2000 and record["n_init"] == 100 and record["machine"]["cpu"]
        assert set(record["regimes"]) == set(dynamics.HEADLINE_REGIMES.values())
        for name, overrides in record["regimes"].items():
            assert overrides == dynamics.REGIMES[name], f"{name}: the record was made with other settings"
        assert seed_span(record["seeds"]) == label
        values = dynamics.headline_values(record)
        assert sorted(values) == record["seeds"]
        for seed_values in values.values():
            assert len(seed_values) == 6 * len(dynamics.HEADLINE_REGIMES)


def test_relative_gain_and_trained_share():
    run = _run([0.2, 0.80, 0.81], [0.1, 0.50, 0.48])
    assert dynamics.relative_gain(run, "sem_r1_i2t") == pytest.approx(0.0125)
    assert dynamics.relative_gain(run, "v_measure") == pytest.approx(-0.04)
    assert dynamics.relative_gain(run, "v_measure", step=300) == pytest.approx(4.0)
    with pytest.raises(ValueError, match="history must hold steps"):
        dynamics.relative_gain(run, "v_measure", step=450)
    rows = [{"regime": r, "seed": s, "step": step, "sem_r1_i2t": v, "v_measure": v}
            for r, last in (("a", 0.805), ("b", 0.9)) for s in (0, 1)
            for step, v in ((150, 0.3), (300, 0.8), (600, last))]
    record = {"columns": list(rows[0]), "rows": [list(r.values()) for r in rows]}
    assert dynamics.trained_share(600, record) == (2, 4)
    assert dynamics.trained_share(300, record) == (0, 4)


def test_headline_values_need_a_headline_record():
    with pytest.raises(ValueError, match="not a headline record"):
        dynamics.headline_values(dynamics.kept_record().copy() | {"rows": []})
