"""Render: one result as text, JSON, Markdown, SARIF or HTML; the only place sentences are built.

Each renderer reads a `Result` (or a `ScanReport`) and never recomputes it; `money` formats
amounts for all of them.
"""
