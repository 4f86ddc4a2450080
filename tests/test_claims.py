"""The claims ledger: its command line, its JSON, its metrics, and every claim over five seeds."""

import json

import numpy as np
import pytest

from gapnotes import _results, claims, dynamics, metrics, synthetic
from gapnotes.claims import registry, runner, statistics
from gapnotes.data import DATA_DIR_ENV


def test_parse_seeds_ranges_and_lists():
    assert claims.parse_seeds("0-4") == [0, 1, 2, 3, 4]
    assert claims.parse_seeds("3,7, 11") == [3, 7, 11]
    assert claims.parse_seeds("5-6,9") == [5, 6, 9]
    for bad in ("", "4-0", "a-b", "1,1", "-3", "1.5"):
        with pytest.raises(ValueError, match="seeds"):
            claims.parse_seeds(bad)


def test_unknown_claim_is_named():
    with pytest.raises(ValueError, match="no.such"):
        claims.run(["no.such"], seeds=[0])


def test_configs_lists_each_needed_model_once():
    from gapnotes.train import cache_key

    every = claims.configs()
    keys = [cache_key(c) for c in every]
    assert len(keys) == len(set(keys))
    by_claim = {cache_key(c) for claim in claims.CLAIMS.values() for s in claims.SEEDS for c in claim.configs(s)}
    assert set(keys) == by_claim
    matters = claims.configs("matters.retrieval-vs-clustering", seeds="5-6")
    assert [c.seed for c in matters] == [5, 6] and all(c.temperature == 0.01 for c in matters)
    with pytest.raises(ValueError, match="no.such"):
        claims.configs(["no.such"])
    with pytest.raises(ValueError, match="seeds"):
        claims.configs(seeds=[])


def test_registry_is_complete():
    chapters = {claim.chapter for claim in claims.CLAIMS.values()}
    assert chapters == {"0", "1", "2", "3", "4", "5"}
    headline = claims.CLAIMS["closing.group-wise"]
    assert headline.show == ("gap_clip_lt", "gap_modgap", "v_clip_lt", "v_modgap", "r1_clip_lt", "r1_modgap")
    for claim in claims.CLAIMS.values():
        assert claim.statement.endswith(".") and claim.paper and claim.checks
        assert all(isinstance(check, claims.Equivalence) or check.op in (">=", "<=") for check in claim.checks)


def test_every_claim_names_the_source_of_the_papers_number():
    """A number attributed to a paper says where it is and what its ± means (or '—': no paper number)."""
    for claim in claims.CLAIMS.values():
        assert claim.source.strip(), f"{claim.id} has no source"
        if claim.paper.startswith("—"):
            assert claim.source.startswith("—"), f"{claim.id}: no paper number, so its source should say '—'"
        elif "±" in claim.paper:
            assert "95 %" in claim.source or " sd" in claim.source, f"{claim.id}: say what the ± means"
    result = claims.ClaimResult(claims.CLAIMS["released.gap"], [0], [{"gap_clip": 0.85, "gap_clip_random": 1.14}],
                                "cpu")
    assert result.to_dict()["source"] == claims.CLAIMS["released.gap"].source
    assert "source" in claims.report_table([result]).columns


def test_the_statistics_match_their_textbook_values():
    x = np.array([0.1, 0.2, 0.3, 0.4, 0.5])
    # mean 0.3, sd 0.1581, t(0.95, 4) = 2.1318: 0.3 − 2.1318 · 0.1581 / √5 = 0.1493
    assert statistics.mean_lower_bound(x) == pytest.approx(0.14926, abs=1e-4)
    assert statistics.mean_lower_bound([0.4] * 5) == pytest.approx(0.4)
    boot = statistics.bootstrap_mean_lower_bound(x)
    assert boot == statistics.bootstrap_mean_lower_bound(x) and 0.14 < boot < 0.3  # seeded; narrower than t
    # Clopper–Pearson: n of n gives (1 − level)^(1/n); 28 of 30 clears 0.80, 5 of 5 cannot
    assert statistics.share_lower_bound(5, 5) == pytest.approx(0.05 ** (1 / 5))
    assert statistics.share_lower_bound(14, 14) >= 0.8 > statistics.share_lower_bound(13, 13)
    assert statistics.share_lower_bound(0, 5) == 0.0
    assert statistics.share_lower_bound(28, 30) == pytest.approx(0.8042, abs=1e-3)
    # TOST: a 90 % interval of the mean change inside ±margin
    flat = np.array([0.01, -0.02, 0.0, 0.015, -0.005])
    assert statistics.tost_bound(flat, 0.05) > 0 and statistics.tost_bound(flat + 0.045, 0.05) < 0
    swinging = np.array([0.09, -0.09, 0.0])  # mean 0, each within ±0.1, but too spread to call flat
    assert statistics.tost_bound(swinging, 0.1) < 0
    for bad in ([], [[1.0, 2.0]], [1.0, np.nan]):
        with pytest.raises(ValueError, match="values"):
            statistics.mean_lower_bound(bad)
    with pytest.raises(ValueError, match="at least 2 seeds"):
        statistics.mean_lower_bound([1.0])
    with pytest.raises(ValueError, match="level"):
        statistics.mean_lower_bound(x, level=1.5)
    with pytest.raises(ValueError, match="successes"):
        statistics.share_lower_bound(6, 5)
    with pytest.raises(ValueError, match="margins"):
        statistics.tost_bound(flat, -0.1)


