"""Data files: one sha256-checked download function, a cache, and an offline override.

Where files come from, in order:

1. ``$GAPNOTES_DATA_DIR`` — a local folder (or several, separated by ``os.pathsep``)
   that already holds the files, e.g. the released embeddings copied to a laptop
   or a course server. Nothing is written there.
2. The cache, ``$GAPNOTES_CACHE_DIR/data`` (default: the user cache folder, e.g.
   ``~/.cache/gapnotes/data``), filled by earlier downloads.
3. A download from the file's public address, unless ``$GAPNOTES_OFFLINE=1``.

Every file is checked against the sha256 in :data:`REGISTRY` before it is used; a
file that does not match is refused (in a local folder) or discarded and fetched
again (in the cache). Downloads go to a temporary file that is renamed into place
only once its hash matches, so an interrupted download never leaves a corrupt file.
"""

from __future__ import annotations

import hashlib
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ._files import atomic_write

__all__ = [
    "DATA_DIR_ENV",
    "CACHE_DIR_ENV",
    "OFFLINE_ENV",
    "REGISTRY",
    "RELEASED_FEATURES",
    "DataUnavailableError",
    "cache_dir",
    "fetch",
    "sha256_of",
    "load_released_features",
]

DATA_DIR_ENV = "GAPNOTES_DATA_DIR"
CACHE_DIR_ENV = "GAPNOTES_CACHE_DIR"
OFFLINE_ENV = "GAPNOTES_OFFLINE"

_RELEASE = (
    "https://raw.githubusercontent.com/Weixin-Liang/Modality-Gap/"
    "8e20cb24efa4c5f89aad694f2f65eb43ffc46d10/Figure_1_Modality_Gap/"
)


@dataclass(frozen=True)
class RemoteFile:
    """A file the book may download: where from, and the sha256 it must have."""

    url: str
    sha256: str


@dataclass(frozen=True)
class ReleasedFeatures:
    """One of the eight embedding files released with Liang et al. (2022)."""

    filename: str
    model: str
    dataset: str
    modality_x: str
    modality_y: str
    pretrained: bool


RELEASED_FEATURES: dict[str, ReleasedFeatures] = {
    "clip": ReleasedFeatures("features_clip.npy", "CLIP ViT-B/16", "MSCOCO val2017", "image", "text", True),
    "clip_random": ReleasedFeatures("features_clip_random.npy", "CLIP ViT-B/16", "MSCOCO val2017", "image", "text", False),
    "videoclip": ReleasedFeatures("features_videoclip.npy", "VideoCLIP", "MSR-VTT", "video", "text", True),
    "videoclip_random": ReleasedFeatures("features_videoclip_random.npy", "VideoCLIP", "MSR-VTT", "video", "text", False),
    "convirt": ReleasedFeatures("features_convirt.npy", "ConVIRT", "chest X-ray / report", "X-ray", "text", True),
    "convirt_random": ReleasedFeatures("features_convirt_random.npy", "ConVIRT", "chest X-ray / report", "X-ray", "text", False),
    "clasp": ReleasedFeatures("features_clasp.npy", "CLASP", "protein sequence / text", "sequence", "text", True),
    "clasp_random": ReleasedFeatures("features_clasp_random.npy", "CLASP", "protein sequence / text", "sequence", "text", False),
}

_SHA256 = {
    "features_clip.npy": "7227280ace0f145d2c45afa8ab507a1cb280e9460aa271fe9052d08e35342adb",
    "features_clip_random.npy": "c6a5f9ca3fba36d635fd47d20b3cdd5b9ac78dc462070240fdc2ee2786110403",
    "features_videoclip.npy": "53255cac6105c5c47dd1850d77de084957d5f83841ba9ae9254bf7ae998573da",
    "features_videoclip_random.npy": "c57ee05a606c4a9da0d71ad8b5d5c964d780af816890064a693eb178492c0f3b",
    "features_convirt.npy": "8cfb9c31888d12726a3f8b551bed64f04b25d1c76d5353b0a3e9efeceb43edb9",
    "features_convirt_random.npy": "2fd5698e712d5e0d72256a1b29044b2059818f0575ab12bfcb2c5ae13092007f",
    "features_clasp.npy": "5a1d12a68729405003fe19b271a38ae35adab97c139e4b4a51d70b18c44bf628",
    "features_clasp_random.npy": "2a159d008b7527e9fbd3de49daf9116d9500d1aaa250c3a5b009b162c5f4066b",
}

#: Every file the book may download, by file name.
REGISTRY: dict[str, RemoteFile] = {name: RemoteFile(_RELEASE + name, sha) for name, sha in _SHA256.items()}
REGISTRY["cifar-10-python.tar.gz"] = RemoteFile(
    "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
    "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
)
REGISTRY["cifar-100-python.tar.gz"] = RemoteFile(
    "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz",
    "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7",
)


class DataUnavailableError(RuntimeError):
    """A data file could not be found locally nor downloaded; the message says how to fix it."""


def cache_dir() -> Path:
    """The writable cache folder: ``$GAPNOTES_CACHE_DIR`` or the user cache dir for "gapnotes"."""
    env = os.environ.get(CACHE_DIR_ENV)
    if env:
        return Path(env).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("gapnotes"))


