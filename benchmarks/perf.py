"""Timing figures for `aiopt check` (a script, not a test): median wall time and peak memory.

Cases, each in a fresh temporary git repo:
  noop  - a commit that touches no watched file
  swap  - a model swap priced against a generated baseline of N rows (cold: first run;
          warm: second run with the baseline unchanged)

Usage: python benchmarks/perf.py [--rows 10000 100000 1000000] [--format jsonl csv jsonl.gz] [--repeat 5]
Generated logs go to a temporary folder (never into the repository).
"""
from __future__ import annotations

import argparse
import csv
import gzip
import json
import os
import random
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
FIELDS = ["ts", "provider", "model", "input_tokens", "output_tokens", "feature_tag", "retries", "status"]


def write_log(path: Path, rows: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    start = 1772323200.0   # 2026-03-01
    opener = gzip.open if path.name.endswith(".gz") else open
    is_csv = ".csv" in path.name
    with opener(path, "wt", newline="") as fh:  # type: ignore[operator]
        writer = csv.writer(fh) if is_csv else None
        if writer:
            writer.writerow(FIELDS)
        for i in range(rows):
            feature = "summarize" if i % 3 else "classify"
            ts = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start + i * 30 * 86400 / rows))
            values = [ts, "openai", "gpt-4o-mini" if feature == "summarize" else "gpt-4.1-nano",
                      int(rng.lognormvariate(7.5, 0.6)),
                      min(int(rng.lognormvariate(5.5, 0.7)), 512) if feature == "summarize" else 2,
                      feature, 0, "ok"]
            if writer:
                writer.writerow(values)
            else:
                fh.write(json.dumps(dict(zip(FIELDS, values))) + "\n")


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def make_repo(root: Path, log_name: str) -> None:
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "bench@example.com")
    git(root, "config", "user.name", "bench")
    (root / "config").mkdir()
    (root / "config" / "llm.yaml").write_text(CONFIG.format(model="gpt-4o-mini"))
    (root / ".aiopt.yaml").write_text(AIOPT.format(log=log_name))
    (root / "README.md").write_text("app\n")
    git(root, "add", "config", ".aiopt.yaml", "README.md")
    git(root, "commit", "-q", "-m", "init")


def timed(root: Path, aiopt: str) -> tuple[float, float, int]:
    """(wall seconds, peak RSS MiB of this one child, exit code) of one `aiopt check`."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([aiopt, "check", "--format", "json"], cwd=root, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_maxrss / 1024, proc.returncode


def measure(root: Path, aiopt: str, repeat: int, clear_cache: bool) -> tuple[float, float]:
    """Median wall time and peak RSS; `clear_cache` drops the baseline summaries first (a new or
    changed log), keeping the per-day price cache a repository already has."""
    walls, peaks = [], []
    for _ in range(repeat):
        if clear_cache:
            for entry in (root / ".git" / "aiopt").glob("summary-*.json"):
                entry.unlink()
        wall, peak, _ = timed(root, aiopt)
        walls.append(wall)
        peaks.append(peak)
    return statistics.median(walls), max(peaks)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--format", nargs="+", default=["jsonl"], choices=["jsonl", "csv", "jsonl.gz", "csv.gz"])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    aiopt = shutil.which("aiopt") or str(Path(sys.executable).parent / "aiopt")
    rows_out = []
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        noop = base / "noop"
        make_repo(noop, "usage.jsonl")
        (noop / "README.md").write_text("app, edited\n")
        git(noop, "add", "README.md")
        wall, peak = measure(noop, aiopt, args.repeat, False)
        rows_out.append(("noop (no watched file)", "-", wall, peak, "-"))
        for fmt in args.format:
            for rows in args.rows:
                repo = base / f"swap-{rows}-{fmt.replace('.', '-')}"
                make_repo(repo, f"usage.{fmt}")
                write_log(repo / f"usage.{fmt}", rows)
                size = (repo / f"usage.{fmt}").stat().st_size / 2**20
                (repo / "config" / "llm.yaml").write_text(CONFIG.format(model="gpt-4o"))
                git(repo, "add", "config/llm.yaml")
                first, _ = measure(repo, aiopt, 1, False)   # nothing cached yet
                cold, cold_peak = measure(repo, aiopt, max(1, min(args.repeat, 3)), True)
                timed(repo, aiopt)
                warm, warm_peak = measure(repo, aiopt, args.repeat, False)
                rows_out.append((f"swap, {rows:,} rows {fmt} ({size:,.0f} MiB)", first, cold, cold_peak, warm))
    print("first = nothing cached; new log = baseline summary not cached (prices cached); "
          "warm = log unchanged. Seconds are medians of whole `aiopt check` processes.")
    print(f"{'case':45} {'first s':>8} {'new log s':>10} {'peak MiB':>9} {'warm s':>8}")
    for name, first, wall, peak, warm in rows_out:
        cells = [f"{v:8.3f}" if isinstance(v, float) else f"{v:>8}" for v in (first, wall)]
        tail = f"{warm:8.3f}" if isinstance(warm, float) else f"{warm:>8}"
        print(f"{name:45} {cells[0]} {cells[1]:>10} {peak:9.0f} {tail}")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