def test_a_check_holds_on_average_by_the_lower_bound_of_its_mean_margin():
    effect = claims.Check("gain", lambda v: v["g"], ">=", 0.1)
    steady = [{"g": g} for g in (0.30, 0.32, 0.28, 0.31, 0.29)]
    assert np.allclose(effect.margins(steady), [0.20, 0.22, 0.18, 0.21, 0.19])
    assert effect.average_bound(steady) == pytest.approx(statistics.mean_lower_bound([0.2, 0.22, 0.18, 0.21, 0.19]))
    # one seed misses its threshold, the mean effect is still clearly above it: holds on average
    one_miss = [{"g": g} for g in (0.30, 0.32, 0.28, 0.31, 0.09)]
    assert not effect.holds(one_miss[-1]) and effect.average_bound(one_miss) > 0
    # the same value for every seed (released features): the bound is the margin
    assert effect.average_bound([{"g": 0.4}] * 5) == pytest.approx(0.3)
    with pytest.raises(ValueError, match="op"):
        claims.Check("g", lambda v: v["g"], ">", 0.1)


def test_an_equivalence_is_judged_by_tost_on_the_signed_change():
    flat = claims.Equivalence("ΔR@1", lambda v: v["d"], 0.1)
    assert flat.describe() == "|ΔR@1| ≤ 0.1"
    seeds = [{"d": d} for d in (0.02, -0.03, 0.01, 0.0, -0.01)]
    assert np.allclose(flat.margins(seeds), [0.08, 0.07, 0.09, 0.1, 0.09]) and all(flat.holds(v) for v in seeds)
    assert flat.average_bound(seeds) == pytest.approx(statistics.tost_bound(flat.changes(seeds), 0.1))
    drifting = [{"d": d} for d in (0.04, 0.099, 0.05, 0.098, 0.09)]  # every seed within, the mean too close
    assert all(flat.holds(v) for v in drifting) and flat.average_bound(drifting) < 0
    relative = claims.Equivalence("ΔR@1", lambda v: v["d"], lambda v: 0.2 * v["r"], margin_name="0.2·R@1")
    assert relative.limits([{"d": 0.0, "r": 0.5}]).tolist() == [0.1] and relative.describe() == "|ΔR@1| ≤ 0.2·R@1"
    assert np.isnan(relative.paper_margin())
    assert claims.Equivalence("Δ", lambda v: v["d"], 0.1, paper=-0.03).paper_margin() == pytest.approx(0.07)
    with pytest.raises(ValueError, match="margin_name"):
        claims.Equivalence("Δ", lambda v: v["d"], lambda v: 0.1)
    with pytest.raises(ValueError, match="margin"):
        claims.Equivalence("Δ", lambda v: v["d"], -0.1)


