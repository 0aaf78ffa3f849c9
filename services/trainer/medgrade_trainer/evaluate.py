"""`evaluate` mode: generate reports for a held-out manifest and score them (evaluation.json)."""
from __future__ import annotations

import time

import numpy as np
import torch

from .dataset import Dataset
from .findings import report_labels
from .generate import generate_texts
from .metrics import evaluate_predictions
from .model import ReportModel
from .tokenizer import Tokenizer


def _head_columns(label_logits: torch.Tensor, model_names: list[str], names: list[str]) -> torch.Tensor:
    """The label head's predictions for `names`; a finding the model has no row for is never predicted."""
    probs = torch.sigmoid(label_logits)
    cols = [probs[:, model_names.index(n)] if n in model_names else torch.zeros(len(probs)) for n in names]
    return (torch.stack(cols, dim=1) > 0.5).float()


def evaluate_model(model: ReportModel, tok: Tokenizer, names: list[str], data: Dataset,
                   max_new_tokens: int, resamples: int = 1000, seed: int = 0,
                   model_names: list[str] | None = None) -> dict:
    """Scores `names` (by default the model's own findings, `model_names`) on `data`; one bootstrap
    `seed` gives two models evaluated on the same data the same resamples."""
    started = time.time()
    texts, label_logits = generate_texts(model, tok, data.pixels, max_new_tokens)
    refs = [tok.normalize(r) for r in data.reports]
    exact = np.array([t == r for t, r in zip(texts, refs)], dtype=np.float64)
    parsed = [report_labels(t, names) for t in texts]
    pred = np.array([[p[n] or 0 for n in names] for p in parsed], dtype=np.float64)
    true = data.labels[:, [data.label_names.index(n) for n in names]].numpy()
    report = evaluate_predictions(exact, pred, true, names, data.groups, resamples, seed)
    head = _head_columns(label_logits, model_names or names, names).numpy()
    head_summary = evaluate_predictions(exact, head, true, names, data.groups, resamples=200, seed=seed)["overall"]
    report["labelHead"] = {"macroF1": head_summary["macroF1"], "findings": head_summary["findings"]}
    report["dataset"] = {"n": len(data), "sha256": data.sha256}
    report["errors"] = [{"reference": r, "generated": t} for t, r in zip(texts, refs) if t != r][:10]
    report["durationS"] = round(time.time() - started, 2)
    return report
