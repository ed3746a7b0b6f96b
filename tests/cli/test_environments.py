"""Right in every git layout and environment a team really has: shallow CI clones, file arguments
from anywhere, dangling config links, a log named twice, the shell's time zone, GIT_DIR layouts,
odd repository paths, a C locale, a full disk, a foreign-owned checkout and bad pre-commit refs.

Each test builds the situation for real (a clone, a bare repository, a resource limit, a process
with another TZ or locale) and fails on the behaviour the issue reported.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from aiopt_hooks.baseline import duck
from aiopt_hooks.baseline.read import summarize_baseline
from aiopt_hooks.cli import guard_main, main
from aiopt_hooks.repo import history
from tests.support.cli import SAMPLE_ROWS, assert_one_error_line
from tests.support.repos import SAMPLE_REPO, GitRepo, swap_model, usage_rows, write_log


def aiopt(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The real command in a fresh process (hooks run it so, with git's environment)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "AIOPT_", "PRE_COMMIT"))}
    return subprocess.run(
        [sys.executable, "-m", "aiopt_hooks.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        env={**base, **(env or {})},
        timeout=120,
    )


def sample_at(path: Path) -> GitRepo:
    """The sample app committed in a repository at `path` (any name)."""
    repo = GitRepo(path)
    shutil.copytree(SAMPLE_REPO, repo.path, dirs_exist_ok=True)
    repo.stage()
    repo.commit("sample app")
    return repo


# -- shallow clones (CI) -----------------------------------------------------------------------


@pytest.fixture
def shallow(sample_app: GitRepo, tmp_path: Path) -> GitRepo:
    """A depth-1 clone of two branches whose merge base it does not hold: main swaps a model after
    `feature` (docs only) branched off."""
    sample_app.git("checkout", "-q", "-b", "feature")
    sample_app.write("docs/usage.md", "How to run it.\n")
    sample_app.stage()
    sample_app.commit("docs")
    sample_app.git("checkout", "-q", "main")
    swap_model(sample_app)
    sample_app.commit("bigger model")
    clone = tmp_path / "clone"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", "--no-single-branch", sample_app.path.as_uri(), str(clone)],
        check=True,
        capture_output=True,
    )
    return _existing(clone)


def _existing(path: Path) -> GitRepo:
    repo = GitRepo.__new__(GitRepo)
    repo.path = path
    return repo


def test_a_shallow_clone_without_the_merge_base_is_an_error_with_the_fetch_advice(
    shallow: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["check", "--repo", str(shallow.path), "--from-ref", "origin/main", "--to-ref", "origin/feature"]
    assert main(args) == 2
    line = assert_one_error_line(capsys.readouterr().err, "no merge base", "shallow clone")
    assert "fetch-depth: 0" in line and "git fetch --deepen" in line
    shallow.git("fetch", "-q", "--unshallow")  # the advice works: the docs-only branch now passes
    assert main([*args, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["changes"] == []


# -- file arguments ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cwd", "arg"),
    [
        pytest.param("config", "llm.yaml", id="relative-to-a-subdirectory"),
        pytest.param("prompts", "../config/llm.yaml", id="relative-with-dotdot"),
        pytest.param("config", "{root}/config/llm.yaml", id="absolute-from-a-subdirectory"),
        pytest.param(".", "{root}/config/llm.yaml", id="absolute-from-the-top"),
        pytest.param(".", "./config//llm.yaml", id="unnormalized"),
        pytest.param("config", ".", id="a-directory"),
        pytest.param("prompts", "..", id="the-top"),
    ],
)
def test_file_arguments_are_resolved_against_the_current_directory(
    app: GitRepo, run: Any, monkeypatch: pytest.MonkeyPatch, cwd: str, arg: str
) -> None:
    swap_model(app)
    monkeypatch.chdir(app.path / cwd)
    result = run(arg.format(root=app.path), "--format", "json")
    assert result.code == 1, result.err
    assert [c["field"] for c in result.json()["changes"]] == ["model"]


def test_file_arguments_through_a_symlinked_checkout(
    app: GitRepo, run: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The checkout reached through a link (macOS's /tmp, a home on another volume): git names the real
    path, the shell and the editor the linked one."""
    link = tmp_path / "work-link"
    link.symlink_to(app.path, target_is_directory=True)
    swap_model(app)
    monkeypatch.chdir(link / "config")
    assert run(str(link / "config" / "llm.yaml")).code == 1
    assert run("llm.yaml").code == 1


