"""The four modes. Each returns the fields of its final `done` event."""
from __future__ import annotations

import json
from pathlib import Path

import torch
from torch import nn

from . import checkpoint
from .dataset import load_dataset
from .evaluate import evaluate_model
from .events import emit
from .export import export_bundle
from .model import ModelConfig, ReportModel
from .preprocess import DEFAULT_PREPROCESSING
from .tokenizer import Tokenizer, words
from .train import Trainer

# The attempt runner's upload of each checkpoint (attempt.py); a plain CLI run keeps them local.
CHECKPOINT_HOOK = None

HYPERPARAMETERS = ("steps", "batch_size", "lr", "weight_decay", "warmup", "label_weight", "seed")


def _hyper(args) -> dict:
    return {k: getattr(args, k) for k in HYPERPARAMETERS} | {k: getattr(args, k) for k in ("method", "lora_rank", "lora_alpha") if hasattr(args, k)}


def _finish(trainer: Trainer, args) -> dict:
    """Saves model.pt and, with --val, writes evaluation.json next to it."""
    out = Path(args.out)
    if trainer.model.cfg.lora_rank > 0:
        trainer.model.merge_lora()
    trainer.save(out / "model.pt", with_optimizer=False)
    result = {"model": str(out / "model.pt"), "steps": trainer.step, "trainSeconds": trainer.train_seconds()}
    if args.val:
        data = load_dataset(Path(args.val), trainer.model.cfg.image_size, DEFAULT_PREPROCESSING, trainer.names)
        report = evaluate_model(trainer.model, trainer.tok, trainer.names, data, trainer.model.cfg.max_length, args.eval_bootstrap)
        (out / "evaluation.json").write_text(json.dumps(report, indent=2) + "\n")
        emit("eval", n=len(data), exactMatch=report["overall"]["exactMatch"], macroF1=report["overall"]["macroF1"])
        result["exactMatch"] = report["overall"]["exactMatch"]["value"]
    return result


def device_of(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def _train(trainer: Trainer, args) -> dict:
    if CHECKPOINT_HOOK is not None:
        trainer.on_checkpoint = CHECKPOINT_HOOK
    if args.val and args.eval_every:
        trainer.val = load_dataset(Path(args.val), trainer.model.cfg.image_size, DEFAULT_PREPROCESSING, trainer.names)
    if args.resume:
        trainer.resume()
    if not trainer.run():
        return {"stopped": True, "steps": trainer.step}
    return _finish(trainer, args)


def run_pretrain(args) -> dict:
    data = load_dataset(Path(args.train), args.image_size, DEFAULT_PREPROCESSING)
    tok = Tokenizer.build(data.reports, args.vocab_size)
    cfg = ModelConfig(image_size=args.image_size, width=args.width, heads=args.heads, encoder_layers=args.encoder_layers,
                      decoder_layers=args.decoder_layers, vocab_size=args.vocab_size, max_length=args.max_length,
                      num_labels=len(data.label_names), contrastive=args.contrastive, embed_dim=args.width)
    torch.manual_seed(args.seed)
    model = ReportModel(cfg).to(device_of(args.device))
    meta = {"mode": "pretrain", "base_model": None, "hyperparameters": _hyper(args), "seed": args.seed}
    emit("start", mode="pretrain", studies=len(data), parameters=sum(p.numel() for p in model.parameters()))
    return _train(Trainer(model, tok, data.label_names, data, args, meta), args)


def _extend_vocab(tok: Tokenizer, reports: list[str], vocab_size: int) -> Tokenizer:
    tok = tok.padded(vocab_size)
    return tok.with_words(sorted({w for r in reports for w in words(r)} - set(tok.vocab)))


def _resize_label_head(model: ReportModel, old: list[str], new: list[str]) -> None:
    """Keeps the rows of labels the base model knows; new labels start from fresh rows."""
    head = nn.Linear(model.cfg.width, len(new))
    with torch.no_grad():
        for i, name in enumerate(new):
            if name in old:
                head.weight[i] = model.encoder.label_head.weight[old.index(name)]
                head.bias[i] = model.encoder.label_head.bias[old.index(name)]
    model.encoder.label_head = head
    model.cfg.num_labels = len(new)


def run_finetune(args) -> dict:
    base = Path(args.base)
    state = checkpoint.load(base / "pytorch_model.pt" if base.is_dir() else base)
    torch.manual_seed(args.seed)
    model, tok, old_names = checkpoint.restore_model(state)
    data = load_dataset(Path(args.train), model.cfg.image_size, DEFAULT_PREPROCESSING)
    tok = _extend_vocab(tok, data.reports, model.cfg.vocab_size)
    _resize_label_head(model, old_names, data.label_names)
    if args.method == "lora":
        for p in model.parameters():
            p.requires_grad_(False)
        model.add_lora(args.lora_rank, args.lora_alpha)
        for p in model.encoder.label_head.parameters():
            p.requires_grad_(True)
    model.to(device_of(args.device))
    meta = {"mode": f"finetune-{args.method}", "base_model": str(args.base), "hyperparameters": _hyper(args), "seed": args.seed}
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    emit("start", mode="finetune", method=args.method, studies=len(data), trainableParameters=trainable)
    return _train(Trainer(model, tok, data.label_names, data, args, meta), args)


def load_any(path: Path) -> dict:
    return checkpoint.load(path / "pytorch_model.pt" if path.is_dir() else path)


def run_evaluate(args) -> dict:
    model, tok, model_names = checkpoint.restore_model(load_any(Path(args.model)))
    model.to(device_of(args.device))
    data = load_dataset(Path(args.data), model.cfg.image_size, DEFAULT_PREPROCESSING,
                        None if args.labels == "data" else model_names)
    report = evaluate_model(model, tok, data.label_names, data, model.cfg.max_length, args.bootstrap, args.seed, model_names)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n")
    emit("eval", n=len(data), exactMatch=report["overall"]["exactMatch"], macroF1=report["overall"]["macroF1"])
    return {"evaluation": args.out, "exactMatch": report["overall"]["exactMatch"]["value"]}


def run_export(args) -> dict:
    return export_bundle(load_any(Path(args.model)), args)
