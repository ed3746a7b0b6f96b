"""Repeated request ids in a large log, counted by DuckDB (the large-log engine's half of `dedupe`).

Stage: log file -> (number of rows repeating a request id, the first few repeated ids).  The same
rule as the streaming reader (`baseline/dedupe.py`): a row's id is the first usable one of ID_KEYS,
then of those keys inside a wrapper (`response`, `body`, `context`), then `trace_id` + `attempt`;
rows without one are never repeats.  DuckDB counts exactly (it spills to disk), so no id cap applies.
Only clean logs reach here: the summary query has already parsed every row.
"""

from __future__ import annotations

import csv
import gzip
from pathlib import Path
from typing import Any

from aiopt_hooks.baseline.dedupe import ID_KEYS, MAX_SHOWN, NESTED


def _json_id(expr: str, label: str) -> str:
    """`label:value` when the JSON value is a non-blank string or an integer, else NULL."""
    return (
        f"CASE WHEN json_type({expr}) IN ('VARCHAR', 'BIGINT', 'UBIGINT') "
        f"AND trim(json_extract_string({expr}, '$')) <> '' "
        f"THEN '{label}:' || json_extract_string({expr}, '$') END"
    )


def _csv_id(column: str, label: str, header: list[str]) -> str:
    """The same for a CSV column (every value is text; `response.id` columns are the nested ones)."""
    if column not in header:
        return "NULL"
    quoted = '"' + column.replace('"', '""') + '"'
    return f"CASE WHEN trim({quoted}) <> '' THEN '{label}:' || {quoted} END"


def _key_expr(header: list[str] | None) -> str:
    """The id expression, in the streaming reader's order; `header` is None for JSONL."""
    if header is None:
        top = [_json_id(f'"{k}"', k) for k in ID_KEYS]
        nested = [[_json_id(f"json_extract(\"{w}\", '$.{k}')", k) for k in ID_KEYS] for w in NESTED]
        trace, attempt = _json_id('"trace_id"', "trace_id"), "json_extract_string(\"attempt\", '$')"
    else:
        top = [_csv_id(k, k, header) for k in ID_KEYS]
        nested = [[_csv_id(f"{w}.{k}", k, header) for k in ID_KEYS] for w in NESTED]
        trace, attempt = _csv_id("trace_id", "trace_id", header), ('"attempt"' if "attempt" in header else "NULL")
    parts = [
        *top,
        *("COALESCE(" + ", ".join(group) + ")" for group in nested),
        f"{trace} || ':' || COALESCE({attempt}, '')",
    ]
    return "COALESCE(" + ", ".join(parts) + ")"


def _source(path: Path) -> tuple[str, list[str] | None]:
    quoted = str(path).replace("'", "''")
    if ".csv" in path.name.lower():
        opener: Any = gzip.open if path.name.endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(fh), [])
        return f"read_csv('{quoted}', header=true, all_varchar=true)", header
    columns = ", ".join(f"\"{c}\": 'JSON'" for c in (*ID_KEYS, *NESTED, "trace_id", "attempt"))
    return (
        f"read_json('{quoted}', format='newline_delimited', columns={{{columns}}}, ignore_errors=true, "
        f"maximum_object_size=16777216)"
    ), None


def repeated_ids(path: Path, name: str) -> tuple[int, list[str]] | None:
    """(rows repeating an id, "name: id ... (n rows)" for the first few), or None when DuckDB cannot
    read the file (the caller then uses the streaming reader, which counts them itself)."""
    import duckdb

    source, header = _source(path)
    query = f"""WITH ids AS (SELECT {_key_expr(header)} AS k FROM {source}),
repeats AS (SELECT k, count(*) AS n FROM ids WHERE k IS NOT NULL GROUP BY k HAVING count(*) > 1)
SELECT (SELECT COALESCE(sum(n - 1), 0) FROM repeats)::BIGINT,
       (SELECT list(k || ' (' || n || ' rows)' ORDER BY k) FROM (SELECT * FROM repeats ORDER BY k LIMIT {MAX_SHOWN}))"""
    con = duckdb.connect(
        config={"threads": 2, "autoinstall_known_extensions": False, "autoload_known_extensions": False}
    )
    try:
        row = con.execute(query).fetchone()
    except duckdb.Error:
        return None
    finally:
        con.close()
    if row is None:
        return None
    count, shown = int(row[0]), row[1] or []
    return count, [f"{name}: {key.replace(':', ' ', 1)}" for key in shown]
