"""`aiopt baseline summarize LOG... -o FILE`: write the baseline summary (a few KB to MB) that
`baseline.path` can point at instead of the raw logs, e.g. one produced by a nightly job."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from aiopt_hooks.errors import AioptError


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    summarize = sub.add_parser("summarize", help="summarize usage logs into one summary file")
    summarize.add_argument("logs", nargs="+", metavar="LOG", help="usage logs (JSONL/CSV, .gz) or summaries")
    summarize.add_argument("-o", "--output", required=True, help="the summary file to write (JSON)")
    summarize.add_argument("--format", dest="log_format", default=None, help="force the log dialect")


def run(args: argparse.Namespace, settings: dict[str, object]) -> int:
    from aiopt_hooks.baseline.summary import summarize_baseline, summary_to_dict
    from aiopt_hooks.prices import tier_thresholds

    paths = [Path(p) for p in args.logs]
    for path in paths:
        if not path.is_file():
            raise AioptError("usage log not found", file=str(path))
    summary = summarize_baseline(paths, tier_thresholds(), args.log_format)
    output = Path(args.output)
    try:
        output.write_text(json.dumps(summary_to_dict(summary), separators=(",", ":")) + "\n")
    except OSError as exc:
        raise AioptError(f"cannot write the summary: {exc.strerror}", file=str(output)) from None
    groups = len(summary.groups)
    print(f"aiopt: wrote {output} ({output.stat().st_size:,} bytes): {summary.requests:,} requests, "
          f"{groups} feature/model groups, {summary.span_days:.1f} days"
          + (f"; {summary.bad_rows:,} malformed rows skipped" if summary.bad_rows else ""), file=sys.stderr)
    return 0
