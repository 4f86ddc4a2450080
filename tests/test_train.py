"""The trainer: validation before work, loss goes down, history, cache, determinism, atomic cache."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from gapnotes import train as train_mod  # noqa: E402
from gapnotes.train import TrainConfig, train, train_many  # noqa: E402

SMALL = TrainConfig(steps=40, batch_size=32, n_train=256, n_val=64, eval_every=20, warmup_steps=5)


def test_history_and_learning(cache):
    result = train(SMALL, progress=False, device="cpu")
    h = result.history
    assert list(h.columns) == ["step", "train_loss", "temperature", "gap", "true_pair_cos", "r1_i2t", "r1_t2i"]
    assert h["step"].tolist() == [0, 20, 40]
    assert h["train_loss"].iloc[-1] < h["train_loss"].iloc[1]  # the loss decreases
    assert h["true_pair_cos"].iloc[-1] > h["true_pair_cos"].iloc[0] + 0.2  # pairs get aligned
    assert not result.from_cache and not result.model.training


def test_cache_hit_does_not_retrain(cache, monkeypatch):
    first = train(SMALL, progress=False, device="cpu")

    def boom(*args, **kwargs):
        raise AssertionError("a cache hit must not build a new model")

    monkeypatch.setattr("gapnotes.models.create_tiny_clip", boom)
    second = train(SMALL, progress=False, device="cpu")
    assert second.from_cache
    assert second.history.equals(first.history)
    for a, b in zip(first.model.state_dict().values(), second.model.state_dict().values()):
        assert torch.equal(a.cpu(), b.cpu())


def test_same_seed_same_history_and_key(cache):
    a = train(SMALL, progress=False, cache=False, device="cpu")
    b = train(SMALL, progress=False, cache=False, device="cpu")
    assert a.history.equals(b.history)
    assert train_mod.cache_key(SMALL) == train_mod.cache_key(SMALL.replace())
    assert train_mod.cache_key(SMALL) != train_mod.cache_key(SMALL.replace(seed=1))


def test_fixed_temperature_stays_fixed_and_procrustes_starts_small(cache):
    fixed = train(SMALL.replace(temperature=0.5, learn_temperature=False), progress=False, cache=False, device="cpu")
    assert fixed.history["temperature"].round(6).eq(0.5).all()
    amended = train(SMALL.replace(init="procrustes"), progress=False, cache=False, device="cpu")
    assert amended.history["gap"].iloc[0] < 0.5 * fixed.history["gap"].iloc[0]


def test_scheduled_temperature_rises_linearly_and_ends_in_the_stored_model(cache):
    cfg = SMALL.replace(temperature=0.01, temperature_end=0.05, learn_temperature=False, eval_every=10)
    result = train(cfg, progress=False, cache=False, device="cpu")
    steps, taus = result.history["step"].to_numpy(), result.history["temperature"].to_numpy()
    # τ(s) = τ₀ + (τ₁ − τ₀)·s/steps at every recorded step, step 0 included
    assert np.allclose(taus, 0.01 + 0.04 * steps / cfg.steps, rtol=1e-5)
    assert float(result.model.logit_scale.exp()) == pytest.approx(1 / 0.05, rel=1e-5)
    # a member of an ensemble follows its own schedule beside a fixed-τ member
    lone_fixed = train(SMALL.replace(temperature=0.05, learn_temperature=False), progress=False, cache=False,
                       device="cpu")
    both = train_many([cfg, SMALL.replace(temperature=0.05, learn_temperature=False)], progress=False,
                      device="cpu")
    assert np.allclose(both[0].history["temperature"], taus)
    assert np.allclose(both[1].history["gap"], lone_fixed.history["gap"], atol=1e-5)


def test_temperature_end_is_checked_and_leaves_old_cache_keys_alone():
    with pytest.raises(ValueError, match="learn_temperature=False"):
        SMALL.replace(temperature_end=0.05).validate()
    with pytest.raises(ValueError, match="temperature_end"):
        SMALL.replace(temperature_end=-0.05, learn_temperature=False).validate()
    assert train_mod.cache_key(SMALL) == train_mod.cache_key(SMALL.replace(temperature_end=None))
    scheduled = SMALL.replace(temperature_end=0.05, learn_temperature=False)
    assert train_mod.cache_key(scheduled) != train_mod.cache_key(SMALL.replace(learn_temperature=False))


def test_amended_start_is_a_fixed_rotation_kept_in_the_stored_model(cache):
    """The authors' amended start removes all of the gap a rotation can; the stored model keeps it."""
    from gapnotes.claims.chapter2 import init_geometry
    from gapnotes.training.data import prepared

    config = SMALL.replace(init="procrustes", n_train=512)
    first = train(config, progress=False, device="cpu")
    # a rotation keeps both cones' widths: what is left is the difference of the centres' lengths
    bound = init_geometry(config, "cpu")["centre_length_difference"]
    assert bound <= first.history["gap"].iloc[0] <= bound + 0.03
    loaded = train(config, progress=False, device="cpu")  # from the cache: the rotation is in its weights
    assert loaded.from_cache
    vision, text = loaded.model_cfg["vision_cfg"], loaded.model_cfg["text_cfg"]
    val = prepared(config.n_train, config.n_val, config.data_seed, config.caption_detail,
                   text["context_length"], vision["image_size"])["val"]
    final = train_mod.evaluate(loaded.model, val[0], val[1])
    assert final["gap"] == pytest.approx(first.history["gap"].iloc[-1], abs=1e-4)


