"""The path Colab and GPU users take (pretrained weights, real data sets, embedding cache), tested offline."""

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from gapnotes import data, datasets, embed, hub, models, synthetic  # noqa: E402


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    monkeypatch.setenv(data.CACHE_DIR_ENV, str(tmp_path / "cache"))
    monkeypatch.setenv(data.OFFLINE_ENV, "1")  # never touch the network in tests
    monkeypatch.delenv(data.DATA_DIR_ENV, raising=False)
    return tmp_path


@pytest.fixture
def tiny_checkpoint(isolated):
    model = models.create_tiny_clip(seed=4, device="cpu")
    return model, models.save_open_clip_checkpoint(model, isolated / "ckpt" / "tiny-clip", models.tiny_clip_config())


def test_load_pretrained_local_checkpoint_round_trip(tiny_checkpoint):
    model, path = tiny_checkpoint
    loaded, preprocess, tokenizer = hub.load_pretrained("tiny-clip", str(path), device="cpu")
    for a, b in zip(model.state_dict().values(), loaded.state_dict().values()):
        assert torch.equal(a, b)
    from PIL import Image

    assert preprocess(Image.new("RGB", (50, 40))).shape == (3, 32, 32)
    assert tokenizer(["a red circle"]).shape == (1, 16)


def test_load_pretrained_errors(isolated):
    with pytest.raises(hub.PretrainedUnavailableError) as err:
        hub.load_pretrained("ViT-B-32", "openai", device="cpu")
    message = str(err.value)
    assert "ViT-B-32/openai" in message and "load_released_features" in message and "\n" not in message
    with pytest.raises(ValueError, match="not an open_clip architecture"):
        hub.load_pretrained("ViT-Q-9", "openai")
    with pytest.raises(ValueError, match="not a published tag"):
        hub.load_pretrained("ViT-B-32", "imagenet-from-mars")
    with pytest.raises(FileNotFoundError, match="pretrained"):
        hub.load_pretrained("ViT-B-32", str(isolated / "missing.pt"))
    (isolated / "lonely.pt").write_bytes(b"")
    with pytest.raises(ValueError, match="lonely"):
        hub.load_pretrained("lonely", str(isolated / "lonely.pt"))


def test_embedding_cache_hit_miss_and_key(tiny_checkpoint, isolated, monkeypatch):
    monkeypatch.setenv("GAPNOTES_PROGRESS", "0")
    _, path = tiny_checkpoint
    model, preprocess, tokenizer = hub.load_pretrained("tiny-clip", str(path), device="cpu")
    root = datasets.write_image_folder(synthetic.make_shapes(12, seed=0), isolated / "folder")
    folder = datasets.load_image_folder(root, transform=preprocess)
    key = {"model": "tiny-clip", "weights": str(path), "dataset": "shapes-folder", "split": "test"}
    first, labels, cached = embed.embed_image_dataset(model, folder, key, batch_size=5)
    assert not cached and first.shape == (12, 64) and labels.tolist() == sorted(labels.tolist())
    again, labels2, cached = embed.embed_image_dataset(model, folder, key, batch_size=5)
    assert cached and np.array_equal(first, again) and np.array_equal(labels, labels2)
    _, _, cached = embed.embed_image_dataset(model, folder, {**key, "split": "val"})
    assert not cached  # anything in the key changes the entry
    cache_file = embed.cache_path({**key, "kind": "image", "n": 12})
    cache_file.write_bytes(b"not an npz")
    _, _, cached = embed.embed_image_dataset(model, folder, key)
    assert not cached  # a broken file is recomputed, never trusted
    texts = ["a red circle", "a blue square"]
    t1, hit1 = embed.embed_text_list(model, tokenizer, texts, key)
    t2, hit2 = embed.embed_text_list(model, tokenizer, texts[::-1], key)
    assert not hit1 and not hit2 and np.allclose(t1[0], t2[1], atol=1e-6)
    assert embed.embed_text_list(model, tokenizer, texts, key)[1]
    with pytest.raises(TypeError, match="key"):
        embed.cache_path({})


