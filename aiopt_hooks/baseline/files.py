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


MAX_DOCUMENT_BYTES = 64 * 2**20


def iter_rows(path: Path) -> Iterator[Row]:
    """Yield (line, row) for each non-blank line; malformed lines yield (line, None).

    A `.json` file holding one document (an array of records, or an object such as an export
    with a list inside) yields its records with line 1; dialects unpack wrapper objects.
    """
    name = path.name.lower().removesuffix(".gz")
    try:
        with _open_text(path) as fh:
            if name.endswith(".csv"):
                yield from _csv_rows(fh)
            elif name.endswith(".json") and _is_document(path):
                yield from _document_rows(fh)
            else:
                yield from _jsonl_rows(fh)
    except UnicodeDecodeError:
        raise AioptError("is not UTF-8 text", file=str(path),
                         hint="export the log as UTF-8 JSONL or CSV") from None
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise AioptError(f"cannot read the baseline log: {exc}", file=str(path)) from None


def _is_document(path: Path) -> bool:
    """True when the file is one JSON document rather than one record per line."""
    with _open_text(path) as fh:
        first = fh.readline()
    try:
        json.loads(first)
    except ValueError:
        return True
    return first.lstrip().startswith("[")


def _document_rows(fh: IO[str]) -> Iterator[Row]:
    text = fh.read(MAX_DOCUMENT_BYTES + 1)
    if len(text) > MAX_DOCUMENT_BYTES:
        raise AioptError(f"a single JSON document over {MAX_DOCUMENT_BYTES // 2**20} MiB",
                         hint="export the log as JSONL (one record per line), which streams")
    try:
        document = json.loads(text)
    except ValueError as exc:
        line = getattr(exc, "lineno", 1)
        yield line, None
        return
    for item in document if isinstance(document, list) else [document]:
        yield 1, item if isinstance(item, dict) else None


def _loads() -> Any:
    try:   # optional speed-up (the `fast` extra); same results as the standard library
        import orjson

        return orjson.loads
    except ImportError:
        return json.loads


def _jsonl_rows(fh: IO[str]) -> Iterator[Row]:
    loads = _loads()
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
