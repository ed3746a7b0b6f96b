"""`aiopt check --format sarif`: SARIF 2.1.0 with the schema's required fields, each finding and each
blocking change located at the config file and line of the changed value."""

from __future__ import annotations

import json
from typing import Any

import pytest

from aiopt_hooks.cli import main
from tests.support.repos import GitRepo, usage_rows, write_log

LEVELS = {"none", "note", "warning", "error"}


def validate(log: dict[str, Any]) -> None:
    """The required properties and enums of sarif-schema-2.1.0.json, for the objects we write:
    sarifLog {version, runs}; run {tool}; tool {driver}; toolComponent {name};
    reportingDescriptor {id}; multiformatMessageString {text}; result {message};
    message {text or id}; physicalLocation {artifactLocation or address}; region.startLine >= 1;
    invocation {executionSuccessful}; result.level in the level enum."""
    assert log["version"] == "2.1.0" and isinstance(log["runs"], list) and log["runs"]
    for run in log["runs"]:
        driver = run["tool"]["driver"]
        assert isinstance(driver["name"], str) and driver["name"]
        rules = driver.get("rules", [])
        for rule in rules:
            assert isinstance(rule["id"], str)
            assert "shortDescription" not in rule or isinstance(rule["shortDescription"]["text"], str)
        for invocation in run.get("invocations", []):
            assert isinstance(invocation["executionSuccessful"], bool)
        for result in run.get("results", []):
            message = result["message"]
            assert isinstance(message.get("text"), str) or isinstance(message.get("id"), str)
            assert result.get("level", "warning") in LEVELS
            if "ruleIndex" in result:
                assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
            for location in result.get("locations", []):
                physical = location["physicalLocation"]
                assert "artifactLocation" in physical or "address" in physical
                assert isinstance(physical["artifactLocation"]["uri"], str)
                assert physical.get("region", {"startLine": 1})["startLine"] >= 1
            # GitHub code scanning also wants every result located at a file
            assert result["locations"] and result["ruleId"]


@pytest.fixture
def app(repo: GitRepo) -> GitRepo:
    write_log(
        repo.path / "usage.jsonl",
        usage_rows("summarize", "gpt-4o-mini", 1000, 1000, 200, days=10)
        + usage_rows("chat", "gpt-4o-mini", 200, 1000, 200, days=10),
    )
    repo.write(
        "config/llm.yaml",
        "features:\n  summarize:\n    provider: openai\n    model: gpt-4o-mini\n  chat:\n    model: gpt-4o-mini\n",
    )
    repo.write(".aiopt.yaml", "version: 1\npolicy:\n  block:\n    monthly_increase_usd: 5\n")
    repo.stage()
    repo.commit("app")
    return repo


def sarif(app: GitRepo, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    code = main(["check", "--repo", str(app.path), "--format", "sarif"])
    log = json.loads(capsys.readouterr().out)
    validate(log)
    return code, log


def test_a_blocking_change_is_located_at_its_line(app: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    app.write(
        "config/llm.yaml",
        "features:\n  summarize:\n    provider: openai\n    model: gpt-4o\n  chat:\n    model: gpt-4o-mini\n",
    )
    app.stage()
    code, log = sarif(app, capsys)
    (result,) = log["runs"][0]["results"]
    assert code == 1 and result["ruleId"] == "cost_increase" and result["level"] == "error"
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "config/llm.yaml" and location["region"]["startLine"] == 4
    assert "summarize.model: gpt-4o-mini -> gpt-4o" in result["message"]["text"]
    assert "+$12.69/month" in result["message"]["text"]


def test_findings_are_results_too(app: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    app.write(
        "config/llm.yaml",
        "features:\n  summarize:\n    provider: openai\n    model: gpt-4o-mini\n  chat:\n    model: gpt-4o-mnii\n",
    )
    app.stage()
    code, log = sarif(app, capsys)
    results = log["runs"][0]["results"]
    (finding,) = [r for r in results if r["ruleId"] == "unknown_model"]
    assert code == 1 and finding["level"] == "error"
    assert finding["locations"][0]["physicalLocation"]["region"]["startLine"] == 6


def test_a_passing_change_has_no_results(app: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    app.write(
        "config/llm.yaml",
        "features:\n  summarize:\n    provider: openai\n    model: gpt-4.1-nano\n  chat:\n    model: gpt-4o-mini\n",
    )
    app.stage()
    code, log = sarif(app, capsys)
    assert code == 0 and log["runs"][0]["results"] == []


def test_an_error_is_still_valid_sarif(app: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    app.write(".aiopt.yaml", "version: 1\npolicy:\n  blok: {}\n")
    app.write("config/llm.yaml", "features:\n  summarize:\n    model: gpt-4o\n")
    app.stage()
    code, log = sarif(app, capsys)
    (result,) = log["runs"][0]["results"]
    assert code == 2 and result["ruleId"] == "error" and "policy.blok" in result["message"]["text"]
    assert log["runs"][0]["invocations"][0]["executionSuccessful"] is False
