"""The download function: local override, cache, sha256 refusal, offline message, atomic writes."""

import hashlib
import io
import urllib.error
from pathlib import Path

import numpy as np
import pytest

from gapnotes import data

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "modality-gap-features"


@pytest.fixture
def fake_file(tmp_path, monkeypatch):
    """Register a small fake file and isolate the environment from the real data folders."""
    payload = np.arange(2 * 3 * 4, dtype=np.float32).reshape(2, 3, 4)
    buf = io.BytesIO()
    np.save(buf, payload)
    raw = buf.getvalue()
    name = "features_test.npy"
    monkeypatch.setitem(
        data.REGISTRY, name, data.RemoteFile("https://example.invalid/" + name, hashlib.sha256(raw).hexdigest())
    )
    monkeypatch.setenv(data.CACHE_DIR_ENV, str(tmp_path / "cache"))
    monkeypatch.delenv(data.DATA_DIR_ENV, raising=False)
    monkeypatch.delenv(data.OFFLINE_ENV, raising=False)
    return name, raw


class FakeResponse(io.BytesIO):
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_local_folder_override_is_used(fake_file, tmp_path, monkeypatch):
    name, raw = fake_file
    folder = tmp_path / "local"
    folder.mkdir()
    (folder / name).write_bytes(raw)
    monkeypatch.setenv(data.DATA_DIR_ENV, str(folder))
    assert data.fetch(name) == folder / name


def test_corrupt_local_file_is_refused(fake_file, tmp_path, monkeypatch):
    name, raw = fake_file
    folder = tmp_path / "local"
    folder.mkdir()
    (folder / name).write_bytes(raw[:-1] + b"\x00")
    monkeypatch.setenv(data.DATA_DIR_ENV, str(folder))
    with pytest.raises(data.DataUnavailableError, match="sha256"):
        data.fetch(name)


def test_download_goes_to_cache_and_is_reused(fake_file, monkeypatch):
    name, raw = fake_file
    calls = []

    def fake_urlopen(request, timeout):
        calls.append(request.full_url)
        return FakeResponse(raw)

    monkeypatch.setattr(data.urllib.request, "urlopen", fake_urlopen)
    path = data.fetch(name)
    assert path.read_bytes() == raw and len(calls) == 1
    assert data.fetch(name) == path and len(calls) == 1  # cache hit, no second download
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".part")]


def test_tampered_cache_file_is_refetched(fake_file, monkeypatch):
    name, raw = fake_file
    monkeypatch.setattr(data.urllib.request, "urlopen", lambda request, timeout: FakeResponse(raw))
    path = data.fetch(name)
    path.write_bytes(b"tampered")
    assert data.fetch(name).read_bytes() == raw


def test_wrong_download_is_discarded(fake_file, monkeypatch):
    name, _ = fake_file
    monkeypatch.setattr(data.urllib.request, "urlopen", lambda request, timeout: FakeResponse(b"evil"))
    with pytest.raises(data.DataUnavailableError, match="instead of the registered one and was discarded"):
        data.fetch(name)
    cached = data.cache_dir() / "data"
    assert not any(cached.iterdir())  # neither the bad file nor a .part file is left


def test_offline_error_says_which_file_and_how_to_fix(fake_file, monkeypatch):
    name, _ = fake_file

    def no_network(request, timeout):
        raise urllib.error.URLError("Temporary failure in name resolution")

    monkeypatch.setattr(data.urllib.request, "urlopen", no_network)
    with pytest.raises(data.DataUnavailableError) as err:
        data.fetch(name)
    msg = str(err.value)
    assert name in msg and data.DATA_DIR_ENV in msg and "https://example.invalid/" in msg
    monkeypatch.setenv(data.OFFLINE_ENV, "1")
    with pytest.raises(data.DataUnavailableError, match="offline"):
        data.fetch(name)


def test_unknown_names_are_refused():
    with pytest.raises(ValueError, match="not a registered file"):
        data.fetch("nope.npy")
    with pytest.raises(ValueError, match="name must be one of"):
        data.load_released_features("clip_v2")


@pytest.mark.skipif(not SHARED.is_dir(), reason="released embeddings not available on this machine")
def test_released_features_load_through_override(monkeypatch, tmp_path):
    monkeypatch.setenv(data.DATA_DIR_ENV, str(SHARED))
    monkeypatch.setenv(data.CACHE_DIR_ENV, str(tmp_path))
    for name in data.RELEASED_FEATURES:
        x, y = data.load_released_features(name)
        assert x.shape == y.shape and x.dtype == np.float32 and x.shape[0] >= 99
    assert not (tmp_path / "data").exists()  # read in place, nothing copied into the cache


def test_command_line_fetches_the_released_files_and_names_a_bad_argument(monkeypatch, tmp_path, capsys):
    folder = tmp_path / "local"
    folder.mkdir()
    payload = b"not really an array"
    (folder / "features_clip.npy").write_bytes(payload)
    monkeypatch.setitem(data.REGISTRY, "features_clip.npy",
                        data.RemoteFile("https://example.invalid/x", hashlib.sha256(payload).hexdigest()))
    monkeypatch.setenv(data.DATA_DIR_ENV, str(folder))
    monkeypatch.setenv(data.CACHE_DIR_ENV, str(tmp_path / "cache"))
    monkeypatch.setenv(data.OFFLINE_ENV, "1")
    assert data.main(["features_clip.npy"]) == 0
    assert capsys.readouterr().out.strip() == f"features_clip.npy: {folder / 'features_clip.npy'}"
    with pytest.raises(SystemExit) as exit_info:
        data.main(["features_nope.npy"])
    assert exit_info.value.code == 2
    assert "NAME features_nope.npy is not registered" in capsys.readouterr().err
    # without names it fetches the eight released files: offline, the first missing one is named with the fix
    with pytest.raises(data.DataUnavailableError, match="features_clip_random.npy is not available offline"):
        data.main([])
