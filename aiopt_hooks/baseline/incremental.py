"""One log -> its summary through the cache: unchanged logs from the cache, grown logs by reading
only the new tail, and long reads kept as they go (a checkpoint every CHECKPOINT_SECONDS), so a read
that a timeout cuts short is finished, not restarted, by the next check.

Stage: log file -> summary (the orchestration; `baseline/read.py` gives the readers, `baseline/cache.py`
the entries).  What is exact: a tail is read as its own rows, with the dialect the log was read as
and line numbers that go on from the read part.  What is not: a row of the tail repeating a request
id of the already-read part is not counted as a duplicate; with `baseline.dedupe: true`, or when
the log names end users (counted distinct), the log is read again in full instead.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

from aiopt_hooks.baseline import cache
from aiopt_hooks.baseline.files import JsonlTail, Row, plain_jsonl
from aiopt_hooks.baseline.model import BaselineSummary, rebucket
from aiopt_hooks.errors import AioptError

CHECKPOINT_SECONDS = 1.0
_IN_PROGRESS: list[str] = []  # logs being read now (a timeout notice names them)


class Readers(NamedTuple):
    """The readers `baseline/read.py` provides (passed in: read.py imports this module)."""

    summary_file: Callable[[Path, str], BaselineSummary | None]
    dialect_of: Callable[[Path, str | None], str]
    fast: Callable[[Path, str, tuple[int, ...], str | None], BaselineSummary | None]
    # (rows, display name, summary to add to, dialect name or None to detect, dedupe) -> dialect used
    rows: Callable[[Iterator[Row], str, BaselineSummary, str | None, bool], str]
    whole: Callable[[Path, str, BaselineSummary, str | None, bool], str]


def in_progress() -> list[str]:
    """The logs whose reading is under way (for the timeout notice)."""
    return list(_IN_PROGRESS)


def summarize_log(
    path: Path,
    name: str,
    thresholds: tuple[int, ...],
    forced: str | None,
    cache_dir: Path | None,
    dedupe: bool,
    readers: Readers,
) -> BaselineSummary:
    key = None
    if cache_dir is not None and not path.is_file():  # a FIFO or a device: read once, as it comes
        cache_dir = None
    if cache_dir is not None:
        try:
            key = cache.cache_key(path, thresholds, forced, dedupe)
        except OSError as exc:
            raise AioptError(f"cannot read the baseline log: {exc.strerror}", file=name) from None
        found = cache.load(cache_dir, key)
        if found is not None:
            entry, stored = found
            how = cache.reusable(path, entry, stored)
            if how == "hit":
                entry.summary.paths = [name]
                return entry.summary
            if how == "prefix" and not dedupe and entry.summary.users == 0:
                return _tracked(name, lambda: _read_tail(path, name, entry, cache_dir, key, readers))
    summary_file = readers.summary_file(path, name)
    if summary_file is not None:
        return rebucket(summary_file, thresholds)
    return _tracked(name, lambda: _read_all(path, name, thresholds, forced, dedupe, cache_dir, key, readers))


def _tracked(name: str, read: Callable[[], BaselineSummary]) -> BaselineSummary:
    _IN_PROGRESS.append(name)
    try:
        summary = read()
    except Exception:  # an error is reported as it is; a timeout or Ctrl-C leaves the name for the notice
        _IN_PROGRESS.remove(name)
        raise
    _IN_PROGRESS.remove(name)
    return summary


def _read_all(
    path: Path,
    name: str,
    thresholds: tuple[int, ...],
    forced: str | None,
    dedupe: bool,
    cache_dir: Path | None,
    key: str | None,
    readers: Readers,
) -> BaselineSummary:
    size = path.stat().st_size
    fast = None if dedupe else readers.fast(path, name, thresholds, forced)
    if fast is not None:
        if cache_dir is not None and key is not None and path.stat().st_size == size:
            appendable = plain_jsonl(path) and _ends_a_line(path, size)
            cache.store(
                cache_dir, key, path, cache.Entry(fast, size, None, readers.dialect_of(path, forced), appendable)
            )
        return fast
    summary = BaselineSummary(paths=[name], thresholds=thresholds)
    if not plain_jsonl(path):
        dialect = readers.whole(path, name, summary, forced, dedupe)
        if cache_dir is not None and key is not None and path.stat().st_size == size:
            cache.store(cache_dir, key, path, cache.Entry(summary, size, None, dialect, False))
        return summary
    start = cache.Entry(summary, 0, 0, forced or "", True)
    return _stream(path, name, start, dedupe, cache_dir, key, readers)


def _read_tail(
    path: Path, name: str, entry: cache.Entry, cache_dir: Path, key: str, readers: Readers
) -> BaselineSummary:
    entry.summary.paths = [name]
    lines = entry.lines if entry.lines is not None else cache.count_lines(path, entry.offset)
    return _stream(path, name, entry._replace(lines=lines), False, cache_dir, key, readers)


def _stream(
    path: Path, name: str, start: cache.Entry, dedupe: bool, cache_dir: Path | None, key: str | None, readers: Readers
) -> BaselineSummary:
    """Read a plain JSONL log from `start.offset` into `start.summary`, storing a checkpoint now
    and then and the whole at the end."""
    tail = JsonlTail(path, start.offset, start.lines or 0)
    summary = start.summary
    used: list[str] = [start.dialect]

    def save(complete: bool) -> None:
        if cache_dir is None or key is None or (dedupe and not complete):
            return
        if tail.at_line_end and not dedupe:
            cache.store(cache_dir, key, path, cache.Entry(summary, tail.offset, tail.lines, used[0], True))
        elif complete:  # ends inside a line, or deduplicated: kept whole, read again in full once it grows
            cache.store(cache_dir, key, path, cache.Entry(summary, path.stat().st_size, None, used[0], False))

    def rows() -> Iterator[Row]:
        last = time.monotonic()
        for number, row in tail.rows():
            yield number, row
            # Here the row above is in the summary: a checkpoint now covers exactly tail.offset bytes.
            if number & 1023 == 0 and time.monotonic() - last > CHECKPOINT_SECONDS:
                if not used[0] and summary.requests:
                    used[0] = readers.dialect_of(path, None)
                save(False)
                last = time.monotonic()

    dialect = readers.rows(rows(), name, summary, start.dialect or None, dedupe)
    used[0] = dialect or used[0]
    save(True)
    return summary


def _ends_a_line(path: Path, size: int) -> bool:
    if size == 0:
        return False
    with open(path, "rb") as fh:
        fh.seek(size - 1)
        return fh.read(1) == b"\n"
