"""DuckDB engine for large logs in the AIOpt dialect (a dependency; the hook falls back to streaming without it).

The same summary as the streaming reader, computed by one vectorised GROUP BY.  It handles
only clean rows: if any row is malformed, has an unparsable timestamp or a non-integer token
count, the caller falls back to the exact streaming reader (which also reports line numbers).
"""

from __future__ import annotations

import csv
import gzip
from pathlib import Path
from typing import Any

from aiopt_hooks.baseline.dedupe import ID_KEYS
from aiopt_hooks.baseline.dedupe import NESTED as ID_WRAPPERS
from aiopt_hooks.baseline.files import is_document
from aiopt_hooks.baseline.model import BaselineSummary, Group, add_sums

MIN_BYTES = 8 * 2**20  # below this, starting DuckDB costs more than it saves
_TOKENS = (
    "input_tokens",
    "prompt_tokens",
    "output_tokens",
    "completion_tokens",
    "retries",
    "attempt",
    "cached_input_tokens",
    "cached_tokens",
    "cache_read_input_tokens",
    "cache_write_tokens",
    "cache_creation_input_tokens",
    "reasoning_tokens",
    "billed_cost",
    "cost_usd",
)
_TEXT = (
    "ts",
    "timestamp",
    "provider",
    "model",
    "feature_tag",
    "feature",
    "route",
    "endpoint",
    "status",
    "finish_reason",
)
_META = "STRUCT(feature_tag VARCHAR, feature VARCHAR, route VARCHAR)"
# Where a flat row may carry a request id (`baseline/dedupe.py`): read as raw JSON, only to learn whether
# any row has one (then `duck_ids` counts the repeats exactly); a log without ids is scanned once.
_ID_COLUMNS = (*ID_KEYS, *ID_WRAPPERS, "trace_id")


def available() -> bool:
    try:
        import duckdb  # noqa: F401
    except ImportError:
        return False
    return True


def _source(path: Path) -> tuple[str, dict[str, str]]:
    """The FROM clause and an expression per logical column."""
    quoted = str(path).replace("'", "''")
    if ".csv" in path.name.lower():
        opener: Any = gzip.open if path.name.endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(fh), [])
        cols = {name: f'"{name}"' for name in header}
        exprs = {c: f"TRY_CAST(NULLIF({cols[c]}, '') AS DOUBLE)" if c in cols else "NULL::DOUBLE" for c in _TOKENS}
        exprs.update({c: cols[c] if c in cols else "NULL::VARCHAR" for c in _TEXT})
        for meta in ("meta", "metadata"):
            for key in ("feature_tag", "feature", "route"):
                name = f"{meta}.{key}"
                exprs[name] = cols[name] if name in cols else "NULL::VARCHAR"
        # an id column is a top-level one or a wrapper's (`response.id`): the header names them all
        ids = [cols[c] for c in header if c.split(".", 1)[0] in _ID_COLUMNS]
        exprs["has_id"] = "(" + " OR ".join(f"trim({c}) <> ''" for c in ids) + ")" if ids else "false"
        return f"read_csv('{quoted}', header=true, all_varchar=true)", exprs
    columns = ", ".join(
        [f"{c}: 'DOUBLE'" for c in _TOKENS]
        + [f"{c}: 'VARCHAR'" for c in _TEXT]
        + [f"meta: '{_META}'", f"metadata: '{_META}'"]
        + [f"\"{c}\": 'JSON'" for c in _ID_COLUMNS]
    )
    exprs = {c: c for c in _TOKENS + _TEXT}
    exprs["has_id"] = "(COALESCE(" + ", ".join(f'"{c}"' for c in _ID_COLUMNS) + ") IS NOT NULL)"
    exprs.update({f"{m}.{k}": f"{m}.{k}" for m in ("meta", "metadata") for k in ("feature_tag", "feature", "route")})
    return (
        f"read_json('{quoted}', format='newline_delimited', columns={{{columns}}}, ignore_errors=true, "
        f"maximum_object_size=16777216)"
    ), exprs


