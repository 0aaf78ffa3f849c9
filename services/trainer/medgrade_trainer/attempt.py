"""`attempt --spec <json>`: one attempt of one fine-tuning job on a node that reaches the object
store but not Postgres. The orchestrator builds the spec (every object key comes from its key
module; nothing here spells a prefix) and follows what this writes:

- event lines, in immutable numbered chunks under `keys.events` (S3 has no append), flushed every
  couple of seconds and at each checkpoint and at the end;
- its own log, chunked the same way under `keys.log`;
- checkpoints under `keys.checkpoints`, each uploaded before the `checkpoint` event says so;
- the final weights at `keys.model`.

It resumes from the newest *uploaded* checkpoint (local leftovers of a dead attempt are ignored), so
a new attempt on another node continues exactly where the last upload left off. Exit codes:
0 done, 75 SIGTERM (step finished, checkpoint uploaded; or, when the store refused a write, at once
without waiting for it: store.py StoreWaitStopped), 65 bad input, 1 anything else.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
import traceback
from pathlib import Path

from . import events
from .events import emit, log
from .store import ObjectNotFound, StoreWaitStopped, open_store
from .validate import InputError, check_input

EXIT_OK, EXIT_PREEMPTED, EXIT_BAD_INPUT, EXIT_FAILED = 0, 75, 65, 1
HYPER = {"steps": ("steps", 200), "batchSize": ("batch_size", 16), "lr": ("lr", 1e-3), "weightDecay": ("weight_decay", 0.01),
         "warmup": ("warmup", 10), "labelWeight": ("label_weight", 0.5), "loraRank": ("lora_rank", 8), "loraAlpha": ("lora_alpha", 16.0),
         "checkpointEvery": ("checkpoint_every", 50), "logEvery": ("log_every", 5)}


class Chunks:
    """Buffers lines and writes them as numbered objects `<prefix><n:08d>.<ext>`."""

    def __init__(self, store, prefix: str, ext: str, every_s: float = 2.0):
        self.store, self.prefix, self.ext, self.every_s = store, prefix, ext, every_s
        self.lines: list[str] = []
        self.n, self.last = 0, time.time()

    def add(self, line: str) -> None:
        self.lines.append(line)
        if time.time() - self.last >= self.every_s:
            try:
                self.flush()
            except StoreWaitStopped:
                pass  # SIGTERM: the lines wait for the last flush; the loop stops after this step

    def flush(self) -> None:
        """Numbers advance only once a chunk is stored: a failed put keeps its lines for the next
        flush, so the orchestrator (which follows chunks 1, 2, … and waits at a gap) loses none."""
        self.last = time.time()
        if not self.lines:
            return
        lines = list(self.lines)
        self.store.put(f"{self.prefix}{self.n + 1:08d}.{self.ext}", "".join(line + "\n" for line in lines).encode())
        self.n += 1
        del self.lines[:len(lines)]


def read_manifest(store, key: str) -> list[dict]:
    return [json.loads(line) for line in store.get(key).decode().splitlines() if line.strip()]


def load_splits(store, keys: dict) -> dict[str, list[dict]]:
    return {split: read_manifest(store, keys[split]) for split in ("train", "val", "test") if keys.get(split)}


def fetch_base(store, key: str, work: Path) -> Path:
    path = work / "base" / "pytorch_model.pt"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(store.get(key))
    return path


def local_manifest(store, rows: list[dict], work: Path) -> Path:
    """Downloads each row's DICOM object once and writes the manifest with local paths."""
    files = work / "files"
    files.mkdir(parents=True, exist_ok=True)
    local = []
    for i, row in enumerate(rows):
        path = files / f"{i:06d}.dcm"
        if not path.exists():
            path.write_bytes(store.get(row["file"]))
        local.append({**row, "file": str(path)})
    manifest = work / "train.jsonl"
    manifest.write_text("".join(json.dumps(r) + "\n" for r in local))
    return manifest


def restore_uploaded_checkpoint(store, prefix: str, ckpt_dir: Path) -> None:
    shutil.rmtree(ckpt_dir, ignore_errors=True)  # never resume from a checkpoint nobody uploaded
    uploaded = [k for k in store.list(prefix) if k.rsplit("/", 1)[-1].startswith("step-") and k.endswith(".pt")]
    if uploaded:
        ckpt_dir.mkdir(parents=True, exist_ok=True)
        newest = max(uploaded)
        (ckpt_dir / newest.rsplit("/", 1)[-1]).write_bytes(store.get(newest))