def test_the_two_verdicts_of_a_result():
    claim = claims.Claim("toy", "0", "s", "—", lambda seed, device: {}, (claims.Check("g", lambda v: v["g"], ">=",
                                                                                           0.1),), ("g",))
    result = claims.ClaimResult(claim, [0, 1, 2, 3, 4], [{"g": g} for g in (0.3, 0.31, 0.12, 0.11, 0.0)],
                                "cpu")
    assert result.holds == [True, True, True, True, False]  # derived from the values and checks
    assert result.runs_shown == (4, 5) and result.judged
    assert not result.holds_on_average  # one seed far below: the mean margin's bound falls under 0
    assert result.single_run_words() == "4 of 5 runs (judging a single run needs 14 or more)"
    with pytest.raises(AssertionError, match="seed 4"):
        result.assert_holds_on_average()
    record = result.to_dict()
    assert set(record["average"]["bounds"]) == {"g ≥ 0.1"} and record["average"]["holds"] is False
    assert record["single_run"] == {"runs": 4, "of": 5, "share_lower_bound": pytest.approx(0.3426, abs=1e-4),
                                    "shown": False}
    many = claims.ClaimResult(claim, list(range(30)), [{"g": 0.3 + 0.01 * (s % 3)} for s in range(28)]
                              + [{"g": 0.05}, {"g": 0.08}], "cpu")
    assert many.holds_on_average and many.single_run_shows and many.runs_shown == (28, 30)
    assert many.single_run_words().startswith("a single run shows it (28 of 30 runs; share ≥ 0.80")
    many.assert_holds_on_average()
    one = claims.ClaimResult(claim, [0], [{"g": 0.3}], "cpu")
    assert not one.holds_on_average and np.isnan(one.bounds["g ≥ 0.1"]) and "not judged" in one.average_words()
    with pytest.raises(ValueError, match="one entry per seed"):
        claims.ClaimResult(claim, [0, 1], [{"g": 0.3}], "cpu")


def _toy_results():
    gain = claims.Check("g", lambda v: v["g"], ">=", 0.1)
    change = claims.Check("d", lambda v: v["d"], "<=", 0.05)
    make = lambda name, gs, ds: claims.ClaimResult(  # noqa: E731
        claims.Claim(name, "0", f"{name} says so", "paper: 1", lambda seed, device: {}, (gain, change), ("g",)),
        [0, 1, 2, 3, 4], [{"g": g, "d": d} for g, d in zip(gs, ds)], "cpu")
    return [make("steady", (0.30, 0.32, 0.28, 0.31, 0.29), (0.0,) * 5),
            make("fragile", (0.11, 0.6, 0.12, 0.5, 0.5), (0.0,) * 5),
            make("fails", (0.3, 0.31, 0.12, 0.11, 0.0), (0.0, 0.0, 0.0, 0.0, 0.06))]


def test_verdict_table_has_one_row_per_claim_and_both_verdicts():
    table = claims.verdict_table(_toy_results())
    assert list(table.columns) == ["what", "paper", "ours", "on average", "single runs"]
    assert list(table.index) == ["steady", "fragile", "fails"]
    assert table.loc["steady", "on average"].startswith("holds (mean margin ≥ +")
    assert table.loc["fails", "on average"].startswith("does not hold (mean margin ≥ -")
    assert table.loc["steady", "single runs"].startswith("5 of 5 runs")
    assert table.loc["fails", "single runs"].startswith("4 of 5 runs")
    # ours: the weakest check's mean ± sd over the seeds
    # (its weakest check, relative to the threshold, is d: margin 0.05 of 0.05 against g's 0.2 of 0.1)
    assert table.loc["steady", "ours"] == "d ≤ 0.05: 0.000 ± 0.000"