def test_caption_pairs_and_image_folder(isolated):
    from PIL import Image

    images = isolated / "imgs"
    images.mkdir()
    for i in range(3):
        Image.new("RGB", (8, 8), (i * 80, 0, 0)).save(images / f"{i}.jpg")
    meta = {"images": [{"id": i, "file_name": f"{i}.jpg"} for i in range(3)],
            "annotations": [{"image_id": 0, "caption": "first "}, {"image_id": 0, "caption": "second"},
                            {"image_id": 2, "caption": "third"}]}
    (isolated / "captions.json").write_text(json.dumps(meta))
    pairs = datasets.load_caption_pairs(images, isolated / "captions.json")
    assert len(pairs) == 2 and pairs.captions == ["first", "third"]
    image, index = pairs[1]
    assert image.size == (8, 8) and index == 1
    with pytest.raises(ValueError, match="COCO format"):
        (isolated / "bad.json").write_text("[]")
        datasets.load_caption_pairs(images, isolated / "bad.json")
    with pytest.raises(FileExistsError, match="not empty"):
        datasets.write_image_folder(synthetic.make_shapes(2), images)


def test_cifar_is_never_downloaded_unasked(isolated, monkeypatch):
    with pytest.raises(data.DataUnavailableError, match="download=True"):
        datasets.load_cifar("cifar10")
    asked = []

    def fake_fetch(name, **kwargs):
        asked.append(name)
        raise data.DataUnavailableError("offline")

    monkeypatch.setattr(datasets, "fetch", fake_fetch)
    with pytest.raises(data.DataUnavailableError):
        datasets.load_cifar("cifar100", download=True)
    assert asked == ["cifar-100-python.tar.gz"]  # the download goes through the sha256-checked fetch
    assert data.REGISTRY["cifar-100-python.tar.gz"].sha256.startswith("85cd44d0")
    with pytest.raises(ValueError, match="name must be one of"):
        datasets.load_cifar("mnist")


def test_prepare_falls_back_offline_through_the_same_loaders(isolated, monkeypatch):
    from gapnotes import pretrained

    monkeypatch.setenv("GAPNOTES_PROGRESS", "0")
    small = {"steps": 5, "batch_size": 16, "n_train": 64, "n_val": 16, "eval_every": 5, "warmup_steps": 1}
    monkeypatch.setitem(pretrained.FALLBACK_MODELS, "primary", {"temperature": 0.07, "learn_temperature": True, **small})
    model = pretrained.prepare_model("ViT-B-32", "openai", device="cpu")
    assert model.is_fallback and "OFFLINE STAND-IN" in model.description and (isolated / "cache" / "checkpoints" / "tiny-clip.pt").is_file()
    data = pretrained.prepare_dataset("cifar10", model.preprocess, n_fallback=60)
    assert data.is_fallback and len(data.extra["dataset"]) == 60 and len(data.extra["classes"]) > 5
    result = pretrained.measure(model, data, n_images=40)
    assert result["n_images"] == 40 and result["n_test"] == 20 and 0 <= result["zero_shot"] <= 1
    assert set(result["curve"]) == set(pretrained.LAMBDAS)
    assert pretrained.measure(model, data, n_images=40)["seconds"] is None  # second pass: from the cache
    families = pretrained.measure_families({"tiny": model}, "cifar10", n_images=40, verbose=False)
    table = pretrained.results_table(families)
    assert list(table.columns) == ["tiny"] and "curve" not in table.index
    assert table.loc["zero_shot", "tiny"] == pytest.approx(families["tiny"]["zero_shot"])
    with pytest.raises(ValueError, match="families"):
        pretrained.measure_families({}, "cifar10")
    prepared = pretrained.prepare_families([("ViT-B-32", "openai")], device="cpu")
    assert list(prepared) == [model.label] and prepared[model.label].is_fallback
    with pytest.raises(ValueError, match="requests"):
        pretrained.prepare_families([("ViT-B-32", "openai")] * 3)
    with pytest.raises(ValueError, match="requests"):
        pretrained.prepare_families(["ViT-B-32"])
    with pytest.raises(ValueError, match="fallback"):
        pretrained.prepare_model("ViT-B-32", "openai", fallback="tertiary")
