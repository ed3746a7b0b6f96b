"""Rename safety: `aiopt init` writes globs a rename does not slip past, and a renamed file (git's
rename detection, with or without edits) keeps the feature its baseline traffic knows.

The prompt file is contoso-chat's real `product.prompty` (tests/data/SOURCES.md); the log is
written for the test: 300 `product` requests at gpt-4o-mini over 10 days.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from aiopt_hooks.cli import main
from aiopt_hooks.config import parse_config_text
from tests.support.repos import ENV_VARS, GitRepo, usage_rows, write_log

Aiopt = Callable[..., tuple[int, str]]

PRODUCT = (
    Path(__file__).resolve().parents[1] / "data" / "configs" / "prompty__Azure-Samples_contoso-chat__product.prompty"
).read_text("utf-8")
OLD = "src/api/contoso_chat/product/product.prompty"
NEW = "src/api/contoso_chat/product/product_queries.prompty"


@pytest.fixture
def contoso(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    repo = GitRepo(tmp_path / "contoso")
    repo.write(OLD, PRODUCT)
    write_log(repo.path / "usage.jsonl", usage_rows("product", "gpt-4o-mini", 300, 2000, 300))
    repo.stage()
    repo.commit("contoso")
    monkeypatch.chdir(repo.path)
    for var in ENV_VARS:
        monkeypatch.delenv(var, raising=False)
    return repo


@pytest.fixture
def aiopt(capsys: pytest.CaptureFixture[str]) -> Aiopt:
    """`aiopt(*args)` -> (exit code, stdout), in-process."""

    def _run(*args: str) -> tuple[int, str]:
        capsys.readouterr()
        code = main(list(args))
        return code, capsys.readouterr().out

    return _run


def _check(aiopt: Aiopt) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(aiopt("check", "--format", "json")[1])
    return data


def _init(repo: GitRepo, aiopt: Aiopt) -> dict[str, Any]:
    assert aiopt("init")[0] == 0
    repo.stage()
    repo.commit("guard")
    return parse_config_text((repo.path / ".aiopt.yaml").read_bytes(), ".aiopt.yaml")


def _swap(repo: GitRepo, path: str) -> None:
    target = repo.path / path
    target.write_text(target.read_text().replace("azure_deployment: gpt-4o-mini", "azure_deployment: gpt-4"))
    repo.stage()


def test_init_writes_a_glob_and_the_renamed_prompty_is_still_guarded(contoso: GitRepo, aiopt: Aiopt) -> None:
    assert _init(contoso, aiopt)["watch"] == ["**/*.prompty"]
    contoso.git("mv", OLD, NEW)
    renamed = _check(aiopt)
    assert renamed["verdict"] == "pass" and renamed["changes"] == []  # a pure rename changes no cost
    contoso.commit("rename")
    _swap(contoso, NEW)
    data = _check(aiopt)
    assert data["verdict"] == "block"
    [change] = data["changes"]
    assert (change["file"], change["field"], change["old"], change["new"]) == (NEW, "model", "gpt-4o-mini", "gpt-4")
    assert change["requests_matched"] == 300  # by the old model: the new stem has no tagged traffic


def test_rename_with_edits_keeps_the_old_feature(contoso: GitRepo, aiopt: Aiopt) -> None:
    _init(contoso, aiopt)
    contoso.git("mv", OLD, NEW)
    _swap(contoso, NEW)
    data = _check(aiopt)
    [change] = data["changes"]
    assert (change["feature"], change["file"], change["field"]) == ("product", NEW, "model")
    assert change["requests_matched"] == 300 and "matched by old model" not in " ".join(change["notes"])
    renamed = [f for f in data["findings"] if f["code"] == "feature_renamed"]
    assert len(renamed) == 1 and f"features.<name>.files: [{NEW}]" in renamed[0]["message"]


def test_rename_out_of_an_exact_watch_path_is_a_warning(contoso: GitRepo, aiopt: Aiopt) -> None:
    contoso.write(".aiopt.yaml", f"version: 1\nbaseline: {{path: usage.jsonl}}\nwatch: [{OLD}]\n")
    contoso.stage()
    contoso.commit("exact path")
    contoso.git("mv", OLD, NEW)
    _swap(contoso, NEW)
    data = _check(aiopt)
    assert [c["field"] for c in data["changes"]] == ["model"]  # this commit is still checked (by the old path)
    [warning] = [f for f in data["findings"] if f["code"] == "renamed_out_of_watch"]
    assert warning["level"] == "warn" and warning["file"] == NEW and "**/*.prompty" in warning["message"]


def test_init_finds_the_new_layouts(contoso: GitRepo, aiopt: Aiopt) -> None:
    layouts = Path(__file__).resolve().parents[1] / "data" / "layouts"
    contoso.write(".env.example", (layouts / "dotenv__getzep_graphiti__env.example").read_text("utf-8"))
    contoso.write(
        "crew/config/agents.yaml",
        (layouts / "crewai__crewAIInc_crewAI-examples__agents.at-3daae31c.yaml").read_text("utf-8"),
    )
    contoso.write("docker-compose.yml", "services:\n  db:\n    image: postgres\n")  # no LLM setting: not watched
    contoso.stage()
    contoso.commit("layouts")
    assert _init(contoso, aiopt)["watch"] == ["**/*.prompty", ".env.example", "crew/config/*.yaml"]
