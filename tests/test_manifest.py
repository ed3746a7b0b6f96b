"""Tests for `.pre-commit-hooks.yaml`, loaded and validated by pre-commit's own loader."""

from __future__ import annotations

import configparser
import importlib
from typing import Any

import pytest
from pre_commit.clientlib import load_manifest

from tests.support.repos import ROOT


@pytest.fixture(scope="module")
def hooks() -> dict[str, dict[str, Any]]:
    manifest = load_manifest(str(ROOT / ".pre-commit-hooks.yaml"))
    by_id = {hook["id"]: hook for hook in manifest}
    assert len(by_id) == len(manifest), "duplicate hook ids"
    return by_id


def console_scripts() -> dict[str, str]:
    parser = configparser.ConfigParser()
    parser.read(ROOT / "setup.cfg")
    scripts = {}
    for line in parser["options.entry_points"]["console_scripts"].strip().splitlines():
        name, _, target = line.partition("=")
        scripts[name.strip()] = target.strip()
    return scripts


def test_the_guard_hook_exists(hooks: dict[str, dict[str, Any]]) -> None:
    assert "aiopt-guard" in hooks


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        pytest.param("language", "python", id="language"),
        pytest.param("pass_filenames", False, id="pass_filenames"),
        pytest.param("require_serial", True, id="require_serial"),
        pytest.param("stages", ["pre-commit", "pre-push", "manual"], id="stages"),
        pytest.param("minimum_pre_commit_version", "3.2.0", id="minimum_pre_commit_version"),
        pytest.param("verbose", True, id="verbose"),
    ],
)
def test_guard_hook_settings(hooks: dict[str, dict[str, Any]], key: str, expected: Any) -> None:
    assert hooks["aiopt-guard"][key] == expected


def test_guard_entry_is_a_declared_console_script(hooks: dict[str, dict[str, Any]]) -> None:
    entry = hooks["aiopt-guard"]["entry"].split()
    scripts = console_scripts()
    assert entry[0] in scripts, f"{entry[0]!r} is not in setup.cfg console_scripts {sorted(scripts)}"
    module, _, attr = scripts[entry[0]].partition(":")
    target = getattr(importlib.import_module(module), attr)
    assert callable(target)


def test_guard_entry_points_at_the_pre_push_aware_main() -> None:
    from aiopt_hooks import cli

    assert console_scripts() == {
        "aiopt": "aiopt_hooks.cli:entry",
        "aiopt-guard": "aiopt_hooks.cli:guard_entry",
        "aiopt-guard-msg": "aiopt_hooks.cli:guard_msg_entry",
    }
    # each command is its main, then a quick exit
    assert [f.__code__.co_names[:2] for f in (cli.entry, cli.guard_entry, cli.guard_msg_entry)] == [
        ("_exit_now", "main"),
        ("_exit_now", "guard_main"),
        ("_exit_now", "guard_msg_main"),
    ]


def test_minimum_version_is_met_by_the_installed_pre_commit(hooks: dict[str, dict[str, Any]]) -> None:
    from importlib.metadata import version

    def parts(text: str) -> tuple[int, ...]:
        return tuple(int(p) for p in text.split(".")[:3])

    assert parts(version("pre-commit")) >= parts(hooks["aiopt-guard"]["minimum_pre_commit_version"])