def sha256_of(path, chunk_size: int = 1 << 20) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _local_dirs() -> list[Path]:
    env = os.environ.get(DATA_DIR_ENV, "")
    return [Path(p).expanduser() for p in env.split(os.pathsep) if p.strip()]


def _how_to_fix(name: str, remote: RemoteFile) -> str:
    """The fix, as the second half of a one-sentence error message (no full stop inside)."""
    return (
        f"download it from {remote.url} on a machine with internet, put it in a folder and set "
        f"{DATA_DIR_ENV}=/that/folder (sha256 {remote.sha256})"
    )


def _download(name: str, remote: RemoteFile, dest: Path, timeout: float) -> None:
    """Stream ``remote`` into ``dest`` atomically (:func:`gapnotes._files.atomic_write`), hash-checked."""
    digest = hashlib.sha256()

    def stream(out):
        request = urllib.request.Request(remote.url, headers={"User-Agent": "gapnotes"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            for chunk in iter(lambda: response.read(1 << 20), b""):
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != remote.sha256:  # raised before the rename: nothing is kept
            raise DataUnavailableError(
                f"The download of {name} had sha256 {digest.hexdigest()} instead of the registered one and was "
                f"discarded: try again later, or {_how_to_fix(name, remote)}."
            )

    try:
        atomic_write(dest, stream)
    except (urllib.error.URLError, OSError, TimeoutError) as err:
        raise DataUnavailableError(
            f"Could not download {name} ({err}; are you offline?): {_how_to_fix(name, remote)}."
        ) from None


def fetch(name: str, *, timeout: float = 60.0) -> Path:
    """Path to a verified local copy of registered file ``name``, downloading it if needed.

    Looks in ``$GAPNOTES_DATA_DIR`` first, then in the cache, then downloads (unless
    ``$GAPNOTES_OFFLINE`` is set). Raises :class:`DataUnavailableError` with the fix
    when none of these works, and refuses any file whose sha256 does not match.

    Parameters
    ----------
    name : str
        A key of :data:`REGISTRY`, e.g. ``"features_clip.npy"``.
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a file name string, got {type(name).__name__}")
    if name not in REGISTRY:
        raise ValueError(f"name {name!r} is not a registered file; known: {', '.join(sorted(REGISTRY))}")
    remote = REGISTRY[name]
    for folder in _local_dirs():
        candidate = folder / name
        if candidate.is_file():
            actual = sha256_of(candidate)
            if actual != remote.sha256:
                raise DataUnavailableError(
                    f"{candidate} (from {DATA_DIR_ENV}) has sha256 {actual}, not {remote.sha256}, so it is corrupt "
                    f"or a different version and was not used: replace it with the file from {remote.url}."
                )
            return candidate
    cached = cache_dir() / "data" / name
    if cached.is_file():
        if sha256_of(cached) == remote.sha256:
            return cached
        cached.unlink(missing_ok=True)  # tampered or truncated: fetch a fresh copy below (another process may too)
    if os.environ.get(OFFLINE_ENV, "").strip() not in ("", "0"):
        searched = ", ".join(str(p) for p in _local_dirs()) or f"none ({DATA_DIR_ENV} is not set)"
        raise DataUnavailableError(
            f"{name} is not available offline ({OFFLINE_ENV} is set; searched {searched} and the cache "
            f"{cached.parent}): {_how_to_fix(name, remote)}."
        )
    _download(name, remote, cached, timeout)
    return cached


def load_released_features(name: str):
    """Load one of the eight embedding sets released with Liang et al. (2022).

    Parameters
    ----------
    name : str
        One of ``clip``, ``videoclip``, ``convirt``, ``clasp``, each optionally with
        the suffix ``_random`` (the same architecture at random initialisation).
        See :data:`RELEASED_FEATURES` for the model, data set and modality names.

    Returns
    -------
    (x, y) : two float32 arrays of shape (N, D); x is the non-text modality (image,
    video, X-ray or protein sequence), y the paired text; row i of each is a pair.
    Rows are not normalised (as released).
    """
    if not isinstance(name, str) or name not in RELEASED_FEATURES:
        raise ValueError(f"name must be one of {', '.join(RELEASED_FEATURES)}, got {name!r}")
    path = fetch(RELEASED_FEATURES[name].filename)
    arr = np.load(path, allow_pickle=False)
    if arr.ndim != 3 or arr.shape[0] != 2:
        raise DataUnavailableError(f"{path} has shape {arr.shape}, expected (2, N, D)")
    return np.ascontiguousarray(arr[0], dtype=np.float32), np.ascontiguousarray(arr[1], dtype=np.float32)


def main(argv=None) -> int:
    """``python -m gapnotes.data [NAME ...]``: fetch registered files now (default: the eight released
    embedding files), e.g. before going offline; prints the verified local path of each."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m gapnotes.data", description=main.__doc__.split(";")[0])
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"registered file names (default: the released embeddings); known: {', '.join(REGISTRY)}")
    args = parser.parse_args(argv)
    names = args.names or [info.filename for info in RELEASED_FEATURES.values()]
    unknown = [n for n in names if n not in REGISTRY]
    if unknown:
        parser.error(f"NAME {', '.join(unknown)} is not registered; known: {', '.join(REGISTRY)}")
    for name in names:
        print(f"{name}: {fetch(name)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
