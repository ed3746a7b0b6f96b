"""Baseline summary cache under the git dir (`.git/aiopt/`), one entry per log and settings.

An entry is the summary of the log's first `offset` bytes (whole lines), with what identifies
those bytes: the log's size and mtime when stored, and a hash of the first block and of the block
that ends at `offset`.  So one entry serves three cases:
- the log is unchanged (same size and mtime, same blocks): the summary as it is;
- the log grew and the read part is unchanged (same first block, same block before `offset`, a
  line end just before `offset`): only the new tail is read (an append-only log, or a read a
  timeout cut short, whose checkpoint is such an entry);
- anything else (rotated, truncated, rewritten): the log is read again in full.
Keyed by the log's path, the summary format version, the tier thresholds, the forced dialect and
dedupe.  Writes are atomic (temp file + rename), so concurrent checks never see half a file; a
corrupt or stale entry is ignored and rebuilt.  Never written inside the working tree.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Any, NamedTuple

from aiopt_hooks.baseline.model import SUMMARY_VERSION, BaselineSummary, summary_from_dict, summary_to_dict
from aiopt_hooks.config import keep_newest, write_atomic

BLOCK = 1 << 16
ENTRY_VERSION = 1
MAX_ENTRIES = 32
STALE_TEMP_SECONDS = 600  # older temp files belong to a writer that died (no live write takes this long)
# What the readers compute, beyond the stored format: entries from before a change here are rebuilt
# (ids2: the DuckDB engine counts repeated request ids too; its older entries said none).
READERS = "ids2"


class Entry(NamedTuple):
    summary: BaselineSummary
    offset: int  # bytes of the log the summary covers (whole lines)
    lines: int | None  # lines in those bytes (None: not counted, e.g. after a DuckDB read)
    dialect: str  # the dialect the rows were read as
    appendable: bool  # False when a tail cannot be read on its own (gzip, CSV, one JSON document)


class Mark(NamedTuple):
    """What identifies the first `offset` bytes of a log."""

    size: int
    mtime_ns: int
    head: str
    edge: str


def mark(path: Path, offset: int | None = None) -> Mark:
    """The log's mark for its first `offset` bytes (default: all of it)."""
    stat = path.stat()
    end = stat.st_size if offset is None else offset
    with open(path, "rb") as fh:
        head = hashlib.sha256(fh.read(min(BLOCK, end))).hexdigest()
        fh.seek(max(end - BLOCK, 0))
        edge = hashlib.sha256(fh.read(min(BLOCK, end))).hexdigest()
    return Mark(stat.st_size, stat.st_mtime_ns, head, edge)


def cache_key(path: Path, thresholds: tuple[int, ...], forced: str | None, dedupe: bool = False) -> str:
    text = "\0".join(
        [
            str(path.resolve()),
            f"v{SUMMARY_VERSION}.{ENTRY_VERSION}",
            ",".join(map(str, thresholds)),
            forced or "",
            "dedupe" * dedupe,
            READERS,
        ]
    )
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:32]


def _target(cache_dir: Path, key: str) -> Path:
    return cache_dir / f"summary-{key}.json"


def load(cache_dir: Path, key: str) -> tuple[Entry, Mark] | None:
    """The stored entry and the mark it was stored with, or None (missing or corrupt)."""
    try:
        data = json.loads(_target(cache_dir, key).read_bytes())
        log = data["log"]
        entry = Entry(
            summary_from_dict(data["summary"]),
            int(log["offset"]),
            None if log["lines"] is None else int(log["lines"]),
            str(log["dialect"]),
            bool(log["appendable"]),
        )
        return entry, Mark(*(log["mark"][k] for k in Mark._fields))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError):
        return None  # corrupt: rebuilt and overwritten by the caller


def reusable(path: Path, entry: Entry, stored: Mark) -> str:
    """ "hit" (the log is what the entry summarises), "prefix" (the entry summarises an unchanged
    start of a longer log: read the rest), or "" (read it all again)."""
    try:
        stat = path.stat()
        if stat.st_size == entry.offset == stored.size and stat.st_mtime_ns == stored.mtime_ns:
            now = mark(path)
            return "hit" if (now.head, now.edge) == (stored.head, stored.edge) else ""
        if not entry.appendable or stat.st_size <= entry.offset or entry.offset == 0:
            return ""
        now = mark(path, entry.offset)
        if (now.head, now.edge) != (stored.head, stored.edge):
            return ""
        with open(path, "rb") as fh:
            fh.seek(entry.offset - 1)
            return "prefix" if fh.read(1) == b"\n" else ""
    except OSError:
        return ""


def store(cache_dir: Path, key: str, path: Path, entry: Entry) -> None:
    """Write atomically; a cache that cannot be written is skipped, never an error."""

    try:
        stored = mark(path, entry.offset)
    except OSError:
        return
    log: dict[str, Any] = {
        "offset": entry.offset,
        "lines": entry.lines,
        "dialect": entry.dialect,
        "appendable": entry.appendable,
        "mark": stored._asdict(),
    }
    data = {"log": log, "summary": summary_to_dict(entry.summary)}
    write_atomic(_target(cache_dir, key), json.dumps(data, separators=(",", ":")).encode())
    try:
        _prune(cache_dir)
    except OSError:
        pass


def count_lines(path: Path, offset: int) -> int:
    """Lines in the first `offset` bytes (for the line numbers of a tail read after a DuckDB read)."""
    lines = 0
    with open(path, "rb") as fh:
        left = offset
        while left > 0:
            chunk = fh.read(min(left, 1 << 22))
            if not chunk:
                break
            lines += chunk.count(b"\n")
            left -= len(chunk)
    return lines


def _prune(cache_dir: Path) -> None:
    """Keep the newest MAX_ENTRIES summaries, and remove the temp files of writers that died
    mid-write (killed, or stopped by the max_seconds watchdog)."""
    now = time.time()
    for tmp in cache_dir.glob(".*.tmp"):
        try:
            if now - tmp.stat().st_mtime > STALE_TEMP_SECONDS:
                tmp.unlink()
        except OSError:
            pass  # another process removed or renamed it first
    keep_newest(cache_dir, "summary-*.json", MAX_ENTRIES)
