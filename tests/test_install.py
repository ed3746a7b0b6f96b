"""Installing the command line as the README says: `pipx install git+<repository>@<rev>` gives `aiopt`,
`aiopt-guard` and `aiopt --version` on PATH, in an environment of their own.

The repository is a temp copy of this working tree committed into a fresh git repo, installed from
its `file://` URL (the README's https URL works the same way; no network here).
"""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from aiopt_hooks import cli
from tests.support.hookrepo import LEAKY, copy_working_tree
from tests.support.repos import ROOT, SAMPLE_REPO, GitRepo

BIN = Path(sys.executable).parent


def test_the_distribution_name_is_aiopt_hooks() -> None:
    parser = configparser.ConfigParser()
    parser.read(ROOT / "setup.cfg")
    assert parser["metadata"]["name"] == "aiopt-hooks"  # `aiopt` on PyPI is another project


def test_version_flag(capsys: pytest.CaptureFixture[str]) -> None:
    from importlib.metadata import version

    with pytest.raises(SystemExit) as exit_:
        cli.main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"aiopt {version('aiopt-hooks')}"


@pytest.mark.skipif(shutil.which("pipx", path=str(BIN)) is None, reason="pipx is not installed (test extra)")
def test_pipx_install_from_the_repository(tmp_path: Path) -> None:
    source = GitRepo(tmp_path / "aiopt-hooks")
    copy_working_tree(source.path)
    source.stage()
    source.commit("snapshot")
    rev = source.git("rev-parse", "HEAD").strip()
    env = {k: v for k, v in os.environ.items() if k not in LEAKY}
    env.update(
        PIPX_HOME=str(tmp_path / "pipx-home"),
        PIPX_BIN_DIR=str(tmp_path / "bin"),
        PIPX_MAN_DIR=str(tmp_path / "man"),
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PIP_NO_INPUT="1",
    )
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if Path(p) != BIN)

    installed = subprocess.run(
        [str(BIN / "pipx"), "install", f"git+file://{source.path}@{rev}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    aiopt = tmp_path / "bin" / "aiopt"
    assert {"aiopt", "aiopt-guard", "aiopt-guard-msg"} <= {p.name for p in (tmp_path / "bin").iterdir()}
    version = subprocess.run([str(aiopt), "--version"], env=env, capture_output=True, text=True)
    assert version.returncode == 0 and version.stdout.strip() == "aiopt 0.1.0", version.stdout + version.stderr

    app = GitRepo(tmp_path / "app")
    shutil.copytree(SAMPLE_REPO, app.path, dirs_exist_ok=True)
    app.stage()
    app.commit("sample app")
    llm = app.path / "config/llm.yaml"
    llm.write_text(llm.read_text().replace("model: gpt-4o-mini", "model: gpt-4o", 1))
    app.stage()
    checked = subprocess.run([str(aiopt), "check"], cwd=app.path, env=env, capture_output=True, text=True)
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert "BLOCKED" in checked.stdout

    # `aiopt init` prints the hook entry for this installation: its repository and the commit it came from,
    # which the real pre-commit client then installs and runs.
    init = subprocess.run([str(aiopt), "init", "--force"], cwd=app.path, env=env, capture_output=True, text=True)
    assert init.returncode == 0, init.stdout + init.stderr
    snippet = init.stdout[init.stdout.index("repos:") : init.stdout.index("Without it")]
    assert f"-   repo: file://{source.path}\n    rev: {rev}   #" in snippet, snippet
    app.write(".pre-commit-config.yaml", snippet)
    app.git("add", ".pre-commit-config.yaml", ".aiopt.yaml")
    hooked = subprocess.run(
        [str(BIN / "pre-commit"), "run", "aiopt-guard"],
        cwd=app.path,
        capture_output=True,
        text=True,
        timeout=600,
        env={**env, "PRE_COMMIT_HOME": str(tmp_path / "pc-home")},
    )
    assert hooked.returncode == 1 and "BLOCKED" in hooked.stdout, hooked.stdout + hooked.stderr


def _uv_env(tmp_path: Path) -> dict[str, str]:
    """uv reads no pip.conf: hand it pip's own find-links (and no index when pip's indexes are all local
    files, as on an offline machine), so it installs from the same place pip does."""
    env = {k: v for k, v in os.environ.items() if k not in LEAKY}
    env.update(
        UV_TOOL_DIR=str(tmp_path / "uv-tools"),
        UV_TOOL_BIN_DIR=str(tmp_path / "uv-bin"),
        UV_CACHE_DIR=str(tmp_path / "uv-cache"),
        UV_NO_PROGRESS="1",
    )
    listed = subprocess.run([sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True).stdout
    config = dict(line.split("=", 1) for line in listed.splitlines() if "=" in line)
    links = next((v.strip("'") for k, v in config.items() if k.endswith(".find-links")), "")
    indexes = " ".join(v.strip("'") for k, v in config.items() if k.endswith(("index-url", "extra-index-url")))
    if links:
        env["UV_FIND_LINKS"] = links
    if links and indexes and all(url.startswith("file:") for url in indexes.split()):
        env["UV_NO_INDEX"] = "1"
    return env


@pytest.mark.skipif(shutil.which("uv", path=str(BIN)) is None, reason="uv is not installed (test extra)")
def test_uv_tool_install_from_the_repository(tmp_path: Path) -> None:
    source = GitRepo(tmp_path / "aiopt-hooks")
    copy_working_tree(source.path)
    source.stage()
    source.commit("snapshot")
    rev = source.git("rev-parse", "HEAD").strip()
    env = _uv_env(tmp_path)
    installed = subprocess.run(
        [str(BIN / "uv"), "tool", "install", f"git+file://{source.path}@{rev}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    version = subprocess.run([str(tmp_path / "uv-bin" / "aiopt"), "--version"], capture_output=True, text=True)
    assert version.stdout.strip() == "aiopt 0.1.0", version.stdout + version.stderr
    app = GitRepo(tmp_path / "app")
    shutil.copytree(SAMPLE_REPO, app.path, dirs_exist_ok=True)
    app.stage()
    app.commit("sample app")
    init = subprocess.run(
        [str(tmp_path / "uv-bin" / "aiopt"), "init", "--force"], cwd=app.path, capture_output=True, text=True
    )
    assert f"    rev: {rev}   #" in init.stdout, init.stdout + init.stderr