def _flat_select(path: Path) -> str:
    """The AIOpt dialect's record -> the engine's common columns (see `baseline/duck_dialects.py`)."""
    src, e = _source(path)

    def first(*names: str) -> str:
        return "COALESCE(" + ", ".join(e[n] for n in names) + ")"

    def text(name: str) -> str:
        return f"NULLIF({e[name]}, '')"

    feature = (
        "COALESCE("
        + ", ".join(
            text(n)
            for n in (
                "feature_tag",
                "feature",
                "route",
                "meta.feature_tag",
                "meta.feature",
                "meta.route",
                "metadata.feature_tag",
                "metadata.feature",
                "metadata.route",
            )
        )
        + f", {e['endpoint']}, '')"
    )
    return f"""SELECT
    {e["model"]} AS model, lower(COALESCE({e["provider"]}, '')) AS provider, {feature} AS feature,
    {first("input_tokens", "prompt_tokens")} AS inp, COALESCE({first("output_tokens", "completion_tokens")}, 0) AS outp,
    COALESCE({first("cached_input_tokens", "cached_tokens", "cache_read_input_tokens")}, 0) AS cached_raw,
    COALESCE({first("cache_write_tokens", "cache_creation_input_tokens")}, 0) AS write_raw, 0 AS write_1h,
    COALESCE({e["reasoning_tokens"]}, 0) AS reasoning,
    COALESCE({e["retries"]}, GREATEST(COALESCE({e["attempt"]}, 1) - 1, 0)) AS retries,
    lower(COALESCE({e["status"]}, '')) IN ('ok', 'success', 'succeeded', '200', '200.0', 'completed', '') AS ok,
    lower(COALESCE({e["finish_reason"]}, '')) IN ('length', 'max_tokens', 'max_output_tokens') AS truncated,
    {first("billed_cost", "cost_usd")} AS cost,
    COALESCE({text("ts")}, {text("timestamp")}) AS ts_text,
    epoch(TRY_CAST(COALESCE({text("ts")}, {text("timestamp")}) AS TIMESTAMPTZ)) AS ts,
    NULL::VARCHAR AS rid, {e["has_id"]} AS has_id, true AS valid, true AS keep
  FROM {src}"""


def _nested_select(path: Path, dialect: str, level: int) -> str:
    """A nested dialect's record -> the common columns, read strictly (a record of another shape
    fails the query: the caller then uses the streaming reader)."""
    from aiopt_hooks.baseline.duck_dialects import READINGS

    reading = READINGS[dialect](level)
    quoted = str(path).replace("'", "''")
    columns = ", ".join(f"\"{name}\": '{kind}'" for name, kind in reading.columns.items())
    src = f"read_json('{quoted}', format='newline_delimited', columns={{{columns}}}, maximum_object_size=16777216)"
    return reading.select.replace("{src}", src)


# The sums kept per fine group (name, aggregate over rows, how fine groups roll up), in the column order
# `summarize_with_duckdb` reads after the ten key columns.
_WRITE = "LEAST(write_raw, inp - cached)"
_SUMS = (
    ("n", "count(*)", "sum"),
    ("s_in", "sum(inp)", "sum"),
    ("s_cached", "sum(cached)", "sum"),
    ("s_write", f"sum({_WRITE})", "sum"),
    ("s_reason", "sum(LEAST(reasoning, outp))", "sum"),
    ("retries", "sum(retries)", "sum"),
    ("failed", "count(*) FILTER (WHERE NOT ok)", "sum"),
    ("cost", "sum(cost)", "sum0"),
    ("cost_rows", "count(cost)", "sum"),
    ("first", "min(ts)", "min"),
    ("last", "max(ts)", "max"),
    *(
        (f"failed_{i}", f"sum({x}) FILTER (WHERE NOT ok)", "sum0")
        for i, x in enumerate(("inp", "cached", _WRITE, "outp", "LEAST(reasoning, outp)"))
    ),
    ("s_out", "sum(outp)", "sum"),
    ("max_in", "max(inp)", "max"),
    ("write_1h", f"sum(LEAST(write_1h, {_WRITE}))", "sum"),
)


def _query(raw: str, thresholds: tuple[int, ...], ids: bool = True) -> str:
    """Per-cell and per-day sums of the cleaned rows, and the request ids seen twice, in one query.
    Without `ids` (the flat dialect), each row says instead how many of its rows carry an id (`has_id`)."""
    klass = " + ".join(f"(inp > {t})::INT" for t in thresholds) or "0"
    clean = f"""
WITH raw AS ({raw}),
clean AS (SELECT *, LEAST(cached_raw, inp) AS cached, CASE WHEN rid IS NOT NULL THEN hash(rid) END AS rid_h,
    valid AND model IS NOT NULL AND model <> '' AND inp IS NOT NULL AND inp = trunc(inp) AND inp >= 0 AND inp < 1e9
    AND outp = trunc(outp) AND outp >= 0 AND outp < 1e9 AND cached_raw >= 0 AND cached_raw < 1e9
    AND write_raw >= 0 AND write_raw < 1e9 AND reasoning >= 0 AND reasoning < 1e9
    AND retries = trunc(retries) AND (ts_text IS NULL OR ts IS NOT NULL) AND ok IS NOT NULL
    AND (cost IS NULL OR (cost >= 0 AND cost < 1e9)) AS good
  FROM raw WHERE keep OR NOT valid)
"""
    sums = [*_SUMS, ("with_id", "0" if ids else "count(*) FILTER (WHERE has_id)", "sum")]
    fine = ", ".join(f"{expr} AS {name}" for name, expr, _ in sums)
    rolled = ", ".join(f"COALESCE(sum({name}), 0)" if how == "sum0" else f"{how}({name})" for name, _, how in sums)
    # One scan of the file (the CTE is materialised once): the rows summed once per fine group (a cell
    # on a day), then rolled up as two grouping sets (per cell, per day), and the request ids seen twice
    # (hashed: a collision only costs the exact path).
    nulls = ", ".join(["NULL"] * (len(sums) - 1))
    repeated = (
        f"""
UNION ALL
SELECT false, true, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, count(*), {nulls}
FROM clean WHERE rid_h IS NOT NULL GROUP BY rid_h HAVING count(*) > 1"""
        if ids
        else ""
    )
    return f"""{clean},
fine AS (SELECT good, feature, provider, model, klass, outp::BIGINT AS outp, truncated, day, {fine}
  FROM (SELECT *, floor(ts / 86400)::BIGINT AS day, ({klass}) AS klass FROM clean)
  GROUP BY good, feature, provider, model, klass, outp, truncated, day)
SELECT GROUPING(day) = 0 AS is_day, false AS is_rid, good, feature, provider, model, klass, outp, truncated, day,
    {rolled}
FROM fine
GROUP BY GROUPING SETS ((good, feature, provider, model, klass, outp, truncated),
                        (good, feature, provider, model, day)){repeated}"""


