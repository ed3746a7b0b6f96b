"""Audited approvals: `aiopt approve`, `.aiopt/approvals.yaml`, the `approved` verdict, and the
`Cost-Approved:` trailer (commit-msg hook and ref ranges), on real temporary repositories."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from typing import Any

import pytest
import yaml

from aiopt_hooks import cli
from aiopt_hooks.verdict import approvals as ap
from tests.support.repos import GitRepo, edit, swap_model
from tests.support.workflow import git

APPROVALS = ".aiopt/approvals.yaml"


def approvals_file(repo: GitRepo) -> list[dict[str, Any]]:
    data = yaml.safe_load((repo.path / APPROVALS).read_text())
    entries: list[dict[str, Any]] = data["approvals"]
    return entries


def approve(run: Any, *extra: str) -> Any:
    return run("approve", "--reason", "summaries need gpt-4o quality", *extra)


# -- recording ----------------------------------------------------------------------------------


def test_approve_records_the_staged_change_and_stages_the_file(app: GitRepo, run: Any) -> None:
    swap_model(app)
    result = approve(run, "--expires", "2099-01-31", "--max-monthly-increase", "2500")

    assert result.code == 0, result.err
    assert APPROVALS in app.git("diff", "--cached", "--name-only").split()
    assert "commit it with the change" in result.err
    [entry] = approvals_file(app)
    assert entry["changes"] == [
        {"file": "config/llm.yaml", "feature": "summarize", "field": "model", "old": "gpt-4o-mini", "new": "gpt-4o"}
    ]
    assert entry["fingerprint"] == ap.fingerprint(entry["changes"])
    assert entry["estimate_monthly_usd"] == pytest.approx(139.03, abs=0.01)
    assert entry["max_monthly_increase_usd"] == 2500
    assert entry["reason"] == "summaries need gpt-4o quality"
    assert entry["author"] == "Dev <dev@example.com>"
    assert entry["expires"] == "2099-01-31"
    assert entry["date"].startswith(date.today().isoformat()[:4])
    assert (app.path / APPROVALS).read_text().startswith("# Cost approvals for aiopt-guard")


def test_defaults_expire_in_90_days_with_a_ceiling_10_percent_over_the_estimate(app: GitRepo, run: Any) -> None:
    swap_model(app)
    assert approve(run).code == 0
    [entry] = approvals_file(app)
    assert entry["expires"] == (date.today() + timedelta(days=90)).isoformat()
    assert entry["max_monthly_increase_usd"] == 153  # ceil(139.03 * 1.10)


def test_approving_again_renews_the_entry(app: GitRepo, run: Any) -> None:
    swap_model(app)
    approve(run)
    result = run("approve", "--reason", "still needed", "--expires", "never")
    assert result.code == 0
    assert "renewed" in result.err
    [entry] = approvals_file(app)
    assert (entry["reason"], entry["expires"]) == ("still needed", None)


@pytest.mark.parametrize(
    "setup, args, needle",
    [
        pytest.param(None, (), "nothing to approve", id="nothing-staged"),
        pytest.param("gpt-4o-mnii", (), "cannot approve a change with a blocking finding", id="unknown-model"),
        pytest.param("gpt-4o", ("--expires", "2001-01-01"), "is in the past", id="past-expiry"),
        pytest.param("gpt-4o", ("--expires", "soon"), "is not a date", id="bad-expiry"),
        pytest.param("gpt-4o", ("--max-monthly-increase", "50"), "below the current estimate", id="ceiling-too-low"),
    ],
)
def test_approve_refuses(app: GitRepo, run: Any, setup: str | None, args: tuple[str, ...], needle: str) -> None:
    if setup:
        swap_model(app, setup)
    result = approve(run, *args)
    assert result.code == 2
    assert needle in result.err
    assert not (app.path / APPROVALS).exists()


def test_empty_reason_is_refused(app: GitRepo, run: Any) -> None:
    swap_model(app)
    assert run("approve", "--reason", "  ").code == 2


# -- checking -------------------------------------------------------------------------------------


def test_an_approved_change_passes_as_approved_with_its_reason(app: GitRepo, run: Any) -> None:
    swap_model(app)
    assert run("check").code == 1
    approve(run)

    text = run("check")
    assert text.code == 0
    assert text.out.startswith("aiopt-guard: APPROVED:")
    assert "summaries need gpt-4o quality" in text.out
    assert "without the approval: the estimate +$139.03/month is over policy.block.monthly_increase_usd" in text.out
    data = run("check", "--format", "json").json()
    assert (data["verdict"], data["exit_code"]) == ("approved", 0)
    assert data["reasons"][0].startswith("approved at .aiopt/approvals.yaml:")
    markdown = run("check", "--format", "markdown")
    assert "APPROVED" in markdown.out and "summaries need gpt-4o quality" in markdown.out


def test_the_approval_ignores_unrelated_lines(app: GitRepo, run: Any) -> None:
    swap_model(app)
    approve(run)
    edit(app, "config/llm.yaml", "temperature: 0.2", "temperature: 0.7")
    edit(app, "README.md", "demo", "demonstration")
    assert run("check", "--format", "json").json()["verdict"] == "approved"


def test_another_change_is_not_covered(app: GitRepo, run: Any) -> None:
    swap_model(app)
    approve(run)
    edit(app, "config/llm.yaml", "max_tokens: 512", "max_tokens: 600")
    data = run("check", "--format", "json").json()
    assert data["verdict"] == "block"
    assert not any("approved" in r for r in data["reasons"])


def test_an_unstaged_approval_does_not_count(app: GitRepo, run: Any) -> None:
    swap_model(app)
    approve(run)
    app.git("reset", "-q", "--", APPROVALS)
    assert run("check").code == 1


def _hand_edit(repo: GitRepo, old: str, new: str) -> None:
    edit(repo, APPROVALS, old, new)


def test_an_expired_approval_blocks_again_and_says_why(app: GitRepo, run: Any) -> None:
    swap_model(app)
    approve(run, "--expires", "2099-01-31")
    _hand_edit(app, "expires: '2099-01-31'", "expires: 2020-01-31")

    result = run("check", "--format", "json")
    assert result.code == 1
    data = result.json()
    assert data["verdict"] == "block"
    assert any("expired on 2020-01-31" in r and "aiopt approve" in r for r in data["reasons"])
    assert [f["code"] for f in data["findings"] if f["code"].startswith("approval")] == ["approval_expired"]
    assert "expired on 2020-01-31" in run("check").out


def test_an_exceeded_ceiling_blocks_again_and_says_why(app: GitRepo, run: Any) -> None:
    swap_model(app)
    approve(run)  # ceiling: +$153/month
    shutil.copy(app.path / "usage.jsonl", app.path / "more-traffic.jsonl")  # the same window, twice the requests

    result = run("check", "--baseline", "usage.jsonl", "--baseline", "more-traffic.jsonl", "--format", "json")
    assert result.code == 1
    data = result.json()
    assert data["delta"]["monthly_usd"] == pytest.approx(278.06, abs=0.02)
    assert any("over the approved ceiling max_monthly_increase_usd (+$153.00/month)" in r for r in data["reasons"])
    assert any(f["code"] == "approval_exceeded" for f in data["findings"])


def test_a_hand_edited_change_list_is_ignored(app: GitRepo, run: Any) -> None:
    swap_model(app)
    approve(run)
    edit(app, "config/llm.yaml", "model: gpt-4o\n", "model: gpt-4.1\n")
    _hand_edit(app, "new: gpt-4o}", "new: gpt-4.1}")
    data = run("check", "--format", "json").json()
    assert data["verdict"] == "block"
    assert any(f["code"] == "approval_tampered" for f in data["findings"])


def test_a_broken_approvals_file_is_an_error_naming_it(app: GitRepo, run: Any) -> None:
    swap_model(app)
    app.write(APPROVALS, "version: 1\napprovals:\n- fingerprint: [\n")
    app.stage(APPROVALS)
    result = run("check")
    assert result.code == 2
    assert ".aiopt/approvals.yaml:" in result.err


def test_no_approvals_file_is_read_when_nothing_blocks(app: GitRepo, run: Any) -> None:
    edit(app, "config/llm.yaml", "max_tokens: 512", "max_tokens: 256")
    app.write(APPROVALS, "not: [valid")
    app.stage(APPROVALS)
    assert run("check").code == 0


# -- ranges ---------------------------------------------------------------------------------------


def test_a_range_made_of_approved_commits_is_approved(app: GitRepo, run: Any) -> None:
    app.git("checkout", "-q", "-b", "feature")
    swap_model(app)
    approve(run)
    app.commit("swap")
    edit(app, "config/llm.yaml", "max_tokens: 2048", "max_tokens: 8192")
    edit(app, "config/llm.yaml", "model: gemini-2.5-flash", "model: gemini-2.5-pro")
    assert run("check").code == 1
    approve(run, "--max-monthly-increase", "5000")
    app.commit("extract on pro")

    data = run("check", "--from-ref", "main", "--to-ref", "feature", "--format", "json").json()
    assert data["verdict"] == "approved"
    assert sum(r.startswith("approved at") for r in data["reasons"]) == 2


def test_approve_a_range(app: GitRepo, run: Any) -> None:
    app.git("checkout", "-q", "-b", "feature")
    swap_model(app)
    app.commit("swap")
    edit(app, "config/llm.yaml", "model: gpt-4o\n", "model: gpt-4.1\n")
    app.commit("then gpt-4.1")
    assert run("check", "--from-ref", "main", "--to-ref", "HEAD").code == 1

    assert run("approve", "--reason", "net change of the PR", "--from-ref", "main", "--to-ref", "HEAD").code == 0
    app.commit("approve the PR's net change")
    assert run("check", "--from-ref", "main", "--to-ref", "HEAD", "--format", "json").json()["verdict"] == "approved"


# -- the Cost-Approved trailer --------------------------------------------------------------------


@pytest.mark.parametrize(
    "message, verdict, needle",
    [
        ("Use gpt-4o\n\nCost-Approved: summaries are customer-facing\n", "approved", "summaries are customer-facing"),
        ("Use gpt-4o\n\ncost-approved: lower-case key\n", "approved", "lower-case key"),
        ("Use gpt-4o\n\nCost-Approved:\n", "block", "has no reason"),
        ("Use gpt-4o\n\nThe Cost-Approved: line must be a trailer, not prose.\n", "block", None),
        ("Use gpt-4o\n", "block", None),
    ],
)
def test_guard_msg_honours_the_trailer(app: GitRepo, run: Any, message: str, verdict: str, needle: str | None) -> None:
    swap_model(app)
    msg = app.path / ".git" / "COMMIT_EDITMSG"
    msg.write_text(message)
    result = run(str(msg), "--format", "json", entry=cli.guard_msg_main)
    data = result.json()
    assert data["verdict"] == verdict
    assert result.code == (0 if verdict == "approved" else 1)
    if needle:
        assert any(needle in r for r in data["reasons"])


def test_commit_msg_hook_in_a_real_commit(app: GitRepo, run: Any) -> None:
    assert run("install-hook", "--hook-type", "commit-msg").code == 0
    swap_model(app)
    blocked = git(app.path, "commit", "-q", "-m", "Use gpt-4o")
    assert blocked.returncode == 1, blocked.stderr
    assert "BLOCKED" in blocked.stdout + blocked.stderr
    passed = git(app.path, "commit", "-q", "-m", "Use gpt-4o", "-m", "Cost-Approved: reviewed with finance")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Cost-Approved: reviewed with finance" in app.git("log", "-1", "--format=%B")


def test_range_trailers_approve_a_push(app: GitRepo, run: Any) -> None:
    app.git("checkout", "-q", "-b", "feature")
    swap_model(app)
    app.git("commit", "-q", "--no-verify", "-m", "Use gpt-4o", "-m", "Cost-Approved: customer-facing quality")
    edit(app, "README.md", "demo", "demonstration")
    app.commit("docs")
    data = run("check", "--from-ref", "main", "--to-ref", "feature", "--format", "json").json()
    assert data["verdict"] == "approved"
    assert "customer-facing quality" in data["reasons"][0]

    edit(app, "config/llm.yaml", "max_tokens: 512", "max_tokens: 600")
    app.commit("raise the cap, no trailer")
    data = run("check", "--from-ref", "main", "--to-ref", "feature", "--format", "json").json()
    assert data["verdict"] == "block"
    assert any("carry no Cost-Approved: trailer" in r and "raise the cap" in r for r in data["reasons"])


# -- matching, as a table -------------------------------------------------------------------------


def _approval(*keys: str, ceiling: float | None = None, expires: date | None = None) -> ap.Approval:
    changes = tuple({"file": "f", "feature": k, "field": "model", "old": "a", "new": "b"} for k in keys)
    return ap.Approval(
        fingerprint=ap.fingerprint(changes),
        changes=changes,
        reason="r",
        author="a",
        date="d",
        expires=expires,
        max_monthly_increase_usd=ceiling,
    )


def _keys(*features: str) -> frozenset[str]:
    return frozenset(
        ap.canonical({"file": "f", "feature": k, "field": "model", "old": "a", "new": "b"}) for k in features
    )


@pytest.mark.parametrize(
    "entries, wanted, covered",
    [
        pytest.param([("x",)], ("x",), 1, id="exact"),
        pytest.param([("x", "y")], ("x",), 0, id="a-superset-does-not-cover-a-part"),
        pytest.param([("x",)], ("x", "y"), 0, id="a-part-does-not-cover-the-whole"),
        pytest.param([("x",), ("y",)], ("x", "y"), 2, id="union-of-two"),
        pytest.param([("x",), ("x", "y")], ("x", "y"), 1, id="exact-wins-over-union"),
        pytest.param([("x",), ("y",), ("z", "w")], ("x", "y"), 2, id="unrelated-entry-left-out"),
    ],
)
def test_covering(entries: list[tuple[str, ...]], wanted: tuple[str, ...], covered: int) -> None:
    assert len(ap.covering([_approval(*e) for e in entries], _keys(*wanted))) == covered


@pytest.mark.parametrize(
    "group, increase, code",
    [
        pytest.param([_approval("x", ceiling=100)], 99.0, None, id="under-the-ceiling"),
        pytest.param([_approval("x", ceiling=100)], 101.0, "approval_exceeded", id="over-the-ceiling"),
        pytest.param([_approval("x", ceiling=60), _approval("y", ceiling=60)], 110.0, None, id="ceilings-add-up"),
        pytest.param([_approval("x")], 1e9, None, id="no-ceiling"),
        pytest.param([_approval("x", expires=date(2020, 1, 1))], 1.0, "approval_expired", id="expired"),
        pytest.param([_approval("x", expires=date.today())], 1.0, None, id="valid-through-its-last-day"),
    ],
)
def test_coverage_problem(group: list[ap.Approval], increase: float, code: str | None) -> None:
    problem = ap.coverage_problem(group, increase, date.today())
    assert (problem[0] if problem else None) == code


def test_the_msg_hook_is_in_the_manifest_with_its_console_script() -> None:
    import configparser

    from pre_commit.clientlib import load_manifest

    from tests.support.repos import ROOT

    hook = next(h for h in load_manifest(str(ROOT / ".pre-commit-hooks.yaml")) if h["id"] == "aiopt-guard-msg")
    assert (hook["entry"], hook["stages"], hook["pass_filenames"]) == ("aiopt-guard-msg", ["commit-msg"], True)
    parser = configparser.ConfigParser()
    parser.read(ROOT / "setup.cfg")
    assert "aiopt-guard-msg = aiopt_hooks.cli:guard_msg_entry" in parser["options.entry_points"]["console_scripts"]
