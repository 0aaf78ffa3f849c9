"""Parity: ONNX Runtime (onnxruntime-node, run by scripts/ort-parity.mjs) against PyTorch on one
batch: encoder outputs, first-step logits and the full greedy text through the KV-cache graph."""
from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import torch

from .dataset import load_dataset
from .events import emit
from .generate import greedy
from .preprocess import DEFAULT_PREPROCESSING
from .tokenizer import BOS

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "ort-parity.mjs"
TOLERANCE = 1e-3


def _sample(model, parity_data: str | None, count: int = 8) -> torch.Tensor:
    size = model.cfg.image_size
    if parity_data:
        return load_dataset(Path(parity_data), size, DEFAULT_PREPROCESSING).pixels[:count].contiguous()
    return torch.randn(count, 1, size, size, generator=torch.Generator().manual_seed(0))


def _run_ort(bundle: Path, pixels: torch.Tensor, max_new: int) -> dict:
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("parity check needs Node.js with onnxruntime-node (pnpm install in the repository)")
    with tempfile.NamedTemporaryFile(suffix=".f32") as f:
        f.write(pixels.numpy().astype("<f4").tobytes())
        f.flush()
        b, _, h, w = pixels.shape
        run = subprocess.run([node, str(SCRIPT), str(bundle), f.name, str(b), str(h), str(w), str(max_new)],
                             capture_output=True, text=True, timeout=300)
    if run.returncode != 0:
        raise RuntimeError(f"onnxruntime-node failed: {run.stderr.strip()[-2000:]}")
    return json.loads(run.stdout)


def check_parity(model, bundle: Path, parity_data: str | None) -> dict:
    model.eval()
    pixels = _sample(model, parity_data)
    max_new = model.cfg.max_length - 1
    ort = _run_ort(bundle, pixels, max_new)
    with torch.no_grad():
        memory, label_logits = model.encoder(pixels)
        first_logits, _ = model.decoder(torch.full((pixels.shape[0], 1), BOS, dtype=torch.long), memory)
    generated, _ = greedy(model, pixels, max_new)

    def diff(a: torch.Tensor, b: list) -> float:
        return float((a.flatten() - torch.tensor(b)).abs().max())

    result = {
        "images": int(pixels.shape[0]),
        "maxAbsDiff": {"image_embeds": diff(memory, ort["image_embeds"]), "label_logits": diff(label_logits, ort["label_logits"]),
                       "logits": diff(first_logits, ort["first_logits"])},
        "textIdentical": generated == ort["generated"],
        "ortMsPerImage": round(ort["ms_per_image"], 2),
    }
    result["passed"] = result["textIdentical"] and max(result["maxAbsDiff"].values()) < TOLERANCE
    emit("parity", **result)
    if not result["passed"]:
        raise RuntimeError(f"ONNX Runtime and PyTorch disagree: {result}")
    return result
