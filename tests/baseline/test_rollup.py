"""The warehouse flow: docs/warehouse/*.sql -> exported rows -> `aiopt baseline import-rows` -> summary.

DuckDB's SQL runs for real over a usage table loaded from a generated AIOpt log, and its rows,
converted, must equal the summary the hook builds from the log itself.  PostgreSQL's runs for
real in a throwaway cluster on a Unix socket when the server binaries are installed;
ClickHouse's in chDB and BigQuery's/Snowflake's through sqlglot's parsers when those packages
are installed.  Every file is checked statically: the same output columns in the same order, and
the same tier CASE, that of the installed price data.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from aiopt_hooks.baseline.model import BaselineSummary, summary_from_dict, summary_to_dict
from aiopt_hooks.baseline.read import summarize_baseline
from aiopt_hooks.baseline.rollup import COLUMNS, summary_from_rows, tier_case_sql
from aiopt_hooks.cli import main
from aiopt_hooks.errors import AioptError

WAREHOUSE = Path(__file__).resolve().parents[2] / "docs" / "warehouse"
DIALECTS = ("duckdb", "bigquery", "snowflake", "clickhouse", "postgresql")
START = datetime(2026, 3, 1, tzinfo=timezone.utc)
MODELS = (
    ("openai", "gpt-4o-mini"),
    ("OpenAI", "gpt-4.1"),
    ("anthropic", "claude-sonnet-4"),
    ("google", "gemini-2.5-pro"),
    ("", "llama-3.1-70b"),
)

# How a team maps its own log or table onto the usage table's columns (README.md: "Your own table"):
# here the AIOpt log read by DuckDB, both its aggregated and its wrapper form.
LOAD_LOG = """
CREATE TABLE usage AS SELECT
    CAST(COALESCE(NULLIF(ts, ''), NULLIF("timestamp", '')) AS TIMESTAMPTZ)        AS ts,
    provider, model,
    COALESCE(input_tokens, prompt_tokens)                                         AS input_tokens,
    COALESCE(output_tokens, completion_tokens)                                    AS output_tokens,
    COALESCE(NULLIF(feature_tag, ''), NULLIF(meta.feature_tag, ''), endpoint)     AS feature_tag,
    COALESCE(retries, GREATEST(COALESCE(attempt, 1) - 1, 0))                      AS retries,
    status, finish_reason, cached_input_tokens, cache_write_tokens, reasoning_tokens,
    COALESCE(billed_cost, cost_usd)                                               AS billed_cost
FROM read_json('{log}', format = 'newline_delimited', columns = {{
    ts: 'VARCHAR', "timestamp": 'VARCHAR', provider: 'VARCHAR', model: 'VARCHAR',
    input_tokens: 'BIGINT', prompt_tokens: 'BIGINT', output_tokens: 'BIGINT', completion_tokens: 'BIGINT',
    feature_tag: 'VARCHAR', endpoint: 'VARCHAR', meta: 'STRUCT(feature_tag VARCHAR)',
    retries: 'INTEGER', attempt: 'INTEGER', status: 'VARCHAR', finish_reason: 'VARCHAR',
    cached_input_tokens: 'BIGINT', cache_write_tokens: 'BIGINT', reasoning_tokens: 'BIGINT',
    billed_cost: 'DOUBLE', cost_usd: 'DOUBLE'}})
