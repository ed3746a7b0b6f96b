"""The GitHub Action (`action.yml`) and the GitLab CI template (`ci/aiopt.gitlab-ci.yml`), run the way the
services run them: each step's script in bash with the service's variables, in a CI clone of a pull
request; `gh` and `curl` (the only network calls) are stand-ins that record what would be posted.

The Action is a composite action: its steps run in order, `${{ ... }}` expressions are evaluated
against the inputs, the event and the earlier steps' outputs, `$GITHUB_PATH` and `$GITHUB_OUTPUT`
are honoured, and the job fails when a step fails.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import yaml

from tests.support.hookrepo import LEAKY, copy_working_tree
from tests.support.repos import ROOT, GitRepo, swap_model

MARKER = "<!-- aiopt-guard report -->"
FAKE_GH = """\
import json, os, sys
state_file = os.environ["FAKE_STATE"]
state = json.load(open(state_file)) if os.path.exists(state_file) else {"comments": {}, "calls": []}
args = sys.argv[1:]
state["calls"].append(args)
if "--method" in args:
    method = args[args.index("--method") + 1]
    body = open(next(a for a in args if a.startswith("body=@"))[6:]).read()
    if method == "POST":
        cid = str(100 + len(state["comments"]))
    else:
        cid = args[args.index("--method") + 2].rsplit("/", 1)[1]
    state["comments"][cid] = body
    print(json.dumps({"id": int(cid)}))
else:   # the list call: the jq filter selects the comments that start with the marker
    jq = args[args.index("--jq") + 1]
    marker = jq.split('startswith("')[1].split('")')[0]
    for cid, body in state["comments"].items():
        if body.startswith(marker):
            print(cid)
json.dump(state, open(state_file, "w"))
"""
FAKE_CURL = """\
import json, os, sys
state_file = os.environ["FAKE_STATE"]
state = json.load(open(state_file)) if os.path.exists(state_file) else {"notes": {}, "calls": []}
args = sys.argv[1:]
state["calls"].append(args)
url = args[-1]
if "--request" in args:
    body = open(args[args.index("--data-urlencode") + 1].split("@", 1)[1]).read()
    nid = url.rsplit("/", 1)[1] if args[args.index("--request") + 1] == "PUT" else str(500 + len(state["notes"]))
    state["notes"][nid] = body
else:
    print(json.dumps([{"id": int(k), "body": v} for k, v in state["notes"].items()]))
json.dump(state, open(state_file, "w"))
"""


class Job(NamedTuple):
    ok: bool
    log: str
    outputs: dict[str, dict[str, str]]


def _tool(bin_dir: Path, name: str, code: str) -> None:
    bin_dir.mkdir(parents=True, exist_ok=True)
    path = bin_dir / name
    path.write_text(f"#!{sys.executable}\n{code}")
    path.chmod(0o755)


@pytest.fixture(scope="module")
def action_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This repository as the runner checks an action out: its files at the ref `uses:` names."""
    path = tmp_path_factory.mktemp("action") / "aiopt-hooks"
    copy_working_tree(path)
    return path


@pytest.fixture
def pull_request(app: GitRepo, tmp_path: Path) -> Path:
    """A CI clone of `origin` checked out at a pull-request branch that swaps summarize to gpt-4o."""
    bare = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(bare)], check=True)
    app.git("remote", "add", "origin", str(bare))
    app.git("push", "-q", "origin", "main")
    app.git("checkout", "-q", "-b", "feature")
    swap_model(app)
    app.commit("Use gpt-4o")
    app.git("push", "-q", "origin", "feature")
    clone = tmp_path / "ci"
    subprocess.run(["git", "clone", "-q", "--single-branch", "--branch", "feature", str(bare), str(clone)], check=True)
    return clone  # like actions/checkout: the base branch is not fetched; the action fetches it


def _base_env(tmp_path: Path, fake_bin: Path) -> dict[str, str]:
    """A runner's environment: no test venv on PATH (the action installs its own aiopt)."""
    env = {k: v for k, v in os.environ.items() if k not in LEAKY and not k.startswith(("AIOPT_", "GITHUB_", "CI"))}
    venv_bin = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join([str(fake_bin), *(p for p in env["PATH"].split(os.pathsep) if p != venv_bin)])
    env["FAKE_STATE"] = str(tmp_path / "fake-state.json")
    return env


# -- GitHub Actions: a composite action, step by step -------------------------------------------------------------


