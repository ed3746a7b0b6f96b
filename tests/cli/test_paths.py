"""Paths: a repository's config cannot make the hook read outside it, and odd file names work.

Relative paths climbing out with `..` and symlinks resolving outside the work tree are refused
(baseline logs, the default `.aiopt.yaml`) or never followed (committed symlinks and submodules
are not read as config); an absolute path written in the config is the user's explicit choice.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from aiopt_hooks.cli import guard_main, main
from aiopt_hooks.repo.safepaths import climbs_out
from tests.support.cli import set_config
from tests.support.reliability import TreeGuard
from tests.support.repos import GitRepo, edit, swap_model, usage_rows, write_log


@pytest.fixture
def outside(app: GitRepo, tmp_path: Path) -> Path:
    """A usage log outside the repository (a copy of the app's own)."""
    target = tmp_path / "elsewhere" / "usage.jsonl"
    target.parent.mkdir()
    target.write_bytes((app.path / "usage.jsonl").read_bytes())
    return target


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("usage.jsonl", False),
        ("logs/../usage.jsonl", False),
        ("./logs/*.jsonl", False),
        ("../usage.jsonl", True),
        ("logs/../../x", True),
        ("..", True),
        ("a/b/../../../etc/passwd", True),
        ("..\\..\\x", True),
    ],
)
def test_climbs_out(path: str, expected: bool) -> None:
    assert climbs_out(path) is expected


def _relative(outside: Path, app: GitRepo) -> str:
    return os.path.relpath(outside, app.path)


@pytest.mark.parametrize("how", ["config", "flag", "env"])
def test_traversal_in_the_baseline_path_is_refused(
    app: GitRepo, run: Any, outside: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    swap_model(app)
    rel = _relative(outside, app)
    args: list[str] = []
    if how == "config":
        set_config(app, "path: usage.jsonl", f"path: {rel}")
    elif how == "flag":
        args = ["--baseline", rel]
    else:
        monkeypatch.setenv("AIOPT_BASELINE", rel)
    result = run(*args)
    assert result.code == 2
    assert f"{rel}: leaves the repository" in result.err and "absolute path" in result.err


def test_an_absolute_baseline_path_is_read_as_written(app: GitRepo, run: Any, outside: Path) -> None:
    swap_model(app)
    set_config(app, "path: usage.jsonl", f"path: {outside}")
    data = run("--format", "json").json()
    assert data["verdict"] == "block" and data["baseline"]["requests"] == 30951


def test_a_symlink_to_a_log_outside_is_not_followed(app: GitRepo, run: Any, outside: Path) -> None:
    (app.path / "usage.jsonl").unlink()
    (app.path / "usage.jsonl").symlink_to(outside)
    swap_model(app)
    result = run()
    assert result.code == 2
    assert "usage.jsonl: is a symlink to a file outside the repository: not followed" in result.err


def test_a_symlink_inside_the_repository_is_followed(app: GitRepo, run: Any) -> None:
    (app.path / "logs").mkdir()
    (app.path / "usage.jsonl").rename(app.path / "logs" / "real.jsonl")
    (app.path / "usage.jsonl").symlink_to(Path("logs") / "real.jsonl")
    swap_model(app)
    assert run("--format", "json").json()["baseline"]["requests"] == 30951


def test_a_glob_skips_matches_that_lead_outside(app: GitRepo, run: Any, outside: Path) -> None:
    logs = app.path / "logs"
    logs.mkdir()
    write_log(logs / "a.jsonl", usage_rows("summarize", "gpt-4o-mini", 100, 1000, 100))
    (logs / "b.jsonl").symlink_to(outside)
    (logs / "linked").symlink_to(outside.parent, target_is_directory=True)
    set_config(app, "path: usage.jsonl", "path: logs/**/*.jsonl")
    swap_model(app)
    assert run("--format", "json").json()["baseline"]["requests"] == 100


def test_traversal_in_feature_files_is_refused(app: GitRepo, run: Any) -> None:
    path = app.path / ".aiopt.yaml"
    path.write_text(path.read_text() + 'features:\n  summarize:\n    files: ["../../etc/passwd"]\n')
    swap_model(app)
    result = run()
    assert result.code == 2
    assert ".aiopt.yaml:" in result.err and "features.summarize.files" in result.err
    assert "leaves the repository" in result.err


def test_a_default_config_symlinked_outside_is_refused(app: GitRepo, run: Any, tmp_path: Path) -> None:
    target = tmp_path / "shared.yaml"
    target.write_bytes((app.path / ".aiopt.yaml").read_bytes())
    (app.path / ".aiopt.yaml").unlink()
    (app.path / ".aiopt.yaml").symlink_to(target)
    swap_model(app)
    result = run()
    assert result.code == 2 and ".aiopt.yaml: is a symlink to a file outside the repository" in result.err
    assert run("--config", str(target)).code == 1  # named explicitly: read as written


def test_a_committed_symlink_is_not_read_as_config(app: GitRepo, run: Any, tmp_path: Path) -> None:
    secret = tmp_path / "private_llm.yaml"
    secret.write_text("features:\n  summarize:\n    model: gpt-4-32k-MARKER\n")
    (app.path / "config" / "linked.yaml").symlink_to(secret)
    app.stage("config/linked.yaml")
    result = run("--format", "json")
    assert result.code == 0 and "MARKER" not in result.out and "gpt-4-32k" not in result.out


def test_a_submodule_under_a_watched_path_is_not_read(app: GitRepo, run: Any) -> None:
    head = app.git("rev-parse", "HEAD").strip()
    app.git("update-index", "--add", "--cacheinfo", f"160000,{head},prompts/shared")
    app.git("update-index", "--add", "--cacheinfo", f"160000,{'1' * 40},config/vendor.yaml")
    result = run("--format", "json")
    assert result.code == 0 and json.loads(result.out)["changes"] == []


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("config/my llm settings.yaml", id="spaces"),
        pytest.param("config/modèle ✨ 設定.yaml", id="unicode"),
        pytest.param("config/-llm.yaml", id="leading-dash-in-folder"),
        pytest.param("-llm.yaml", id="leading-dash"),
        pytest.param("--llm.yaml", id="double-dash"),
        pytest.param("config/a'b\"c$(x)`.yaml", id="shell-characters"),
    ],
)
def test_odd_file_names_work(
    app: GitRepo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.delenv("PRE_COMMIT_REMOTE_NAME", raising=False)
    set_config(app, 'watch: ["config/**/*.yaml", "prompts/**"]', 'watch: ["**/*.yaml", "prompts/**"]')
    (app.path / "config" / "llm.yaml").rename(app.path / name)
    edit(app, name, "model: gpt-4o-mini", "model: gpt-4o", stage=False)
    app.stage()
    guard = TreeGuard(app)
    for args in ([name], ["--format", "json", name]):  # as pre-commit passes them
        capsys.readouterr()
        assert guard_main(args) == 1, capsys.readouterr().err
    data = json.loads(capsys.readouterr().out)
    assert [(c["file"], c["field"], c["new"]) for c in data["changes"]] == [(name, "model", "gpt-4o")]
    capsys.readouterr()
    assert main(["check", "--", name]) == 1
    guard.check()
