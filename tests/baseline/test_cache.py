"""The baseline summary: cache under the git dir, summary files, the DuckDB engine, merging."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from aiopt_hooks.baseline import cache
from aiopt_hooks.baseline.model import BaselineSummary, merge_into, rebucket, summary_from_dict, summary_to_dict
from aiopt_hooks.baseline.read import summarize_baseline
from aiopt_hooks.errors import AioptError
from tests.support.repos import usage_rows, write_log

THRESHOLDS = (32000, 200000)


def _log(path: Path, n: int = 300) -> Path:
    rows = usage_rows(
        "summarize", "gpt-4o-mini", n, lambda i: 1000 + 7 * i, lambda i: min(50 + i, 512), finish_reason="stop"
    )
    rows += usage_rows(
        "chat",
        "claude-3-5-haiku",
        n // 3,
        lambda i: 30000 + 97 * i,
        300,
        provider="anthropic",
        cached_input_tokens=800,
        reasoning_tokens=20,
    )
    rows[5]["status"] = "error"
    rows[7]["finish_reason"] = "length"
    return write_log(path, rows)


def _rounded(value: Any) -> Any:
    """Floats to 12 significant digits: two engines may add the same costs in another order (token
    counts are whole numbers, exact either way)."""
    if isinstance(value, float):
        return float(f"{value:.12g}")
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_rounded(v) for v in value)
    return value


def _canon(summary: BaselineSummary) -> dict[str, object]:
    data = summary_to_dict(summary)
    data["paths"] = []
    data["groups"] = sorted(
        ({**g, "cells": sorted(map(tuple, g["cells"]))} for g in data["groups"]),  # type: ignore[union-attr]
        key=lambda g: (g["feature"], g["model"]),
    )
    rounded: dict[str, object] = _rounded(data)
    return rounded


def test_summary_round_trips_through_json(tmp_path: Path) -> None:
    summary = summarize_baseline([_log(tmp_path / "u.jsonl")], THRESHOLDS)
    again = summary_from_dict(json.loads(json.dumps(summary_to_dict(summary))))
    assert _canon(again) == _canon(summary)
    assert again.requests == 400 and again.groups[("summarize", "openai", "gpt-4o-mini")].failed == 1


def test_cache_hit_skips_reading_the_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = _log(tmp_path / "u.jsonl")
    cache_dir = tmp_path / "git" / "aiopt"
    first = summarize_baseline([log], THRESHOLDS, cache_dir=cache_dir)
    assert len(list(cache_dir.glob("summary-*.json"))) == 1
    monkeypatch.setattr("aiopt_hooks.baseline.read._read_one", lambda *a: pytest.fail("log re-read"))
    second = summarize_baseline([log], THRESHOLDS, cache_dir=cache_dir)
    assert _canon(second) == _canon(first)


def test_stale_cache_is_rebuilt_when_the_log_changes(tmp_path: Path) -> None:
    log = _log(tmp_path / "u.jsonl")
    cache_dir = tmp_path / "c"
    before = summarize_baseline([log], THRESHOLDS, cache_dir=cache_dir)
    with log.open("a") as fh:  # an appended row: size, mtime and tail change
        fh.write(json.dumps(usage_rows("summarize", "gpt-4o-mini", 1, 10, 10)[0]) + "\n")
    after = summarize_baseline([log], THRESHOLDS, cache_dir=cache_dir)
    assert after.requests == before.requests + 1


def test_corrupt_cache_is_ignored_and_rewritten(tmp_path: Path) -> None:
    log = _log(tmp_path / "u.jsonl")
    cache_dir = tmp_path / "c"
    good = summarize_baseline([log], THRESHOLDS, cache_dir=cache_dir)
    entry = next(cache_dir.glob("summary-*.json"))
    entry.write_text('{"aiopt_summary": 2, "groups": [tru')
    again = summarize_baseline([log], THRESHOLDS, cache_dir=cache_dir)
    assert _canon(again) == _canon(good)
    assert json.loads(entry.read_text())["summary"]["requests"] == 400


def test_cache_write_failure_is_not_an_error(tmp_path: Path) -> None:
    log = _log(tmp_path / "u.jsonl")
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("x")
    assert summarize_baseline([log], THRESHOLDS, cache_dir=blocker / "aiopt").requests == 400


def test_concurrent_writers_never_leave_a_corrupt_cache(tmp_path: Path) -> None:
    """Several processes (two terminals, two worktrees) summarizing into one cache dir at once."""
    log = _log(tmp_path / "u.jsonl", n=3000)
    cache_dir = tmp_path / "c"
    code = (
        "import sys; from pathlib import Path; from aiopt_hooks.baseline.read import summarize_baseline;"
        f"s = summarize_baseline([Path({str(log)!r})], {THRESHOLDS!r}, cache_dir=Path({str(cache_dir)!r}));"
        "print(s.requests)"
    )
    procs = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True) for _ in range(4)]
    outputs = [p.communicate(timeout=60)[0].strip() for p in procs]
    assert outputs == ["4000"] * 4
    entries = list(cache_dir.glob("summary-*.json"))
    assert len(entries) == 1 and not list(cache_dir.glob(".summary-*"))
    assert summary_from_dict(json.loads(entries[0].read_text())["summary"]).requests == 4000


def test_cache_key_changes_with_thresholds_and_format(tmp_path: Path) -> None:
    log = _log(tmp_path / "u.jsonl")
    keys = {
        cache.cache_key(log, THRESHOLDS, None),
        cache.cache_key(log, (32000,), None),
        cache.cache_key(log, THRESHOLDS, "aiopt"),
    }
    assert len(keys) == 3


def test_summary_file_as_baseline(tmp_path: Path) -> None:
    log = _log(tmp_path / "u.jsonl")
    summary = summarize_baseline([log], THRESHOLDS)
    file = tmp_path / "baseline-summary.json"
    file.write_text(json.dumps(summary_to_dict(summary)))
    from_file = summarize_baseline([file], THRESHOLDS)
    assert _canon(from_file) == _canon(summary)


def test_summary_file_with_other_thresholds_is_rebucketed(tmp_path: Path) -> None:
    summary = summarize_baseline([_log(tmp_path / "u.jsonl")], (32000, 200000))
    moved = rebucket(summary, (1500, 32000, 200000))
    assert moved.requests == summary.requests
    counts = {k[0] for g in moved.groups.values() for k in g.cells}
    assert counts >= {0, 1, 2}  # inputs 1000..3093 now split at 1500


def test_corrupt_summary_file_is_a_clear_error(tmp_path: Path) -> None:
    file = tmp_path / "s.json"
    file.write_text('{"aiopt_summary": 2, "paths": []}')
    with pytest.raises(AioptError, match="not a valid baseline summary"):
        summarize_baseline([file], THRESHOLDS)


def test_merge_adds_two_logs(tmp_path: Path) -> None:
    a = summarize_baseline([_log(tmp_path / "a.jsonl")], THRESHOLDS)
    both = summarize_baseline([_log(tmp_path / "a.jsonl"), _log(tmp_path / "b.jsonl")], THRESHOLDS)
    merged = BaselineSummary(paths=[], thresholds=THRESHOLDS)
    merge_into(merged, a)
    merge_into(merged, a)
    assert _canon(merged) == _canon(both)


@pytest.mark.parametrize(
    "suffix",
    [pytest.param("jsonl", id="jsonl"), pytest.param("csv", id="csv"), pytest.param("jsonl.gz", id="jsonl-gz")],
)
def test_duckdb_engine_equals_the_streaming_reader(tmp_path: Path, suffix: str) -> None:
    pytest.importorskip("duckdb")
    from aiopt_hooks.baseline import duck
    from aiopt_hooks.baseline.read import _read_one

    rows = usage_rows("summarize", "gpt-4o-mini", 500, lambda i: 1000 + 7 * i, lambda i: min(50 + i, 512))
    rows += usage_rows(
        "chat",
        "claude-3-5-haiku",
        200,
        lambda i: 150000 + 997 * i,
        300,
        provider="Anthropic",
        cached_input_tokens=800,
        reasoning_tokens=20,
        billed_cost=0.01,
        finish_reason="length",
    )
    rows[3]["status"] = "error"
    rows[4].pop("feature_tag")
    rows[4]["meta"] = {"feature_tag": "from-meta"}
    rows[6].pop("feature_tag")
    rows[6]["endpoint"] = "responses"
    path = tmp_path / f"u.{suffix}"
    if suffix.startswith("csv"):
        import csv

        fields = sorted({k for r in rows for k in r if k != "meta"}) + ["meta.feature_tag"]
        with path.open("w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=fields)
            writer.writeheader()
            for r in rows:
                flat = {k: v for k, v in r.items() if k != "meta"}
                if "meta" in r:
                    flat["meta.feature_tag"] = r["meta"]["feature_tag"]
                writer.writerow(flat)
    elif suffix.endswith(".gz"):
        import gzip

        with gzip.open(path, "wt") as fh:
            fh.writelines(json.dumps(r) + "\n" for r in rows)
    else:
        write_log(path, rows)
    fast = duck.summarize_with_duckdb(path, "u", THRESHOLDS)
    slow = BaselineSummary(paths=["u"], thresholds=THRESHOLDS)
    _read_one(path, "u", slow, None)
    assert fast is not None
    assert _canon(fast) == _canon(slow)


def test_duckdb_engine_declines_malformed_logs(tmp_path: Path) -> None:
    pytest.importorskip("duckdb")
    from aiopt_hooks.baseline import duck

    path = write_log(tmp_path / "u.jsonl", usage_rows("s", "gpt-4o", 20, 100, 10))
    with path.open("a") as fh:
        fh.write("not json\n")
    assert duck.summarize_with_duckdb(path, "u", THRESHOLDS) is None
    epoch_rows = usage_rows("s", "gpt-4o", 5, 100, 10)
    for r in epoch_rows:
        r["ts"] = 1772323200
    path2 = write_log(tmp_path / "e.jsonl", epoch_rows)
    assert (
        duck.summarize_with_duckdb(path2, "u", THRESHOLDS) is None
        or duck.summarize_with_duckdb(path2, "u", THRESHOLDS).first_ts == 1772323200.0
    )


def test_price_cache_answers_without_the_price_data(tmp_path: Path) -> None:
    """A repeated check resolves prices from `.git/aiopt/prices-*.json` without importing genai-prices."""
    code = """
import sys
from pathlib import Path
if sys.argv[2] == "blocked":
    sys.modules["genai_prices"] = None   # any import of the price data now fails
from aiopt_hooks.config import Config
from aiopt_hooks.pricing.prices import PriceBook, UnknownModel
book = PriceBook(Config(), Path(sys.argv[1]))
price = book.resolve("gpt-4o-mini", "openai")
try:
    book.resolve("gpt-4o-mnii", "openai")
except UnknownModel as exc:
    print(exc.suggestions[0])
print(price.model_id, price.by_class[0].input * 1e6, len(book.thresholds), len(book.provider_models("openai")) > 10)
book.save()
"""
    first = subprocess.run([sys.executable, "-c", code, str(tmp_path), "warm-up"], capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    second = subprocess.run([sys.executable, "-c", code, str(tmp_path), "blocked"], capture_output=True, text=True)
    assert second.returncode == 0, second.stderr
    assert second.stdout == first.stdout
    assert second.stdout.splitlines()[0] == "gpt-4o-mini"
    assert second.stdout.splitlines()[1].startswith("gpt-4o-mini 0.15")
