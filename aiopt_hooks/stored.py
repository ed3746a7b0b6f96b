"""Versioned stored formats, upgraded in one place.

Every document the product writes and later reads back carries its format version: the baseline
summary (cache files and committed summary files), `aiopt.lock`, `.aiopt/approvals.yaml` and the
audit history's lines.  `upgrade` brings a document of any supported earlier version to the
current one, one step at a time; a newer or unknown version is a ValueError naming it, which each
reader turns into its own one-line error (with the command that rewrites the file).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

Kind = Literal["summary", "lockfile", "approvals", "history"]
CURRENT: dict[str, int] = {"summary": 4, "lockfile": 1, "approvals": 1, "history": 1}
VERSION_KEY: dict[str, str] = {
    "summary": "aiopt_summary",
    "lockfile": "version",
    "approvals": "version",
    "history": "v",
}
# Documents written before a format carried its version (history lines) read as version 0.
UNVERSIONED: dict[str, int] = {"history": 0}


def _summary_2_to_3(doc: dict[str, Any]) -> dict[str, Any]:
    """Version 2 had no per-day sums and no failed rows' sums: both start empty."""
    groups = [
        {**g, "days": g.get("days", []), "failed_tokens": g.get("failed_tokens", [0.0] * 5)}
        for g in doc.get("groups", [])
    ]
    return {**doc, "groups": groups}


def _summary_3_to_4(doc: dict[str, Any]) -> dict[str, Any]:
    """Version 3 had no bucket counts, service tiers or reported costs: a per-request log's summary."""
    return {
        **doc,
        "buckets": doc.get("buckets", 0),
        "bucket_seconds": doc.get("bucket_seconds", 0.0),
        "uncounted_rows": doc.get("uncounted_rows", 0),
        "reported": doc.get("reported", []),
    }


def _history_0_to_1(doc: dict[str, Any]) -> dict[str, Any]:
    """Lines written before the version key: the same fields."""
    return dict(doc)


# (kind, from version) -> the step to the next version
STEPS: dict[tuple[str, int], Callable[[dict[str, Any]], dict[str, Any]]] = {
    ("summary", 2): _summary_2_to_3,
    ("summary", 3): _summary_3_to_4,
    ("history", 0): _history_0_to_1,
}


def version_of(kind: Kind, doc: dict[str, Any]) -> Any:
    return doc.get(VERSION_KEY[kind], UNVERSIONED.get(kind))


def upgrade(kind: Kind, doc: dict[str, Any]) -> dict[str, Any]:
    """`doc` in the current version of its format; ValueError for a version this release cannot read."""
    version = version_of(kind, doc)
    current = CURRENT[kind]
    while isinstance(version, int) and not isinstance(version, bool) and version < current:
        step = STEPS.get((kind, version))
        if step is None:
            break
        doc = {**step(doc), VERSION_KEY[kind]: version + 1}
        version += 1
    if version != current:
        raise ValueError(f"unsupported {kind} format version {version!r} (this release reads {_readable(kind)})")
    return doc


def _readable(kind: str) -> str:
    versions = sorted({CURRENT[kind], *(v for (k, v) in STEPS if k == kind)})
    return ", ".join(str(v) for v in versions)


def stamp(kind: Kind, doc: dict[str, Any]) -> dict[str, Any]:
    """`doc` with the current version of its format set (writers call this)."""
    return {VERSION_KEY[kind]: CURRENT[kind], **{k: v for k, v in doc.items() if k != VERSION_KEY[kind]}}