"""


def _inputs(thresholds: tuple[int, ...]) -> list[int]:
    """Input sizes at every tier boundary: one below, at and one above each threshold."""
    edges = {n for t in thresholds for n in (t - 1, t, t + 1)}
    return sorted(edges | {0, 1, 900, max(thresholds, default=0) + 100_000})


def _row(rng: random.Random, i: int, inputs: list[int]) -> dict[str, Any]:
    """One request: every normalisation rule of the AIOpt dialect is hit somewhere in the log."""
    provider, model = MODELS[i % len(MODELS)]
    # Whole or binary-fraction seconds, so both sides' epoch floats are exact; several UTC days.
    when = START + timedelta(seconds=rng.randrange(6 * 86400), milliseconds=rng.choice((0, 0, 250, 500)))
    inp = rng.choice(inputs) if i % 3 else rng.randrange(0, 40000)
    row: dict[str, Any] = {
        "ts": when.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "provider": provider,
        "model": model,
        "input_tokens": inp,
        "output_tokens": rng.choice((0, 1, 64, 256, 300, 512, 1024)),
        "feature_tag": rng.choice(("summarize", "chat", "search", "")),
        "retries": rng.choice((0, 0, 1, 3)),
        "status": rng.choice(("ok", "ok", "ok", "error", "429", "Success", "200", "", "failed")),
        "finish_reason": rng.choice(("stop", "stop", "length", "MAX_TOKENS", "max_output_tokens", "end_turn")),
    }
    if rng.random() < 0.5:  # cache reads, sometimes more than the input (clamped)
        row["cached_input_tokens"] = rng.choice((0, inp // 2, inp + 100))
        row["cache_write_tokens"] = rng.choice((0, inp // 4, inp))
    if rng.random() < 0.3:  # reasoning, sometimes more than the output (clamped)
        row["reasoning_tokens"] = rng.choice((10, 200, 5000))
    if rng.random() < 0.7:  # a stated cost on most rows: multiples of 1/1024 add up exactly in any order
        row["billed_cost"] = rng.randrange(1, 5000) / 1024
    if i % 17 == 0:
        row["ts"] = when.astimezone(timezone(timedelta(hours=2))).isoformat()  # an offset, not Z
    return row


def _wrapper_row(rng: random.Random, i: int, inputs: list[int]) -> dict[str, Any]:
    """The AIOpt wrapper form: prompt/completion tokens, endpoint, attempt, meta.feature_tag, cost_usd."""
    row: dict[str, Any] = {
        "timestamp": (START + timedelta(seconds=rng.randrange(6 * 86400))).isoformat(),
        "provider": "openai",
        "model": "gpt-4o-mini",
        "prompt_tokens": rng.choice(inputs),
        "completion_tokens": rng.choice((32, 128)),
        "endpoint": "/v1/responses",
        "attempt": rng.choice((1, 2, 3)),
        "status": rng.choice(("ok", "error")),
    }
    if i % 2:
        row["meta"] = {"feature_tag": "from-meta"}
        row["cost_usd"] = 0.125
    return row


def _write_log(path: Path, thresholds: tuple[int, ...], n: int = 1500) -> Path:
    rng, inputs = random.Random(20260301), _inputs(thresholds)
    rows = [_row(rng, i, inputs) for i in range(n)] + [_wrapper_row(rng, i, inputs) for i in range(40)]
    rows[7].pop("ts")  # a request without a timestamp: counted, in no day
    rows[8].pop("feature_tag")
    rows[9].pop("status")
    rows[10].pop("retries")
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _sql(dialect: str) -> str:
    return (WAREHOUSE / f"{dialect}.sql").read_text()


def _query(dialect: str) -> str:
    """The file's query without its comments and final semicolon (to wrap in COPY (...))."""
    text = re.sub(r"--[^\n]*", "", _sql(dialect))
    return text.strip().removesuffix(";")


def _embedded_thresholds(dialect: str) -> tuple[int, ...]:
    return tuple(int(t) for t in re.findall(r"WHEN input_tokens <= (\d+) THEN \d+", _sql(dialect)))


def _canon(summary: BaselineSummary) -> dict[str, Any]:
    """The summary as a comparable document: cells sorted, groups sorted, no paths."""
    data: dict[str, Any] = summary_to_dict(summary)
    groups: list[dict[str, Any]] = data["groups"]
    data["paths"] = []
    data["groups"] = sorted(
        ({**g, "cells": sorted(map(tuple, g["cells"]))} for g in groups),
        key=lambda g: (g["feature"], g["provider"], g["model"]),
    )
    return data


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The generated log, its summary by the hook's own reader, and DuckDB holding its usage table."""
    duckdb = pytest.importorskip("duckdb")
    root = tmp_path_factory.mktemp("warehouse")
    thresholds = _embedded_thresholds("duckdb")
    log = _write_log(root / "usage.jsonl", thresholds)
    con = duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
    con.execute(LOAD_LOG.format(log=str(log).replace("'", "''")))
    yield {
        "root": root,
        "log": log,
        "thresholds": thresholds,
        "con": con,
        "expected": summarize_baseline([log], thresholds),
    }
    con.close()


