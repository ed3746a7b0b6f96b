"""The package passes `mypy --strict` (settings in setup.cfg)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.support.repos import ROOT


def test_package_is_strictly_typed() -> None:
    pytest.importorskip("mypy")
    proc = subprocess.run([sys.executable, "-m", "mypy", "aiopt_hooks"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:]
