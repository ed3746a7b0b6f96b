"""Streams the rows of a log file (JSONL or CSV, optionally gzip-compressed) with line numbers."""
from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from aiopt_hooks.errors import AioptError

Row = tuple[int, "dict[str, Any] | None"]   # (line number, row or None when malformed)


def _open_text(path: Path) -> IO[str]:
    raw: IO[bytes] = gzip.open(path, "rb") if path.name.endswith(".gz") else open(path, "rb")
    return io.TextIOWrapper(raw, encoding="utf-8-sig", errors="strict", newline="")


def _nest(row: dict[str, Any]) -> dict[str, Any]:
    """CSV columns like `meta.feature_tag` become nested mappings."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if key is None:
            continue
        if "." in key:
            head, tail = key.split(".", 1)
            sub = out.setdefault(head, {})
            if isinstance(sub, dict):
                sub[tail] = value
        else:
            out[key] = value
    return out


def iter_rows(path: Path) -> Iterator[Row]:
    """Yield (line, row) for each non-blank line; malformed lines yield (line, None)."""
    name = path.name.lower().removesuffix(".gz")
    try:
        with _open_text(path) as fh:
            if name.endswith(".csv"):
                yield from _csv_rows(fh)
            else:
                yield from _jsonl_rows(fh)
    except UnicodeDecodeError:
        raise AioptError("is not UTF-8 text", file=str(path),
                         hint="export the log as UTF-8 JSONL or CSV") from None
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise AioptError(f"cannot read the baseline log: {exc}", file=str(path)) from None


def _jsonl_rows(fh: IO[str]) -> Iterator[Row]:
    loads = json.loads
    for number, line in enumerate(fh, 1):
        if not line.strip():
            continue
        try:
            row = loads(line)
        except (ValueError, RecursionError):
            yield number, None
            continue
        yield number, row if isinstance(row, dict) else None


def _csv_rows(fh: IO[str]) -> Iterator[Row]:
    reader = csv.DictReader(fh)
    try:
        for row in reader:
            yield reader.line_num, _nest(row)
    except csv.Error:
        yield reader.line_num, None
