"""Append-only logs read incrementally (`baseline/incremental.py`, `baseline/cache.py`): a grown log
is read from where the cached summary stopped and gives the very summary of a full read; a rotated,
truncated or rewritten log is read again in full; a read cut short keeps its checkpoint, and the
next read finishes it."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from aiopt_hooks.baseline import cache, duck, incremental
from aiopt_hooks.baseline.files import JsonlTail
from aiopt_hooks.baseline.read import summarize_baseline
from tests.baseline.test_cache import _canon
from tests.support.repos import usage_rows

THRESHOLDS = (1500, 200000)


def _rows(n: int, start: int = 0, feature: str = "summarize") -> list[dict[str, Any]]:
    rows = usage_rows(feature, "gpt-4o-mini", n, lambda i: 1000 + 7 * (i + start), lambda i: 50 + (i + start) % 400)
    for i, row in enumerate(rows):
        row["ts"] = f"2026-03-{(i + start) % 28 + 1:02d}T10:00:00Z"
    return rows


def _lines(rows: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(r) + "\n" for r in rows)


def _full(path: Path) -> dict[str, object]:
    return _canon(summarize_baseline([path], THRESHOLDS))  # no cache: read in full


class Spy:
    """Where each read of a log started (0 = the whole log)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.starts: list[int] = []
        real = JsonlTail.__init__

        def init(tail: JsonlTail, path: Path, start: int, line_base: int) -> None:
            self.starts.append(start)
            real(tail, path, start, line_base)

        monkeypatch.setattr(JsonlTail, "__init__", init)


def test_appended_rows_are_read_alone_and_give_the_full_summary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log, cache_dir = tmp_path / "u.jsonl", tmp_path / "c"
    log.write_text(_lines(_rows(300)))
    summarize_baseline([log], THRESHOLDS, cache_dir=cache_dir)
    read_part = log.stat().st_size
    with log.open("a") as fh:
        fh.write(_lines(_rows(30, 300, feature="classify")) + "{not json\n")
    spy = Spy(monkeypatch)
    grown = summarize_baseline([log], THRESHOLDS, cache_dir=cache_dir)
    again = summarize_baseline([log], THRESHOLDS, cache_dir=cache_dir)  # now a plain hit
    assert spy.starts == [read_part] and _canon(again) == _canon(grown)
    assert _canon(grown) == _full(log)
    assert grown.requests == 330 and grown.bad_lines == [f"{log}:331 (not a usage record)"]


