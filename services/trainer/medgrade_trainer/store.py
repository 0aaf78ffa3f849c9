"""Object store access for the attempt runner (GPU nodes reach the object store, never Postgres).

`MEDGRADE_STORE=fs:<root>` reads and writes the filesystem store's layout (`<root>/<key>`, written
to `<root>/.tmp/` and renamed into place, exactly as packages/storage's FsObjectStore does, so a
reader never sees half an object). `MEDGRADE_STORE=s3:<bucket>` uses boto3 (optional; endpoint,
region and path style from `MEDGRADE_S3_ENDPOINT`, `MEDGRADE_S3_REGION`, `MEDGRADE_S3_PATH_STYLE`,
server-side encryption from `MEDGRADE_S3_SSE` and `MEDGRADE_S3_KMS_KEY_ID`, credentials from the
usual AWS variables or the node's own role). Keys are built by the orchestrator and passed in.

S3 writes and deletes wait out a store that cannot take them (503/500/throttling, refused or cut
connections): retried with backoff for up to `MEDGRADE_STORE_RETRY_SECONDS` (default 300) before
the error reaches the attempt. The training loop blocks meanwhile, which costs less than what a
failed attempt loses (every step since its last checkpoint, and a restart), and a checkpoint or
event chunk is never skipped. An outage longer than the budget still ends the attempt (exit 1, a
node failure the orchestrator retries from the last uploaded checkpoint). Re-putting an object
under the same key is harmless: keys are deterministic and objects immutable once written.

A store opened with `stop` (the attempt's SIGTERM event) does not wait once it is set: a
preemption's grace period (Slurm, Kubernetes) is shorter than the retry budget, so SIGTERM during a
wait, or a write refused after it, raises `StoreWaitStopped` at once and the attempt exits as
preempted (75): the orchestrator resumes the job from its last uploaded checkpoint.
"""
from __future__ import annotations

import os
import random
import secrets
import threading
import time
from pathlib import Path
from typing import Callable, TypeVar

T = TypeVar("T")

# HTTP statuses and S3 error codes that say "not now" rather than "never".
TRANSIENT_STATUS = {500, 502, 503, 504}
TRANSIENT_CODES = {"ServiceUnavailable", "SlowDown", "InternalError", "RequestTimeout", "Throttling", "ThrottlingException", "RequestTimeTooSkewed"}


class ObjectNotFound(Exception):
    pass


class StoreWaitStopped(Exception):
    """SIGTERM ended the wait for a store that refused a write: the attempt stops as preempted."""


class FsStore:
    def __init__(self, root: str):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        if not key or any(p in ("", ".", "..") or p.startswith(".") for p in key.split("/")):
            raise ValueError(f"unsafe object key {key[:200]!r}")
        return self.root.joinpath(*key.split("/"))

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError as exc:
            raise ObjectNotFound(key) from exc

    def put(self, key: str, data: bytes) -> None:
        target = self._path(key)
        tmp_dir = self.root / ".tmp"
        tmp_dir.mkdir(parents=True, exist_ok=True)
        tmp = tmp_dir / secrets.token_hex(12)
        tmp.write_bytes(data)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, target)

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def list(self, prefix: str) -> list[str]:
        base = self._path(prefix.rstrip("/"))
        if not base.is_dir():
            return []
        return sorted(f"{prefix.rstrip('/')}/{p.relative_to(base).as_posix()}" for p in base.rglob("*") if p.is_file())


def is_transient(exc: BaseException) -> bool:
    """A store error worth waiting out: a 5xx or throttling answer, or a refused, cut or timed-out connection."""
    from botocore.exceptions import ClientError, ConnectionError as BotoConnectionError, HTTPClientError

    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return status in TRANSIENT_STATUS or error.get("Code") in TRANSIENT_CODES
    return isinstance(exc, (BotoConnectionError, HTTPClientError))


def with_retry(op: Callable[[], T], budget_s: float, transient: Callable[[BaseException], bool],
               sleep: Callable[[float], None] = time.sleep, now: Callable[[], float] = time.monotonic,
               stop: threading.Event | None = None) -> T:
    """Runs `op`, retrying transient failures with jittered exponential backoff (0.5 s doubling to
    8 s) until `budget_s` has passed; then, or on any other error, the error propagates. Once `stop`
    is set (SIGTERM, also during a wait) it raises StoreWaitStopped instead of waiting on."""
    deadline, delay = now() + budget_s, 0.5
    while True:
        try:
            return op()
        except Exception as exc:
            if not transient(exc) or now() + delay > deadline:
                raise
            pause = delay * random.uniform(0.5, 1.0)
            if stop is None:
                sleep(pause)
            elif stop.is_set() or stop.wait(pause):
                raise StoreWaitStopped(f"stopped while the store refused a write: {exc}") from exc
            delay = min(delay * 2, 8.0)


class S3Store:
    def __init__(self, bucket: str, stop: threading.Event | None = None):
        try:
            import boto3  # optional: only images that train against S3 carry it
            from botocore.config import Config
        except ImportError as exc:
            raise RuntimeError("MEDGRADE_STORE=s3:… needs boto3 (pip install boto3)") from exc
        style = "path" if os.environ.get("MEDGRADE_S3_PATH_STYLE") == "true" else "auto"
        self.bucket = bucket
        # Server-side encryption on every write, as the platform's own writes (S3_SSE / S3_KMS_KEY_ID).
        self.put_extra = {}
        if os.environ.get("MEDGRADE_S3_SSE"):
            self.put_extra["ServerSideEncryption"] = os.environ["MEDGRADE_S3_SSE"]
            if os.environ.get("MEDGRADE_S3_KMS_KEY_ID"):
                self.put_extra["SSEKMSKeyId"] = os.environ["MEDGRADE_S3_KMS_KEY_ID"]
        self.client = boto3.client("s3", endpoint_url=os.environ.get("MEDGRADE_S3_ENDPOINT") or None,
                                   region_name=os.environ.get("MEDGRADE_S3_REGION") or None,
                                   config=Config(s3={"addressing_style": style}))
        self.retry_s = float(os.environ.get("MEDGRADE_STORE_RETRY_SECONDS") or 300)
        self.stop = stop

    def _write(self, op: Callable[[], object]) -> None:
        with_retry(op, self.retry_s, is_transient, stop=self.stop)

    def get(self, key: str) -> bytes:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except self.client.exceptions.NoSuchKey as exc:
            raise ObjectNotFound(key) from exc

    def put(self, key: str, data: bytes) -> None:
        self._write(lambda: self.client.put_object(Bucket=self.bucket, Key=key, Body=data, **self.put_extra))

    def delete(self, key: str) -> None:
        self._write(lambda: self.client.delete_object(Bucket=self.bucket, Key=key))

    def list(self, prefix: str) -> list[str]:
        keys: list[str] = []
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
            keys += [o["Key"] for o in page.get("Contents", [])]
        return sorted(keys)


def open_store(spec: str | None = None, stop: threading.Event | None = None):
    """The store `spec` (or MEDGRADE_STORE) names; `stop` ends S3 write retries (see StoreWaitStopped)."""
    spec = spec or os.environ.get("MEDGRADE_STORE", "")
    kind, _, where = spec.partition(":")
    if kind == "fs" and where:
        return FsStore(where)
    if kind == "s3" and where:
        return S3Store(where, stop)
    raise RuntimeError(f"MEDGRADE_STORE must be fs:<root> or s3:<bucket>, not {spec!r}")
