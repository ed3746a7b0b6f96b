"""No network, provably: the whole check runs with socket creation made to fail, no HTTP client
module is ever imported, and genai-prices' auto-update cannot start.

genai-prices' package `__init__` imports its updater, which imports an HTTP client (`httpx2`) at
import time; `aiopt_hooks.pricing.offline` registers a stand-in updater first, so in an `aiopt` process
that module is never loaded (see the README's Reliability section).
"""

from __future__ import annotations

import json
import textwrap
from typing import Any

import pytest

from tests.support.reliability import run_aiopt
from tests.support.repos import GitRepo, edit, swap_model

HTTP_CLIENTS = (
    "httpx",
    "httpx2",
    "httpcore",
    "httpcore2",
    "requests",
    "urllib3",
    "aiohttp",
    "http.client",
    "urllib.request",
    "ssl",
    "genai_prices.update_prices.httpx2",
)
NO_SOCKETS = textwrap.dedent("""
    import socket
    class NetworkUsed(BaseException):
        pass
    def refuse(*args, **kwargs):
        raise NetworkUsed(f"network access attempted: {args!r}")
    socket.socket = refuse
    socket.create_connection = refuse
    socket.getaddrinfo = refuse
    socket.socketpair = refuse
""")
REPORT_MODULES = textwrap.dedent(f"""
    import json, os
    loaded = sorted(m for m in sys.modules if m in {HTTP_CLIENTS!r} or m.split(".")[0] in {HTTP_CLIENTS!r})
    updater = sys.modules.get("genai_prices.update_prices")
    with open(os.environ["AIOPT_TEST_REPORT"], "w") as fh:
        json.dump({{"http_modules": loaded, "price_data": "genai_prices.data" in sys.modules,
                   "updater": getattr(updater, "__doc__", None)}}, fh)
""")


def _checked_offline(app: GitRepo, tmp_path: Any, *args: str) -> tuple[Any, dict[str, Any]]:
    report = tmp_path / "report.json"
    result = run_aiopt(app.path, *args, patch=NO_SOCKETS, after=REPORT_MODULES, AIOPT_TEST_REPORT=str(report))
    assert "network access attempted" not in result.err, result.err
    assert "Traceback" not in result.err, result.err
    return result, json.loads(report.read_text())


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("check", "--format", "json"), id="check"),
        pytest.param(("check", "--format", "markdown", "--debug"), id="check-markdown"),
        pytest.param(("explain", "--format", "json"), id="explain"),
    ],
)
def test_the_whole_check_runs_with_sockets_refused(app: GitRepo, tmp_path: Any, args: tuple[str, ...]) -> None:
    swap_model(app)
    edit(app, "config/llm.yaml", "max_tokens: 512", "max_tokens: 2048")
    result, seen = _checked_offline(app, tmp_path, *args)
    assert result.code == (0 if args[0] == "explain" else 1), result.err
    assert seen["price_data"], "the price stage did not run: the test proves nothing"
    assert seen["http_modules"] == [], f"an HTTP client was imported: {seen['http_modules']}"
    assert seen["updater"] and "offline stand-in" in seen["updater"]


def test_unknown_model_suggestions_stay_offline(app: GitRepo, tmp_path: Any) -> None:
    swap_model(app, "gpt-4o-turbo-nonexistent")
    result, seen = _checked_offline(app, tmp_path, "check", "--format", "json")
    assert result.code == 1
    assert any(f["code"] == "unknown_model" for f in json.loads(result.out)["findings"])
    assert seen["http_modules"] == []


def test_the_auto_update_cannot_start() -> None:
    """In a process where aiopt loaded the price data, genai-prices' updater refuses to start."""
    code = textwrap.dedent("""
        from aiopt_hooks.pricing.prices import tier_thresholds
        tier_thresholds()
        import genai_prices
        try:
            genai_prices.UpdatePrices().start()
        except RuntimeError as exc:
            print("refused:", exc)
        print(genai_prices.wait_prices_updated_sync(0))
    """)
    import subprocess
    import sys

    from tests.support.reliability import child_env

    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=child_env(), timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        "refused: aiopt-hooks runs offline: genai-prices' price auto-update is disabled in this process",
        "False",
    ]


def test_bundled_snapshot_even_if_an_embedding_program_set_another(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fetched snapshot set by someone else's updater is ignored: prices come from the wheel."""
    from aiopt_hooks.pricing.offline import bundled_snapshot, load_price_data

    data_snapshot = load_price_data()
    fetched = data_snapshot.DataSnapshot(providers=[], from_auto_update=True)
    monkeypatch.setattr(data_snapshot, "_custom_snapshot", fetched)
    snapshot = bundled_snapshot()
    assert snapshot is not fetched and snapshot.from_auto_update is False and snapshot.providers


def test_in_process_check_never_opens_a_socket(app: GitRepo, run: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same check in this process (whatever it imported before) with sockets refused."""
    import socket

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"network access attempted: {args!r}")

    for name in ("socket", "create_connection", "getaddrinfo"):
        monkeypatch.setattr(socket, name, refuse)
    swap_model(app)
    result = run("--format", "json")
    assert result.code == 1 and json.loads(result.out)["changes"]
