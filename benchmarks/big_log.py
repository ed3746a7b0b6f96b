"""Figure for the README's Reliability section: a multi-GB usage log streams in bounded memory.

Writes a JSONL log of --gigabytes GB (OpenAI chat-completion bodies with ids and a message
field, so the streaming reader, duplicate detection and the line cap all run; no DuckDB), then
summarizes it in a fresh process and prints the wall time, the rows per second and the peak
resident memory (ru_maxrss).  A second, 100x smaller log gives the memory baseline to compare.

Usage: python benchmarks/big_log.py [--gigabytes 5] [--dir /tmp] [--keep]
The log goes to a temporary folder (never into the repository) and is deleted unless --keep.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROW = (
    '{{"id": "chatcmpl-{i:012d}", "object": "chat.completion", "created": {ts}, "model": "{model}", '
    '"feature_tag": "{feature}", "usage": {{"prompt_tokens": {inp}, "completion_tokens": {out}, '
    '"prompt_tokens_details": {{"cached_tokens": {cached}}}}}, "messages": "{pad}"}}\n'
)
MODELS = (("summarize", "gpt-4o-mini"), ("classify", "gpt-4.1-nano"), ("support_chat", "gpt-4o"))
MEASURE = """
import json, resource, sys, time
from pathlib import Path
from aiopt_hooks.baseline.read import summarize_baseline
started = time.perf_counter()
summary = summarize_baseline([Path(sys.argv[1])], (200000,))
print(json.dumps({"seconds": time.perf_counter() - started, "requests": summary.requests,
                  "bad_rows": summary.bad_rows, "duplicates": summary.duplicates,
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def write_log(path: Path, size: int) -> int:
    """Rows of ~400 bytes up to `size` bytes; returns the row count."""
    start, rows, written = 1_772_323_200, 0, 0
    pad = "x" * 180
    with open(path, "w") as fh:
        while written < size:
            chunk = []
            for i in range(rows, rows + 10_000):
                feature, model = MODELS[i % 3]
                chunk.append(
                    ROW.format(
                        i=i,
                        ts=start + i // 20,
                        model=model,
                        feature=feature,
                        inp=200 + i % 3000,
                        out=i % 900,
                        cached=(i % 7) * 64,
                        pad=pad,
                    )
                )
            text = "".join(chunk)
            fh.write(text)
            written += len(text)
            rows += len(chunk)
    return rows


def measure(path: Path) -> dict[str, float]:
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.run([sys.executable, "-c", MEASURE, str(path)], capture_output=True, text=True, cwd=root)
    if proc.returncode != 0:
        raise SystemExit(proc.stderr)
    result: dict[str, float] = json.loads(proc.stdout)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gigabytes", type=float, default=5.0)
    parser.add_argument("--dir", default=None, help="where to write the log (default: a temporary folder)")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="aiopt-big-log-", dir=args.dir))
    size = int(args.gigabytes * 1e9)
    for label, target in (("small", size // 100), ("large", size)):
        path = folder / f"{label}.jsonl"
        started = time.perf_counter()
        rows = write_log(path, target)
        print(
            f"{label}: wrote {path.stat().st_size / 1e9:.2f} GB, {rows:,} rows in "
            f"{time.perf_counter() - started:.0f} s",
            flush=True,
        )
        figures = measure(path)
        print(
            f"{label}: summarized {figures['requests']:,.0f} requests in {figures['seconds']:.0f} s "
            f"({figures['requests'] / figures['seconds']:,.0f} rows/s), "
            f"peak memory {figures['peak_mib']:.0f} MiB, "
            f"{figures['bad_rows']:.0f} bad rows, {figures['duplicates']:.0f} duplicates",
            flush=True,
        )
        if not args.keep:
            path.unlink()
    if not args.keep:
        folder.rmdir()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
