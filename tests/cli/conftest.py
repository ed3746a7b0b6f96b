"""The command-line tests' `run`: `aiopt check ARGS` in-process on the sample app, asserting that the
command left the work tree and the index untouched."""

from __future__ import annotations

from typing import Any

import pytest

from aiopt_hooks.cli import main
from tests.support.cli import snapshot
from tests.support.repos import GitRepo
from tests.support.workflow import Run


@pytest.fixture
def run(app: GitRepo, capsys: pytest.CaptureFixture[str]) -> Any:
    """`run(*args)` -> Run; also asserts the command left the work tree and the index untouched."""

    def _run(*args: str, entry: Any = main) -> Run:
        capsys.readouterr()
        before = snapshot(app)
        code = entry(["check", *args]) if entry is main else entry(list(args))
        captured = capsys.readouterr()
        after = snapshot(app)
        assert after[0] == before[0], "the index was modified"
        assert after[1] == before[1], "git status changed"
        assert after[2] == before[2], "a work-tree file was modified"
        return Run(code, captured.out, captured.err)

    return _run
