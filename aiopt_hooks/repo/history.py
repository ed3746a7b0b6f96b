"""Audit trail: one JSON line per `check`, `whatif` and `compare` in `.git/aiopt/history.jsonl`.

Stage: after the report.  Each line records when, what was checked (staged, a ref range, a
what-if, two logs), the verdict and its figures, the approvals used and a hash of the config.
It lives under the git dir, never in the working tree, and is bounded: past MAX_BYTES the file is
rotated to `history.1.jsonl` (the older one is dropped).  Writing it never fails a check.
"""
from __future__ import annotations

import json
import os
import sys
from datetime import datetime, timezone
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
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line.encode())   # one write of a short line: concurrent checks do not interleave
        finally:
            os.close(fd)
    except OSError as exc:
        print(f"aiopt: could not append to the history {path} ({exc.strerror}); the check is unaffected",
              file=sys.stderr)


def read_history(git_dir: Path, since: str | None = None) -> list[dict[str, Any]]:
    """Entries oldest first (the rotated file, then the current one), from `since` (a date or time) on."""
    entries = []
    for path in (git_dir / "aiopt" / ROTATED, history_path(git_dir)):
        try:
            text = path.read_text("utf-8")
        except OSError:
            continue
        for line in text.splitlines():
            try:
                entry = upgrade("history", json.loads(line))
            except (ValueError, AttributeError):
                continue   # a line cut short by a crash, or of a newer release: skipped
            if since is None or str(entry.get("time", "")) >= since:
                entries.append(entry)
    return entries


def parse_since(text: str) -> str:
    """`2026-03-01` or an ISO time -> the comparable UTC form of the history's `time` field."""
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        from aiopt_hooks.errors import AioptError

        raise AioptError(f"--since {text!r} is not a date", hint="use YYYY-MM-DD or an ISO time") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
