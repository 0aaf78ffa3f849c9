"""`export` mode: ONNX graphs + tokenizer + manifest.json (docs/model-bundle.md), then a parity
check that ONNX Runtime (through Node, as the inference service runs it) matches PyTorch."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import subprocess
from pathlib import Path

from . import __version__, checkpoint
from .parity import check_parity
from .preprocess import DEFAULT_PREPROCESSING


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def code_version() -> str:
    try:
        rev = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True,
                             cwd=Path(__file__).parent, timeout=10)
        if rev.returncode == 0:
            return f"medgrade-trainer {__version__} ({rev.stdout.strip()})"
    except OSError:
        pass
    return f"medgrade-trainer {__version__}"


def _lineage(args) -> dict:
    """`--lineage file.json` (the orchestrator's job, snapshot and base model) with the code version."""
    if not getattr(args, "lineage", None):
        return {}
    return {"lineage": json.loads(Path(args.lineage).read_text()) | {"codeVersion": code_version()}}


def _manifest(state: dict, cfg, args, files: list[str], out: Path) -> dict:
    contrastive = " and a CLIP-style text tower" if cfg.contrastive else ""
    return {
        "schemaVersion": 1,
        "name": args.name,
        "version": args.version,
        "task": "report-generation",
        "description": args.description or f"Chest radiograph findings generator: conv+transformer image encoder, "
                                           f"causal text decoder with cross-attention{contrastive}.",
        "input": {"modality": ["CR", "DX"], "channels": 1, "height": cfg.image_size, "width": cfg.image_size},
        "preprocessing": DEFAULT_PREPROCESSING,
        "decoder": {"layers": cfg.decoder_layers, "heads": cfg.heads, "headDim": cfg.head_dim,
                    "vocabSize": cfg.vocab_size, "maxLength": cfg.max_length},
        "generation": {"strategy": "greedy", "maxNewTokens": cfg.max_length - 1},
        "labels": list(state["label_names"]),
        "files": [{"path": f, "sha256": sha256_file(out / f), "bytes": (out / f).stat().st_size} for f in sorted(files)],
        "training": {
            "mode": state.get("mode", "pretrain"),
            "baseModel": state.get("base_model"),
            "datasetSha256": state.get("dataset_sha256"),
            "seed": int(state.get("seed", 0)),
            "steps": int(state["step"]),
            "hyperparameters": state.get("hyperparameters", {}) | {"model": cfg.to_dict()},
            "codeVersion": code_version(),
            "durationS": float(state.get("train_seconds", 0.0)),
        },
        **_lineage(args),
        "createdAt": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
    }


def export_bundle(state: dict, args) -> dict:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    model, tok, _ = checkpoint.restore_model(state)
    tok = tok.padded(model.cfg.vocab_size)
    if model.cfg.lora_rank > 0:
        model.merge_lora()
    files = export_graphs_and_assets(model, tok, state, args, out)
    manifest = _manifest(state, model.cfg, args, files, out)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    parity = check_parity(model, out, args.parity_data)
    return {"bundle": str(out), "files": len(files), "parity": parity}


def export_graphs_and_assets(model, tok, state: dict, args, out: Path) -> list[str]:
    from .onnx_graphs import export_graphs

    files = export_graphs(model, out)
    (out / "tokenizer.json").write_text(json.dumps(tok.to_json(), indent=2) + "\n")
    # PyTorch weights ride along (listed and hashed like every file) so fine-tuning starts from the bundle.
    checkpoint.save(out / "pytorch_model.pt", model, None, state["step"],
                    {k: v for k, v in state.items() if k not in ("model", "config", "optimizer", "step", "rng")})
    files += ["tokenizer.json", "pytorch_model.pt"]
    if args.evaluation:
        shutil.copyfile(args.evaluation, out / "evaluation.json")
        files.append("evaluation.json")
    return files
