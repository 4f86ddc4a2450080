"""Real image data sets for the appendix: CIFAR-10/100, image folders, COCO-style caption pairs.

Nothing here downloads on its own: CIFAR archives come through :func:`gapnotes.data.fetch`
(sha256-checked, cached, ``$GAPNOTES_DATA_DIR`` override) and only with ``download=True``.
"""

from __future__ import annotations

import json
import os
import tarfile
from pathlib import Path

import numpy as np

from .data import DATA_DIR_ENV, DataUnavailableError, cache_dir, fetch

__all__ = ["CIFAR", "load_cifar", "load_image_folder", "CaptionPairs", "load_caption_pairs", "write_image_folder"]

#: name -> (torchvision class name, archive, extracted folder)
CIFAR = {
    "cifar10": ("CIFAR10", "cifar-10-python.tar.gz", "cifar-10-batches-py"),
    "cifar100": ("CIFAR100", "cifar-100-python.tar.gz", "cifar-100-python"),
}


def _extract(archive: Path, dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive, "r:gz") as tar:
        try:  # the "data" filter refuses absolute paths, links out of dest and device files
            tar.extractall(dest, filter="data")
        except TypeError:  # Python without extraction filters: check the names ourselves
            root = dest.resolve()
            for member in tar.getmembers():
                target = (dest / member.name).resolve()
                if root not in target.parents and target != root or member.issym() or member.islnk():
                    raise ValueError(f"archive: {archive} has an unsafe member {member.name!r}") from None
            tar.extractall(dest)


def load_cifar(name: str = "cifar10", split: str = "test", transform=None, download: bool = False):
    """A torchvision CIFAR data set, found locally or (with ``download=True``) fetched and checked.

    Looks for the extracted folder in ``$GAPNOTES_DATA_DIR`` and in the cache; otherwise, with
    ``download=True``, fetches the archive through :func:`gapnotes.data.fetch` (sha256-checked) and
    extracts it into the cache. Returns ``torchvision.datasets.CIFAR10/100`` with ``classes``.
    """
    import torchvision

    if name not in CIFAR:
        raise ValueError(f"name must be one of {sorted(CIFAR)}, got {name!r}")
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    cls_name, archive, folder = CIFAR[name]
    roots = [Path(p) for p in os.environ.get(DATA_DIR_ENV, "").split(os.pathsep) if p.strip()]
    roots.append(cache_dir() / "datasets")
    root = next((r for r in roots if (r / folder).is_dir()), None)
    if root is None:
        local_archive = next((r / archive for r in roots if (r / archive).is_file()), None)
        if local_archive is None and not download:
            raise DataUnavailableError(
                f"{name} is not on this machine: call load_cifar({name!r}, download=True) to fetch {archive} "
                f"(sha256-checked, about 170 MB), or put {archive} or the extracted {folder}/ in a folder and "
                f"set {DATA_DIR_ENV}=/that/folder."
            )
        root = cache_dir() / "datasets"
        _extract(fetch(archive), root)
    dataset_cls = getattr(torchvision.datasets, cls_name)
    return dataset_cls(root=str(root), train=(split == "train"), transform=transform, download=False)


def load_image_folder(root, transform=None):
    """``torchvision.datasets.ImageFolder``: one sub-folder per class, images inside."""
    import torchvision

    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"root: {root} is not a folder")
    return torchvision.datasets.ImageFolder(str(root), transform=transform)


class CaptionPairs:
    """Image–caption pairs from a COCO-style captions file: ``dataset[i] -> (image, i)``, ``captions[i]``.

    The captions JSON has ``images`` (``id``, ``file_name``) and ``annotations`` (``image_id``,
    ``caption``); the first caption of each image is used.
    """

    def __init__(self, image_dir, captions_json, transform=None):
        image_dir, captions_json = Path(image_dir), Path(captions_json)
        if not image_dir.is_dir():
            raise FileNotFoundError(f"image_dir: {image_dir} is not a folder")
        if not captions_json.is_file():
            raise FileNotFoundError(f"captions_json: {captions_json} does not exist")
        meta = json.loads(captions_json.read_text())
        if not isinstance(meta, dict) or "images" not in meta or "annotations" not in meta:
            raise ValueError(f"captions_json: {captions_json} needs 'images' and 'annotations' lists (COCO format)")
        first = {}
        for ann in meta["annotations"]:
            first.setdefault(ann["image_id"], ann["caption"].strip())
        self.files, self.captions = [], []
        for img in meta["images"]:
            if img["id"] in first:
                self.files.append(image_dir / img["file_name"])
                self.captions.append(first[img["id"]])
        self.transform = transform

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, index):
        from PIL import Image

        with Image.open(self.files[index]) as im:
            image = im.convert("RGB")
        return (self.transform(image) if self.transform else image), index


def load_caption_pairs(image_dir, captions_json, transform=None) -> CaptionPairs:
    """Load COCO-style image–caption pairs (see :class:`CaptionPairs`)."""
    return CaptionPairs(image_dir, captions_json, transform)


def write_image_folder(pairs, root, by: str = "shape", image_size: int = 64) -> Path:
    """Write shapes images as an ImageFolder tree (``root/<class>/<index>.png``), e.g. for offline tests.

    Existing files are never overwritten: the folder must be new or empty.
    """
    from PIL import Image

    root = Path(root)
    if root.exists() and any(root.iterdir()):
        raise FileExistsError(f"root: {root} is not empty; choose a new folder")
    names = pairs.class_names(by)
    labels = pairs.labels(by)
    for i, (img, label) in enumerate(zip(pairs.images, labels)):
        folder = root / names[label].replace(" ", "_")
        folder.mkdir(parents=True, exist_ok=True)
        pixels = (np.clip(img.transpose(1, 2, 0), 0, 1) * 255).astype(np.uint8)
        Image.fromarray(pixels).resize((image_size, image_size), Image.NEAREST).save(folder / f"{i:05d}.png")
    return root
