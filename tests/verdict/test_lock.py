"""`aiopt.lock`, the creep guard: `aiopt lock`, `aiopt check --update-lock`, stale locks, and many
small increases adding up against `monthly_increase_since_lock_usd`, on real temporary repositories."""

from __future__ import annotations

import json
from typing import Any

import pytest

from aiopt_hooks.records import Change
from aiopt_hooks.verdict.lock import lock_drift
from tests.support.repos import GitRepo, edit, swap_model
from tests.support.workflow import git, state

LOCK = "aiopt.lock"
# Per commit: block over +$20/month (warn off); since the lock: block over +$15/month.
POLICY = (
    "  block:\n    monthly_increase_usd: 100\n    increase_pct: 50\n  warn:\n    monthly_increase_usd: 10\n",
    "  block:\n    monthly_increase_usd: 20\n    monthly_increase_since_lock_usd: 15\n"
    "  warn:\n    monthly_increase_usd: 100\n",
)


@pytest.fixture
def locked(app: GitRepo, run: Any) -> GitRepo:
    """The sample app with `lockfile: true`, the creep policy and a committed aiopt.lock."""
    edit(app, ".aiopt.yaml", *POLICY)
    (app.path / ".aiopt.yaml").write_text((app.path / ".aiopt.yaml").read_text() + "lockfile: true\n")
    app.stage(".aiopt.yaml")
    result = run("lock")
    assert result.code == 0, result.err
    app.commit("lock the LLM cost")
    return app


def read_lock(repo: GitRepo) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((repo.path / LOCK).read_text())
    return data


def test_lock_writes_features_total_prices_and_window(locked: GitRepo) -> None:
    lock = read_lock(locked)
    assert lock["version"] == 1
    assert lock["monthly_usd"] == pytest.approx(52.23, abs=0.01)
    assert set(lock["features"]) == {"summarize", "classify", "support_chat", "extract"}
    summarize = lock["features"]["summarize"]
    assert summarize["monthly_usd"] == pytest.approx(8.87, abs=0.01)
    assert summarize["baseline_requests"] == 14017
    assert summarize["config"]["model"] == "gpt-4o-mini"
    assert summarize["config"]["max_output_tokens"] == 512
    assert summarize["config"]["prompt"] > 100  # static prompt tokens
    assert summarize["files"] == ["config/llm.yaml"]
    assert lock["prices"].startswith("genai-prices")
    assert lock["baseline"]["requests"] == 30951
    assert lock["baseline"]["from"].startswith("2026-10-01")
    assert lock["baseline"]["window_days"] == pytest.approx(21, 0.01)
    assert LOCK in locked.git("ls-files").split()


def test_lock_of_a_staged_change_prices_it(app: GitRepo, run: Any) -> None:
    swap_model(app)
    assert run("lock").code == 0
    lock = read_lock(app)
    assert lock["features"]["summarize"]["config"]["model"] == "gpt-4o"
    assert lock["features"]["summarize"]["monthly_usd"] == pytest.approx(147.90, abs=0.01)
    assert lock["monthly_usd"] == pytest.approx(191.26, abs=0.02)
    assert LOCK in app.git("diff", "--cached", "--name-only").split()
    assert "lockfile: true` is not set" in run("lock").err


def test_a_matching_lock_adds_a_note_only(locked: GitRepo, run: Any) -> None:
    edit(locked, "config/llm.yaml", "temperature: 0.2", "temperature: 0.5")
    edit(locked, "config/llm.yaml", "max_tokens: 512", "max_tokens: 256")
    assert run("check", "--update-lock").code == 0
    data = run("check", "--format", "json").json()
    assert data["verdict"] == "pass"
    assert any(n.startswith("the config matches aiopt.lock") for n in data["notes"])


def test_a_stale_lock_is_a_warning_with_the_fix(locked: GitRepo, run: Any) -> None:
    edit(locked, "config/llm.yaml", "model: gpt-4.1-nano", "model: gpt-4.1-mini")  # +$1.29/month
    before = state(locked)
    result = run("check", "--format", "json")
    assert state(locked) == before  # the hook never rewrites the lock
    data = result.json()
    assert (result.code, data["verdict"]) == (0, "warn")
    stale = next(f for f in data["findings"] if f["code"] == "lock_stale")
    assert "classify.model: gpt-4.1-nano -> gpt-4.1-mini" in stale["message"]
    assert "aiopt check --update-lock" in stale["message"]
    assert any("since aiopt.lock" in n and "+$1.29/month" in n for n in data["notes"])


def test_many_small_increases_add_up_against_the_lock(locked: GitRepo, run: Any) -> None:
    swap_model(locked, "gpt-4.1-mini")  # +$14.79: under both limits
    first = run("check", "--format", "json").json()
    assert first["verdict"] == "warn"  # only the stale lock
    locked.commit("summarize on gpt-4.1-mini")

    edit(locked, "config/llm.yaml", "model: gpt-4.1-nano", "model: gpt-4.1-mini")  # +$1.29 more
    result = run("check")
    assert result.code == 1
    assert "+$16.08/month since aiopt.lock is over policy.block.monthly_increase_since_lock_usd" in result.out
    assert "this change moves projected LLM spend by +$1.29/month" in result.out

    updated = run("check", "--update-lock")  # the explicit, reviewed reset of the reference
    assert updated.code == 0, updated.out
    assert "aiopt.lock updated and staged" in updated.err
    assert read_lock(locked)["features"]["classify"]["config"]["model"] == "gpt-4.1-mini"
    assert LOCK in locked.git("diff", "--cached", "--name-only").split()