def test_a_directory_argument_selects_the_changed_files_under_it(app: GitRepo, run: Any) -> None:
    swap_model(app)
    assert run("prompts").code == 0 and run("config").code == 1


def test_a_file_argument_outside_the_repository_is_an_error(app: GitRepo, run: Any, tmp_path: Path) -> None:
    swap_model(app)
    elsewhere = tmp_path / "other" / "llm.yaml"
    elsewhere.parent.mkdir()
    elsewhere.write_text("x: 1\n")
    result = run(str(elsewhere))
    assert result.code == 2
    assert_one_error_line(result.err, str(elsewhere), "outside the repository")


def test_from_outside_the_repository_file_arguments_are_relative_to_its_top(
    app: GitRepo, run: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    swap_model(app)
    monkeypatch.chdir(tmp_path)
    assert run("--repo", str(app.path), "config/llm.yaml").code == 1


# -- a dangling .aiopt.yaml link ---------------------------------------------------------------


def test_a_config_link_whose_target_is_missing_is_an_error(app: GitRepo, run: Any) -> None:
    (app.path / ".aiopt.yaml").unlink()
    (app.path / ".aiopt.yaml").symlink_to("shared/aiopt.yaml")
    swap_model(app)
    result = run()
    assert result.code == 2
    assert_one_error_line(result.err, ".aiopt.yaml", "symlink to shared/aiopt.yaml", "does not exist")


def test_a_config_link_outside_a_sparse_checkout_says_so(
    sample_app: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = sample_app
    (repo.path / "shared").mkdir()
    shutil.move(repo.path / ".aiopt.yaml", repo.path / "shared" / "aiopt.yaml")
    (repo.path / ".aiopt.yaml").symlink_to("shared/aiopt.yaml")
    repo.stage()
    repo.commit("config shared with other services")
    repo.git("sparse-checkout", "set", "config", "prompts")  # cone mode: shared/ leaves the work tree
    assert not (repo.path / "shared").exists()
    swap_model(repo)
    assert main(["check", "--repo", str(repo.path)]) == 2
    assert_one_error_line(capsys.readouterr().err, "does not exist", "git sparse-checkout add")


# -- the same log read twice -------------------------------------------------------------------


@pytest.mark.parametrize("layout", ["path-and-glob", "rotation-symlink", "hard-link"])
def test_a_log_named_twice_is_read_once(app: GitRepo, run: Any, layout: str) -> None:
    swap_model(app)
    single = run("--format", "json").json()
    if layout == "path-and-glob":
        args = ["--baseline", "usage.jsonl", "--baseline", "*.jsonl"]
    else:
        logs = app.path / "logs"
        logs.mkdir()
        shutil.move(app.path / "usage.jsonl", logs / "usage-2026-05.jsonl")
        if layout == "rotation-symlink":
            (logs / "current.jsonl").symlink_to("usage-2026-05.jsonl")
        else:
            os.link(logs / "usage-2026-05.jsonl", logs / "current.jsonl")
        args = ["--baseline", "logs/*.jsonl"]
    data = run("--format", "json", *args).json()
    assert data["baseline"]["requests"] == SAMPLE_ROWS
    assert data["delta"]["monthly_usd"] == pytest.approx(single["delta"]["monthly_usd"])
    notes = [f["message"] for f in data["findings"] if f["code"] == "duplicate_baseline_file"]
    assert len(notes) == 1 and "read once" in notes[0]
    if layout == "rotation-symlink":  # the report names the real file, not the link
        assert data["baseline"]["paths"] == ["logs/usage-2026-05.jsonl"] and "current.jsonl" in notes[0]


def test_scan_reads_a_log_named_twice_once(app: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    config = app.path / ".aiopt.yaml"
    config.write_text(config.read_text().replace("path: usage.jsonl", "path: [usage.jsonl, '*.jsonl']"))
    assert main(["scan", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["baseline"]["requests"] == SAMPLE_ROWS
    assert [f["code"] for f in data["findings"]].count("duplicate_baseline_file") == 1


# -- time zones: naive timestamps are UTC on both engines ----------------------------------------


TZ_SCRIPT = """
import json, sys
from pathlib import Path
from aiopt_hooks.baseline import duck
from aiopt_hooks.baseline.read import summarize_baseline
out = {}
for engine, floor in (("duckdb", 0), ("stream", 1 << 62)):
    duck.MIN_BYTES = floor
    s = summarize_baseline([Path(sys.argv[1])], (200000,))
    out[engine] = [s.first_ts, s.last_ts, sorted(d for g in s.groups.values() for d in g.days)]
print(json.dumps(out))
"""


def test_naive_timestamps_are_utc_on_both_engines_in_every_time_zone(tmp_path: Path) -> None:
    assert duck.available()
    stamps = [
        "2026-03-01T23:30:00",
        "2026-03-02 00:30:00",
        "2026-03-02T12:00:00.250",
        "2026-03-02 08:00:00 UTC",
        "2026-03-03",
        "2026-03-03T01:00:00Z",
        "2026-03-03T02:00:00+02:00",
        "2026-03-04T23:59:59",
    ]
    log = write_log(
        tmp_path / "usage.jsonl",
        [{**row, "ts": ts} for row, ts in zip(usage_rows("summarize", "gpt-4o-mini", len(stamps), 100, 10), stamps)],
    )
    expected_first, expected_last = 1772407800.0, 1772668799.0  # 2026-03-01T23:30Z, 2026-03-04T23:59:59Z
    seen = set()
    for tz in ("UTC", "America/Los_Angeles", "Asia/Kolkata", "Pacific/Kiritimati", "Europe/Berlin"):
        proc = subprocess.run(
            [sys.executable, "-c", TZ_SCRIPT, str(log)],
            capture_output=True,
            text=True,
            env={**os.environ, "TZ": tz},
            timeout=120,
        )
        assert proc.returncode == 0, proc.stderr
        result = json.loads(proc.stdout)
        assert result["duckdb"] == result["stream"], (tz, result)
        assert result["stream"][:2] == [expected_first, expected_last], tz
        assert result["stream"][2] == [20513, 20514, 20515, 20516]  # the UTC days
        seen.add(proc.stdout)
    assert len(seen) == 1


# -- GIT_DIR / GIT_WORK_TREE layouts ------------------------------------------------------------


def _swap_and_stage(cwd: Path, env: dict[str, str]) -> None:
    path = cwd / "config" / "llm.yaml"
    path.write_text(path.read_text().replace("model: gpt-4o-mini", "model: gpt-4o", 1))
    subprocess.run(["git", "add", "config/llm.yaml"], cwd=cwd, env={**os.environ, **env}, check=True)


def test_a_bare_repository_with_a_separate_work_tree(tmp_path: Path) -> None:
    """The dotfiles layout: the git dir outside the work tree, both named by the environment (as in hooks)."""
    git_dir, home = tmp_path / "dotfiles.git", tmp_path / "home"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(git_dir)], check=True)
    shutil.copytree(SAMPLE_REPO, home)
    env = {"GIT_DIR": str(git_dir), "GIT_WORK_TREE": str(home)}
    genv = {
        **os.environ,
        **env,
        "GIT_AUTHOR_NAME": "D",
        "GIT_AUTHOR_EMAIL": "d@e",
        "GIT_COMMITTER_NAME": "D",
        "GIT_COMMITTER_EMAIL": "d@e",
    }
    subprocess.run(["git", "add", "-A"], cwd=home, env=genv, check=True)
    subprocess.run(["git", "commit", "-q", "--no-verify", "-m", "dotfiles"], cwd=home, env=genv, check=True)
    _swap_and_stage(home, env)
    for cwd in (home, home / "config"):
        proc = aiopt("check", "--format", "json", cwd=cwd, env=env)
        assert proc.returncode == 1, proc.stderr
        assert json.loads(proc.stdout)["delta"]["monthly_usd"] > 100


@pytest.mark.parametrize("git_dir", ["../.git", "{root}/.git"])
def test_git_dir_set_from_a_subdirectory(sample_app: GitRepo, git_dir: str) -> None:
    env = {"GIT_DIR": git_dir.format(root=sample_app.path)}
    swap_model(sample_app)
    proc = aiopt("check", "--format", "json", cwd=sample_app.path / "config", env=env)
    assert proc.returncode == 1, proc.stderr
    assert json.loads(proc.stdout)["baseline"]["requests"] == SAMPLE_ROWS  # the top's config and log
    assert aiopt("check", "llm.yaml", cwd=sample_app.path / "config", env=env).returncode == 1


# -- odd repository paths ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("app $HOME", id="set-variable"),
        pytest.param("app ${AIOPT_TEST_UNSET_VARIABLE}", id="unset-variable"),
        pytest.param("billing [v2]", id="glob-brackets"),
        pytest.param("app * ?", id="glob-stars"),
    ],
)
def test_repository_paths_that_look_like_variables_or_globs(tmp_path: Path, name: str) -> None:
    repo = sample_at(tmp_path / name / "app")
    swap_model(repo)
    proc = aiopt("check", "--format", "json", cwd=repo.path)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr == "" and json.loads(proc.stdout)["baseline"]["requests"] == SAMPLE_ROWS


def test_a_log_name_with_glob_characters_is_read_literally(app: GitRepo, run: Any) -> None:
    shutil.move(app.path / "usage.jsonl", app.path / "usage[1].jsonl")
    swap_model(app)
    assert run("--format", "json", "--baseline", "usage[1].jsonl").json()["baseline"]["requests"] == SAMPLE_ROWS


# -- a locale that is not UTF-8 ------------------------------------------------------------------


def test_a_c_locale_with_unicode_names(tmp_path: Path) -> None:
    repo = sample_at(tmp_path / "dépôt ✓" / "app")
    path = repo.path / "config" / "llm.yaml"
    path.write_text(path.read_text().replace("  summarize:", "  résumé:", 1))
    repo.stage()
    repo.commit("unicode feature")
    swap_model(repo)
    env = {"LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONIOENCODING": ""}
    proc = aiopt("check", cwd=repo.path, env=env)
    assert proc.returncode == 1, proc.stderr
    assert "internal error" not in proc.stderr and "r\\xe9sum\\xe9" in proc.stdout
    proc = aiopt("check", "--format", "json", cwd=repo.path / "config", env=env)
    assert proc.returncode == 1 and json.loads(proc.stdout)["changes"][0]["feature"] == "résumé"


# -- the audit history on a full disk ------------------------------------------------------------


def _limited(limit: int) -> Any:
    def preexec() -> None:
        import resource
        import signal

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails instead of killing
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return preexec


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX resource limits")
def test_a_short_history_write_is_taken_back_and_reported(sample_app: GitRepo) -> None:
    swap_model(sample_app)
    for _ in range(2):  # two whole entries, and every cache already written
        assert aiopt("check", cwd=sample_app.path).returncode == 1
    path = history.history_path(sample_app.path / ".git")
    size = path.stat().st_size
    proc = subprocess.run(
        [sys.executable, "-m", "aiopt_hooks.cli", "check"],
        cwd=sample_app.path,
        capture_output=True,
        text=True,
        preexec_fn=_limited(size + 40),
        timeout=120,
    )
    assert proc.returncode == 1
    notices = [line for line in proc.stderr.splitlines() if "history" in line]
    assert len(notices) == 1 and "could not append" in notices[0]
    assert path.stat().st_size == size and path.read_bytes().endswith(b"\n")  # no torn line left
    assert aiopt("check", cwd=sample_app.path).returncode == 1
    assert len(history.read_history(sample_app.path / ".git")) == 3


def test_a_torn_history_line_loses_nothing_else(sample_app: GitRepo) -> None:
    git_dir = sample_app.path / ".git"
    swap_model(sample_app)
    assert aiopt("check", cwd=sample_app.path).returncode == 1
    path = history.history_path(git_dir)
    whole = path.read_bytes()
    # an older version's torn write, with the next entry appended onto it, then a crash mid-line
    path.write_bytes(whole + whole[:37] + whole + whole[:50])
    assert len(history.read_history(git_dir)) == 2  # the entry on the torn line is recovered
    assert aiopt("check", cwd=sample_app.path).returncode == 1  # appended on its own line
    entries = history.read_history(git_dir)
    assert len(entries) == 3 and all(e["verdict"] == "block" for e in entries)
    proc = aiopt("history", "--format", "json", cwd=sample_app.path)
    assert proc.returncode == 0 and len(json.loads(proc.stdout)) == 3


# -- messages: git's own refusal, bad pre-commit refs --------------------------------------------


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to give the checkout away")
def test_a_repository_owned_by_another_user_shows_gits_advice(sample_app: GitRepo) -> None:
    for path in [sample_app.path, *sample_app.path.rglob("*")]:
        os.lchown(path, 4321, 4321)
    proc = aiopt("check", cwd=sample_app.path, env={"HOME": str(sample_app.path.parent)})
    assert proc.returncode == 2
    line = assert_one_error_line(proc.stderr, "dubious ownership")
    assert f"git config --global --add safe.directory {sample_app.path}" in line
    assert "not inside a git repository" not in proc.stderr


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("PRE_COMMIT_FROM_REF", "--all"),
        ("PRE_COMMIT_TO_REF", "--output=/tmp/x"),
        ("PRE_COMMIT_FROM_REF", "main feature"),
    ],
)
def test_a_pre_commit_ref_that_is_no_ref(
    app: GitRepo, run: Any, monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv("PRE_COMMIT_FROM_REF", "main")
    monkeypatch.setenv("PRE_COMMIT_TO_REF", "main")
    monkeypatch.setenv(variable, value)
    result = run(entry=guard_main)
    assert result.code == 2 and "usage:" not in result.err
    assert_one_error_line(result.err, f"{variable}={value!r}", "is not a git ref")


# -- repeated request ids on the large-log engine ---------------------------------------------------


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_repeated_request_ids_are_found_by_both_engines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str
) -> None:
    rows = usage_rows("summarize", "gpt-4o-mini", 300, 1000, 100)
    for i, row in enumerate(rows):
        row["request_id"] = f"req-{i % 250}"  # 50 rows repeat an id (a shipper's retry)
    log = tmp_path / f"usage{suffix}"
    if suffix == ".csv":
        import csv

        with open(log, "w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    else:
        write_log(log, rows)
    found = {}
    for engine, floor in (("duckdb", 0), ("stream", 1 << 62)):
        monkeypatch.setattr(duck, "MIN_BYTES", floor)
        summary = summarize_baseline([log], (200000,))
        found[engine] = (summary.duplicates, summary.requests)
        assert summary.duplicate_lines, engine
    assert found["duckdb"] == found["stream"] == (50, 300)
