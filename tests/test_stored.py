"""Versioned stored formats: each current reader reads the previous version of its file, and a
newer (unknown) version is a clear error, never a silent misread."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aiopt_hooks import stored
from aiopt_hooks.baseline.model import summary_from_dict, summary_to_dict
from aiopt_hooks.errors import AioptError
from aiopt_hooks.repo.history import history_path, read_history
from aiopt_hooks.verdict.approvals import parse_approvals
from aiopt_hooks.verdict.lock import parse_lock

# A version-2 summary as the first release wrote it (no per-day sums, no failed rows' sums).
SUMMARY_V2 = {
    "aiopt_summary": 2,
    "paths": ["usage.jsonl"],
    "thresholds": [200000],
    "requests": 3,
    "untagged": 0,
    "bad_rows": 0,
    "bad_lines": [],
    "first_ts": 1_772_323_200.0,
    "last_ts": 1_772_409_600.0,
    "groups": [
        {
            "feature": "summarize",
            "provider": "openai",
            "model": "gpt-4o-mini",
            "requests": 3,
            "failed": 0,
            "retries": 0,
            "stated_cost": 0.0,
            "stated_cost_rows": 0,
            "cells": [[0, 120, 0, 3, 3000, 0, 0, 0]],
        }
    ],
}


def test_a_version_2_summary_reads_as_the_current_version() -> None:
    summary = summary_from_dict(json.loads(json.dumps(SUMMARY_V2)))
    group = summary.groups[("summarize", "openai", "gpt-4o-mini")]
    assert summary.requests == 3 and group.cells[(0, 120, False)][0] == 3
    assert group.days == {} and group.failed_tokens == [0.0] * 5
    again = summary_to_dict(summary)
    assert again["aiopt_summary"] == stored.CURRENT["summary"]
    assert summary_from_dict(again).requests == 3


@pytest.mark.parametrize("version", [1, stored.CURRENT["summary"] + 1, 99, "3", None])
def test_a_summary_of_another_version_is_refused(version: object) -> None:
    with pytest.raises(ValueError, match="unsupported summary format version"):
        summary_from_dict({**SUMMARY_V2, "aiopt_summary": version})


def test_history_lines_without_a_version_are_read(tmp_path: Path) -> None:
    path = history_path(tmp_path)
    path.parent.mkdir(parents=True)
    old = {"time": "2026-03-01T10:00:00Z", "command": "check", "scope": "staged", "verdict": "pass"}
    new = {**old, "v": 1, "time": "2026-03-02T10:00:00Z"}
    future = {**old, "v": 7, "time": "2026-03-03T10:00:00Z"}
    path.write_text("\n".join(json.dumps(e) for e in (old, new, future)) + "\n")
    entries = read_history(tmp_path)
    assert [e["time"] for e in entries] == ["2026-03-01T10:00:00Z", "2026-03-02T10:00:00Z"]
    assert all(e["v"] == 1 for e in entries)


def test_lockfile_version_1_reads_and_a_newer_one_is_an_error() -> None:
    lock = {"version": 1, "monthly_usd": 1.0, "features": {"summarize": {"config": {"model": "gpt-4o-mini"}}}}
    assert parse_lock(json.dumps(lock).encode())["features"]["summarize"]["config"]["model"] == "gpt-4o-mini"
    with pytest.raises(AioptError, match="unsupported lockfile format version 2"):
        parse_lock(json.dumps({**lock, "version": 2}).encode())


def test_approvals_version_1_reads_and_a_newer_one_is_an_error() -> None:
    assert parse_approvals(b"version: 1\napprovals: []\n") == ([], [])
    with pytest.raises(AioptError, match="unsupported approvals format version 2"):
        parse_approvals(b"version: 2\napprovals: []\n")


def test_every_kind_has_a_current_version_and_a_key() -> None:
    assert set(stored.CURRENT) == set(stored.VERSION_KEY)
    for kind, version in stored.STEPS:
        assert version < stored.CURRENT[kind]
