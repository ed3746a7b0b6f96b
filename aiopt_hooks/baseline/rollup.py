"""Warehouse rows -> baseline summary (`aiopt baseline import-rows`).

Stage: the rows that docs/warehouse/*.sql produce in a team's warehouse (exported by its own
client as CSV or JSON lines, gzipped or not) -> one `BaselineSummary`, the same as summarizing
the raw log.  Three kinds of row: `cell` (tier class, output tokens, truncated -> sums), `day`
(UTC day -> sums) and `group` (requests, failures, retries, stated cost, failed rows' sums, the largest
input and the time window) per (feature, provider, model).  Rows of several exports (one per month, say)
add up.  The rows are checked: a cell whose mean input lies outside its tier class means the
SQL's embedded thresholds are not the ones given; cells that do not add up to their group's
requests mean part of the export is missing.
"""

from __future__ import annotations

import bisect
import csv
import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from aiopt_hooks.baseline.model import BaselineSummary, Group, add_sums
from aiopt_hooks.errors import AioptError

# The output columns of every docs/warehouse/*.sql file, in order.
COLUMNS = (
    "kind",
    "feature",
    "provider",
    "model",
    "tier_class",
    "output_tokens",
    "truncated",
    "day",
    "requests",
    "input_sum",
    "cached_sum",
    "cache_write_sum",
    "output_sum",
    "reasoning_sum",
    "failed",
    "retries",
    "billed_cost",
    "billed_rows",
    "failed_input_sum",
    "failed_cached_sum",
    "failed_cache_write_sum",
    "failed_output_sum",
    "failed_reasoning_sum",
    "max_input",
    "first_ts",
    "last_ts",
)
_CELL_SUMS = ("requests", "input_sum", "cached_sum", "cache_write_sum", "reasoning_sum")
_DAY_SUMS = ("requests", "input_sum", "cached_sum", "cache_write_sum", "output_sum", "reasoning_sum")
_FAILED_SUMS = (
    "failed_input_sum",
    "failed_cached_sum",
    "failed_cache_write_sum",
    "failed_output_sum",
    "failed_reasoning_sum",
)
_NULLS = ("", "\\N")  # how warehouse clients write SQL NULL in CSV
_TRUE = ("1", "true", "t", "yes")
_FALSE = ("0", "false", "f", "no")
HINT = "export every column of docs/warehouse/<dialect>.sql, as CSV with a header or JSON lines"


def tier_case_sql(thresholds: tuple[int, ...], column: str = "input_tokens", indent: str = "    ") -> str:
    """The SQL CASE giving a request's tier class (`bisect_left(thresholds, input)`): the block
    that docs/warehouse/*.sql embed, printed by `aiopt baseline thresholds --sql`."""
    lines = [f"{indent}  WHEN {column} <= {t} THEN {i}" for i, t in enumerate(thresholds)]
    return "\n".join([f"{indent}CASE", *lines, f"{indent}  ELSE {len(thresholds)}", f"{indent}END"])


