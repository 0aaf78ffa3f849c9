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


def evaluate_model(model: ReportModel, tok: Tokenizer, names: list[str], data: Dataset,
                   max_new_tokens: int, resamples: int = 1000) -> dict:
    started = time.time()
    texts, label_logits = generate_texts(model, tok, data.pixels, max_new_tokens)
    refs = [tok.normalize(r) for r in data.reports]
    exact = np.array([t == r for t, r in zip(texts, refs)], dtype=np.float64)
    parsed = [report_labels(t, names) for t in texts]
    pred = np.array([[p[n] or 0 for n in names] for p in parsed], dtype=np.float64)
    true = data.labels[:, [data.label_names.index(n) for n in names]].numpy()
    report = evaluate_predictions(exact, pred, true, names, data.groups, resamples)
    head = (torch.sigmoid(label_logits) > 0.5).float().numpy()
    head_summary = evaluate_predictions(exact, head, true, names, data.groups, resamples=200)["overall"]
    report["labelHead"] = {"macroF1": head_summary["macroF1"], "findings": head_summary["findings"]}
    report["dataset"] = {"n": len(data), "sha256": data.sha256}
    report["errors"] = [{"reference": r, "generated": t} for t, r in zip(texts, refs) if t != r][:10]
    report["durationS"] = round(time.time() - started, 2)
    return report
