"""Dataset manifests: JSON lines, one study per line, as `medgrade synth` writes `labels.jsonl`:

    {"file": "00000.dcm" | "/abs/path.dcm" | "s3://bucket/key.dcm", "report": "...",
     "labels": {"cardiomegaly": 0, ...}, "sex": "F", "ageBand": "65+", "site": "northgate"}

Relative paths resolve against the manifest's folder. Decoded, preprocessed pixels are cached
next to the manifest, keyed by the manifest digest and the preprocessing, so repeated runs skip
DICOM decoding; the cache also stores the dataset digest (SHA-256 over every file's bytes).
"""
from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path

import pydicom
import torch

from .events import log
from .preprocess import preprocess

SUBGROUPS = ("sex", "ageBand", "site")


@dataclass
class Dataset:
    pixels: torch.Tensor  # [N, 1, S, S] float32
    reports: list[str]
    labels: torch.Tensor  # [N, L] float32
    label_names: list[str]
    groups: list[dict]
    sha256: str

    def __len__(self) -> int:
        return len(self.reports)


def read_manifest(path: Path) -> list[dict]:
    rows = [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]
    if not rows:
        raise ValueError(f"dataset manifest {path} has no rows")
    for i, row in enumerate(rows):
        if "file" not in row or "report" not in row:
            raise ValueError(f"manifest {path} line {i + 1}: every row needs 'file' and 'report'")
    return rows


def _read_s3(uri: str) -> bytes:
    try:
        import boto3  # optional: only GPU-node images that read from object storage carry it
    except ImportError as exc:
        raise RuntimeError(f"{uri}: reading s3:// needs boto3 (pip install boto3); "
                           "or copy the dataset locally and use file paths") from exc
    bucket, _, key = uri[len("s3://"):].partition("/")
    return boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()


def read_bytes(ref: str, root: Path) -> bytes:
    if ref.startswith("s3://"):
        return _read_s3(ref)
    path = Path(ref)
    return (path if path.is_absolute() else root / path).read_bytes()


def _cache_path(manifest: Path, size: int, spec: dict) -> Path:
    key = hashlib.sha256(Path(manifest).read_bytes() + json.dumps([size, spec], sort_keys=True).encode())
    return Path(manifest).parent / ".cache" / f"{key.hexdigest()[:24]}.pt"


def _decode_all(rows: list[dict], root: Path, size: int, spec: dict) -> tuple[torch.Tensor, str]:
    digest = hashlib.sha256()
    images = []
    for i, row in enumerate(rows):
        data = read_bytes(row["file"], root)
        digest.update(hashlib.sha256(data).digest())
        images.append(preprocess(pydicom.dcmread(io.BytesIO(data)), size, spec))
        if (i + 1) % 1000 == 0:
            log(f"decoded {i + 1}/{len(rows)} studies")
    return torch.stack(images), digest.hexdigest()


def load_dataset(manifest: Path, size: int, spec: dict, label_names: list[str] | None = None) -> Dataset:
    rows = read_manifest(manifest)
    cache = _cache_path(manifest, size, spec)
    if cache.exists():
        pixels, sha = torch.load(cache)
    else:
        pixels, sha = _decode_all(rows, Path(manifest).parent, size, spec)
        cache.parent.mkdir(parents=True, exist_ok=True)
        torch.save((pixels, sha), cache)
    names = label_names or list(rows[0].get("labels", {}).keys())
    labels = torch.tensor([[float(r.get("labels", {}).get(n, 0)) for n in names] for r in rows])
    groups = [{g: str(r.get(g, "unknown")) for g in SUBGROUPS} for r in rows]
    return Dataset(pixels, [r["report"] for r in rows], labels, names, groups, sha)
