"""Evaluation metrics: exact match, per-finding precision/recall/F1, subgroups, bootstrap 95% CIs."""
from __future__ import annotations

import numpy as np

from .dataset import SUBGROUPS


def _prf(tp, fp, fn):
    precision = np.where(tp + fp > 0, tp / np.maximum(tp + fp, 1), 0.0)
    recall = np.where(tp + fn > 0, tp / np.maximum(tp + fn, 1), 0.0)
    f1 = np.where(precision + recall > 0, 2 * precision * recall / np.maximum(precision + recall, 1e-12), 0.0)
    return precision, recall, f1


def _ci(samples: np.ndarray) -> list[float]:
    return [round(float(np.percentile(samples, 2.5)), 4), round(float(np.percentile(samples, 97.5)), 4)]


def summarize(exact: np.ndarray, pred: np.ndarray, true: np.ndarray, names: list[str], boot: np.ndarray) -> dict:
    """exact [n]; pred/true [n, L] in {0,1}; boot [R, n] resample indices (rows of this subset)."""
    tp, fp, fn = (pred * true).sum(0), (pred * (1 - true)).sum(0), ((1 - pred) * true).sum(0)
    p, r, f1 = _prf(tp, fp, fn)
    bp, bt = pred[boot], true[boot]  # [R, n, L]
    _, _, bf1 = _prf((bp * bt).sum(1), (bp * (1 - bt)).sum(1), ((1 - bp) * bt).sum(1))
    findings = {
        name: {"precision": round(float(p[j]), 4), "recall": round(float(r[j]), 4), "f1": round(float(f1[j]), 4),
               "support": int(true[:, j].sum()), "f1Ci95": _ci(bf1[:, j])}
        for j, name in enumerate(names)
    }
    return {
        "n": int(len(exact)),
        "exactMatch": {"value": round(float(exact.mean()), 4), "ci95": _ci(exact[boot].mean(1))},
        "macroF1": {"value": round(float(f1.mean()), 4), "ci95": _ci(bf1.mean(1))},
        "findings": findings,
    }


def evaluate_predictions(exact, pred, true, names, groups, resamples=1000, seed=0) -> dict:
    rng = np.random.default_rng(seed)
    exact, pred, true = (np.asarray(x, dtype=np.float64) for x in (exact, pred, true))
    n = len(exact)
    report = {"overall": summarize(exact, pred, true, names, rng.integers(0, n, (resamples, n))), "subgroups": {}}
    for key in SUBGROUPS:
        report["subgroups"][key] = {}
        for value in sorted({g[key] for g in groups}):
            rows = np.array([i for i, g in enumerate(groups) if g[key] == value])
            boot = rng.integers(0, len(rows), (resamples, len(rows)))
            report["subgroups"][key][value] = summarize(exact[rows], pred[rows], true[rows], names, boot)
    report["bootstrap"] = {"resamples": resamples, "seed": seed, "interval": "percentile 95%"}
    return report
