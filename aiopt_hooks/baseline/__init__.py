"""Baseline: usage logs -> one exact summary.

`model` (request and summary types) <- `dialects/` (one reader per log dialect, in
`dialects/registry.py`) <- `files` (rows of JSONL/CSV) <- `read` (logs -> summary, through `cache`
and the DuckDB engine `duck`); `dedupe`, `timestamps` and `rollup` (warehouse rows) serve them.
"""
