"""Finished runs on disk: ``cache_dir()/models/<key>-<device type>/``, written atomically.

An entry holds the weights (an open_clip checkpoint; three-tower models as a state dict plus
their config), the history as CSV and ``meta.json`` (config, seconds, trainer version,
ensemble size). It is written to a temporary folder and renamed into place only when
complete, so an interrupted run leaves no half-written entry.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from .._files import atomic_folder
from ..data import cache_dir
from .config import TRAINER_VERSION, TrainConfig, TrainResult, cache_key

__all__ = ["cache_folder", "is_cached", "load", "store"]


def cache_folder(config: TrainConfig, device_type: str) -> Path:
    """Where a finished run of ``config`` on a device of this type is stored."""
    return cache_dir() / "models" / f"{cache_key(config)}-{device_type}"


def is_cached(config: TrainConfig, device_type: str) -> bool:
    """Whether a finished run of ``config`` on this device type is in the cache."""
    return (cache_folder(config, device_type) / "meta.json").is_file()


def load(folder: Path, config: TrainConfig, device) -> TrainResult:
    """The stored run in ``folder`` as a :class:`TrainResult` (model on ``device``, eval mode)."""
    import pandas as pd
    import torch

    from ..models import create_trimodal_clip, load_open_clip_checkpoint

    if config.modalities == 3:
        model_cfg = json.loads((folder / "model.json").read_text())
        model = create_trimodal_clip(model_cfg, device=device)
        state = torch.load(folder / "model.pt", map_location=device, weights_only=True)
        model.load_state_dict(state["state_dict"])
        model.eval()
    else:
        model, _, model_cfg = load_open_clip_checkpoint(folder / "model", device=device)
    history = pd.read_csv(folder / "history.csv")
    meta = json.loads((folder / "meta.json").read_text())
    return TrainResult(model, history, config, model_cfg, True, float(meta["seconds"]), folder)


def store(folder: Path, model, history, model_cfg: dict, config: TrainConfig, seconds: float,
          ensemble: int = 1) -> None:
    """Write a finished run to ``folder`` atomically (a concurrent writer of the same entry is fine)."""
    import torch

    from ..models import save_open_clip_checkpoint

    with atomic_folder(folder, complete="meta.json") as tmp:
        if hasattr(model, "encode_sketch"):  # three towers: not an open_clip model, save weights + config
            torch.save({"state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()}}, tmp / "model.pt")
            (tmp / "model.json").write_text(json.dumps(model_cfg, indent=2))
        else:
            save_open_clip_checkpoint(model, tmp / "model", model_cfg)
        history.to_csv(tmp / "history.csv", index=False)
        meta = {"config": dataclasses.asdict(config), "seconds": seconds, "trainer": TRAINER_VERSION,
                "ensemble": ensemble}
        (tmp / "meta.json").write_text(json.dumps(meta, indent=2, default=str))