NESTED = ("openai", "anthropic", "otel", "langfuse")  # dialects read here besides the AIOpt one


def summarize_log(
    path: Path, name: str, thresholds: tuple[int, ...], dialect: str, first: dict[str, Any]
) -> BaselineSummary | None:
    """The summary of a log whose first record is `first`, or None when this engine does not read
    it (another dialect; a nested dialect in CSV or one JSON document; a record it cannot read exactly)."""
    if dialect == "aiopt":
        return summarize_with_duckdb(path, name, thresholds)
    if dialect not in NESTED or ".csv" in path.name.lower():
        return None
    if path.name.lower().removesuffix(".gz").endswith(".json") and is_document(path):
        return None
    from aiopt_hooks.baseline.duck_dialects import body_level

    level = body_level(first) if dialect in ("openai", "anthropic") else 0
    return None if level < 0 else summarize_with_duckdb(path, name, thresholds, dialect, level)


def summarize_with_duckdb(
    path: Path, name: str, thresholds: tuple[int, ...], dialect: str = "aiopt", level: int = 0
) -> BaselineSummary | None:
    """The log's summary, or None when the file needs the streaming reader (malformed rows, a
    record of another shape, a request id seen twice: the streaming reader names their lines)."""
    import duckdb

    raw = _flat_select(path) if dialect == "aiopt" else _nested_select(path, dialect, level)

    # Never fetch extensions (a network call).  Naive timestamps are UTC, as on the streaming path: the
    # session time zone is pinned, or DuckDB's built-in ICU would read them in the shell's TZ.
    con = duckdb.connect(
        config={
            "threads": 2,
            "preserve_insertion_order": False,
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
        }
    )
    try:
        con.execute("SET enable_progress_bar = false")  # it would print to stdout, inside the JSON report
        try:
            con.execute("SET TimeZone = 'UTC'")
        except duckdb.Error:
            pass  # no ICU in this build: it reads naive timestamps as UTC anyway
        rows = con.execute(_query(raw, thresholds, ids=dialect != "aiopt")).fetchall()
    except duckdb.InterruptException:
        raise KeyboardInterrupt from None
    except duckdb.Error:
        return None
    except RuntimeError as exc:  # a signal handler (Ctrl-C, the max_seconds alarm) stopped the query
        if "interrupted" not in str(exc).lower():
            raise
        raise KeyboardInterrupt from None
    finally:
        con.close()
    if any(row[1] or not row[2] for row in rows):  # a repeated request id, or a row not read exactly
        return None
    summary = BaselineSummary(paths=[name], thresholds=thresholds)
    if dialect == "aiopt" and any(row[29] for row in rows):  # some rows carry a request id: count repeats exactly
        from aiopt_hooks.baseline.duck_ids import repeated_ids

        repeats = repeated_ids(path, name)
        if repeats is None:
            return None
        summary.duplicates, summary.duplicate_lines = repeats
    for row in sorted(rows, key=lambda r: bool(r[0])):  # cells first, then days
        is_day, _, _, feature, provider, model, klass, outp, truncated, day = row[:10]
        n, s_in, s_cached, s_write, s_reason, retries, failed, cost, cost_rows, first, last = row[10:21]
        if is_day:
            if day is not None:
                summary.groups[(feature, provider, model)].days[int(day)] = [
                    float(v) for v in (n, s_in, s_cached, s_write, row[26], s_reason)
                ]
            continue
        group = summary.groups.get((feature, provider, model))
        if group is None:
            group = summary.groups[(feature, provider, model)] = Group(feature, provider, model)
        group.requests += n
        group.failed += failed
        group.retries += int(retries)
        group.stated_cost += float(cost)
        group.stated_cost_rows += cost_rows
        group.cells[(int(klass), int(outp), bool(truncated))] = [
            float(n),
            float(s_in),
            float(s_cached),
            float(s_write),
            float(s_reason),
        ]
        add_sums(group.failed_tokens, [float(x) for x in row[21:26]])
        group.max_input = max(group.max_input, int(row[27]))
        group.cache_write_1h += float(row[28])
        summary.requests += n
        summary.untagged += n if not feature else 0
        for ts in (first, last):
            if ts is not None:
                summary.first_ts = ts if summary.first_ts is None else min(summary.first_ts, ts)
                summary.last_ts = ts if summary.last_ts is None else max(summary.last_ts, ts)
    return summary