def _evaluate(expression: str, ctx: dict[str, Any]) -> Any:
    """A GitHub expression of the kinds action.yml uses: context paths, 'strings', ==, !=, &&, ||, always()."""

    def lookup(match: re.Match[str]) -> str:
        value: Any = ctx
        for part in match.group(0).split("."):
            value = value.get(part) if isinstance(value, dict) else None
        return repr(value)

    python = re.sub(r"\b(?:inputs|github|steps)(?:\.[A-Za-z_][\w-]*)+", lookup, expression)
    python = python.replace("always()", "True").replace("&&", " and ").replace("||", " or ")
    return eval(python, {"__builtins__": {}})  # noqa: S307 - a test's own expressions


def _substitute(text: str, ctx: dict[str, Any]) -> str:
    return re.sub(r"\$\{\{\s*(.+?)\s*\}\}", lambda m: "" if (v := _evaluate(m.group(1), ctx)) is None else str(v), text)


@pytest.fixture(scope="module")
def runner_temp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """RUNNER_TEMP, kept across this module's jobs: the action's venv is made once and its install step
    re-run each time (as on a runner with a warm tool cache), which keeps the suite's time down."""
    return tmp_path_factory.mktemp("runner-temp")


def run_action(
    action_dir: Path,
    workspace: Path,
    tmp_path: Path,
    inputs: dict[str, str],
    event: dict[str, Any],
    runner_temp: Path,
    base_ref: str = "main",
) -> Job:
    spec = yaml.safe_load((action_dir / "action.yml").read_text())
    fake_bin = tmp_path / "fake-bin"
    _tool(fake_bin, "gh", FAKE_GH)
    env = _base_env(tmp_path, fake_bin)
    summary = tmp_path / "step-summary.md"
    env.update(
        GITHUB_ACTIONS="true",
        CI="true",
        GITHUB_BASE_REF=base_ref,
        GITHUB_REPOSITORY="acme/app",
        GITHUB_EVENT_NAME="pull_request",
        RUNNER_TEMP=str(runner_temp),
        GITHUB_ACTION_PATH=str(action_dir),
        GITHUB_STEP_SUMMARY=str(summary),
        GITHUB_WORKSPACE=str(workspace),
    )
    ctx: dict[str, Any] = {"github": {"base_ref": base_ref, "token": "ghs_test", "event": event}, "steps": {}}
    ctx["inputs"] = {name: _substitute(str(given.get("default", "")), ctx) for name, given in spec["inputs"].items()}
    ctx["inputs"].update(inputs)
    log, failed = [], False
    for step in spec["runs"]["steps"]:
        condition = step.get("if", "success()").replace("success()", str(not failed))
        if not _evaluate(condition, ctx):
            continue
        out_file, path_file = runner_temp / "output", runner_temp / "path"
        out_file.write_text("")
        path_file.write_text("")
        step_env = {
            **env,
            **{k: _substitute(str(v), ctx) for k, v in step.get("env", {}).items()},
            "GITHUB_OUTPUT": str(out_file),
            "GITHUB_PATH": str(path_file),
        }
        script = runner_temp / "step.sh"
        script.write_text(_substitute(step["run"], ctx))
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=workspace,
            env=step_env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        log.append(f"## {step['name']}\n{proc.stdout}{proc.stderr}")
        failed = failed or proc.returncode != 0
        outputs = dict(line.split("=", 1) for line in out_file.read_text().splitlines() if "=" in line)
        if "id" in step:
            ctx["steps"][step["id"]] = {"outputs": outputs}
        added = [p for p in path_file.read_text().splitlines() if p]
        env["PATH"] = os.pathsep.join([*reversed(added), env["PATH"]])
    return Job(not failed, "\n".join(log), {k: v["outputs"] for k, v in ctx["steps"].items()})


