"""`aiopt report --html FILE`: one self-contained page, checked in headless Chromium: it renders, logs
no console message, makes no network request, and a screenshot is produced."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from aiopt_hooks.cli import main
from tests.support.repos import GitRepo, usage_rows, write_log

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--hide-scrollbars",
]


def _install_chromium() -> str | None:
    """Debian's chromium, installed when missing (root and apt-get needed); None when it cannot be."""
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return None
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for steps in (
        [["apt-get", "install", "-y", "-q", "chromium"]],
        [["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", "chromium"]],
    ):
        if all(subprocess.run(cmd, env=env, capture_output=True, timeout=1200).returncode == 0 for cmd in steps):
            break
    return shutil.which("chromium")


@pytest.fixture(scope="session")
def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser") or _install_chromium()
    if not found:
        pytest.skip(
            "headless Chromium is not installed and cannot be installed here (needs root and apt-get "
            "with Debian's `chromium` package): the HTML page is not checked in a browser"
        )
    return found


class Visit(NamedTuple):
    dom: str
    console: list[str]  # console messages of the page (errors, warnings, logs)
    requests: list[str]  # network requests the page made (the browser's own are not counted)


def visit(chromium: str, page: Path, work: Path) -> Visit:
    net = work / "net.json"
    proc = subprocess.run(
        [
            chromium,
            *FLAGS,
            f"--user-data-dir={work / 'profile'}",
            "--enable-logging=stderr",
            "--v=0",
            f"--log-net-log={net}",
            "--dump-dom",
            page.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    console = [line for line in proc.stderr.splitlines() if ":CONSOLE" in line]
    return Visit(proc.stdout, console, _page_requests(net))


def _page_requests(netlog: Path) -> list[str]:
    """URLs requested on behalf of a file:// page: their network isolation key is the page's site."""
    data = json.loads(netlog.read_text())
    start = data["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    found = []
    for event in data["events"]:
        params: dict[str, Any] = event.get("params", {})
        if event["type"] == start and "file://" in str(params.get("network_isolation_key", "")):
            if not str(params.get("url", "")).startswith("file:"):
                found.append(str(params["url"]))
    return found


@pytest.fixture
def app(repo: GitRepo) -> GitRepo:
    rows = usage_rows("summarize", "gpt-4o-mini", 1500, lambda i: 800 + (i * 37) % 900, 200, days=14)
    rows += usage_rows(
        "chat", "claude-3-5-haiku", 600, 3000, lambda i: 1024 if i % 25 == 0 else 300, provider="anthropic", days=14
    )
    write_log(repo.path / "usage.jsonl", rows)
    write_log(repo.path / "canary.jsonl", usage_rows("summarize", "gpt-4o", 300, 900, 200, days=2))
    repo.write("config/llm.yaml", "features:\n  summarize:\n    model: gpt-4o-mini\n    max_tokens: 512\n")
    repo.write(
        ".aiopt.yaml",
        "version: 1\npolicy:\n  block:\n    monthly_increase_usd: 10\n"
        "    monthly_total_usd: 30\n  warn:\n    monthly_increase_usd: 2\n",
    )
    repo.stage()
    repo.commit("app")
    repo.write("config/llm.yaml", "features:\n  summarize:\n    model: gpt-4o\n    max_tokens: 1024\n")
    repo.stage()
    return repo


def report(app: GitRepo, page: Path, *source: str) -> int:
    return main(
        ["report", "--html", str(page), *source, "--repo", str(app.path)] if source else ["report", "--html", str(page)]
    )


def test_the_page_is_self_contained(app: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(app.path)
    page = tmp_path / "check.html"
    assert report(app, page) == 1  # no source: `check` of the staged change
    html = page.read_text()
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    assert "<script" not in html and not re.search(r"(src|href)=|url\(|https?://|//cdn", html)
    assert html.count("<svg") >= 5 and "BLOCK" in html
    assert not list(app.path.glob("*.html")) and app.git("status", "--porcelain").strip().startswith("M")


def test_check_page_in_chromium(chromium: str, app: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(app.path)
    page = tmp_path / "check.html"
    assert report(app, page, "check") == 1
    seen = visit(chromium, page, tmp_path)
    assert seen.console == [] and seen.requests == []
    for title in (
        "delta per change",
        "Risk: probability",
        "Monthly cost by feature",
        "Monthly cost by model",
        "Daily trend",
    ):
        assert title in seen.dom
    assert seen.dom.count("<svg") >= 5 and "P(&gt; $30 budget)" in seen.dom


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(["scan"], id="scan"),
        pytest.param(["compare", "usage.jsonl", "canary.jsonl"], id="compare"),
        pytest.param(["whatif", "--model", "gpt-4o"], id="whatif"),
    ],
)
def test_other_pages_in_chromium(
    chromium: str, app: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: list[str]
) -> None:
    monkeypatch.chdir(app.path)
    page = tmp_path / "page.html"
    assert report(app, page, *source) in (0, 1)
    seen = visit(chromium, page, tmp_path)
    assert seen.console == [] and seen.requests == []
    assert "Monthly cost by feature" in seen.dom and "Daily trend" in seen.dom
    if source[0] == "scan":
        assert "Savings hints" in seen.dom


def test_a_screenshot_is_produced(chromium: str, app: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(app.path)
    page = tmp_path / "check.html"
    report(app, page, "check")
    shot = tmp_path / "shot.png"
    proc = subprocess.run(
        [
            chromium,
            *FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={shot}",
            "--window-size=900,1400",
            page.resolve().as_uri(),
        ],
        capture_output=True,
        timeout=180,
    )
    assert proc.returncode == 0 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 20_000  # a page of charts, not a blank one


def test_the_detectors_see_a_request_and_a_console_message(chromium: str, tmp_path: Path) -> None:
    """The two checks above would catch a page that loads something or logs to the console."""
    probe = tmp_path / "probe.html"
    probe.write_text('<!doctype html><img src="http://127.0.0.1:9/x.png"><script>console.error("probe")</script>')
    seen = visit(chromium, probe, tmp_path)
    assert seen.requests == ["http://127.0.0.1:9/x.png"]
    assert any('"probe"' in line for line in seen.console)
