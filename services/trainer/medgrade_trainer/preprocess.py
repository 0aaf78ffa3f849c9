"""DICOM pixels -> model input, following docs/model-bundle.md "Preprocessing" step by step.
The inference service implements the same steps in TypeScript from the same manifest block."""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

DEFAULT_PREPROCESSING = {
    "window": {"mode": "header"},
    "invertMonochrome1": True,
    "resize": {"method": "bilinear"},
    "normalize": {"mean": 0.5, "std": 0.25},
}


def _first(value) -> float:
    if value is None:
        return None
    try:
        return float(value[0])
    except TypeError:
        return float(value)


def _window(ds, values: np.ndarray, spec: dict) -> tuple[float, float]:
    mode = spec.get("mode", "header")
    if mode == "fixed":
        return float(spec["center"]), float(spec["width"])
    if mode == "header":
        center, width = _first(ds.get("WindowCenter")), _first(ds.get("WindowWidth"))
        if center is not None and width is not None and width > 0:
            return center, width
    lo, hi = float(values.min()), float(values.max())
    return (lo + hi) / 2, max(hi - lo, 1e-6)


def preprocess(ds, size: int, spec: dict = DEFAULT_PREPROCESSING) -> torch.Tensor:
    """pydicom Dataset -> float32 tensor [1, size, size]."""
    pixels = ds.pixel_array
    if pixels.ndim == 3 and int(ds.get("NumberOfFrames", 1)) > 1:
        pixels = pixels[0]
    slope = float(ds.get("RescaleSlope", 1) or 1)
    intercept = float(ds.get("RescaleIntercept", 0) or 0)
    values = pixels.astype(np.float64) * slope + intercept
    center, width = _window(ds, values, spec.get("window", {}))
    y = np.clip((values - (center - width / 2)) / width, 0.0, 1.0)
    if spec.get("invertMonochrome1", True) and ds.get("PhotometricInterpretation") == "MONOCHROME1":
        y = 1.0 - y
    t = torch.from_numpy(y.astype(np.float32))[None, None]
    if t.shape[-2:] != (size, size):
        t = F.interpolate(t, size=(size, size), mode="bilinear", align_corners=False)
    norm = spec.get("normalize", {"mean": 0.5, "std": 0.25})
    return ((t - norm["mean"]) / norm["std"])[0]
