"""Fixtures shared by every test: real temporary git repositories, the sample app, `run`.

Helpers the tests import live in `tests/support/`; this file only declares fixtures.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from aiopt_hooks.cli import main
from tests.support.repos import ENV_VARS, SAMPLE_REPO, GitRepo
from tests.support.workflow import Run


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    return GitRepo(tmp_path / "repo")


@pytest.fixture(scope="session")
def sample_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`sample_repo/` committed once into a git repo; copy it (with `.git`) rather than rebuilding it."""
    repo = GitRepo(tmp_path_factory.mktemp("sample-template") / "app")
    shutil.copytree(SAMPLE_REPO, repo.path, dirs_exist_ok=True)
    repo.stage()
    repo.commit("sample app")
    return repo.path


@pytest.fixture
def sample_app(sample_template: Path, tmp_path: Path) -> GitRepo:
    """A private copy of the committed sample app (one commit on `main`, nothing staged)."""
    path = tmp_path / "app"
    shutil.copytree(sample_template, path, symlinks=True)
    return GitRepo(path)


@pytest.fixture
def app(sample_app: GitRepo, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    """The sample app (one commit on main), as the current directory, with no aiopt/pre-commit env."""
    monkeypatch.chdir(sample_app.path)
    for var in ENV_VARS:
        monkeypatch.delenv(var, raising=False)
    return sample_app


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Any:
    """`run(*args, entry=main)` -> Run: `aiopt` in-process, as a user runs it."""

    def _run(*args: str, entry: Any = main) -> Run:
        capsys.readouterr()
        code = entry(list(args))
        captured = capsys.readouterr()
        assert "Traceback" not in captured.err, captured.err
        return Run(code, captured.out, captured.err)

    return _run