def _import(rows: list[Path], out: Path, thresholds: tuple[int, ...]) -> BaselineSummary:
    code = main(
        ["baseline", "import-rows", *map(str, rows), "-o", str(out), "--thresholds", ",".join(map(str, thresholds))]
    )
    assert code == 0
    return summary_from_dict(json.loads(out.read_text()))


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_duckdb_sql_yields_the_hooks_own_summary(warehouse: dict[str, Any], fmt: str) -> None:
    """docs/warehouse/duckdb.sql, run for real, then converted: the very summary of the raw log."""
    root, expected = warehouse["root"], warehouse["expected"]
    rows = root / f"rows.{fmt}"
    options = "HEADER" if fmt == "csv" else "FORMAT json"
    warehouse["con"].execute(f"COPY ({_query('duckdb')}) TO '{rows}' ({options})")
    got = _import([rows], root / f"summary-{fmt}.json", warehouse["thresholds"])
    assert _canon(got) == _canon(expected)
    # The pieces the estimator reads, spelled out (the canonical form above holds them all):
    assert got.requests == expected.requests == 1540 and got.untagged == expected.untagged > 0
    assert (got.first_ts, got.last_ts) == (expected.first_ts, expected.last_ts)
    assert sum(g.failed for g in got.groups.values()) == sum(g.failed for g in expected.groups.values()) > 0
    assert {k[0] for g in got.groups.values() for k in g.cells} == set(range(len(warehouse["thresholds"]) + 1))
    assert any(k[2] for g in got.groups.values() for k in g.cells)  # truncated cells
    assert len({d for g in got.groups.values() for d in g.days}) >= 6  # several UTC days


def test_the_hook_reads_the_imported_summary_as_its_baseline(warehouse: dict[str, Any]) -> None:
    """`baseline.path: baseline-summary.json`: the file goes through the hook's own summary reader."""
    root = warehouse["root"]
    rows = root / "rows-hook.csv"
    warehouse["con"].execute(f"COPY ({_query('duckdb')}) TO '{rows}' (HEADER)")
    out = root / "baseline-summary.json"
    _import([rows], out, warehouse["thresholds"])
    assert out.stat().st_size < 200_000
    as_baseline = summarize_baseline([out], warehouse["thresholds"])
    assert _canon(as_baseline) == _canon(warehouse["expected"])


def test_monthly_exports_add_up(warehouse: dict[str, Any]) -> None:
    """Rows of several runs (one per part of the table, gzipped JSON lines) add up to the whole."""
    root, con = warehouse["root"], warehouse["con"]
    parts = []
    for name, where in (("a", "day(ts) <= 3"), ("b", "day(ts) > 3 OR ts IS NULL")):
        con.execute(f"CREATE OR REPLACE VIEW part_{name} AS SELECT * FROM usage WHERE {where}")
        query = _query("duckdb").replace("FROM usage", f"FROM part_{name}")
        path = root / f"rows-{name}.jsonl.gz"
        con.execute(f"COPY ({query}) TO '{path}' (FORMAT json, COMPRESSION gzip)")
        parts.append(path)
    got = _import(parts, root / "summary-parts.json", warehouse["thresholds"])
    assert _canon(got) == _canon(warehouse["expected"])


def test_every_dialect_has_the_same_output_columns_in_order() -> None:
    for dialect in DIALECTS:
        assert (WAREHOUSE / f"{dialect}.sql").is_file(), dialect
        assert _output_columns(_sql(dialect)) == list(COLUMNS), dialect
    assert (WAREHOUSE / "README.md").is_file()


def test_every_dialect_embeds_the_installed_tier_thresholds() -> None:
    """The SQL's tier CASE is the installed price data's; after a genai-prices update that moves a
    tier, paste `aiopt baseline thresholds --sql` into each docs/warehouse/*.sql."""
    from aiopt_hooks.pricing.prices import tier_thresholds

    expected = " ".join(tier_case_sql(tier_thresholds()).split())
    for dialect in DIALECTS:
        block = re.search(r"CASE\s+WHEN input_tokens <=.*?END", _sql(dialect), re.S)
        assert block is not None, dialect
        assert " ".join(block.group(0).split()) == expected, (
            f"{dialect}.sql: stale tier CASE; regenerate it with `aiopt baseline thresholds --sql`"
        )