def test_the_creep_guard_in_a_real_commit(locked: GitRepo, run: Any) -> None:
    assert run("install-hook").code == 0
    swap_model(locked, "gpt-4.1-mini")
    assert git(locked.path, "commit", "-q", "-m", "step 1").returncode == 0
    edit(locked, "config/llm.yaml", "model: gpt-4.1-nano", "model: gpt-4.1-mini")
    blocked = git(locked.path, "commit", "-q", "-m", "step 2")
    assert blocked.returncode == 1
    assert "since aiopt.lock" in blocked.stdout + blocked.stderr
    assert run("lock").code == 0
    assert git(locked.path, "commit", "-q", "-m", "step 2 with the new reference").returncode == 0


def test_a_removed_feature_makes_the_lock_stale_without_claiming_savings(locked: GitRepo, run: Any) -> None:
    text = (locked.path / "config/llm.yaml").read_text()
    start = text.index("  extract:")
    (locked.path / "config/llm.yaml").write_text(text[:start])
    locked.git("rm", "-q", "prompts/extract.txt")
    edit(locked, "config/llm.yaml", "max_tokens: 512", "max_tokens: 500")
    data = run("check", "--format", "json").json()
    stale = next(f for f in data["findings"] if f["code"] == "lock_stale")
    assert "extract removed" in stale["message"]


def test_a_missing_lock_is_a_warning(app: GitRepo, run: Any) -> None:
    (app.path / ".aiopt.yaml").write_text((app.path / ".aiopt.yaml").read_text() + "lockfile: true\n")
    edit(app, "config/llm.yaml", "max_tokens: 512", "max_tokens: 256")
    data = run("check", "--format", "json").json()
    assert data["verdict"] == "warn"
    assert any(f["code"] == "lock_missing" and "aiopt lock" in f["message"] for f in data["findings"])


def test_an_invalid_lock_is_an_error_naming_it(locked: GitRepo, run: Any) -> None:
    locked.write(LOCK, "{not json")
    locked.stage(LOCK)
    edit(locked, "config/llm.yaml", "max_tokens: 512", "max_tokens: 256")
    result = run("check")
    assert result.code == 2
    assert "aiopt.lock:1: is not a valid lockfile" in result.err and "aiopt lock" in result.err


def test_a_ref_range_reads_the_lock_of_its_tip(locked: GitRepo, run: Any) -> None:
    locked.git("checkout", "-q", "-b", "feature")
    swap_model(locked, "gpt-4.1-mini")
    locked.commit("a")
    edit(locked, "config/llm.yaml", "model: gpt-4.1-nano", "model: gpt-4.1-mini")
    locked.commit("b")
    assert run("check", "--from-ref", "main", "--to-ref", "feature").code == 1  # +$16.08 since the lock
    assert run("lock").code == 0
    locked.commit("new reference")
    assert run("check", "--from-ref", "main", "--to-ref", "feature").code == 0


def test_update_lock_refuses_a_range(locked: GitRepo, run: Any) -> None:
    result = run("check", "--update-lock", "--from-ref", "HEAD")
    assert result.code == 2 and "--update-lock" in result.err


def _site(feature: str, field: str, value: Any) -> Change:
    return Change(file="llm.yaml", feature=feature, field=field, old=None, new=value, spec={"model": "m"})


@pytest.mark.parametrize(
    "locked_config, now, drifted, removed",
    [
        pytest.param({"a": {"model": "x"}}, [("a", "model", "x")], [], [], id="same"),
        pytest.param({"a": {"model": "x"}}, [("a", "model", "y")], [("a", "model", "x", "y")], [], id="changed"),
        pytest.param(
            {"a": {"model": "x", "retries": 2}},
            [("a", "model", "x")],
            [("a", "retries", 2, None)],
            [],
            id="field-removed",
        ),
        pytest.param(
            {"a": {"model": "x"}},
            [("a", "model", "x"), ("b", "model", "z")],
            [("b", "model", None, "z")],
            [],
            id="feature-added",
        ),
        pytest.param(
            {"a": {"model": "x"}, "b": {"model": "z"}}, [("a", "model", "x")], [], ["b"], id="feature-removed"
        ),
        pytest.param({"a": {"fallbacks": ["p", "q"]}}, [("a", "fallbacks", ("p", "q"))], [], [], id="list-vs-tuple"),
    ],
)
def test_lock_drift(
    locked_config: dict[str, dict[str, Any]],
    now: list[tuple[str, str, Any]],
    drifted: list[tuple[str, str, Any, Any]],
    removed: list[str],
) -> None:
    lock = {"features": {f: {"config": c} for f, c in locked_config.items()}}
    sites = {(f, field): _site(f, field, value) for f, field, value in now}
    changes, gone = lock_drift(lock, sites)
    assert [(c.feature, c.field, c.old, c.new) for c in changes] == drifted
    assert gone == removed


def test_lock_rewrites_a_broken_lock(locked: GitRepo, run: Any) -> None:
    locked.write(LOCK, "{not json")
    locked.stage(LOCK)
    assert run("lock").code == 0
    assert read_lock(locked)["version"] == 1