@pytest.mark.parametrize(
    "change", ["rotated", "truncated", "rewritten-same-size", "rewritten-and-grown", "edited-in-the-read-part"]
)
def test_a_log_that_did_not_only_grow_is_read_again_in_full(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    log, cache_dir = tmp_path / "u.jsonl", tmp_path / "c"
    text = _lines(_rows(300))
    log.write_text(text)
    summarize_baseline([log], THRESHOLDS, cache_dir=cache_dir)
    if change == "rotated":
        log.write_text(_lines(_rows(40, 1000)))
    elif change == "truncated":
        log.write_text(text[: text.index("\n", len(text) // 2) + 1])
    elif change == "rewritten-same-size":
        log.write_text(text.replace('"gpt-4o-mini"', '"gpt-4o-nano"'))
    elif change == "rewritten-and-grown":
        log.write_text(text.replace('"gpt-4o-mini"', '"gpt-4.1-nano"') + _lines(_rows(5, 300)))
    else:  # the last block of the read part changes, then the log grows
        log.write_text(text[:-200] + text[-200:].replace("summarize", "summarise") + _lines(_rows(5, 300)))
    spy = Spy(monkeypatch)
    after = summarize_baseline([log], THRESHOLDS, cache_dir=cache_dir)
    assert spy.starts == [0]
    assert _canon(after) == _full(log)


def test_a_log_read_by_duckdb_then_grown_reads_only_the_tail(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("duckdb")
    monkeypatch.setattr(duck, "MIN_BYTES", 0)
    log, cache_dir = tmp_path / "u.jsonl", tmp_path / "c"
    log.write_text(_lines(_rows(500)))
    summarize_baseline([log], THRESHOLDS, cache_dir=cache_dir)
    entry, _ = cache.load(cache_dir, cache.cache_key(log, THRESHOLDS, None)) or pytest.fail("not cached")
    assert (entry.offset, entry.lines, entry.dialect, entry.appendable) == (log.stat().st_size, None, "aiopt", True)
    with log.open("a") as fh:
        fh.write(_lines(_rows(5, 500)) + "[1]\n")
    spy = Spy(monkeypatch)
    monkeypatch.setattr(duck, "MIN_BYTES", 10**12)  # the full read below must not use DuckDB either
    grown = summarize_baseline([log], THRESHOLDS, cache_dir=cache_dir)
    assert spy.starts == [entry.offset]
    assert _canon(grown) == _full(log) and grown.bad_lines == [f"{log}:506 (not a usage record)"]


def test_a_read_cut_short_is_finished_by_the_next_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A timeout (here an exception after 3,000 rows) keeps the last checkpoint; the next check reads on from it."""
    log, cache_dir = tmp_path / "u.jsonl", tmp_path / "c"
    log.write_text(_lines(_rows(5000)))
    monkeypatch.setattr(incremental, "CHECKPOINT_SECONDS", 0.0)
    real = JsonlTail.rows

    def cut(tail: JsonlTail) -> Any:
        for number, row in real(tail):
            if number > 3000:
                raise TimeoutError("max_seconds")
            yield number, row

    monkeypatch.setattr(JsonlTail, "rows", cut)
    with pytest.raises(TimeoutError):
        summarize_baseline([log], THRESHOLDS, cache_dir=cache_dir)
    entry, _ = cache.load(cache_dir, cache.cache_key(log, THRESHOLDS, None)) or pytest.fail("no checkpoint kept")
    assert 0 < entry.offset < log.stat().st_size and entry.lines == 2048 and entry.summary.requests == 2048
    monkeypatch.setattr(JsonlTail, "rows", real)
    spy = Spy(monkeypatch)
    finished = summarize_baseline([log], THRESHOLDS, cache_dir=cache_dir)
    assert spy.starts == [entry.offset]
    assert _canon(finished) == _full(log)


def test_a_log_ending_inside_a_line_is_cached_whole_and_reread_when_it_grows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log, cache_dir = tmp_path / "u.jsonl", tmp_path / "c"
    log.write_text(_lines(_rows(100)).rstrip("\n"))
    first = summarize_baseline([log], THRESHOLDS, cache_dir=cache_dir)
    assert first.requests == 100
    spy = Spy(monkeypatch)
    assert _canon(summarize_baseline([log], THRESHOLDS, cache_dir=cache_dir)) == _canon(first)
    assert spy.starts == []  # a hit
    with log.open("a") as fh:
        fh.write("\n" + _lines(_rows(3, 100)))
    grown = summarize_baseline([log], THRESHOLDS, cache_dir=cache_dir)
    assert spy.starts == [0]
    assert _canon(grown) == _full(log)


@pytest.mark.parametrize("suffix", ["csv", "jsonl.gz"])
def test_compressed_and_csv_logs_are_reread_in_full(tmp_path: Path, suffix: str) -> None:
    log, cache_dir = tmp_path / f"u.{suffix}", tmp_path / "c"
    rows = _rows(200)

    def write(items: list[dict[str, Any]], mode: str) -> None:
        if suffix == "csv":
            import csv

            with log.open(mode, newline="") as fh:
                writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
                if mode == "w":
                    writer.writeheader()
                writer.writerows(items)
        else:
            with gzip.open(log, mode + "t") as fh:
                fh.write(_lines(items))

    write(rows, "w")
    summarize_baseline([log], THRESHOLDS, cache_dir=cache_dir)
    write(_rows(10, 200), "a")
    grown = summarize_baseline([log], THRESHOLDS, cache_dir=cache_dir)
    assert grown.requests == 210 and _canon(grown) == _full(log)
