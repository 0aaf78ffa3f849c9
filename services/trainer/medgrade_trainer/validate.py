"""`validate`: the checks a fine-tune's input must pass before any GPU time is spent. Every failure
is a typed error (`code`) a client can act on, reported as one `error` event and exit code 65
(TRAINER_EXIT.badInput), which no retry can fix.

Checks: every split the run needs has rows; every row has `file`, `report` and 0/1 labels; all
rows of all splits carry the same label set, sharing at least one label with the base model (new
labels get fresh head rows); the new words of the training reports fit the base tokenizer's unused slots.
"""
from __future__ import annotations

from .tokenizer import UNUSED, Tokenizer, words


class InputError(Exception):
    """Bad input: the attempt exits 65 and the job fails with `code`."""

    def __init__(self, code: str, message: str, **details):
        super().__init__(message)
        self.code, self.details = code, details


def _rows_ok(split: str, rows: list[dict]) -> None:
    for i, row in enumerate(rows):
        if not isinstance(row.get("file"), str) or not isinstance(row.get("report"), str):
            raise InputError("MANIFEST_INVALID", f"{split} line {i + 1}: every row needs 'file' and 'report'", split=split, line=i + 1)
        bad = [k for k, v in (row.get("labels") or {}).items() if v not in (0, 1)]
        if bad:
            raise InputError("MANIFEST_INVALID", f"{split} line {i + 1}: labels must be 0 or 1 ({', '.join(bad)})", split=split, line=i + 1)


def _label_set(splits: dict[str, list[dict]]) -> list[str]:
    first = None
    for split, rows in splits.items():
        for i, row in enumerate(rows):
            names = sorted((row.get("labels") or {}).keys())
            if first is None:
                first = names
            elif names != first:
                raise InputError("LABEL_SET_MISMATCH", f"{split} line {i + 1} has labels {names}, other rows {first}: every row needs the same label set",
                                 split=split, line=i + 1)
    return first or []


def check_input(state: dict, splits: dict[str, list[dict]], required: tuple[str, ...] = ("train", "test")) -> dict:
    """Raises InputError; returns a summary (counts, labels, new words, free vocabulary slots)."""
    for split in required:
        if not splits.get(split):
            raise InputError("EMPTY_SPLIT", f"the snapshot's {split} split has no studies: add labelled studies or change the split fractions", split=split)
    for split, rows in splits.items():
        _rows_ok(split, rows)
    labels = _label_set(splits)
    base_labels = list(state["label_names"])
    if labels and not set(labels) & set(base_labels):
        raise InputError("LABELS_DISJOINT", f"none of the labels {labels} is known to the base model ({', '.join(base_labels)})",
                         labels=labels, baseLabels=base_labels)
    tok = Tokenizer(state["vocab"]).padded(state["config"]["vocab_size"])
    new = sorted({w for r in splits["train"] for w in words(r["report"])} - set(tok.vocab))
    free = sum(1 for w in tok.vocab if w.startswith(UNUSED))
    if len(new) > free:
        raise InputError("VOCABULARY_FULL", f"the reports use {len(new)} words the base model does not know, but its vocabulary has {free} unused slots",
                         newWords=len(new), freeSlots=free)
    return {"counts": {k: len(v) for k, v in splits.items()}, "labels": labels,
            "newLabels": [n for n in labels if n not in base_labels], "newWords": len(new), "freeSlots": free}
