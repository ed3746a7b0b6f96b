"""Timing figures for `aiopt check` against their targets (a script, not a test): wall time of whole
`aiopt check` processes (median of --repeat runs) and the peak RSS of the process.

Each case runs in a fresh temporary git repository with a generated, seeded log (never written
into this repository):
  noop      a commit that touches no watched file
  first     a model swap against 1M flat rows, first run ever (fresh HOME, empty .git/aiopt)
  warm      the same, run again (log unchanged)
  openai    a model swap against 1M rows logged as OpenAI response objects, summary not cached
  grew      the 1M-row log grew by 1% since the last check
  features  120 features moved to another model in one commit, warm
  big       10M flat rows (about 2 GB), summary not cached (skip with --skip-big)
  ratio     AIOpt's own guard (the public `aiopt` npm CLI, tkddlr0716-collab/aiopt) on the same 1M-row
            file over ours (`first`), median of up to 3 runs: set AIOPT_REFERENCE_GUARD to its command
            with {log} for the log path, e.g. "node aiopt/dist/cli.js guard --input {log} --provider openai
            --model gpt-4o" (or "npx aiopt guard ..."); else skipped

Usage: python benchmarks/perf.py [--repeat 5] [--rows 1000000] [--big-rows 10000000] [--skip-big]
                                [--only noop swap openai features big]
"""

from __future__ import annotations

import argparse
import os
import random
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CONFIG = """features:
  summarize:
    provider: openai
    model: {model}
    max_tokens: 512
  classify:
    provider: openai
    model: gpt-4.1-nano
    max_tokens: 16
"""
AIOPT = "version: 1\nbaseline:\n  path: {log}\npolicy:\n  block:\n    monthly_increase_usd: 50\n"
START = 1772323200  # 2026-03-01
SPAN = 30 * 86400
FEATURES = 120
CASES = ("noop", "swap", "openai", "features", "big")


def _ts(i: int, rows: int) -> tuple[int, str]:
    epoch = START + i * SPAN // rows
    return epoch, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def write_flat(
    path: Path, rows: int, seed: int = 7, first: int = 0, features: list[str] | None = None, spacing: int | None = None
) -> None:
    """AIOpt-dialect rows numbered from `first`, appended: summarize (gpt-4o-mini) and classify
    (gpt-4.1-nano), or `features` round robin; `spacing` rows per 30 days (default `rows`)."""
    rng = random.Random(seed + first)
    with open(path, "a") as fh:
        out = []
        for i in range(first, first + rows):
            feature = features[i % len(features)] if features else ("summarize" if i % 3 else "classify")
            model = "gpt-4.1-nano" if feature == "classify" else "gpt-4o-mini"
            inp = int(rng.lognormvariate(7.5, 0.6))
            outp = 2 if feature == "classify" else min(int(rng.lognormvariate(5.5, 0.7)), 512)
            out.append(
                f'{{"ts": "{_ts(i, spacing or rows)[1]}", '
                f'"provider": "openai", "model": "{model}", "input_tokens": {inp}, "output_tokens": {outp}, '
                f'"feature_tag": "{feature}", "retries": 0, "status": "ok"}}\n'
            )
            if len(out) >= 20000:
                fh.write("".join(out))
                out.clear()
        fh.write("".join(out))


def write_openai(path: Path, rows: int, seed: int = 7) -> None:
    """The same traffic logged as OpenAI chat-completion objects wrapped with ts and feature tag."""
    rng = random.Random(seed)
    with open(path, "w") as fh:
        out = []
        for i in range(rows):
            feature = "summarize" if i % 3 else "classify"
            model = "gpt-4o-mini" if feature == "summarize" else "gpt-4.1-nano"
            epoch, ts = _ts(i, rows)
            inp = int(rng.lognormvariate(7.5, 0.6))
            outp = 2 if feature == "classify" else min(int(rng.lognormvariate(5.5, 0.7)), 512)
            out.append(
                f'{{"ts": "{ts}", "feature_tag": "{feature}", "response": {{"id": "chatcmpl-{i:012d}", '
                f'"created": {epoch}, "model": "{model}", "choices": [{{"finish_reason": "stop"}}], '
                f'"usage": {{"prompt_tokens": {inp}, "completion_tokens": {outp}, '
                f'"total_tokens": {inp + outp}, "prompt_tokens_details": {{"cached_tokens": 0}}, '
                f'"completion_tokens_details": {{"reasoning_tokens": 0}}}}}}}}\n'
            )
            if len(out) >= 20000:
                fh.write("".join(out))
                out.clear()
        fh.write("".join(out))


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def make_repo(root: Path, log_name: str, config: str) -> None:
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "bench@example.com")
    git(root, "config", "user.name", "bench")
    (root / "config").mkdir()
    (root / "config" / "llm.yaml").write_text(config)
    (root / ".aiopt.yaml").write_text(AIOPT.format(log=log_name))
    (root / "README.md").write_text("app\n")
    git(root, "add", "config", ".aiopt.yaml", "README.md")
    git(root, "commit", "-q", "-m", "init")


