"""Baseline summary cache under the git dir (`.git/aiopt/`), one file per log.

Keyed by the log's identity (path, size, mtime and a hash of its head and tail), the summary
format version, the tier thresholds and the forced dialect.  Writes are atomic (temp file +
rename), so concurrent checks never see half a file; a corrupt or stale entry is ignored and
rebuilt.  Never written inside the working tree.
"""
from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

from aiopt_hooks.baseline.model import SUMMARY_VERSION, BaselineSummary, summary_from_dict, summary_to_dict

EDGE_BYTES = 1 << 16
MAX_ENTRIES = 32
STALE_TEMP_SECONDS = 600   # older temp files belong to a writer that died (no live write takes this long)
# What the readers compute, beyond the stored format: entries from before a change here are rebuilt
# (ids2: the DuckDB engine counts repeated request ids too; its older entries said none).
READERS = "ids2"


def log_identity(path: Path) -> str:
    """A key that changes whenever the log's content can have changed."""
    stat = path.stat()
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        digest.update(fh.read(EDGE_BYTES))
        if stat.st_size > EDGE_BYTES:
            fh.seek(max(stat.st_size - EDGE_BYTES, EDGE_BYTES))
            digest.update(fh.read(EDGE_BYTES))
    parts = [str(path.resolve()), str(stat.st_size), str(stat.st_mtime_ns), digest.hexdigest(),
             f"v{SUMMARY_VERSION}"]
    return "\0".join(parts)


def cache_key(path: Path, thresholds: tuple[int, ...], forced: str | None, dedupe: bool = False) -> str:
    text = "\0".join([log_identity(path), ",".join(map(str, thresholds)), forced or "", "dedupe" * dedupe, READERS])
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:32]


def load(cache_dir: Path, key: str) -> BaselineSummary | None:
    target = cache_dir / f"summary-{key}.json"
    try:
        return summary_from_dict(json.loads(target.read_bytes()))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError):
        return None   # corrupt: rebuilt and overwritten by the caller


def store(cache_dir: Path, key: str, summary: BaselineSummary) -> None:
    """Write atomically; a cache that cannot be written is skipped, never an error."""
    from aiopt_hooks.config import write_atomic

    target = cache_dir / f"summary-{key}.json"
    write_atomic(target, json.dumps(summary_to_dict(summary), separators=(",", ":")).encode())
    try:
        _prune(cache_dir)
    except OSError:
        pass


def _prune(cache_dir: Path) -> None:
    """Keep the newest MAX_ENTRIES summaries (an appended-to log leaves old keys behind), and remove
    the temp files of writers that died mid-write (killed, or stopped by the max_seconds watchdog)."""
    now = time.time()
    for tmp in cache_dir.glob(".*.tmp"):
        try:
            if now - tmp.stat().st_mtime > STALE_TEMP_SECONDS:
                tmp.unlink()
        except OSError:
            pass   # another process removed or renamed it first
    entries = []
    for entry in cache_dir.glob("summary-*.json"):
        try:
            entries.append((entry.stat().st_mtime, entry))
        except OSError:
            pass   # pruned by a concurrent check
    for _, old in sorted(entries, reverse=True)[MAX_ENTRIES:]:
        try:
            old.unlink()
        except OSError:
            pass
