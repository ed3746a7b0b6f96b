"""Hostile YAML and huge or odd usage logs: bounded time, bounded memory, a clear outcome.

YAML: alias bombs are refused (bounded expansion), `!!python/...` tags are never constructed,
giant files are a finding rather than a parse.  Logs: a long stream in bounded memory, one
100 MB line, every row bad, 1% bad, absurd token counts, mixed timestamps, duplicates, a window
of seconds.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import textwrap
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from aiopt_hooks.baseline.files import MAX_LINE_BYTES
from aiopt_hooks.baseline.read import summarize_baseline
from aiopt_hooks.errors import AioptError
from aiopt_hooks.extract.registry import extract_call_specs
from aiopt_hooks.yamlio import MAX_NODES, load_yaml
from tests.support.cli import add_config, finding, set_config
from tests.support.reliability import TreeGuard, child_env, run_aiopt, within
from tests.support.repos import GitRepo, swap_model, usage_rows, write_log

THRESHOLDS = (200_000,)


# -- hostile YAML ------------------------------------------------------------------------------


def _sequence_bomb(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, levels)]
    return "features:\n  summarize:\n    model: gpt-4o\n" + "\n".join(lines) + "\n"


def _mapping_bomb(levels: int = 9) -> str:
    lines = ["m0: &m0 {model: gpt-4o, max_tokens: 1}"]
    lines += [f"m{i}: &m{i} {{" + ", ".join(f"k{j}: *m{i - 1}" for j in range(9)) + "}" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def _merge_bomb(levels: int = 9) -> str:
    lines = ["b0: &b0 {model: gpt-4o}"]
    lines += [
        f"b{i}: &b{i} {{<<: [" + ", ".join([f"*b{i - 1}"] * 9) + f"], x{i}: [" + ", ".join([f"*b{i - 1}"] * 9) + "]}"
        for i in range(1, levels)
    ]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(_sequence_bomb(), id="sequence-aliases"),
        pytest.param(_mapping_bomb(), id="mapping-aliases"),
        pytest.param(_merge_bomb(), id="merge-keys"),
    ],
)
@pytest.mark.parametrize("path", ["config/llm.yaml", "litellm/config.yaml", "chat.prompty"])
def test_alias_bombs_are_refused_quickly(path: str, text: str) -> None:
    if path.endswith(".prompty"):
        text = f"---\n{text}---\nHello\n"
    with within(10):
        try:
            extract_call_specs(path, text)
        except AioptError as exc:
            assert exc.file == path and exc.line is not None
            assert "alias" in str(exc) and f"{MAX_NODES:,}" in str(exc)
            return
    # Prompty front matter that is not loadable is read block by block: the bomb is never expanded.
    assert path.endswith(".prompty")


def test_aliases_below_the_bound_still_work() -> None:
    text = "base: &b {model: gpt-4o-mini, max_tokens: 512}\nfeatures:\n  a: *b\n  b: *b\n"
    specs = extract_call_specs("config/llm.yaml", text)
    assert sorted((s.feature, s.fields["model"]) for s in specs if s.selector.startswith("features")) == [
        ("a", "gpt-4o-mini"),
        ("b", "gpt-4o-mini"),
    ]


def test_alias_bomb_in_the_config_is_an_error_not_a_hang(app: GitRepo) -> None:
    bomb = _sequence_bomb().replace("features:\n  summarize:\n    model: gpt-4o\n", "")
    (app.path / ".aiopt.yaml").write_text(bomb)
    swap_model(app)
    result = run_aiopt(app.path, "check", timeout=30)
    assert result.code == 2 and result.seconds < 20
    assert ".aiopt.yaml" in result.err and "alias" in result.err and "Traceback" not in result.err


@pytest.mark.parametrize(
    "tag",
    [
        "!!python/object/apply:os.system ['touch {marker}']",
        "!!python/object/new:subprocess.Popen [['touch', '{marker}']]",
        "!!python/name:os.system",
        "!!python/module:os",
    ],
)
def test_python_tags_are_never_constructed(app: GitRepo, tmp_path: Path, tag: str) -> None:
    marker = tmp_path / "pwned"
    path = app.path / "config" / "llm.yaml"
    path.write_text(path.read_text().replace("temperature: 0.2", f"temperature: {tag.format(marker=marker)}"))
    app.stage("config/llm.yaml")
    guard = TreeGuard(app)
    result = run_aiopt(app.path, "check")
    assert result.code == 2, result.err
    assert "config/llm.yaml:" in result.err and "Traceback" not in result.err
    assert not marker.exists()
    guard.check()


def test_giant_watched_file_is_a_finding_not_a_parse(app: GitRepo, run: Any) -> None:
    """A 30 MB scalar in a watched config is over max_file_bytes: reported, never parsed."""
    (app.path / "config" / "huge_llm.yaml").write_text(
        "features:\n  x:\n    model: gpt-4o\n    prompt: '" + "A" * 30_000_000 + "'\n"
    )
    app.stage("config/huge_llm.yaml")
    started = __import__("time").monotonic()
    result = run("--format", "json")
    assert __import__("time").monotonic() - started < 10
    assert result.code == 0
    too_large = finding(result.json(), "file_too_large")
    assert too_large["file"] == "config/huge_llm.yaml" and "max_file_bytes" in too_large["message"]


def test_max_file_bytes_is_configurable(app: GitRepo, run: Any) -> None:
    swap_model(app)
    add_config(app, "max_file_bytes: 100\n")
    data = run("--format", "json").json()
    assert {(f["code"], f["file"]) for f in data["findings"]} == {("file_too_large", "config/llm.yaml")}
    assert data["changes"] == []


@pytest.mark.parametrize("value", ["0", "-5", ".nan", ".inf", "lots"])
def test_max_file_bytes_must_be_a_positive_number(app: GitRepo, run: Any, value: str) -> None:
    swap_model(app)
    add_config(app, f"max_file_bytes: {value}\n")
    result = run()
    assert result.code == 2 and ".aiopt.yaml" in result.err and "max_file_bytes" in result.err


def test_giant_scalar_under_the_limit_parses() -> None:
    text = "features:\n  x:\n    model: gpt-4o\n    system_prompt: '" + "word " * 400_000 + "'\n"
    with within(20):
        specs = extract_call_specs("config/llm.yaml", text)
    assert specs[0].fields["model"] == "gpt-4o" and specs[0].fields["prompt"] == "inline"


def test_yaml_safe_load_only() -> None:
    with pytest.raises(AioptError):
        load_yaml("x: !!python/object/apply:os.getcwd []\n", "x.yaml")
    assert load_yaml("x: !!str 5\ny: !!float '1'\n", "x.yaml") == {"x": "5", "y": 1.0}


# -- huge and odd logs -------------------------------------------------------------------------

_STREAM = textwrap.dedent("""
    import os, resource, sys, threading
    from pathlib import Path
    from aiopt_hooks.baseline.read import summarize_baseline
    fifo, rows, pad = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    row = ('{{"id": "c{i}", "created": {ts}, "model": "gpt-4o-mini", "feature_tag": "f{f}", '
           '"usage": {{"prompt_tokens": {inp}, "completion_tokens": {out}}}, "messages": "' + "x" * pad + '"}}\\n')
    def feed():
        with open(fifo, "w") as fh:
            for i in range(rows):
                fh.write(row.format(i=i, ts=1772323200 + i * 7, f=i % 7, inp=100 + i % 3000, out=i % 700))
    threading.Thread(target=feed, daemon=True).start()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    summary = summarize_baseline([fifo], (200000,))
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(summary.requests, summary.bad_rows, (after - before) // 1024)
""")


def _stream_growth(tmp_path: Path, rows: int, pad: int) -> tuple[int, int, int]:
    fifo = tmp_path / f"stream-{rows}.jsonl"
    os.mkfifo(fifo)
    proc = subprocess.run(
        [sys.executable, "-c", _STREAM, str(fifo), str(rows), str(pad)],
        capture_output=True,
        text=True,
        env=child_env(),
        timeout=240,
    )
    assert proc.returncode == 0, proc.stderr
    requests, bad, grown_mb = map(int, proc.stdout.split())
    return requests, bad, grown_mb


@pytest.mark.skipif(not hasattr(os, "mkfifo") or sys.platform == "darwin", reason="needs a FIFO and Linux ru_maxrss")
def test_a_long_log_streams_in_bounded_memory(tmp_path: Path) -> None:
    """A generated stream of ~240 MB (60,000 rows of 4 KB) through a FIFO: the peak memory grows by
    no more than for a 24 MB one (the 5 GB figure is in benchmarks/big_log.py)."""
    small = _stream_growth(tmp_path, 6_000, 4_000)
    large = _stream_growth(tmp_path, 60_000, 4_000)
    assert (small[0], large[0], large[1]) == (6_000, 60_000, 0)
    assert large[2] < small[2] + 24, f"memory grew with the log: {small[2]} MB -> {large[2]} MB"


def test_one_100mb_line_is_a_counted_bad_row_in_bounded_memory(tmp_path: Path) -> None:
    rows = usage_rows("summarize", "gpt-4o-mini", 3, 100, 10)
    log = tmp_path / "usage.jsonl"
    with open(log, "w") as fh:
        fh.write(json.dumps(rows[0]) + "\n")
        fh.write('{"model": "gpt-4o", "prompt": "' + "y" * 100_000_000 + '"}\n')
        fh.write(json.dumps(rows[1]) + "\n")
        fh.write(json.dumps(rows[2]))  # and a last line without a newline
    tracemalloc.start()
    try:
        summary = summarize_baseline([log], THRESHOLDS)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (summary.requests, summary.bad_rows) == (3, 1)
    assert summary.bad_lines[0].endswith("usage.jsonl:2 (not a usage record)")
    assert peak < 3 * MAX_LINE_BYTES, f"peak {peak / 2**20:.0f} MiB: the long line was held whole"


def test_a_long_csv_line_is_a_bad_row_and_reading_goes_on(tmp_path: Path) -> None:
    log = tmp_path / "usage.csv"
    log.write_text(
        "ts,model,input_tokens,output_tokens,feature_tag\n"
        "2026-03-01T00:00:00Z,gpt-4o,10,5,a\n" + "2026-03-01T00:00:01Z,gpt-4o," + "9" * (MAX_LINE_BYTES + 10) + ",5,a\n"
        "2026-03-01T00:00:02Z,gpt-4o,10,5,a\n"
        '2026-03-01T00:00:03Z,gpt-4o,10,5,"' + "q" * 200_000 + '"\n'
        "2026-03-02T00:00:00Z,gpt-4o,10,5,a\n"
    )
    summary = summarize_baseline([log], THRESHOLDS)
    assert (summary.requests, summary.bad_rows) == (3, 2)
    assert summary.span_days == pytest.approx(1.0)


def _log_with_bad_rows(path: Path, total: int, every: int) -> list[int]:
    rows = usage_rows("summarize", "gpt-4o-mini", total, 1000, 100)
    lines, bad = [], []
    for i, row in enumerate(rows, 1):
        if i % every == 0:
            lines.append(["{broken", '"just a string"', '{"model": "gpt-4o"}'][i % 3])
            bad.append(i)
        else:
            lines.append(json.dumps(row))
    path.write_text("\n".join(lines) + "\n")
    return bad


def test_one_percent_bad_rows_are_counted_with_the_first_line_numbers(app: GitRepo, run: Any) -> None:
    bad = _log_with_bad_rows(app.path / "usage.jsonl", 3000, 100)
    swap_model(app)
    data = run("--format", "json").json()
    assert data["baseline"]["requests"] == 3000 - len(bad)
    message = finding(data, "bad_log_rows")["message"]
    assert message.startswith(f"{len(bad)} log rows")
    assert all(f"usage.jsonl:{n} " in message for n in bad[:5]) and f"usage.jsonl:{bad[5]} " not in message


def test_every_row_bad_is_an_error(app: GitRepo, run: Any) -> None:
    (app.path / "usage.jsonl").write_text("{broken\n" * 50 + '{"model": "gpt-4o"}\n' * 50)
    swap_model(app)
    result = run()
    assert result.code == 2
    assert "no usable request rows" in result.err and "usage.jsonl:1 " in result.err


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("input_tokens", -5),
        ("output_tokens", -1),
        ("input_tokens", 10**12),
        ("output_tokens", 1e300),
        ("input_tokens", "lots"),
        ("input_tokens", None),
        ("output_tokens", [1]),
        ("input_tokens", True),
    ],
)
def test_negative_or_absurd_token_counts_are_rejected_rows(tmp_path: Path, field: str, value: Any) -> None:
    rows = usage_rows("a", "gpt-4o", 4, 100, 10)
    rows[1][field] = value
    summary = summarize_baseline([write_log(tmp_path / "usage.jsonl", rows)], THRESHOLDS)
    assert (summary.requests, summary.bad_rows) == (3, 1)
    group = summary.groups[("a", "openai", "gpt-4o")]
    assert sum(c[1] for c in group.cells.values()) == 300


def test_mixed_timestamp_formats_zones_and_order(tmp_path: Path) -> None:
    stamps = [
        "2026-03-05T12:00:00+02:00",
        "1772323200",
        1772755200000,
        "2026-03-02 00:00:00",
        "2026-03-03T00:00:00.250Z",
        "2026-03-01T19:00:00-05:00",
        1772409600.5,
        "2026-03-04 00:00:00 UTC",
    ]
    rows = [{**usage_rows("a", "gpt-4o", 1, 100, 10)[0], "ts": ts} for ts in stamps]
    summary = summarize_baseline([write_log(tmp_path / "usage.jsonl", rows)], THRESHOLDS)
    assert (summary.requests, summary.bad_rows) == (8, 0)
    # earliest 2026-03-01T00:00:00Z (1772323200), latest 2026-03-06T00:00:00Z (1772755200000 ms)
    assert (summary.first_ts, summary.last_ts) == (1772323200.0, 1772755200.0)
    assert summary.span_days == pytest.approx(5.0)


def test_duplicate_rows_are_counted_and_optionally_left_out(app: GitRepo, run: Any) -> None:
    log = app.path / "usage.jsonl"
    rows = usage_rows("summarize", "gpt-4o-mini", 400, 1000, 100)
    rows = [dict(row, request_id=f"req-{i}") for i, row in enumerate(rows)]
    write_log(log, rows + rows[:40])  # the first 40 shipped twice
    swap_model(app)
    data = run("--format", "json").json()
    assert data["baseline"]["requests"] == 440
    dup = finding(data, "duplicate_log_rows")
    assert dup["level"] == "warn" and dup["message"].startswith("40 log rows")
    assert "usage.jsonl:401" in dup["message"]

    set_config(app, "  path: usage.jsonl\n", "  path: usage.jsonl\n  dedupe: true\n")
    deduped = run("--format", "json").json()
    assert deduped["baseline"]["requests"] == 400
    assert finding(deduped, "duplicate_log_rows")["level"] == "info"
    assert deduped["changes"][0]["baseline_monthly_usd"] < data["changes"][0]["baseline_monthly_usd"]


@pytest.mark.parametrize(
    ("seconds", "timestamps"),
    [
        pytest.param(5, True, id="five-seconds"),
        pytest.param(0, True, id="one-instant"),
    ],
)
def test_a_window_of_seconds_is_low_confidence_not_a_blow_up(
    app: GitRepo, run: Any, seconds: int, timestamps: bool
) -> None:
    rows = usage_rows("summarize", "gpt-4o-mini", 50, 1000, 100, days=seconds / 86400)
    if not timestamps:
        for row in rows:
            del row["ts"]
    write_log(app.path / "usage.jsonl", rows)
    swap_model(app)
    result = run("--format", "json")
    assert result.code in (0, 1)
    data = result.json()
    change = data["changes"][0]
    assert change["confidence"] == "low"
    numbers = [data["delta"]["monthly_usd"], data["baseline"]["monthly_usd"], change["delta_monthly_usd_high"]]
    assert all(math.isfinite(n) for n in numbers) and data["baseline"]["window_days"] > 0
    assert any("low confidence" in n for n in data["notes"])


def test_a_log_without_any_timestamp_is_an_error_unless_the_window_is_configured(app: GitRepo, run: Any) -> None:
    rows = usage_rows("summarize", "gpt-4o-mini", 50, 1000, 100, days=0)
    for row in rows:
        del row["ts"]
    write_log(app.path / "usage.jsonl", rows)
    swap_model(app)
    result = run()
    assert result.code == 2
    assert "usage.jsonl: no row of the baseline has a timestamp (50 requests read)" in result.err
    assert "baseline.window_days" in result.err and "Traceback" not in result.err
    (app.path / ".aiopt.yaml").write_text(
        (app.path / ".aiopt.yaml").read_text() + "baseline:\n  window_days: 2\n"
        if "baseline:" not in (app.path / ".aiopt.yaml").read_text()
        else (app.path / ".aiopt.yaml").read_text().replace("baseline:\n", "baseline:\n  window_days: 2\n", 1)
    )
    configured = run("--format", "json")
    assert configured.code in (0, 1), configured.err
    assert configured.json()["baseline"]["window_days"] == pytest.approx(2.0)


@pytest.mark.parametrize(
    "garbage",
    ['"x"', "[1, 2]", "{", "null", '{"aiopt_summary": 3, "paths": 1}', "", '{"thresholds": "x", "models": []}'],
)
def test_corrupt_caches_are_rebuilt(app: GitRepo, run: Any, garbage: str) -> None:
    swap_model(app)
    first = run("--format", "json").json()
    cache = app.path / ".git" / "aiopt"
    for path in cache.glob("*.json"):
        path.write_text(garbage)
    assert run("--format", "json").json() == first
