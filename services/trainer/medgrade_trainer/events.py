"""Progress as JSON lines on stdout: the orchestrator streams them, so nothing else goes to stdout.
The attempt runner adds sinks that also ship events and log lines to the object store."""
from __future__ import annotations

import json
import sys
import time
from typing import Callable

EVENT_SINKS: list[Callable[[str], None]] = []
LOG_SINKS: list[Callable[[str], None]] = []


def emit(event: str, **fields) -> None:
    fields = {"event": event, "time": round(time.time(), 3), **fields}
    line = json.dumps(fields, separators=(",", ":"), sort_keys=False)
    sys.stdout.write(line + "\n")
    sys.stdout.flush()
    for sink in EVENT_SINKS:
        sink(line)


def log(message: str) -> None:
    """Human diagnostics go to stderr (never PHI: callers pass counts and paths only)."""
    sys.stderr.write(message + "\n")
    sys.stderr.flush()
    for sink in LOG_SINKS:
        sink(message)
