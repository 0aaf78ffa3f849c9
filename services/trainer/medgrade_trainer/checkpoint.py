"""Checkpoints hold everything a resumed run needs to continue exactly where it stopped: weights,
optimizer moments, the step (which fixes the data order, see train.batch_indices) and RNG states."""
from __future__ import annotations

import os
from pathlib import Path

import torch

from .model import ModelConfig, ReportModel
from .tokenizer import Tokenizer


def save(path: Path, model: ReportModel, optimizer, step: int, meta: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {
        "model": model.state_dict(),
        "config": model.cfg.to_dict(),
        "optimizer": optimizer.state_dict() if optimizer is not None else None,
        "step": step,
        "rng": torch.get_rng_state(),
        **meta,
    }
    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)  # atomic: a run killed mid-save leaves the previous checkpoint intact


def latest(directory: Path) -> Path | None:
    found = sorted(Path(directory).glob("step-*.pt"))
    return found[-1] if found else None


def prune(directory: Path, keep: int = 2) -> None:
    for old in sorted(Path(directory).glob("step-*.pt"))[:-keep]:
        old.unlink()


def load(path: Path) -> dict:
    return torch.load(path, map_location="cpu")


def restore_model(state: dict) -> tuple[ReportModel, Tokenizer, list[str]]:
    cfg = ModelConfig(**state["config"])
    model = ReportModel(cfg)
    model.load_state_dict(state["model"])
    return model, Tokenizer(state["vocab"]), list(state["label_names"])
