"""Timeouts and internal errors: the hook never runs past max_seconds, and a bug blocks loudly.

Run in child processes, as the hook runs: the alarm stops a slow check at max_seconds with the
configured outcome; a watchdog ends a check the alarm cannot interrupt (stuck in C code, the
signal blocked); the timeout cannot be swallowed by an `except Exception`.  An unexpected
exception prints one line asking for a bug report (plus the skip line), exits 3, and with
`on_internal_error: warn` exits 0 with a warning.
"""

from __future__ import annotations

import json
import textwrap
from typing import Any

import pytest

from aiopt_hooks.cli import HARD_STOP_GRACE
from tests.support.cli import add_config
from tests.support.reliability import cache_files, run_aiopt, write_openai_log
from tests.support.repos import GitRepo, swap_model

pytestmark = pytest.mark.skipif(not hasattr(__import__("signal"), "SIGALRM"), reason="needs SIGALRM")

SLOW_CHECK = "import time, aiopt_hooks.pipeline as c\nc.run_check = lambda *a, **k: time.sleep(60)\n"
SWALLOWING_CHECK = textwrap.dedent("""
    import time, aiopt_hooks.pipeline as c
    def run_check(*args, **kwargs):
        for _ in range(60):
            try:
                time.sleep(1)
            except Exception:   # code that catches everything must not swallow the timeout
                pass
    c.run_check = run_check
""")
STUCK_CHECK = textwrap.dedent("""
    import signal, time, aiopt_hooks.pipeline as c
    def run_check(*args, **kwargs):   # like a long call in C code: the alarm cannot get through
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        time.sleep(60)
    c.run_check = run_check
""")


@pytest.mark.parametrize(("on_timeout", "code"), [("warn", 0), ("block", 1)])
def test_a_slow_real_check_stops_at_max_seconds(app: GitRepo, on_timeout: str, code: int) -> None:
    """A real, cold check on a 600,000-row log with max_seconds: 0.2 (the DuckDB engine reads it in
    about a second on an idle machine, so the limit is set well below that)."""
    write_openai_log(app.path / "usage.jsonl", 600_000)
    add_config(app, f"max_seconds: 0.2\non_timeout: {on_timeout}\n")
    swap_model(app)
    result = run_aiopt(app.path, "check")
    assert result.seconds < 0.2 + HARD_STOP_GRACE + 1.5, f"ran {result.seconds:.1f} s"
    assert result.code == code, result.err
    lines = result.err.strip().splitlines()
    assert "max_seconds (0.2 s)" in lines[0] and f"on_timeout: {on_timeout}" in lines[0]
    assert ("SKIP=aiopt-guard" in result.err) is (on_timeout == "block")
    assert "Traceback" not in result.err


@pytest.mark.parametrize(
    ("patch", "stopped_by"),
    [
        pytest.param(SLOW_CHECK, "alarm", id="slow"),
        pytest.param(SWALLOWING_CHECK, "alarm", id="except-exception"),
        pytest.param(STUCK_CHECK, "watchdog", id="alarm-blocked"),
    ],
)
def test_nothing_runs_past_max_seconds(app: GitRepo, patch: str, stopped_by: str) -> None:
    add_config(app, "max_seconds: 0.5\non_timeout: block\n")
    swap_model(app)
    result = run_aiopt(app.path, "check", "--format", "json", patch=patch, timeout=30)
    limit = 0.5 + (HARD_STOP_GRACE if stopped_by == "watchdog" else 0) + 1.5
    assert result.seconds < limit, f"ran {result.seconds:.1f} s"
    assert result.code == 1
    assert "took longer than max_seconds (0.5 s)" in result.err and "SKIP=aiopt-guard" in result.err
    if stopped_by == "alarm":
        assert result.json()["verdict"] == "block"


def test_timeout_default_is_warn(app: GitRepo) -> None:
    add_config(app, "max_seconds: 0.5\n")
    swap_model(app)
    result = run_aiopt(app.path, "check", patch=SLOW_CHECK)
    assert result.code == 0 and "on_timeout: warn" in result.err


# The alarm going off while a class is created (an import of DuckDB's Python module): Python 3.11
# re-raises it as `RuntimeError: Error calling __set_name__`.
ALARM_IN_A_CLASS = """
import time, aiopt_hooks.pipeline as c
class Slow:
    def __set_name__(self, owner, name):
        time.sleep(60)
def check(*a, **k):
    class Selected:
        field = Slow()
c.run_check = check
"""


@pytest.mark.parametrize(("on_timeout", "code"), [("warn", 0), ("block", 1)])
def test_the_alarm_inside_a_class_definition_is_still_the_timeout(app: GitRepo, on_timeout: str, code: int) -> None:
    add_config(app, f"max_seconds: 0.5\non_timeout: {on_timeout}\n")
    swap_model(app)
    result = run_aiopt(app.path, "check", patch=ALARM_IN_A_CLASS)
    assert result.code == code and f"on_timeout: {on_timeout}" in result.err, result.err
    assert "internal error" not in result.err