def summary_from_rows(paths: list[Path], thresholds: tuple[int, ...]) -> BaselineSummary:
    """One summary of every rows file, on `thresholds` (those the SQL's tier CASE embeds)."""
    summary = BaselineSummary(paths=[str(p) for p in paths], thresholds=tuple(thresholds))
    for path in paths:
        for line, row in read_rows(path):
            _add_row(summary, row, str(path), line)
    _check_totals(summary, ", ".join(summary.paths))
    summary.requests = sum(g.requests for g in summary.groups.values())
    summary.untagged = sum(g.requests for g in summary.groups.values() if not g.feature)
    if summary.requests == 0:
        raise AioptError("the warehouse rows hold no request", file=", ".join(summary.paths), hint=HINT)
    return summary


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line, row with lower-case keys) of a CSV (header first) or JSON-lines export, maybe gzipped."""
    name = path.name.lower().removesuffix(".gz")
    try:
        opener: Any = gzip.open if path.name.lower().endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8-sig", newline="") as fh:
            if name.endswith((".jsonl", ".ndjson", ".json")):
                yield from _json_rows(fh, str(path))
            else:
                yield from _csv_rows(fh, str(path))
    except (OSError, EOFError, UnicodeDecodeError, csv.Error) as exc:
        raise AioptError(f"cannot read the warehouse rows: {exc}", file=str(path), hint=HINT) from None


def _csv_rows(fh: IO[str], name: str) -> Iterator[tuple[int, dict[str, Any]]]:
    reader = csv.reader(fh)
    header = [h.strip().lower() for h in next(reader, [])]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise AioptError(f"the header lacks {', '.join(missing)}", file=name, line=1, hint=HINT)
    for values in reader:
        if values:
            yield reader.line_num, {h: (None if v in _NULLS else v) for h, v in zip(header, values)}


def _json_rows(fh: IO[str], name: str) -> Iterator[tuple[int, dict[str, Any]]]:
    for line, text in enumerate(fh, 1):
        if not text.strip():
            continue
        try:
            row = json.loads(text)
        except ValueError:
            raise AioptError("not a JSON object", file=name, line=line, hint=HINT) from None
        if not isinstance(row, dict):
            raise AioptError("not a JSON object", file=name, line=line, hint=HINT)
        yield line, {str(k).lower(): v for k, v in row.items()}


def _add_row(summary: BaselineSummary, row: dict[str, Any], name: str, line: int) -> None:
    kind = str(row.get("kind") or "").strip().lower()
    if kind not in ("cell", "day", "group"):
        raise AioptError(f"`kind` is {row.get('kind')!r}, not cell, day or group", file=name, line=line, hint=HINT)
    key = (_text(row, "feature"), _text(row, "provider"), _text(row, "model"))
    group = summary.groups.get(key)
    if group is None:
        group = summary.groups[key] = Group(*key)
    value = _Reader(row, name, line)
    if kind == "cell":
        _add_cell(group, value, summary.thresholds)
    elif kind == "day":
        if row.get("day") is not None:  # the day row of requests without a timestamp
            add_sums(group.days.setdefault(value.whole("day"), [0.0] * 6), [value.num(c) for c in _DAY_SUMS])
    else:
        _add_group(summary, group, value)


def _text(row: dict[str, Any], key: str) -> str:
    return "" if row.get(key) is None else str(row[key])


def _add_cell(group: Group, value: _Reader, thresholds: tuple[int, ...]) -> None:
    klass, sums = value.whole("tier_class"), [value.num(c) for c in _CELL_SUMS]
    if sums[0] > 0 and bisect.bisect_left(thresholds, sums[1] / sums[0]) != klass:
        raise AioptError(
            f"tier_class {klass} does not hold a mean input of {sums[1] / sums[0]:,.0f} tokens "
            f"on the thresholds {', '.join(map(str, thresholds))}",
            file=value.name,
            line=value.line,
            hint="the SQL's tier CASE and --thresholds differ: pass the thresholds the SQL "
            "embeds, or regenerate its CASE with `aiopt baseline thresholds --sql`",
        )
    cell = (klass, value.whole("output_tokens"), value.flag("truncated"))
    add_sums(group.cells.setdefault(cell, [0.0] * 5), sums)


def _add_group(summary: BaselineSummary, group: Group, value: _Reader) -> None:
    group.requests += value.whole("requests")
    group.failed += value.whole("failed")
    group.retries += value.whole("retries")
    group.stated_cost += value.opt("billed_cost") or 0.0
    group.stated_cost_rows += value.whole("billed_rows")
    add_sums(group.failed_tokens, [value.opt(c) or 0.0 for c in _FAILED_SUMS])
    group.max_input = max(group.max_input, value.whole("max_input"))
    for ts in (value.opt("first_ts"), value.opt("last_ts")):
        if ts is not None:
            summary.first_ts = ts if summary.first_ts is None else min(summary.first_ts, ts)
            summary.last_ts = ts if summary.last_ts is None else max(summary.last_ts, ts)


def _check_totals(summary: BaselineSummary, name: str) -> None:
    """Every group's cells (and days) add up to its requests: else part of the export is missing."""
    for group in summary.groups.values():
        in_cells = sum(v[0] for v in group.cells.values())
        in_days = sum(v[0] for v in group.days.values())
        if in_cells != group.requests or in_days > group.requests:
            label = "/".join(x or "(untagged)" for x in (group.feature, group.provider, group.model))
            raise AioptError(
                f"{label}: the group row counts {group.requests:,} requests, its cell rows "
                f"{in_cells:,.0f} and its day rows {in_days:,.0f}",
                file=name,
                hint="part of the export is missing or repeated: export the query's whole result",
            )


class _Reader:
    """Typed access to one row's values; a bad value is an error naming the file, line and column."""

    def __init__(self, row: dict[str, Any], name: str, line: int) -> None:
        self.row, self.name, self.line = row, name, line

    def _fail(self, key: str, what: str) -> AioptError:
        return AioptError(f"`{key}` is {what}", file=self.name, line=self.line, hint=HINT)

    def opt(self, key: str) -> float | None:
        """The number, or None for an empty value (SQL NULL)."""
        raw = self.row.get(key)
        if raw is None or raw == "":
            return None
        try:
            number = float(raw) if not isinstance(raw, bool) else float("nan")
        except (TypeError, ValueError):
            number = float("nan")
        if number != number or number in (float("inf"), float("-inf")):
            raise self._fail(key, f"not a number: {str(raw)[:40]!r}")
        return number

    def num(self, key: str) -> float:
        number = self.opt(key)
        if number is None:
            raise self._fail(key, "empty")
        return number

    def whole(self, key: str) -> int:
        raw = self.row.get(key)
        if isinstance(raw, int) and not isinstance(raw, bool):
            return raw
        try:
            return int(str(raw).strip())  # exact, however large
        except ValueError:
            number = self.num(key)
        if number != int(number):
            raise self._fail(key, f"not a whole number: {number!r}")
        return int(number)

    def flag(self, key: str) -> bool:
        text = str(self.row.get(key)).strip().lower().removesuffix(".0")
        if text not in _TRUE and text not in _FALSE:
            raise self._fail(key, f"not true/false: {str(self.row.get(key))[:40]!r}")
        return text in _TRUE