def test_margins_frame_and_its_plot(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    from gapnotes import plots

    frame = claims.margins_frame(_toy_results())
    assert len(frame) == 3 * 2 * 5 and set(frame.columns) == {"claim", "check", "seed", "margin", "mean_bound",
                                                               "paper_margin"}
    assert frame["paper_margin"].isna().all()  # the toy checks name no paper number
    steady_g = frame[(frame["claim"] == "steady") & (frame["check"] == "g ≥ 0.1")]
    assert np.allclose(steady_g["margin"], [0.20, 0.22, 0.18, 0.21, 0.19])
    ax = plots.plot_check_margins(frame)
    assert len(ax.get_yticks()) == 6 and ax.get_xlabel().startswith("margin")
    with_paper = frame.assign(paper_margin=np.where(frame["claim"] == "steady", 0.5, np.nan))
    legend = plots.plot_check_margins(with_paper).get_legend_handles_labels()[1]
    assert "the paper's number" in legend and "the paper's number" not in ax.get_legend_handles_labels()[1]
    with pytest.raises(ValueError, match="margins must be a DataFrame with columns"):
        plots.plot_check_margins(frame.drop(columns="seed"))
    with pytest.raises(ValueError, match="margins is empty"):
        plots.plot_check_margins(frame.iloc[:0])


def test_caption_matches_names_every_correct_caption():
    pairs = synthetic.make_shapes(300, seed=5, caption_detail=2)
    matches = pairs.caption_matches()
    assert matches.shape == (300, 300) and matches.diagonal().all()
    shape = pairs.labels("shape")
    assert not matches[shape[:, None] != shape[None, :]].any(), "the shape is always named"
    complete = synthetic.make_shapes(200, seed=5, caption_detail=4)
    same = np.ones((200, 200), bool)
    for name in ("shape", "colour", "size", "position"):
        same &= complete.attributes[name][:, None] == complete.attributes[name][None, :]
    np.testing.assert_array_equal(complete.caption_matches(), same)


def test_match_recall_counts_any_relevant_item(rng):
    gallery = rng.normal(size=(6, 4))
    queries = gallery + 0.01 * rng.normal(size=(6, 4))
    relevant = np.eye(6, dtype=bool)
    out = metrics.match_recall_at_k(queries, gallery, relevant, ks=(1, 2))
    assert out[1] == 1.0 and out[2] == 1.0 and out["chance"] == pytest.approx(1 / 6) and out["ceiling"] == 1.0
    shifted = np.roll(np.eye(6, dtype=bool), 1, axis=1)  # the nearest item is never relevant
    assert metrics.match_recall_at_k(queries, gallery, shifted, ks=(1,))[1] == 0.0
    both = relevant | shifted
    assert metrics.match_recall_at_k(queries, gallery, both, ks=(1,))[1] == 1.0
    assert metrics.match_recall_at_k(queries, gallery, both)["chance"] == pytest.approx(2 / 6)
    with pytest.raises(ValueError, match="relevant"):
        metrics.match_recall_at_k(queries, gallery, relevant[:5])
    with pytest.raises(ValueError, match="relevant"):
        metrics.match_recall_at_k(queries, gallery, np.zeros((6, 6), bool))


needs_data = pytest.mark.skipif(
    not __import__("os").environ.get(DATA_DIR_ENV), reason=f"${DATA_DIR_ENV} not set (released features)")


@needs_data
def test_command_line_writes_the_json_format(tmp_path, capsys):
    path = tmp_path / "ledger.json"
    assert claims.main(["--seeds", "2,7", "--only", "released.gap", "--json", str(path)]) == 0
    record, = json.loads(path.read_text())
    assert {"id", "chapter", "statement", "paper", "seeds", "values", "holds"} <= set(record)
    assert record["id"] == "released.gap" and record["seeds"] == [2, 7] and record["holds"] == [True, True]
    assert len(record["values"]) == 2 and set(record["values"][0]) == {"gap_clip", "gap_clip_random"}
    out = capsys.readouterr().out
    assert "2 seed(s), fewer than 5: the average verdict is not judged; 1/1 claims hold in every seed" in out
    assert {"average", "single_run"} <= set(record) and record["single_run"]["runs"] == 2
    with pytest.raises(SystemExit) as stop:  # an existing file is never overwritten
        claims.main(["--only", "released.gap", "--json", str(path)])
    assert stop.value.code == 2


def test_command_line_rejects_bad_arguments():
    for argv in (["--seeds", "4-1"], ["--only", "nonsense"]):
        with pytest.raises(SystemExit) as stop:
            claims.main(argv)
        assert stop.value.code == 2


@needs_data
def test_every_claim_holds_on_average_over_five_seeds():
    """The ledger itself: every claim, seeds 0–4, on this machine's device (models cached)."""
    results = claims.run(seeds=claims.SEEDS, progress=False)
    print(claims.report_table(results).drop(columns="paper").to_string())
    failures = []
    for result in results:
        try:
            result.assert_holds_on_average()
        except AssertionError as error:
            failures.append(str(error))
    assert not failures, "\n".join(failures)


def test_a_measurement_is_stored_and_read_back_until_the_code_changes(cache, monkeypatch):
    """claims.run measures each (claim, seed, device, models, code) once; anything new measures again."""
    import torch

    calls = []

    def measure(seed, device):
        calls.append(seed)
        return {"value": np.float32(0.25) + seed}

    claim = claims.Claim("test.cached", "0", "a claim", "nobody", measure,
                         (claims.Check("value", lambda v: v["value"], ">=", 0.0),), ("value",))
    cpu = torch.device("cpu")
    first = runner._measured(claim, 3, cpu)
    assert first == {"value": 3.25} and calls == [3]
    assert runner._measured(claim, 3, cpu) == first and calls == [3]  # read back, not measured
    assert len(list((cache / "measurements").glob("*.json"))) == 1
    runner._measured(claim, 4, cpu)  # another seed
    monkeypatch.setattr(_results, "code_fingerprint", lambda: "changed code")
    runner._measured(claim, 3, cpu)  # the same seed after a change to gapnotes
    assert calls == [3, 4, 3]


def test_compare_methods_tabulates_each_metric_and_its_change():
    claim = claims.CLAIMS["closing.full-evaluation"]
    values = [{f"{m}_{k}": base + (0.2 if k == "modgap" else 0.0) + 0.01 * seed
               for m, base in zip(claims.FULL_EVALUATION, np.linspace(0.1, 0.9, len(claims.FULL_EVALUATION)))
               for k in ("clip_lt", "modgap")} for seed in range(3)]
    result = claims.ClaimResult(claim, [0, 1, 2], values, "cpu")
    table = claims.compare_methods(result)
    assert list(table.index) == list(claims.FULL_EVALUATION)
    assert list(table.columns) == ["CLIP-LT", "ModGap", "change, mean", "change, min – max"]
    assert table.loc["gap", "change, mean"] == pytest.approx(0.2)
    assert table.loc["gap", "CLIP-LT"] == "0.110 ± 0.010"
    with pytest.raises(ValueError, match="metrics"):
        claims.compare_methods(result, metrics=("no_such_metric",))


def test_temperature_table_lists_the_authors_six_temperatures():
    claim = claims.CLAIMS["temperature.gap-shrinks"]
    values = [{**{f"gap_tau_{t}": 0.5 + s for t in claims.TEMPERATURES},
               **{f"r1_tau_{t}": 0.3 for t in claims.TEMPERATURES}} for s in (0.0, 0.1)]
    table = claims.temperature_table(claims.ClaimResult(claim, [0, 1], values, "cpu"))
    assert list(table.index) == ["1/100", "1/50", "1/30", "1/20", "1/10", "1"]
    assert table.loc["1/30", "toy gap"] == "not trained" and table.loc["1/100", "toy gap"] == "0.550 ± 0.071"
    assert table.loc["1", "authors' R@1 image→text"] == 0.0170  # acc_t; acc_i (0.0214) is text→image
    assert table.loc["1", "authors' R@1 text→image"] == 0.0214
    with pytest.raises(ValueError, match="temperature.gap-shrinks"):
        claims.temperature_table(claims.ClaimResult(claims.CLAIMS["released.gap"], [0], [{}], "cpu"))


def test_plot_methods_per_seed_draws_one_panel_per_metric():
    import matplotlib
    import pandas as pd

    matplotlib.use("Agg")
    from gapnotes import plots

    per_seed = pd.DataFrame({"gap_a": [0.5, 0.6], "gap_b": [0.1, 0.0], "v_a": [0.2, 0.3], "v_b": [0.4, 0.5]},
                            index=pd.Index([0, 1], name="seed"))
    fig = plots.plot_methods_per_seed(per_seed, {"A": "a", "B": "b"}, {"gap": "gap", "V": "v"}, "title")
    assert [ax.get_title() for ax in fig.axes] == ["gap", "V"]
    with pytest.raises(ValueError, match=r"no columns \['r1_a', 'r1_b'\]"):
        plots.plot_methods_per_seed(per_seed, {"A": "a", "B": "b"}, {"R@1": "r1"}, "title")
    with pytest.raises(ValueError, match="at least one"):
        plots.plot_methods_per_seed(per_seed, {}, {"gap": "gap"}, "title")


def test_the_code_fingerprint_covers_the_whole_package():
    """A change anywhere in gapnotes (a metric, the trainer) must measure the claims again."""
    root = _results.package_root()
    assert (root / "metrics.py").is_file() and (root / "claims" / "ledger.py").is_file()


def test_each_chapter_module_registers_its_own_chapter_claims():
    seen = []
    for module in registry.CHAPTER_MODULES:
        chapter = module.__name__.rsplit("chapter", 1)[1]
        assert module.CLAIMS and all(claim.chapter == chapter for claim in module.CLAIMS), module.__name__
        seen.extend(claim.id for claim in module.CLAIMS)
    assert seen == list(claims.CLAIMS)


def test_a_checks_paper_margin_follows_its_direction():
    at_least = claims.Check("gain", lambda v: v["g"], ">=", 0.1, paper=0.3)
    at_most = claims.Check("change", lambda v: v["d"], "<=", 0.05, paper=0.01)
    assert at_least.paper_margin() == pytest.approx(0.2) and at_most.paper_margin() == pytest.approx(0.04)
    assert np.isnan(claims.Check("g", lambda v: v["g"], ">=", 0.1).paper_margin())


def test_select_names_unknown_ids():
    assert [c.id for c in claims.select("cone.init")] == ["cone.init"]
    with pytest.raises(ValueError, match="no.such"):
        claims.select(["cone.init", "no.such"])


def _write_record(path, results):
    path.write_text(json.dumps([r.to_dict() for r in results]))
    return path


def test_a_kept_record_is_judged_again_without_training(tmp_path, capsys):
    claim = claims.CLAIMS["matters.retrieval-vs-clustering"]
    values = [{"gap": 0.8, "gap_closed": 0.0, "v_gap": 0.2, "v_closed": 0.5 + 0.01 * s, "r1_gap": 0.6,
               "r1_closed": 0.58 - 0.005 * s} for s in range(5)]
    first = _write_record(tmp_path / "a.json", [claims.ClaimResult(claim, list(range(5)), values, "cpu")])
    second = _write_record(tmp_path / "b.json", [claims.ClaimResult(claim, list(range(5, 10)), values, "cuda")])
    again, = claims.rejudge(first)
    assert again.claim is claim and again.seeds == [0, 1, 2, 3, 4] and again.holds_on_average
    assert claims.main(["--rejudge", str(first), str(second)]) == 0
    out = capsys.readouterr().out
    assert "a.json: 1/1 claims hold on average" in out and "over seeds 0–9 on cpu+cuda" in out
    both, = claims.pooled([again], [second])
    assert both.seeds == list(range(10)) and both.runs_shown == (10, 10)
    assert claims.pooled([again], [first])[0].seeds == again.seeds  # a seed is never counted twice
    failing = [dict(v, v_closed=0.21) for v in values]  # no clustering gain: fails on average
    bad = _write_record(tmp_path / "c.json", [claims.ClaimResult(claim, list(range(5)), failing, "cpu")])
    assert claims.main(["--rejudge", str(bad)]) == 1
    (tmp_path / "junk.json").write_text("not json")
    old = [{**r, "values": [{"gap": 0.8}] * 5} for r in json.loads(first.read_text())]
    (tmp_path / "old.json").write_text(json.dumps(old))
    for name, message in (("junk.json", "not a ledger record"), ("old.json", "has no value")):
        with pytest.raises(ValueError, match=message):
            claims.rejudge(tmp_path / name)
        with pytest.raises(SystemExit) as stop:
            claims.main(["--rejudge", str(tmp_path / name)])
        assert stop.value.code == 2


def test_the_kept_records_hold_on_average_and_are_shipped():
    """Every record the book keeps (seeds 5–34) holds on average under today's checks; the package ships them."""
    from pathlib import Path

    paths = claims.kept_records()
    assert len(paths) >= 4
    seeds = set()
    for path in paths:
        results = claims.rejudge(path)
        assert [r.claim.id for r in results] == list(claims.CLAIMS), path.name
        assert all(r.holds_on_average for r in results if r.judged), path.name
        seeds |= set(results[0].seeds)
    assert not seeds & set(claims.SEEDS)  # the records hold other seeds than the book's five
    pyproject = (Path(__file__).resolve().parents[1] / "pyproject.toml").read_text()
    assert '[tool.setuptools.package-data]\n"gapnotes.claims" = ["records/*.json"' in pyproject


def test_the_ledger_machinery_imports_no_claim():
    """ledger and statistics import no chapter module or registry; the claims package has no import circle."""
    import ast
    from pathlib import Path

    folder = Path(claims.__file__).parent
    graph = {}
    for path in folder.glob("*.py"):
        names = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                names |= {node.module} if node.module else {alias.name for alias in node.names}
        graph[path.stem] = {n.split(".")[0] for n in names}
    for machinery in ("ledger", "statistics"):
        assert not graph[machinery] & ({f"chapter{i}" for i in range(6)} | {"registry", "runner", "common"})

    def reaches(start, target, seen=()):
        return any(n == target or (n not in seen and reaches(n, target, (*seen, n))) for n in graph.get(start, ()))

    assert not [module for module in graph if module != "__init__" and reaches(module, module)]


def test_effect_verdict_tables_and_seed_spans():
    claim = claims.Claim("toy", "0", "s", "—", lambda seed, device: {}, (claims.Check("g", lambda v: v["g"], ">=",
                                                                                           0.1),), ("g",))
    values = [{"g": g} for g in (0.3, 0.35, -0.02, 0.25, 0.3)]
    result = claims.ClaimResult(claim, [0, 1, 2, 3, 4], values, "cpu")
    effect = result.effect("g")
    assert effect["n"] == 5 and effect["below"] == 1 and effect["above"] == 4
    assert effect["low"] == pytest.approx(statistics.mean_lower_bound([v["g"] for v in values]))
    assert effect["low"] < effect["mean"] < effect["high"] and effect["min"] == -0.02
    assert result.effect(lambda v: -v["g"])["mean"] == pytest.approx(-effect["mean"])
    assert result.effect_words("g").startswith("+0.236 ± ") and "below 0 in 1" in result.effect_words("g")
    more = claims.ClaimResult(claim, list(range(20)), values * 4, "cpu")
    table = claims.verdict_table([result], [more])
    assert {"on average, seeds 0–19", "single runs, seeds 0–19"} <= set(table.columns)
    assert table.loc["toy", "single runs, seeds 0–19"].startswith("not in every run: 16 of 20 runs")
    with pytest.raises(ValueError, match="same claims"):
        claims.verdict_table([result], [])
    sets = claims.seed_set_table({"seeds 0–4": [result], "seeds 0–19": [more]})
    assert list(sets.columns) == ["seeds 0–4", "seeds 0–19"] and sets.loc["toy", "seeds 0–4"].endswith("4/5 runs")
    assert claims.seed_span([4, 0, 1, 2, 3]) == "0–4" and claims.seed_span([1, 2, 3, 7, 9, 10]) == "1–3, 7, 9–10"
    with pytest.raises(ValueError, match="seeds"):
        claims.seed_span([])


def test_budget_table_states_each_claims_training_and_whether_it_is_trained():
    results = [claims.ClaimResult(c, [0, 1], [{}, {}], "cpu") for c in claims.CLAIMS.values()]
    table = claims.budget_table(results)
    assert list(table.index) == list(claims.CLAIMS)
    assert table.loc["released.gap", "training"].startswith("none")
    assert table.loc["closing.group-wise", "training"] == "300 steps × 128 pairs"
    # no run of the training-length record is trained at step 300 (chapter 2)
    record = dynamics.kept_record()
    runs = len(record["regimes"]) * len(record["seeds"])
    assert table.loc["closing.group-wise", "trained?"].startswith(f"no: 0 of {runs} runs")


def test_the_headline_at_convergence_holds_on_every_kept_seed_set():
    from gapnotes import dynamics

    for seeds in dynamics.HEADLINE_RECORDS:
        results = claims.at_convergence(seeds)
        assert [r.claim.id for r in results] == [c.id for c in claims.CONVERGED_CLAIMS]
        for result in results:
            assert len(result.seeds) == 5
            result.assert_holds_on_average()
    with pytest.raises(ValueError, match="seed_sets"):
        claims.at_convergence("0-99")
    with pytest.raises(RuntimeError, match="kept record"):
        claims.CONVERGED_CLAIMS[0].measure(0, "cpu")


def test_convergence_words_are_the_converged_claims_summaries():
    words = claims.convergence_words()
    conv, warm = claims.at_convergence(["0–4", "5–9"])
    assert words["conv_runs"] == "{} of {}".format(*conv.runs_shown)
    assert words["conv_gap_clip"] == conv.summary("gap_clip_lt")
    gain = conv.effect(lambda v: v["v_modgap"] - v["v_clip_lt"])
    assert words["conv_v_gain"] == f"{gain['mean']:.3f} ± {gain['sd']:.3f}"
    assert words["conv_gap_warm"] == warm.summary("gap_clip_lt_warm")
    assert float(words["conv_rise_max"].rstrip(" %")) < 2.0  # no run still rising by 2 %
