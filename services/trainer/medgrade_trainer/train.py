"""Training loop shared by `pretrain` and `finetune`.

Determinism: the batch at step s depends only on (seed, s) (a per-epoch permutation seeded by the
epoch number) and augmentation draws from a generator seeded by (seed, s). A checkpoint therefore
needs only weights, optimizer state and the step; `--resume` then replays the identical sequence.
"""
from __future__ import annotations

import math
import signal
import threading
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from . import checkpoint
from .dataset import Dataset
from .events import emit
from .model import ReportModel
from .tokenizer import BOS, EOS, PAD, Tokenizer


# Set by SIGTERM (preemption, Slurm --signal, Kubernetes eviction): the loop finishes its step,
# writes a checkpoint and returns, so the attempt exits with TRAINER_EXIT.preempted (75).
STOP = threading.Event()


def stop_on_sigterm() -> None:
    signal.signal(signal.SIGTERM, lambda *_: STOP.set())


def encode_reports(tok: Tokenizer, reports: list[str], max_length: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Teacher forcing pairs: inputs = <bos> w1..wn, targets = w1..wn <eos>, right-padded."""
    inputs = torch.full((len(reports), max_length), PAD, dtype=torch.long)
    targets = torch.full((len(reports), max_length), PAD, dtype=torch.long)
    for i, text in enumerate(reports):
        ids = tok.encode(text)[: max_length - 1]
        inputs[i, : len(ids) + 1] = torch.tensor([BOS] + ids)
        targets[i, : len(ids) + 1] = torch.tensor(ids + [EOS])
    return inputs, targets


def batch_indices(n: int, batch: int, step: int, seed: int) -> torch.Tensor:
    per_epoch = max(1, n // batch)
    epoch, offset = divmod(step, per_epoch)
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed * 100_003 + epoch))
    return perm[offset * batch:(offset + 1) * batch]


def augment(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Contrast/brightness jitter and noise: sites differ in exactly these ways."""
    b = x.shape[0]
    scale = 1 + 0.15 * (torch.rand(b, 1, 1, 1, generator=gen) - 0.5)
    shift = 0.2 * (torch.rand(b, 1, 1, 1, generator=gen) - 0.5)
    return x * scale + shift + 0.05 * torch.randn(x.shape, generator=gen)


def lr_at(step: int, total: int, base: float, warmup: int) -> float:
    if step < warmup:
        return base * (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return base * 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))


def compute_loss(model: ReportModel, pixels, inputs, targets, labels, label_weight: float) -> torch.Tensor:
    logits, label_logits, memory = model(pixels, inputs)
    loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=PAD)
    loss = loss + label_weight * F.binary_cross_entropy_with_logits(label_logits, labels)
    if model.cfg.contrastive:
        img = model.image_pooled(memory)
        txt = model.text_encoder(targets.masked_fill(targets == EOS, PAD))
        sim = model.logit_scale.exp() * img @ txt.t()
        # Identical reports are true positives for each other, not negatives.
        same = (targets[:, None, :] == targets[None, :, :]).all(-1).float()
        target = same / same.sum(1, keepdim=True)
        loss = loss + 0.5 * (torch.sum(-target * F.log_softmax(sim, 1), 1).mean()
                             + torch.sum(-target * F.log_softmax(sim.t(), 1), 1).mean())
    return loss


class Trainer:
    def __init__(self, model: ReportModel, tok: Tokenizer, names: list[str], data: Dataset, args, meta: dict):
        self.model, self.tok, self.names, self.data, self.args, self.meta = model, tok, names, data, args, meta
        self.device = next(model.parameters()).device
        self.inputs, self.targets = encode_reports(tok, data.reports, model.cfg.max_length)
        params = [p for p in model.parameters() if p.requires_grad]
        self.optimizer = torch.optim.AdamW(params, lr=args.lr, weight_decay=args.weight_decay)
        self.ckpt_dir = Path(args.out) / "checkpoints"
        self.step = 0
        self.val: Dataset | None = None
        self.clock, self.seconds_before = time.time(), 0.0
        # Called after each checkpoint is written (the attempt runner uploads it before going on).
        self.on_checkpoint = lambda path, step: None

    def train_seconds(self) -> float:
        """Training time across interruptions (a resumed run adds to the time saved before)."""
        return round(self.seconds_before + time.time() - self.clock, 1)

    def resume(self) -> None:
        path = checkpoint.latest(self.ckpt_dir)
        if path is None:
            return
        state = checkpoint.load(path)
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        torch.set_rng_state(state["rng"])
        self.step = state["step"]
        self.seconds_before = state.get("train_seconds", 0.0)
        emit("resume", step=self.step, checkpoint=str(path))

    def save(self, path: Path, with_optimizer: bool = True) -> None:
        meta = {**self.meta, "train_seconds": self.train_seconds(), "vocab": self.tok.vocab, "label_names": self.names, "dataset_sha256": self.data.sha256}
        checkpoint.save(path, self.model, self.optimizer if with_optimizer else None, self.step, meta)

    def train_step(self) -> float:
        a = self.args
        idx = batch_indices(len(self.data), a.batch_size, self.step, a.seed)
        gen = torch.Generator().manual_seed(a.seed * 7_919 + self.step)
        pixels = augment(self.data.pixels[idx], gen).to(self.device)
        lr = lr_at(self.step, a.steps, a.lr, a.warmup)
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        # Trim the padding every report in this batch shares: a third of the decoder's compute.
        length = int((self.targets[idx] != PAD).sum(1).max())
        self.model.train()
        batch = (self.inputs[idx, :length], self.targets[idx, :length], self.data.labels[idx])
        loss = compute_loss(self.model, pixels, *(x.to(self.device) for x in batch), a.label_weight)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
        self.optimizer.step()
        self.step += 1
        return float(loss)

    def quick_eval(self) -> None:
        """Exact match on the first 128 held-out studies: a cheap progress signal, not the report."""
        from .generate import generate_texts

        val = self.val
        texts, _ = generate_texts(self.model, self.tok, val.pixels[:128], self.model.cfg.max_length)
        refs = [self.tok.normalize(r) for r in val.reports[:128]]
        exact = sum(t == r for t, r in zip(texts, refs)) / len(refs)
        emit("eval", step=self.step, n=len(refs), exactMatch={"value": round(exact, 4)}, partial=True)

    def run(self) -> bool:
        """Trains to args.steps (or args.stop_after, or SIGTERM); returns True when training is complete."""
        a = self.args
        started, first = time.time(), self.step
        stop = min(a.steps, a.stop_after) if a.stop_after else a.steps
        while self.step < stop and not STOP.is_set():
            loss = self.train_step()
            if self.step % a.log_every == 0 or self.step == stop:
                rate = (time.time() - started) / (self.step - first)
                emit("step", step=self.step, loss=round(loss, 5), lr=round(self.optimizer.param_groups[0]["lr"], 7),
                     eta_s=round(rate * (a.steps - self.step), 1))
            if self.step % a.checkpoint_every == 0 or self.step == stop or STOP.is_set():
                path = self.ckpt_dir / f"step-{self.step:07d}.pt"
                self.save(path)
                checkpoint.prune(self.ckpt_dir)
                self.on_checkpoint(path, self.step)
                emit("checkpoint", step=self.step, path=str(path))
            if self.val is not None and a.eval_every and self.step % a.eval_every == 0:
                self.quick_eval()
        return self.step >= a.steps
