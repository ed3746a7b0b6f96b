"""Streams the rows of a log file (JSONL or CSV, optionally gzip-compressed) with line numbers.

Memory stays bounded whatever the file holds: lines are read one at a time from the binary
stream, and a line longer than MAX_LINE_BYTES is read past in chunks and yielded as a malformed
row (counted by the caller), never held whole.  Each line is decoded on its own, so a byte that is
not UTF-8 is an error naming its exact line.
"""

from __future__ import annotations

import csv
import gzip
import json
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from aiopt_hooks.errors import AioptError

Row = tuple[int, "dict[str, Any] | None"]  # (line number, row or None when malformed)
MAX_LINE_BYTES = 8 * 2**20  # a longer log line is a bad row (real rows are far smaller)
MAX_DOCUMENT_BYTES = 64 * 2**20
_SKIP_CHUNK = 2**20
_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def _open_binary(path: Path) -> IO[bytes]:
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return open(path, "rb")


class _Lines:
    """The decoded lines of a binary stream; `number` is the line last read (for error messages).
    Yields (number, text), or (number, None) for a line over MAX_LINE_BYTES.  `offset` is where
    the last whole line (one ending in a newline) ends, counted from `start`."""

    def __init__(self, raw: IO[bytes], start: int = 0) -> None:
        self.raw = raw
        self.number = 0
        self.start = start
        self.offset = start
        self.whole = 0  # the number of the last whole line

    def __iter__(self) -> Iterator[tuple[int, str | None]]:
        readline = self.raw.readline
        pos = self.offset
        while True:
            data = readline(MAX_LINE_BYTES + 1)
            if not data:
                return
            self.number += 1
            pos += len(data)
            if self.number == 1 and self.start == 0:  # (a tail's numbers start past its base)
                data = _first_line(data)
            if len(data) > MAX_LINE_BYTES and not data.endswith(b"\n"):
                while (rest := readline(_SKIP_CHUNK)) and not rest.endswith(b"\n"):
                    pos += len(rest)
                pos += len(rest)
                if rest:
                    self.offset, self.whole = pos, self.number
                yield self.number, None
                continue
            if data.endswith(b"\n"):
                self.offset, self.whole = pos, self.number
            yield self.number, data.decode("utf-8")


def _first_line(data: bytes) -> bytes:
    if data.startswith(_UTF16_BOMS):
        raise AioptError("is UTF-16 text", line=1, hint="export the log as UTF-8 JSONL or CSV")
    return data.removeprefix(_BOM)