def _output_columns(sql: str) -> list[str]:
    """The aliases of the file's last SELECT list, in order."""
    body = re.sub(r"--[^\n]*", "", sql)
    select = body[body.rindex("\nSELECT") :]
    select = select[: re.search(r"\nFROM\s", select).start()]  # type: ignore[union-attr]
    return re.findall(r"\bAS\s+(\w+)\s*(?:,|$)", select, re.M)


# --- the converter's checks -------------------------------------------------------------------


def _rows_file(path: Path, rows: list[dict[str, Any]]) -> Path:
    header = ",".join(COLUMNS)
    lines = [",".join("" if r.get(c) is None else str(r[c]) for c in COLUMNS) for r in rows]
    path.write_text("\n".join([header, *lines]) + "\n")
    return path


GROUP = {
    "kind": "group",
    "feature": "chat",
    "provider": "openai",
    "model": "gpt-4o",
    "requests": 2,
    "failed": 1,
    "retries": 1,
    "billed_cost": 0.5,
    "billed_rows": 2,
    "failed_input_sum": 100,
    "failed_cached_sum": 0,
    "failed_cache_write_sum": 0,
    "failed_output_sum": 10,
    "failed_reasoning_sum": 0,
    "max_input": 200,
    "first_ts": 1772323200,
    "last_ts": 1772409600,
}
CELL = {
    "kind": "cell",
    "feature": "chat",
    "provider": "openai",
    "model": "gpt-4o",
    "tier_class": 0,
    "output_tokens": 10,
    "truncated": "false",
    "requests": 2,
    "input_sum": 300,
    "cached_sum": 0,
    "cache_write_sum": 0,
    "reasoning_sum": 0,
}


def test_a_stale_tier_case_is_caught(tmp_path: Path) -> None:
    """Rows bucketed on other thresholds than the ones given: a clear error naming the line."""
    rows = _rows_file(tmp_path / "rows.csv", [GROUP, {**CELL, "input_sum": 90000}])
    with pytest.raises(AioptError, match=r"rows\.csv:3: tier_class 0 does not hold a mean input of 45,000"):
        summary_from_rows([rows], (32000, 200000))
    assert summary_from_rows([rows], (128000,)).requests == 2


def test_a_partial_export_is_caught(tmp_path: Path) -> None:
    rows = _rows_file(tmp_path / "rows.csv", [GROUP, {**CELL, "requests": 1, "input_sum": 150}])
    with pytest.raises(AioptError, match="chat/openai/gpt-4o: the group row counts 2 requests, its cell rows 1"):
        summary_from_rows([rows], (32000,))


def test_missing_columns_and_bad_values_name_the_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "short.csv"
    bad.write_text("kind,feature,provider,model\ncell,a,b,c\n")
    with pytest.raises(AioptError, match=r"short\.csv:1: the header lacks tier_class, output_tokens"):
        summary_from_rows([bad], (32000,))
    rows = _rows_file(tmp_path / "rows.csv", [GROUP, {**CELL, "output_tokens": "ten"}])
    with pytest.raises(AioptError, match=r"rows\.csv:3: `output_tokens` is not a number: 'ten'"):
        summary_from_rows([rows], (32000,))
    rows = _rows_file(tmp_path / "kind.csv", [{**GROUP, "kind": "total"}])
    with pytest.raises(AioptError, match=r"kind\.csv:2: `kind` is 'total'"):
        summary_from_rows([rows], (32000,))
    empty = _rows_file(tmp_path / "empty.csv", [])
    with pytest.raises(AioptError, match="hold no request"):
        summary_from_rows([empty], (32000,))


