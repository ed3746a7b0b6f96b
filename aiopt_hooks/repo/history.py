"""Audit trail: one JSON line per `check`, `whatif` and `compare` in `.git/aiopt/history.jsonl`.

Stage: after the report.  Each line records when, what was checked (staged, a ref range, a
what-if, two logs), the verdict and its figures, the approvals used and a hash of the config.
It lives under the git dir, never in the working tree, and is bounded: past MAX_BYTES the file is
rotated to `history.1.jsonl` (the older one is dropped).  Writing it never fails a check.
"""

from __future__ import annotations

import errno
import json
import os
import sys
from pathlib import Path
from typing import Any

from aiopt_hooks.stored import stamp, upgrade

FILE = "history.jsonl"
ROTATED = "history.1.jsonl"
MAX_BYTES = 1 << 20


def history_path(git_dir: Path) -> Path:
    return git_dir / "aiopt" / FILE


def record(git_dir: Path | None, entry: dict[str, Any]) -> None:
    """Append one line (rotating a full file first); a failure is one notice on stderr, never an error."""
    if git_dir is None:
        return
    path = history_path(git_dir)
    line = json.dumps(stamp("history", entry), default=str, separators=(",", ":")) + "\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists() and path.stat().st_size + len(line) > MAX_BYTES:
            os.replace(path, path.with_name(ROTATED))
        _append_line(path, line.encode())
    except OSError as exc:
        print(
            f"aiopt: could not append to the history {path} ({exc.strerror}); the check is unaffected", file=sys.stderr
        )


def _append_line(path: Path, data: bytes) -> None:
    """Append one whole line, or nothing: a short write (a full disk, a file-size limit) is cut back to
    where the file ended and raised, so the next entry never lands on a torn line.  A line torn earlier
    (a crash mid-write) is closed first, so it cannot swallow this one."""
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        start = os.fstat(fd).st_size
        if start and os.lseek(fd, start - 1, os.SEEK_SET) >= 0 and os.read(fd, 1) != b"\n":
            data = b"\n" + data
        written = 0
        try:
            while written < len(data):  # one write of a short line: concurrent checks do not interleave
                step = os.write(fd, data[written:])
                if step <= 0:
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                written += step
        except OSError:
            if written and os.fstat(fd).st_size == start + written:
                os.ftruncate(fd, start)  # nobody appended after us: take the partial line back
            raise
    finally:
        os.close(fd)


def read_history(git_dir: Path, since: str | None = None) -> list[dict[str, Any]]:
    """Entries oldest first (the rotated file, then the current one), from `since` (a date or time) on."""
    entries = []
    for path in (git_dir / "aiopt" / ROTATED, history_path(git_dir)):
        try:
            text = path.read_text("utf-8")
        except OSError:
            continue
        for line in text.splitlines():
            entry = _entry_of(line)
            try:
                entry = upgrade("history", entry) if entry is not None else None
            except ValueError:
                entry = None  # written by a newer release: skipped
            if entry is not None and (since is None or str(entry.get("time", "")) >= since):
                entries.append(entry)
    return entries


def _entry_of(line: str) -> dict[str, Any] | None:
    """The entry on one line; a line cut short by a crash is skipped, and an entry appended onto such
    a torn line (by an older version) is recovered: the whole object that ends the line."""
    try:
        entry = json.loads(line)
    except ValueError:
        decoder = json.JSONDecoder()
        for start in (i for i, char in enumerate(line) if char == "{" and i):
            try:
                entry, end = decoder.raw_decode(line, start)
            except ValueError:
                continue
            if end == len(line.rstrip()) and isinstance(entry, dict):
                return entry
        return None
    return entry if isinstance(entry, dict) else None


def parse_since(text: str) -> str:
    """`2026-03-01` or an ISO time -> the comparable UTC form of the history's `time` field."""
    from datetime import datetime, timezone  # `aiopt history` only: not on a commit's path

    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        from aiopt_hooks.errors import AioptError

        raise AioptError(f"--since {text!r} is not a date", hint="use YYYY-MM-DD or an ISO time") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
