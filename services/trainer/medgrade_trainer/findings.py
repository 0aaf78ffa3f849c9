"""Reads the findings back out of a report sentence, so per-finding metrics judge the generated
text a clinician would read, not only the label head. Matches the synthetic report template of
packages/synthetic (findings.ts); a label it does not know is reported as unparsed."""
from __future__ import annotations

import re

_OPACITY = re.compile(r"opacit(?:y|ies) in the ([a-z ]+?) zones?\.")
_ZONE = re.compile(r"(right|left) (upper|middle|lower)")


def _opacity_zones(text: str) -> set[str]:
    m = _OPACITY.search(text)
    if not m:
        return set()
    return {f"opacity_{side}_{level}" for side, level in _ZONE.findall(m.group(1))}


def report_labels(text: str, names: list[str]) -> dict[str, int | None]:
    text = text.lower()
    zones = _opacity_zones(text)
    found: dict[str, int | None] = {}
    for name in names:
        if name == "cardiomegaly":
            found[name] = int("heart is enlarged" in text)
        elif name.startswith("opacity_"):
            found[name] = int(name in zones)
        elif name.startswith("effusion_"):
            side = name.split("_")[1]
            found[name] = int(f"{side} pleural effusion" in text or "bilateral pleural effusions" in text)
        elif name.startswith("pneumothorax_"):
            found[name] = int(f"{name.split('_')[1]} pneumothorax" in text)
        else:
            found[name] = None
    return found