def training_args(spec: dict, base: Path, manifest: Path, out: Path) -> argparse.Namespace:
    hyper = spec.get("hyperparameters") or {}
    values = {arg: hyper.get(name, default) for name, (arg, default) in HYPER.items()}
    return argparse.Namespace(**values, base=str(base), train=str(manifest), val=None, out=str(out), method=spec["method"],
                              seed=spec["seed"], resume=True, stop_after=0, eval_bootstrap=0, eval_every=0,
                              device=spec.get("device", "auto"), threads=int(spec.get("threads", 1)))


def train(spec: dict, store, work: Path) -> int:
    from . import modes
    from .train import STOP

    from . import checkpoint

    keys = spec["keys"]
    base = fetch_base(store, keys["baseModel"], work)
    rows = read_manifest(store, keys["train"])
    check_input(checkpoint.load(base), {"train": rows}, required=("train",))
    manifest = local_manifest(store, rows, work)
    out = work / "run"
    restore_uploaded_checkpoint(store, keys["checkpoints"], out / "checkpoints")

    def upload(path: Path, step: int) -> None:
        store.put(f"{keys['checkpoints']}{path.name}", path.read_bytes())
        for old in sorted(k for k in store.list(keys["checkpoints"]) if k.endswith(".pt"))[:-2]:
            store.delete(old)  # the newest two, as the local loop keeps

    modes.CHECKPOINT_HOOK = upload
    result = modes.run_finetune(training_args(spec, base, manifest, out))
    if result.get("stopped"):
        emit("preempted", step=result["steps"])
        return EXIT_PREEMPTED if STOP.is_set() else EXIT_FAILED
    store.put(keys["model"], (out / "model.pt").read_bytes())
    emit("done", mode="attempt", steps=result["steps"], trainSeconds=result["trainSeconds"], model=keys["model"])
    return EXIT_OK


def run_attempt(spec: dict) -> int:
    from .train import STOP, stop_on_sigterm

    stop_on_sigterm()
    store = open_store(spec.get("store"), stop=STOP)
    keys = spec["keys"]
    ev, lg = Chunks(store, keys["events"], "jsonl"), Chunks(store, keys["log"], "log")

    def ship(line: str) -> None:
        ev.add(line)
        if json.loads(line).get("event") == "checkpoint":
            ev.flush()  # the orchestrator learns of each uploaded checkpoint at once: it is the resume point

    events.EVENT_SINKS.append(ship)
    events.LOG_SINKS.append(lg.add)
    work = Path(spec.get("workDir") or tempfile.mkdtemp(prefix="medgrade-attempt-"))
    code = EXIT_FAILED
    try:
        emit("attempt", attempt=spec["attempt"], pid=os.getpid())
        code = train(spec, store, work)
    except StoreWaitStopped as exc:  # SIGTERM while the store refused a write: no grace to wait it out
        log(f"preempted while waiting for the object store: {exc}")
        code = EXIT_PREEMPTED
    except InputError as exc:
        emit("error", code=exc.code, message=str(exc), details=exc.details)
        code = EXIT_BAD_INPUT
    except Exception as exc:  # the node's fault or ours: the orchestrator retries a few times
        emit("error", code="TRAINER_FAILED", type=type(exc).__name__, message=str(exc))
        log(traceback.format_exc())
    finally:
        for chunks in (ev, lg):
            try:
                chunks.flush()
            except StoreWaitStopped:
                pass  # SIGTERM and the store refuses: these last lines are lost (never a chunk number)
    return code


def run_validate(spec: dict) -> int:
    """CPU-only checks before any GPU time (see validate.py); 65 with a typed error on bad input."""
    from . import checkpoint

    store = open_store(spec.get("store"))
    keys = spec["keys"]
    try:
        with tempfile.TemporaryDirectory() as tmp:
            state = checkpoint.load(fetch_base(store, keys["baseModel"], Path(tmp)))
        summary = check_input(state, load_splits(store, keys))
    except ObjectNotFound as exc:
        emit("error", code="OBJECT_MISSING", message=f"an input object is missing from the store: {exc}")
        return EXIT_BAD_INPUT
    except InputError as exc:
        emit("error", code=exc.code, message=str(exc), details=exc.details)
        return EXIT_BAD_INPUT
    emit("done", mode="validate", **summary)
    return EXIT_OK
