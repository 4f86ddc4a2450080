"""Embedding helpers with real (random-initialised) open_clip towers."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
open_clip = pytest.importorskip("open_clip")

from gapnotes import models  # noqa: E402


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
    whole = models.embed_images(model, imgs, batch_size=5)
    split = models.embed_images(model, imgs, batch_size=2)
    assert whole.shape == (5, 512) and whole.dtype == np.float32
    np.testing.assert_allclose(whole, split, rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="images must have shape"):
        models.embed_images(model, imgs[:, :1])


def test_embed_texts_and_random_tokens(vit):
    model, tokenizer = vit
    emb = models.embed_texts(model, ["a red circle", "a blue square"], tokenizer)
    assert emb.shape == (2, 512)
    tokens = models.random_text_tokens(4, seed=0)
    assert (tokens == 49407).sum(1).tolist() == [1] * 4 and (tokens[:, 0] == 49406).all()
    assert models.embed_texts(model, tokens).shape == (4, 512)
    with pytest.raises(ValueError, match="tokenizer"):
        models.embed_texts(model, ["x"])
    with pytest.raises(TypeError, match="texts"):
        models.embed_texts(model, "just a string", tokenizer)
