"""`aiopt history [--since DATE] [--format json]`: list the audit trail of checks, what-ifs and log diffs."""

from __future__ import annotations

import argparse
import json
import sys

from aiopt_hooks.redact import redact
from aiopt_hooks.render.money import money
from aiopt_hooks.repo.git import repo_paths
from aiopt_hooks.repo.history import parse_since, read_history


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--since", help="only entries from this date (YYYY-MM-DD) or ISO time on (UTC)")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--repo", default=".", help="repository directory (default: current)")


def _money(value: object, sign: bool = False) -> str:

    return money(float(value), sign) if isinstance(value, (int, float)) else "-"


def run(args: argparse.Namespace, settings: dict[str, object]) -> int:

    _, git_dir, _ = repo_paths(args.repo)
    entries = read_history(git_dir, parse_since(args.since) if args.since else None)
    if args.format == "json":
        sys.stdout.write(redact(json.dumps(entries, indent=2)) + "\n")
        return 0
    if not entries:
        print("aiopt: no history yet" + (f" since {args.since}" if args.since else ""), file=sys.stderr)
        return 0
    from aiopt_hooks.render.table import fit_table

    rows = [
        [
            e.get("time", ""),
            e.get("command", ""),
            e.get("scope", ""),
            e.get("verdict", ""),
            _money(e.get("delta_monthly_usd"), True),
            _money(e.get("candidate_monthly_usd")),
            "; ".join(e.get("changes", [])[:3]) + (" ..." if len(e.get("changes", [])) > 3 else ""),
            "yes" if e.get("approvals") else "",
        ]
        for e in entries
    ]
    headers = ["time (UTC)", "command", "scope", "verdict", "delta $/mo", "candidate $/mo", "changes", "approved"]
    sys.stdout.write(redact(fit_table(headers, rows)) + "\n")
    return 0
