"""Command line: `python -m medgrade_trainer {pretrain,finetune,evaluate,export} ...`.
Every mode reports progress as JSON lines on stdout and ends with `done` or `error`."""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback
from pathlib import Path

from .events import emit, log


def _common_training(p: argparse.ArgumentParser) -> None:
    p.add_argument("--train", required=True, help="training manifest (JSON lines)")
    p.add_argument("--val", help="held-out manifest evaluated at the end (evaluation.json)")
    p.add_argument("--out", required=True, help="run folder: checkpoints/, model.pt, evaluation.json")
    p.add_argument("--steps", type=int, default=3000)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--weight-decay", type=float, default=0.01)
    p.add_argument("--warmup", type=int, default=100)
    p.add_argument("--label-weight", type=float, default=0.5, help="weight of the multi-label head loss")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=1, help="torch threads; 1 avoids OpenMP stalls on shared CPUs")
    p.add_argument("--log-every", type=int, default=25)
    p.add_argument("--checkpoint-every", type=int, default=250)
    p.add_argument("--resume", action="store_true", help="continue from the newest checkpoint in --out")
    p.add_argument("--stop-after", type=int, default=0, help="stop at this step (simulates preemption)")
    p.add_argument("--eval-bootstrap", type=int, default=1000)
    p.add_argument("--device", default="auto", help="cpu, cuda, cuda:N or auto (cuda when available)")
    p.add_argument("--eval-every", type=int, default=0, help="quick exact-match on --val every N steps (0: off)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="medgrade_trainer")
    sub = parser.add_subparsers(dest="mode", required=True)
    pre = sub.add_parser("pretrain", help="train a model from scratch")
    _common_training(pre)
    pre.add_argument("--image-size", type=int, default=64)
    pre.add_argument("--width", type=int, default=64)
    pre.add_argument("--heads", type=int, default=4)
    pre.add_argument("--encoder-layers", type=int, default=2)
    pre.add_argument("--decoder-layers", type=int, default=2)
    pre.add_argument("--vocab-size", type=int, default=64, help="reserve room for words a fine-tune adds")
    pre.add_argument("--max-length", type=int, default=48)
    pre.add_argument("--contrastive", action="store_true", help="add the CLIP-style text tower and loss")
    fine = sub.add_parser("finetune", help="adapt a pretrained model to a new task")
    _common_training(fine)
    fine.add_argument("--base", required=True, help="bundle folder (pytorch_model.pt) or checkpoint .pt")
    fine.add_argument("--method", choices=["full", "lora"], default="full")
    fine.add_argument("--lora-rank", type=int, default=8)
    fine.add_argument("--lora-alpha", type=float, default=16.0)
    ev = sub.add_parser("evaluate", help="score a model on a held-out manifest")
    ev.add_argument("--model", required=True, help="model.pt, checkpoint or bundle folder")
    ev.add_argument("--data", required=True)
    ev.add_argument("--out", required=True, help="evaluation.json path")
    ev.add_argument("--bootstrap", type=int, default=1000)
    ev.add_argument("--seed", type=int, default=0, help="bootstrap seed: two models scored with one seed share their resamples")
    ev.add_argument("--labels", choices=["model", "data"], default="model",
                    help="findings to score: the model's own, or the manifest's (compare a base model on a fine-tune's task)")
    ev.add_argument("--threads", type=int, default=1)
    ev.add_argument("--device", default="auto")
    ex = sub.add_parser("export", help="write an ONNX model bundle and check parity with ONNX Runtime")
    ex.add_argument("--model", required=True)
    ex.add_argument("--out", required=True, help="bundle folder")
    ex.add_argument("--name", required=True)
    ex.add_argument("--version", required=True)
    ex.add_argument("--evaluation", help="evaluation.json to include")
    ex.add_argument("--parity-data", help="manifest whose first studies form the parity batch")
    ex.add_argument("--description", default="")
    ex.add_argument("--lineage", help="JSON file merged into the manifest as `lineage` (job, snapshot, base model)")
    ex.add_argument("--threads", type=int, default=1)
    for name, text in (("validate", "check a fine-tune's snapshot and base model (CPU, before any GPU time); exit 65 with a typed error"),
                       ("attempt", "run one attempt of an orchestrated fine-tune against the object store (exit 0, 75 preempted, 65 bad input)")):
        orchestrated = sub.add_parser(name, help=text)
        orchestrated.add_argument("--spec", required=True, help="the orchestrator's JSON spec, or @path to a file holding it")
    return parser


def _orchestrated(args) -> int:
    """validate/attempt: the exit code is the result; MEDGRADE_EXIT_FILE (local executor) records it
    for an orchestrator that re-attaches to this process after a restart and cannot wait() for it."""
    from . import attempt

    spec = json.loads(Path(args.spec[1:]).read_text() if args.spec.startswith("@") else args.spec)
    code = attempt.EXIT_FAILED
    try:
        code = getattr(attempt, f"run_{args.mode}")(spec)
    finally:
        exit_file = os.environ.get("MEDGRADE_EXIT_FILE")
        if exit_file:
            Path(exit_file).write_text(json.dumps({"code": code, "time": time.time()}))
    return code


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    import torch  # imported late so that --help is instant

    if args.mode in ("validate", "attempt"):
        torch.set_num_threads(1)
        return _orchestrated(args)

    torch.set_num_threads(args.threads)
    from . import modes

    if args.mode in ("pretrain", "finetune"):
        from .train import STOP, stop_on_sigterm

        stop_on_sigterm()
    try:
        result = getattr(modes, f"run_{args.mode}")(args)
    except Exception as exc:  # one error event for the orchestrator, the traceback for humans
        emit("error", mode=args.mode, type=type(exc).__name__, message=str(exc))
        log(traceback.format_exc())
        return 1
    if result.get("stopped") and args.mode in ("pretrain", "finetune") and STOP.is_set():
        emit("preempted", step=result["steps"])
        return 75  # TRAINER_EXIT.preempted: the step finished and its checkpoint is written
    emit("done", mode=args.mode, **result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
