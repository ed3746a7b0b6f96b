"""A check stopped at max_seconds while summarising the baseline: never a permanent pass.

The streaming reader keeps checkpoints in the cache as it goes (`baseline/incremental.py`), so the
next check reads on from the last one; a read DuckDB was doing is finished by `aiopt baseline
summarize` (no arguments: the configured baseline, into the cache the check reads), started here
in the background once per repository, so the next commit is checked for real.  The notice says
which log and what to run to finish it now.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PID_FILE = "summarize.pid"
FINISH = "aiopt baseline summarize"


def pending_logs() -> list[str]:
    """The baseline logs a stopped check was reading (without importing the baseline stage)."""
    module = sys.modules.get("aiopt_hooks.baseline.incremental")
    in_progress = getattr(module, "in_progress", None)
    return list(in_progress()) if in_progress else []


def notice(settings: dict[str, object]) -> str:
    """The sentence to add to the timeout message ("" when the baseline was not being read), after
    starting the background summary."""
    logs = pending_logs()
    if not logs:
        return ""
    started = _start_background(settings)
    where = f"started in the background (pid {started}); " if started else ""
    return (
        f"; the baseline summary of {', '.join(logs)} was not finished (the part read so far is kept): "
        f"{where}run `{FINISH}` to finish it now, and the next commit is checked in full"
    )


def _start_background(settings: dict[str, object]) -> int | None:
    """Start `aiopt baseline summarize` for the repository, detached, unless one runs already or
    AIOPT_NO_BACKGROUND is set; its pid, or None."""
    root, git_dir = settings.get("repo"), settings.get("git_dir")
    if not root or not git_dir or os.environ.get("AIOPT_NO_BACKGROUND"):
        return None
    pid_file = Path(str(git_dir)) / "aiopt" / PID_FILE
    try:
        running = int(pid_file.read_text().strip())
        os.kill(running, 0)
        return running
    except (OSError, ValueError):
        pass
    code = (
        "import sys; from aiopt_hooks.cli import main; "
        f"sys.exit(main(['baseline', 'summarize', '--repo', {str(root)!r}]))"
    )
    try:
        proc = subprocess.Popen(
            [sys.executable, "-c", code],
            cwd=str(root),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        pid_file.parent.mkdir(parents=True, exist_ok=True)
        pid_file.write_text(f"{proc.pid}\n")
    except OSError:
        return None
    return proc.pid