@pytest.mark.parametrize("value", ["0", "-1", "1e99", "'20'"])
def test_max_seconds_must_be_a_positive_number(app: GitRepo, run: Any, value: str) -> None:
    add_config(app, f"max_seconds: {value}\n")
    swap_model(app)
    result = run()
    assert result.code == 2 and "max_seconds" in result.err and ".aiopt.yaml" in result.err


BUG_IN_A_READER = textwrap.dedent("""
    import aiopt_hooks.baseline.dialects.aiopt as dialect
    def normalize(row):
        raise ZeroDivisionError("sk-proj-" + "A1b2" * 10 + " " + "x" * 5000)
    dialect.DIALECT = dialect.DIALECT._replace(normalize=normalize)
""")


@pytest.mark.parametrize(
    ("config", "code"), [("", 3), ("on_internal_error: block\n", 3), ("on_internal_error: warn\n", 0)]
)
def test_an_internal_error_is_one_line_and_blocks(app: GitRepo, config: str, code: int) -> None:
    add_config(app, config)
    swap_model(app)
    result = run_aiopt(app.path, "check", patch=BUG_IN_A_READER)
    assert result.code == code
    lines = result.err.strip().splitlines()
    assert len(lines) == (2 if code == 3 else 1), result.err
    assert "internal error (ZeroDivisionError" in lines[0] and "bug" in lines[0] and "--debug" in lines[0]
    assert len(lines[0]) < 400 and "A1b2A1b2" not in result.err, "the message must stay short and redacted"
    if code == 3:
        assert "SKIP=aiopt-guard" in lines[1]


def test_internal_error_as_json_and_with_debug(app: GitRepo) -> None:
    swap_model(app)
    result = run_aiopt(app.path, "check", "--format", "json", patch=BUG_IN_A_READER)
    assert (result.code, result.json()["verdict"], result.json()["exit_code"]) == (3, "error", 3)
    debug = run_aiopt(app.path, "check", "--debug", patch=BUG_IN_A_READER)
    assert debug.code == 3 and "Traceback (most recent call last)" in debug.err
    assert "ZeroDivisionError" in debug.err


# -- a timeout is never a permanent pass ---------------------------------------------------------


def _wait_for_background(app: GitRepo, seconds: float = 90) -> None:
    import time

    from tests.support.reliability import git_dir

    pid_file = git_dir(app) / "aiopt" / "summarize.pid"
    deadline = time.monotonic() + seconds
    while pid_file.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not pid_file.exists(), "the background summary never finished"


STREAMING_ONLY = "import aiopt_hooks.baseline.duck as d\nd.MIN_BYTES = 10**15\n"


@pytest.mark.parametrize("finish", ["foreground", "background"])
def test_a_timeout_while_summarising_is_finished_and_the_next_check_is_real(app: GitRepo, finish: str) -> None:
    """A cold 600,000-row log read by the streaming reader (DuckDB kept out) and max_seconds: 3: the
    notice names the log and `aiopt baseline summarize`, and the part read is kept as a checkpoint;
    once that command ran (by hand, or the background run the timeout started), the log is
    summarised whole and the next check gives the real verdict."""
    write_openai_log(app.path / "usage.jsonl", 600_000)
    add_config(app, "max_seconds: 3\non_timeout: warn\n")
    swap_model(app)
    env = {"AIOPT_NO_BACKGROUND": "1"} if finish == "foreground" else {}
    stopped = run_aiopt(app.path, "check", patch=STREAMING_ONLY, **env)
    assert stopped.code == 0, stopped.err
    line = stopped.err.strip().splitlines()[0]
    assert "max_seconds (3.0 s)" in line and "baseline summary of usage.jsonl was not finished" in line
    assert "run `aiopt baseline summarize`" in line and "Traceback" not in stopped.err
    assert ("in the background (pid" in line) is (finish == "background")
    size = (app.path / "usage.jsonl").stat().st_size
    if finish == "foreground":
        kept = [json.loads(data)["log"] for name, data in cache_files(app).items() if name.startswith("summary-")]
        assert len(kept) == 1 and 0 < kept[0]["offset"] < size, "no checkpoint kept"
        done = run_aiopt(app.path, "baseline", "summarize")
        assert done.code == 0 and "600,000 requests" in done.err, done.err
    else:
        _wait_for_background(app)
    entries = [json.loads(data)["log"] for name, data in cache_files(app).items() if name.startswith("summary-")]
    assert [e["offset"] for e in entries] == [size], "not summarised whole"
    checked = run_aiopt(app.path, "check", "--format", "json")
    assert checked.code == 1 and checked.json()["verdict"] == "block", checked.err
    assert "max_seconds" not in checked.err


def test_baseline_summarize_needs_output_with_logs(app: GitRepo) -> None:
    result = run_aiopt(app.path, "baseline", "summarize", "usage.jsonl")
    assert result.code == 2 and "-o FILE is required with LOG" in result.err