def test_warehouse_json_quirks_are_read(tmp_path: Path) -> None:
    """Upper-case keys (Snowflake), 64-bit integers as strings (BigQuery, ClickHouse), nulls
    left out (Snowflake's OBJECT_CONSTRUCT), 0/1 for booleans, gzip."""
    rows = [
        {k.upper(): (str(v) if isinstance(v, int) else v) for k, v in r.items()}
        for r in (
            GROUP,
            {**CELL, "truncated": 1},
            {
                "kind": "day",
                "feature": "chat",
                "provider": "openai",
                "model": "gpt-4o",
                "day": "20513",
                "requests": "2",
                "input_sum": "300",
                "cached_sum": 0,
                "cache_write_sum": 0,
                "output_sum": "20",
                "reasoning_sum": 0,
            },
        )
    ]
    path = tmp_path / "rows.json.gz"
    with gzip.open(path, "wt") as fh:
        fh.writelines(json.dumps(r) + "\n" for r in rows)
    summary = summary_from_rows([path], (32000,))
    group = summary.groups[("chat", "openai", "gpt-4o")]
    assert group.cells == {(0, 10, True): [2, 300, 0, 0, 0]} and group.days == {20513: [2, 300, 0, 0, 20, 0]}
    assert (group.failed, group.stated_cost, summary.span_days) == (1, 0.5, 1.0)


def test_thresholds_action_prints_the_list_and_the_sql(capsys: pytest.CaptureFixture[str]) -> None:
    from aiopt_hooks.pricing.prices import tier_thresholds

    assert main(["baseline", "thresholds"]) == 0
    assert capsys.readouterr().out.strip() == ",".join(map(str, tier_thresholds()))
    assert main(["baseline", "thresholds", "--sql"]) == 0
    assert capsys.readouterr().out.rstrip("\n") == tier_case_sql(tier_thresholds())


def test_import_rows_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["baseline", "import-rows", str(tmp_path / "nope.csv"), "-o", str(tmp_path / "s.json")]) == 2
    assert "nope.csv: warehouse rows not found" in capsys.readouterr().err
    rows = _rows_file(tmp_path / "rows.csv", [GROUP, CELL])
    assert main(["baseline", "import-rows", str(rows), "-o", str(tmp_path / "s.json"), "--thresholds", "x"]) == 2
    assert "--thresholds 'x' is not a list of token counts" in capsys.readouterr().err


# --- the other dialects, run for real where an engine is at hand -------------------------------

PG_TABLE = """
CREATE TABLE usage (
    ts timestamptz, provider text, model text, input_tokens bigint, output_tokens bigint,
    feature_tag text, retries integer, status text, finish_reason text, cached_input_tokens bigint,
    cache_write_tokens bigint, reasoning_tokens bigint, billed_cost double precision);
\\copy usage FROM '{csv}' WITH (FORMAT csv, HEADER true)
"""


def _pg_bindir() -> Path | None:
    """The PostgreSQL server binaries (Debian keeps them in /usr/lib/postgresql/N/bin)."""
    found = shutil.which("pg_ctl")
    candidates = [Path(found).resolve().parent] if found else []
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    return next((d for d in candidates if all((d / b).exists() for b in ("initdb", "pg_ctl", "postgres"))), None)


def _as_server_user(tmp: Path) -> list[str]:
    """PostgreSQL refuses to run as root: run it as `postgres` then (or skip)."""
    if os.geteuid() != 0:
        return []
    import pwd

    try:
        user = pwd.getpwnam("postgres")
    except KeyError:
        pytest.skip("running as root and there is no `postgres` user to run the server as")
    if shutil.which("runuser") is None:
        pytest.skip("running as root and `runuser` is missing")
    os.chown(tmp, user.pw_uid, user.pw_gid)
    return ["runuser", "-u", "postgres", "--"]