def iter_rows(path: Path) -> Iterator[Row]:
    """Yield (line, row) for each non-blank line; malformed lines yield (line, None).

    A `.json` file holding one document (an array of records, or an object such as an export
    with a list inside) yields its records with line 1; dialects unpack wrapper objects.
    """
    name = path.name.lower().removesuffix(".gz")
    lines: _Lines | None = None
    try:
        with _open_binary(path) as raw:
            if name.endswith(".json") and is_document(path):
                yield from _document_rows(raw)
                return
            lines = _Lines(raw)
            yield from _csv_rows(lines) if name.endswith(".csv") else _jsonl_rows(lines)
    except AioptError as exc:
        exc.file = str(path)
        raise
    except UnicodeDecodeError:
        raise AioptError(
            "is not UTF-8 text",
            file=str(path),
            line=lines.number if lines else None,
            hint="export the log as UTF-8 JSONL or CSV",
        ) from None
    except (OSError, EOFError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError
        raise AioptError(
            f"cannot read the baseline log: {exc}", file=str(path), line=lines.number or None if lines else None
        ) from None


class JsonlTail:
    """The rows of a plain JSONL log from byte `start` (a line start), whose line is `line_base` + 1;
    after (or while) reading, `offset` is where the last whole line read ends and `lines` its number."""

    def __init__(self, path: Path, start: int, line_base: int) -> None:
        self.path = path
        self.start = start
        self.line_base = line_base
        self.offset = start
        self._lines: _Lines | None = None

    @property
    def at_line_end(self) -> bool:
        """True when the last line read ended in a newline (or nothing was read)."""
        return self._lines is None or self._lines.whole == self._lines.number

    @property
    def lines(self) -> int:
        """The number of the last whole line read."""
        return self.line_base if self._lines is None else self._lines.whole

    def rows(self) -> Iterator[Row]:
        try:
            with open(self.path, "rb") as raw:
                if self.start:
                    raw.seek(self.start)
                self._lines = _Lines(raw, self.start)
                self._lines.number = self._lines.whole = self.line_base
                for row in _jsonl_rows(self._lines):
                    self.offset = self._lines.offset
                    yield row
                self.offset = self._lines.offset
        except AioptError as exc:
            exc.file = str(self.path)
            raise
        except UnicodeDecodeError:
            number = self._lines.number if self._lines else self.line_base + 1
            raise AioptError(
                "is not UTF-8 text",
                file=str(self.path),
                line=number or None,
                hint="export the log as UTF-8 JSONL or CSV",
            ) from None
        except OSError as exc:
            raise AioptError(f"cannot read the baseline log: {exc}", file=str(self.path)) from None


def plain_jsonl(path: Path) -> bool:
    """True for a log whose tail can be read on its own: a regular file of JSON lines, not compressed,
    not CSV."""
    name = path.name.lower()
    if name.endswith((".gz", ".csv")) or not path.is_file():  # a FIFO or a device streams once, from the start
        return False
    return not (name.endswith(".json") and is_document(path))


def is_document(path: Path) -> bool:
    """True when the file is one JSON document rather than one record per line."""
    with _open_binary(path) as raw:
        first = raw.readline(MAX_LINE_BYTES).removeprefix(_BOM)
    try:
        json.loads(first)
    except (ValueError, RecursionError):
        return True
    return first.lstrip().startswith(b"[")


def _document_rows(raw: IO[bytes]) -> Iterator[Row]:
    data = raw.read(MAX_DOCUMENT_BYTES + 1)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise AioptError(
            f"a single JSON document over {MAX_DOCUMENT_BYTES // 2**20} MiB",
            hint="export the log as JSONL (one record per line), which streams",
        )
    try:
        text = _first_line(data).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise AioptError(
            "is not UTF-8 text", line=data[: exc.start].count(b"\n") + 1, hint="export the log as UTF-8 JSON or JSONL"
        ) from None
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as exc:
        yield getattr(exc, "lineno", 1), None
        return
    for item in document if isinstance(document, list) else [document]:
        yield 1, item if isinstance(item, dict) else None


def _loads() -> Any:
    try:  # a dependency; the standard library gives the same results where orjson cannot be installed
        import orjson

        return orjson.loads
    except ImportError:
        return json.loads


def _jsonl_rows(lines: _Lines) -> Iterator[Row]:
    loads = _loads()
    for number, line in lines:
        if line is None:
            yield number, None
            continue
        if not line.strip():
            continue
        try:
            row = loads(line)
        except (ValueError, RecursionError):
            yield number, None
            continue
        yield number, row if isinstance(row, dict) else None


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


def _csv_rows(lines: _Lines) -> Iterator[Row]:
    """Rows of a CSV file; a row csv cannot parse (an over-long field or line) is a bad row, and
    reading goes on with the next one."""
    overlong: list[int] = []

    def text() -> Iterator[str]:
        for number, line in lines:
            if line is None:
                overlong.append(number)
            else:
                yield line

    reader = csv.DictReader(text())
    while True:
        before = lines.number
        try:
            for row in reader:
                if overlong:
                    yield from _flush(overlong)
                yield lines.number, _nest(row)
            break
        except csv.Error:
            if lines.number == before:
                break
            yield from _flush(overlong)
            yield lines.number, None
    yield from _flush(overlong)


def _flush(numbers: list[int]) -> Iterator[Row]:
    rows = [(n, None) for n in numbers]
    numbers.clear()
    yield from rows
