"""Embedding helpers with real (random-initialised) open_clip towers."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
open_clip = pytest.importorskip("open_clip")

from gapnotes import embed, models  # noqa: E402


@pytest.fixture(scope="module")
def vit():
    return models.create_random_clip("ViT-B-32", seed=0, device="cpu")


def test_random_clip_is_seeded(vit):
    model, _ = vit
    again, _ = models.create_random_clip("ViT-B-32", seed=0, device="cpu")
    first = next(model.parameters())
    assert torch.equal(first, next(again.parameters()))
    with pytest.raises(ValueError, match="not an open_clip architecture"):
        models.create_random_clip("ViT-Q-99")


def test_embed_images_resizes_and_batches(vit):
    model, _ = vit
    imgs = np.random.default_rng(0).uniform(size=(5, 3, 32, 32)).astype(np.float32)
    whole = embed.embed_images(model, imgs, batch_size=5)
    split = embed.embed_images(model, imgs, batch_size=2)
    assert whole.shape == (5, 512) and whole.dtype == np.float32
    np.testing.assert_allclose(whole, split, rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="images must have shape"):
        embed.embed_images(model, imgs[:, :1])


def test_embed_texts_and_random_tokens(vit):
    model, tokenizer = vit
    emb = embed.embed_texts(model, ["a red circle", "a blue square"], tokenizer)
    assert emb.shape == (2, 512)
    tokens = models.random_text_tokens(4, seed=0)
    assert (tokens == 49407).sum(1).tolist() == [1] * 4 and (tokens[:, 0] == 49406).all()
    assert embed.embed_texts(model, tokens).shape == (4, 512)
    with pytest.raises(ValueError, match="tokenizer"):
        embed.embed_texts(model, ["x"])
    with pytest.raises(TypeError, match="texts"):
        embed.embed_texts(model, "just a string", tokenizer)


def test_tiny_clip_checkpoint_round_trip(tmp_path):
    model = models.create_tiny_clip(seed=3, init_temperature=0.05, learn_temperature=False, device="cpu")
    assert not model.logit_scale.requires_grad
    assert 1 / model.logit_scale.exp().item() == pytest.approx(0.05)
    path = models.save_open_clip_checkpoint(model, tmp_path / "tiny", models.tiny_clip_config())
    assert path.name == "tiny.pt" and (tmp_path / "tiny.json").is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]
    loaded, tokenizer, cfg = models.load_open_clip_checkpoint(tmp_path / "tiny", device="cpu")
    for a, b in zip(model.state_dict().values(), loaded.state_dict().values()):
        assert torch.equal(a, b)
    assert tokenizer(["a red circle"]).shape == (1, cfg["text_cfg"]["context_length"])
    with pytest.raises(FileNotFoundError, match="path"):
        models.load_open_clip_checkpoint(tmp_path / "missing")


def test_tiny_config_validation():
    with pytest.raises(ValueError, match="multiple of patch_size"):
        models.tiny_clip_config(image_size=30, patch_size=8)
    with pytest.raises(ValueError, match="init_temperature"):
        models.create_tiny_clip(init_temperature=0.0)


def test_encode_in_batches_is_one_loop_for_every_shape_of_input():
    import torch

    weights = torch.randn(6, 4)
    rows = torch.randn(11, 6)

    def encode(batch):
        return batch @ weights

    whole = embed.encode_in_batches(encode, rows, batch_size=11)
    assert whole.dtype == np.float32 and whole.shape == (11, 4)
    assert np.allclose(embed.encode_in_batches(encode, rows, batch_size=3), whole, atol=1e-6)
    unit = embed.encode_in_batches(encode, rows, batch_size=4, normalize=True)
    assert np.allclose(np.linalg.norm(unit, axis=1), 1, atol=1e-5)
    # tuples of inputs are sliced together; tuples of outputs come back as tuples
    first, second = embed.encode_in_batches(lambda a, b: (a @ weights, b), (rows, rows[:, :2]), batch_size=5)
    assert np.allclose(first, whole, atol=1e-6) and second.shape == (11, 2)
    # an iterable of ready batches (a DataLoader's images)
    assert np.allclose(embed.encode_in_batches(encode, iter([rows[:7], rows[7:]])), whole, atol=1e-6)
    # a stacked ensemble's (M, B, D) joined along the batch dimension
    stacked = embed.encode_in_batches(lambda b: torch.stack([b, 2 * b]), rows, batch_size=4, concat_dim=1)
    assert stacked.shape == (2, 11, 6)
    with pytest.raises(ValueError, match="at least one row"):
        embed.encode_in_batches(encode, rows[:0])
    with pytest.raises(ValueError, match="batch_size"):
        embed.encode_in_batches(encode, rows, batch_size=0)


def test_models_and_hub_are_separate_homes():
    from gapnotes import hub

    assert not hasattr(models, "embed_images") and not hasattr(models, "load_pretrained")
    assert callable(hub.load_pretrained) and issubclass(hub.PretrainedUnavailableError, RuntimeError)
    assert callable(embed.embed_images) and callable(embed.embed_pairs)