@pytest.fixture
def postgres() -> Iterator[list[str]]:
    """A throwaway cluster on a Unix socket (no TCP): yields the psql command line to reach it."""
    bindir = _pg_bindir()
    psql = shutil.which("psql") or (str(bindir / "psql") if bindir and (bindir / "psql").exists() else None)
    if bindir is None or psql is None:
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl, postgres, psql) on this machine")
    tmp = Path(tempfile.mkdtemp(prefix="aiopt-pg-"))  # short: a socket path has a length limit
    run = [*_as_server_user(tmp), str(bindir / "pg_ctl"), "-D", str(tmp / "data")]
    try:
        init = subprocess.run(
            [
                *run[:-3],
                str(bindir / "initdb"),
                "-D",
                str(tmp / "data"),
                "-U",
                "postgres",
                "--auth=trust",
                "-N",
                "-E",
                "UTF8",
                "--locale=C",
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        start = init.returncode == 0 and subprocess.run(
            [
                *run,
                "-w",
                "-t",
                "30",
                "-l",
                str(tmp / "log"),
                "-o",
                f"-k {tmp} -c listen_addresses= -p 54329 -c fsync=off",
                "start",
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        if not start or start.returncode != 0:
            log = (tmp / "log").read_text()[-300:] if (tmp / "log").exists() else ""
            pytest.skip(f"a PostgreSQL server could not be started here: {init.stderr[-300:]}{log}")
        yield [
            psql,
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            str(tmp),
            "-p",
            "54329",
            "-U",
            "postgres",
            "-d",
            "postgres",
        ]
    finally:
        subprocess.run([*run, "-m", "immediate", "stop"], capture_output=True, timeout=60)
        shutil.rmtree(tmp, ignore_errors=True)


def test_postgresql_sql_runs_for_real(warehouse: dict[str, Any], postgres: list[str]) -> None:
    """docs/warehouse/postgresql.sql in a real server, exported by `psql --csv`: the same summary."""
    root = warehouse["root"]
    warehouse["con"].execute(f"COPY usage TO '{root / 'usage.csv'}' (HEADER)")
    load = root / "load.sql"
    load.write_text(PG_TABLE.format(csv=root / "usage.csv"))
    subprocess.run([*postgres, "-f", str(load)], check=True, capture_output=True, timeout=60)
    rows = root / "rows-pg.csv"
    done = subprocess.run(
        [*postgres, "--csv", "-f", str(WAREHOUSE / "postgresql.sql"), "-o", str(rows)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    got = _import([rows], root / "summary-pg.json", warehouse["thresholds"])
    assert _canon(got) == _canon(warehouse["expected"])


def test_clickhouse_sql_runs_in_chdb(warehouse: dict[str, Any]) -> None:
    """docs/warehouse/clickhouse.sql in ClickHouse's own engine (chDB, when installed)."""
    chdb_session = pytest.importorskip("chdb.session", reason="chDB (pip install chdb) runs ClickHouse in-process")
    root = warehouse["root"]
    warehouse["con"].execute(f"COPY usage TO '{root / 'usage.parquet'}' (FORMAT parquet)")
    session = chdb_session.Session()
    try:
        session.query(f"CREATE TABLE usage ENGINE = Memory AS SELECT * FROM file('{root / 'usage.parquet'}', Parquet)")
        (root / "rows-ch.csv").write_bytes(session.query(_query("clickhouse"), "CSVWithNames").bytes())
        session.query("DROP TABLE usage")
    finally:
        session.close()
    got = _import([root / "rows-ch.csv"], root / "summary-ch.json", warehouse["thresholds"])
    assert _canon(got) == _canon(warehouse["expected"])


@pytest.mark.parametrize("dialect", ["bigquery", "snowflake"])
def test_cloud_sql_parses_and_transpiles_to_the_same_rows(warehouse: dict[str, Any], dialect: str) -> None:
    """No BigQuery or Snowflake here: their files must parse in sqlglot's dialect, and the
    DuckDB translation sqlglot makes of them (their own epoch/day/filter functions included)
    must give the same summary.  A check of the SQL's logic, not of the real engines."""
    sqlglot = pytest.importorskip("sqlglot", reason="sqlglot (pip install sqlglot) parses the cloud dialects")
    query = sqlglot.transpile(_query(dialect), read=dialect, write="duckdb", error_level=sqlglot.ErrorLevel.RAISE)[0]
    root = warehouse["root"]
    rows = root / f"rows-{dialect}.csv"
    warehouse["con"].execute(f"COPY ({query}) TO '{rows}' (HEADER)")
    got = _import([rows], root / f"summary-{dialect}.json", warehouse["thresholds"])
    assert _canon(got) == _canon(warehouse["expected"])