CPU: list[float] = []  # CPU seconds (user + system) of each timed run, in order


def spawn(argv: list[str], root: Path, env: dict[str, str] | None = None) -> tuple[float, float, int, float]:
    """(wall seconds, peak RSS MiB, exit code, CPU seconds) of one child process (its own children
    included only as far as they are waited for by it: `aiopt check` runs none that outlive it)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        argv, cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, **(env or {})}
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    return wall, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status), usage.ru_utime + usage.ru_stime


def timed(root: Path, aiopt: str, env: dict[str, str] | None = None) -> tuple[float, float, int]:
    """(wall seconds, peak RSS MiB of this one child, exit code) of one `aiopt check`."""
    wall, peak, code, used = spawn([aiopt, "check", "--format", "json"], root, env)
    CPU.append(used)
    return wall, peak, code


def measure(root: Path, aiopt: str, repeat: int, before: object = None) -> tuple[float, float]:
    """Median wall time and peak RSS over `repeat` runs; `before()` runs ahead of each (untimed)."""
    walls, peaks = [], []
    del CPU[:]
    for _ in range(repeat):
        env = before() if callable(before) else None
        wall, peak, code = timed(root, aiopt, env)
        if code not in (0, 1):
            raise SystemExit(f"aiopt check failed (exit {code}) in {root}")
        walls.append(wall)
        peaks.append(peak)
    CPU[:] = [statistics.median(CPU)]
    return statistics.median(walls), max(peaks)


def drop_summaries(root: Path) -> None:
    for entry in (root / ".git" / "aiopt").glob("summary-*.json"):
        entry.unlink()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--big-rows", type=int, default=10_000_000)
    parser.add_argument("--skip-big", action="store_true")
    parser.add_argument(
        "--only",
        nargs="+",
        choices=CASES,
        default=list(CASES),
        help="run only these cases (swap = first run, warm, 1%% growth and the ratio)",
    )
    args = parser.parse_args()
    cases = set(args.only)
    aiopt = shutil.which("aiopt") or str(Path(sys.executable).parent / "aiopt")
    # A regular install has its bytecode compiled (pip does it); an editable one run with
    # PYTHONDONTWRITEBYTECODE would compile every module on every run: compile it once here.
    import aiopt_hooks

    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(aiopt_hooks.__file__).parent)], check=True)
    results: list[tuple[str, float | None, float | None, str, str]] = []  # case, s, MiB, target, note
    cpu: list[float | None] = []  # the median CPU seconds of each row (None when not a timing)
    load = os.getloadavg()[0]
    million = f"{args.rows / 1e6:g}M"
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)

        if "noop" in cases:
            noop = base / "noop"
            make_repo(noop, "usage.jsonl", CONFIG.format(model="gpt-4o-mini"))
            (noop / "README.md").write_text("app, edited\n")
            git(noop, "add", "README.md")
            wall, peak = measure(noop, aiopt, args.repeat)
            results.append(("commit touching no LLM file", wall, peak, "<= 0.060 s", ""))
            cpu.append(CPU[0])

        if "swap" in cases:
            swap = base / "swap"
            make_repo(swap, "usage.jsonl", CONFIG.format(model="gpt-4o-mini"))
            write_flat(swap / "usage.jsonl", args.rows)
            (swap / "config" / "llm.yaml").write_text(CONFIG.format(model="gpt-4o"))
            git(swap, "add", "config/llm.yaml")

            def fresh() -> dict[str, str]:
                shutil.rmtree(swap / ".git" / "aiopt", ignore_errors=True)
                home = Path(tempfile.mkdtemp(dir=base, prefix="home-"))
                return {"HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache")}

            first, first_peak = measure(swap, aiopt, max(1, min(args.repeat, 3)), fresh)
            results.append((f"{million}-row model swap, first run ever", first, first_peak, "<= 1.0 s, 250 MiB", ""))
            cpu.append(CPU[0])
            timed(swap, aiopt)
            warm, warm_peak = measure(swap, aiopt, args.repeat)
            results.append(("same, warm", warm, warm_peak, "<= 0.12 s", ""))
            cpu.append(CPU[0])

            step = max(args.rows // 100, 1)
            grown = [args.rows]

            def grow() -> None:
                write_flat(swap / "usage.jsonl", step, first=grown[0], spacing=args.rows)
                grown[0] += step

            grew, grew_peak = measure(swap, aiopt, args.repeat, grow)
            results.append(("log grew by 1% since the last check", grew, grew_peak, "<= 0.4 s", ""))
            cpu.append(CPU[0])

        if "openai" in cases:
            nested = base / "openai"
            make_repo(nested, "usage.jsonl", CONFIG.format(model="gpt-4o-mini"))
            write_openai(nested / "usage.jsonl", args.rows)
            (nested / "config" / "llm.yaml").write_text(CONFIG.format(model="gpt-4o"))
            git(nested, "add", "config/llm.yaml")
            timed(nested, aiopt)  # prices cached; the summary is dropped before each timed run
            cold, cold_peak = measure(nested, aiopt, max(1, min(args.repeat, 3)), lambda: drop_summaries(nested))
            size = (nested / "usage.jsonl").stat().st_size / 2**20
            results.append((f"{million} OpenAI-format rows, cold", cold, cold_peak, "<= 2.5 s", f"{size:,.0f} MiB"))
            cpu.append(CPU[0])

        if "features" in cases:
            many = base / "features"
            names = [f"feature-{i:03d}" for i in range(FEATURES)]
            features = "features:\n" + "".join(
                f"  {n}:\n    provider: openai\n    model: {{model}}\n    max_tokens: 256\n" for n in names
            )
            make_repo(many, "usage.jsonl", features.replace("{model}", "gpt-4o-mini"))
            write_flat(many / "usage.jsonl", args.rows // 10, features=names)
            (many / "config" / "llm.yaml").write_text(features.replace("{model}", "gpt-4o"))
            git(many, "add", "config/llm.yaml")
            timed(many, aiopt)
            wall, peak = measure(many, aiopt, args.repeat)
            results.append((f"{FEATURES} features changed in one commit, warm", wall, peak, "<= 1.0 s", ""))
            cpu.append(CPU[0])

        if "big" in cases:
            if args.skip_big:
                results.append(
                    (
                        f"{args.big_rows / 1e6:g}M flat rows, cold",
                        None,
                        None,
                        "<= 10 s, 300 MiB",
                        "skipped (--skip-big)",
                    )
                )
                cpu.append(None)
            else:
                big = base / "big"
                make_repo(big, "usage.jsonl", CONFIG.format(model="gpt-4o-mini"))
                write_flat(big / "usage.jsonl", args.big_rows)
                (big / "config" / "llm.yaml").write_text(CONFIG.format(model="gpt-4o"))
                git(big, "add", "config/llm.yaml")
                (big / ".aiopt.yaml").write_text((big / ".aiopt.yaml").read_text() + "max_seconds: 120\n")
                timed(big, aiopt)
                wall, peak = measure(big, aiopt, 1, lambda: drop_summaries(big))
                size = (big / "usage.jsonl").stat().st_size / 2**30
                results.append(
                    (f"{args.big_rows / 1e6:g}M flat rows, cold", wall, peak, "<= 10 s, 300 MiB", f"{size:.1f} GiB")
                )
                cpu.append(CPU[0])
                shutil.rmtree(big)

        if "swap" in cases:
            reference = os.environ.get("AIOPT_REFERENCE_GUARD")
            if reference:
                command = [part.replace("{log}", str(swap / "usage.jsonl")) for part in shlex.split(reference)]
                runs = [spawn(command, swap) for _ in range(max(1, min(args.repeat, 3)))]
                if any(code not in (0, 2, 3) for _, _, code, _ in runs):  # its guard's exit codes: OK, WARN, FAIL
                    raise SystemExit(f"the reference guard failed (exit {runs[0][2]}): {reference}")
                theirs = statistics.median(wall for wall, _, _, _ in runs)
                results.append(
                    (
                        "ratio to AIOpt's guard, same 1M-row file",
                        theirs / first,
                        max(peak for _, peak, _, _ in runs),
                        ">= 10x",
                        f"theirs {theirs:.2f} s / ours {first:.2f} s (first run ever)",
                    )
                )
                cpu.append(statistics.median(used for _, _, _, used in runs))
            else:
                results.append(
                    (
                        "ratio to AIOpt's guard, same 1M-row file",
                        None,
                        None,
                        ">= 10x",
                        "skipped: the reference guard is not available (set AIOPT_REFERENCE_GUARD)",
                    )
                )
                cpu.append(None)

    print(f"{'path':46} {'measured':>10} {'cpu s':>7} {'peak MiB':>9}  {'target':18} note")
    for (name, value, peak, target, note), used in zip(results, cpu):
        shown = "-" if value is None else (f"{value:.1f}x" if target.startswith(">=") else f"{value:.3f} s")
        cpu_s = "-" if used is None else f"{used:.3f}"
        print(f"{name:46} {shown:>10} {cpu_s:>7} {'-' if peak is None else f'{peak:.0f}':>9}  {target:18} {note}")
    print(
        f"load average (1 min) {load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end: on a busy machine "
        "wall times grow, CPU seconds much less"
    )
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} cores; medians of {args.repeat} whole "
        f"`aiopt check` processes ({aiopt})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