def test_interrupted_run_leaves_no_cache_entry(cache, monkeypatch):
    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("gapnotes.training.loop.scores", crash)
    with pytest.raises(KeyboardInterrupt):
        train(SMALL, progress=False, device="cpu")
    models = cache / "models"
    assert not models.exists() or not any(models.iterdir())


def test_failed_store_leaves_no_partial_entry(cache, monkeypatch):
    def broken_csv(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("pandas.DataFrame.to_csv", broken_csv)
    with pytest.raises(OSError, match="disk full"):
        train(SMALL, progress=False, device="cpu")
    assert not any((cache / "models").iterdir())


@pytest.mark.parametrize(
    "change, message",
    [
        ({"temperature": 0.0}, "temperature"),
        ({"temperature": -1.0}, "temperature"),
        ({"steps": 0}, "steps"),
        ({"batch_size": 10_000}, "batch_size"),
        ({"loss": "triplet"}, "loss must be one of"),
        ({"init": "zeros"}, "init"),
        ({"caption_detail": 7}, "caption_detail"),
    ],
)
def test_bad_configs_fail_before_any_work(cache, monkeypatch, change, message):
    monkeypatch.setattr("gapnotes.training.data.prepared", lambda *a: pytest.fail("data was built before validation"))
    with pytest.raises(ValueError, match=message):
        train(SMALL, progress=False, **change)


def test_unknown_field_and_wrong_type():
    with pytest.raises(TypeError):
        train(SMALL, progress=False, learning_rate=0.1)
    with pytest.raises(TypeError, match="steps must be an integer"):
        train(SMALL, progress=False, steps=10.5)


def test_three_modalities_train_cache_and_embed(cache):
    from gapnotes import synthetic
    from gapnotes.embed import embed_pairs

    cfg = SMALL.replace(modalities=3, loss="modgap", temperature=0.1, learn_temperature=False,
                        loss_options={"anchor": 1})
    first = train(cfg, progress=False, device="cpu")
    assert {"gap_is", "gap_ts"} <= set(first.history.columns)
    assert first.history["gap_ts"].iloc[-1] < first.history["gap_ts"].iloc[0]
    again = train(cfg, progress=False, device="cpu")
    assert again.from_cache and again.history.equals(first.history)
    embedded = embed_pairs(again.model, synthetic.make_shapes(7, seed=9), again.model_cfg)
    assert [e.shape for e in embedded] == [(7, 64)] * 3
    with pytest.raises(ValueError, match="pairwise_clip"):
        train(SMALL.replace(modalities=3), progress=False)
    with pytest.raises(ValueError, match="modalities"):
        train(SMALL.replace(modalities=4), progress=False)


def test_two_modality_cache_keys_ignore_the_modalities_field():
    assert train_mod.cache_key(SMALL) != train_mod.cache_key(SMALL.replace(modalities=3))


def test_vocabulary_slice_changes_no_output_and_restores_the_full_table():
    """Training on the used rows only is exact: same text embeddings, same gradient on those rows."""
    import torch

    from gapnotes.models import create_tiny_clip, tokenizer_for
    from gapnotes.training.vocabulary import VocabularySlice

    tokens = tokenizer_for(16)(["a photo of a red circle", "a small blue square at the top"])
    full = create_tiny_clip(seed=0, device="cpu")
    sliced = create_tiny_clip(seed=0, device="cpu")
    original_table = sliced.token_embedding.weight.detach().clone()
    vocabulary = VocabularySlice(sliced, [tokens])
    assert sliced.token_embedding.num_embeddings == len(torch.unique(tokens)) < 20
    remapped = vocabulary.remap(tokens)
    # order-preserving: the end-of-text token is still the argmax open_clip pools at
    assert torch.equal(remapped.argmax(-1), tokens.argmax(-1))
    out_full, out_sliced = full.encode_text(tokens), sliced.encode_text(remapped)
    torch.testing.assert_close(out_sliced, out_full)
    out_full.sum().backward()
    out_sliced.sum().backward()
    used = torch.unique(tokens)
    torch.testing.assert_close(sliced.token_embedding.weight.grad, full.token_embedding.weight.grad[used])
    with torch.no_grad():
        sliced.token_embedding.weight += 1.0
    vocabulary.detach()
    table = sliced.token_embedding.weight.detach()
    assert table.shape == (49408, 64)
    torch.testing.assert_close(table[used], original_table[used] + 1.0)
    unused = torch.ones(49408, dtype=torch.bool)
    unused[used] = False
    assert torch.equal(table[unused], original_table[unused])


def test_train_many_trains_missing_runs_as_one_ensemble_and_returns_them_in_order(cache, monkeypatch):
    from gapnotes.training import loop

    sizes = []
    real = loop.train_members
    monkeypatch.setattr(loop, "train_members", lambda configs, *a, **k: sizes.append(len(configs)) or real(configs, *a, **k))
    configs = [SMALL.replace(seed=1), SMALL.replace(seed=2), SMALL.replace(seed=1)]
    results = train_mod.train_many(configs, progress=False, device="cpu")
    assert sizes == [2]  # one ensemble; the repeated config is trained once
    assert [r.config for r in results] == configs
    assert not any(r.from_cache for r in results)
    assert results[0] is results[2]
    assert not results[0].history.equals(results[1].history)
    again = train_mod.train_many(configs[:1], progress=False, device="cpu")
    assert again[0].from_cache and again[0].history.equals(results[0].history)
    assert sizes == [2]


def test_train_many_groups_by_what_members_must_share_and_caps_the_ensemble(cache, monkeypatch):
    from gapnotes.training import loop

    sizes, real = [], loop.train_members
    monkeypatch.setattr(loop, "train_members", lambda configs, device, progress=False: sizes.append(len(configs))
                        or [(None, None, {})] * len(configs))
    monkeypatch.setattr("gapnotes.training.cache.store", lambda *a, **k: None)
    other_data = SMALL.replace(caption_detail=2)
    configs = [SMALL.replace(seed=s) for s in range(3)] + [other_data, SMALL.replace(temperature=0.5)]
    train_mod.train_many(configs, progress=False, device="cpu", max_ensemble=3)
    # four of one signature over a cap of 3: two even ensembles (not 3 + 1), then the other data
    assert sizes == [2, 2, 1]
    assert [len(e) for e in train_mod.ensembles([SMALL.replace(seed=s) for s in range(18)], 16)] == [9, 9]
    assert [len(e) for e in train_mod.ensembles([SMALL.replace(seed=s) for s in range(17)], 16)] == [9, 8]
    with pytest.raises(ValueError, match="may differ only in"):
        real([SMALL, other_data], torch.device("cpu"))


def test_train_many_validates_before_any_work(cache):
    with pytest.raises(ValueError, match="at least one"):
        train_mod.train_many([])
    with pytest.raises(TypeError, match="TrainConfig"):
        train_mod.train_many([{"steps": 3}])
    with pytest.raises(ValueError, match="temperature"):
        train_mod.train_many([SMALL, SMALL.replace(temperature=-1.0)])
    with pytest.raises(ValueError, match="max_ensemble"):
        train_mod.train_many([SMALL], max_ensemble=0)


def test_loss_options_are_checked_and_defaults_share_a_cache_key():
    base = TrainConfig(loss="modgap")
    with pytest.raises(ValueError, match="not options of loss 'modgap'"):
        base.replace(loss_options={"atp_wieght": 2}).validate()
    with pytest.raises(ValueError, match="allowed: none"):
        TrainConfig(loss_options={"anchor": 1}).validate()
    same = base.replace(loss_options={"atp_weight": 1, "cu_weight": 1.0})
    assert train_mod.cache_key(same) == train_mod.cache_key(base)
    assert train_mod.cache_key(base.replace(loss_options={"cu_weight": 2})) != train_mod.cache_key(base)


def test_the_plain_training_step_gives_a_member_of_the_stacked_run():
    """The loop a chapter shows (one CLIP, one step at a time) trains the model a stacked ensemble
    trains for the same config: same embeddings of held-out pairs, same learnt τ."""
    import torch.nn.functional as F

    from gapnotes.training.data import prepared_for
    from gapnotes.training.loop import train_members
    from gapnotes.training.plain import train_plainly

    configs = [TrainConfig(seed=seed, steps=30, warmup_steps=5) for seed in (0, 1)]
    stacked = train_members(configs, "cpu")[1][0]
    plain, losses = train_plainly(configs[1], device="cpu")
    assert len(losses) == 30 and losses[-1] < losses[0]
    images, tokens = prepared_for(configs[1])["val"][:2]
    with torch.no_grad():
        for encode in ("encode_image", "encode_text"):
            inputs = images[:100] if encode == "encode_image" else tokens[:100]
            ours = F.normalize(getattr(plain, encode)(inputs), dim=-1)
            theirs = F.normalize(getattr(stacked, encode)(inputs), dim=-1)
            assert torch.allclose(ours, theirs, atol=1e-5), encode
    assert torch.allclose(plain.logit_scale, stacked.logit_scale, atol=1e-6)


def test_train_plainly_refuses_what_it_does_not_train():
    from gapnotes.training.plain import train_plainly

    with pytest.raises(ValueError, match="loss"):
        train_plainly(TrainConfig(loss="modgap", learn_temperature=False, temperature=0.1))
    with pytest.raises(ValueError, match="init"):
        train_plainly(TrainConfig(init="procrustes"))
    with pytest.raises(ValueError, match="steps"):
        train_plainly(TrainConfig(steps=10), steps=11)
    with pytest.raises(TypeError, match="config"):
        train_plainly({"steps": 10})