def _state(tmp_path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((tmp_path / "fake-state.json").read_text())
    return data


def test_the_action_blocks_comments_and_updates_its_comment(
    action_repo: Path, pull_request: Path, tmp_path: Path, runner_temp: Path
) -> None:
    event = {"pull_request": {"number": 7}}
    job = run_action(action_repo, pull_request, tmp_path, {}, event, runner_temp)
    assert not job.ok, job.log  # a block fails the job
    assert job.outputs["check"]["exit-code"] == "1"
    assert "### aiopt-guard: BLOCKED: this change moves projected LLM spend by +$139.03/month" in job.log
    assert "aiopt approve --from-ref origin/main --to-ref HEAD" in job.log  # the CI stage's advice
    (comment,) = _state(tmp_path)["comments"].values()
    assert comment.startswith(MARKER) and "| summarize | model: gpt-4o-mini -> gpt-4o |" in comment
    assert (tmp_path / "step-summary.md").read_text().count("### aiopt-guard: BLOCKED") == 1

    again = run_action(
        action_repo, pull_request, tmp_path, {}, event, runner_temp
    )  # a later push: the comment is updated
    assert not again.ok
    state = _state(tmp_path)
    assert len(state["comments"]) == 1
    assert [c for c in state["calls"] if "--method" in c][-1][:3] == ["api", "--method", "PATCH"]


def test_the_action_passes_a_cheaper_change_with_json_in_the_log(
    action_repo: Path, app: GitRepo, pull_request: Path, tmp_path: Path, runner_temp: Path
) -> None:
    subprocess.run(["git", "reset", "-q", "--hard", "origin/feature~1"], cwd=pull_request, check=True)
    path = pull_request / "config/llm.yaml"
    path.write_text(path.read_text().replace("max_tokens: 512", "max_tokens: 256", 1))
    subprocess.run(
        ["git", "commit", "-qam", "cheaper"],
        cwd=pull_request,
        check=True,
        env={
            **os.environ,
            "GIT_AUTHOR_NAME": "a",
            "GIT_AUTHOR_EMAIL": "a@b",
            "GIT_COMMITTER_NAME": "a",
            "GIT_COMMITTER_EMAIL": "a@b",
        },
    )
    job = run_action(
        action_repo,
        pull_request,
        tmp_path,
        {"format": "json", "comment": "false"},
        {"pull_request": {"number": 8}},
        runner_temp,
    )
    assert job.ok, job.log
    assert job.outputs["check"]["exit-code"] == "0"
    data = json.loads(job.log.split("## aiopt check\n", 1)[1].split("\n## ", 1)[0])
    assert data["verdict"] == "pass" and data["delta"]["monthly_usd"] < 0
    assert not (tmp_path / "fake-state.json").exists()  # comment: "false"


def test_the_action_without_a_base_ref_is_a_setup_error(
    action_repo: Path, pull_request: Path, tmp_path: Path, runner_temp: Path
) -> None:
    job = run_action(action_repo, pull_request, tmp_path, {}, {}, runner_temp, base_ref="")
    assert not job.ok and job.outputs["check"]["exit-code"] == "2"
    assert "no base ref" in job.log


# -- GitLab CI: the template's script, as the runner runs it ---------------------------------------------------


def test_the_gitlab_template(action_repo: Path, pull_request: Path, tmp_path: Path) -> None:
    template = yaml.safe_load((ROOT / "ci" / "aiopt.gitlab-ci.yml").read_text())
    job = template["aiopt-llm-cost"]
    assert job["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}]
    assert job["variables"]["GIT_DEPTH"] == "0" and job["artifacts"]["paths"] == ["aiopt-report.md"]
    fake_bin = tmp_path / "fake-bin"
    _tool(fake_bin, "curl", FAKE_CURL)
    env = _base_env(tmp_path, fake_bin)
    env.update(job["variables"])
    env.update(
        CI="true",
        GITLAB_CI="true",
        CI_PIPELINE_SOURCE="merge_request_event",
        CI_PROJECT_DIR=str(pull_request),
        CI_MERGE_REQUEST_TARGET_BRANCH_NAME="main",
        CI_API_V4_URL="https://gitlab.example/api/v4",
        CI_PROJECT_ID="42",
        CI_MERGE_REQUEST_IID="3",
        AIOPT_INSTALL=str(action_repo),
        AIOPT_NOTE_TOKEN="glpat-test",
    )
    script = "\n".join(job["script"])
    for _attempt in (1, 2):
        proc = subprocess.run(
            ["bash", "-eo", "pipefail", "-c", script],
            cwd=pull_request,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert proc.returncode == 1, proc.stdout + proc.stderr  # blocked: the job fails
        assert "### aiopt-guard: BLOCKED: this change moves projected LLM spend by +$139.03/month" in proc.stdout
        report = (pull_request / "aiopt-report.md").read_text()
        assert "| summarize | model: gpt-4o-mini -> gpt-4o |" in report
        notes = _state(tmp_path)["notes"]
        assert list(notes) == ["500"] and notes["500"].startswith(MARKER)  # posted once, then updated
    methods = [c[c.index("--request") + 1] for c in _state(tmp_path)["calls"] if "--request" in c]
    assert methods == ["POST", "PUT"]
