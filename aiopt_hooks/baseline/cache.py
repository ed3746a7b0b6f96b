"""Baseline summary cache under the git dir (`.git/aiopt/`), one file per log.

Keyed by the log's identity (path, size, mtime and a hash of its head and tail), the summary
format version, the tier thresholds and the forced dialect.  Writes are atomic (temp file +
rename), so concurrent checks never see half a file; a corrupt or stale entry is ignored and
rebuilt.  Never written inside the working tree.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from aiopt_hooks.baseline.summary import SUMMARY_VERSION, BaselineSummary, summary_from_dict, summary_to_dict

EDGE_BYTES = 1 << 16
MAX_ENTRIES = 32


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


def cache_key(path: Path, thresholds: tuple[int, ...], forced: str | None) -> str:
    text = "\0".join([log_identity(path), ",".join(map(str, thresholds)), forced or ""])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def load(cache_dir: Path, key: str) -> BaselineSummary | None:
    target = cache_dir / f"summary-{key}.json"
    try:
        return summary_from_dict(json.loads(target.read_bytes()))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return None   # corrupt: rebuilt and overwritten by the caller


def store(cache_dir: Path, key: str, summary: BaselineSummary) -> None:
    """Write atomically; a cache that cannot be written is skipped, never an error."""
    target = cache_dir / f"summary-{key}.json"
    tmp = cache_dir / f".summary-{key}.{os.getpid()}.tmp"
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(json.dumps(summary_to_dict(summary), separators=(",", ":")).encode())
        os.replace(tmp, target)
        _prune(cache_dir)
    except OSError:
        try:
            tmp.unlink()
        except OSError:
            pass


def _prune(cache_dir: Path) -> None:
    """Keep the newest MAX_ENTRIES summaries (an appended-to log leaves old keys behind)."""
    entries = sorted(cache_dir.glob("summary-*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[MAX_ENTRIES:]:
        try:
            old.unlink()
        except OSError:
            pass
