"""Progress as JSON lines on stdout: the orchestrator streams them, so nothing else goes to stdout."""
from __future__ import annotations

import json
import sys
import time


def emit(event: str, **fields) -> None:
    fields = {"event": event, "time": round(time.time(), 3), **fields}
    sys.stdout.write(json.dumps(fields, separators=(",", ":"), sort_keys=False) + "\n")
    sys.stdout.flush()


def log(message: str) -> None:
    """Human diagnostics go to stderr (never PHI: callers pass counts and paths only)."""
    sys.stderr.write(message + "\n")
    sys.stderr.flush()
