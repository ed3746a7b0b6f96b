"""`aiopt approve`: record a reviewed approval of the staged change (or a ref range) in
`.aiopt/approvals.yaml` and stage the file, so the approval is committed with the change."""

from __future__ import annotations

import argparse
import math
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from aiopt_hooks.commands.check import add_source_options, options_from
from aiopt_hooks.context import load_repo_config
from aiopt_hooks.errors import AioptError
from aiopt_hooks.pipeline import run_check
from aiopt_hooks.render.money import money
from aiopt_hooks.repo.git import author_ident, stage_path
from aiopt_hooks.verdict import approvals as ap

if TYPE_CHECKING:
    from aiopt_hooks.records import Estimate, Result
    from aiopt_hooks.verdict.approvals import Approval

DEFAULT_DAYS = 90
HEADROOM = 1.10  # default ceiling: the estimate now + 10%, so a refreshed log does not void it


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--reason", required=True, help="why the cost is accepted (recorded and shown in every check)")
    parser.add_argument(
        "--expires",
        metavar="YYYY-MM-DD|never",
        help=f"last day the approval counts (default: {DEFAULT_DAYS} days from today)",
    )
    parser.add_argument(
        "--max-monthly-increase",
        type=float,
        metavar="USD",
        help="ceiling: the approval stops covering the change when its estimate rises above this "
        f"(default: the estimate now + {round((HEADROOM - 1) * 100)}%%, rounded up)",
    )
    add_source_options(parser)


def _expiry(text: str | None) -> date | None:
    if text is None:
        return date.today() + timedelta(days=DEFAULT_DAYS)
    if text.strip().lower() == "never":
        return None
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise AioptError(f"--expires {text!r} is not a date", hint="use YYYY-MM-DD, or `never`") from None
    if day < date.today():
        raise AioptError(f"--expires {text} is in the past", hint="give a date from today on")
    return day


def _ceiling(given: float | None, increase: float) -> float:
    if given is None:
        return float(max(math.ceil(increase * HEADROOM), 0))
    if given < increase:
        raise AioptError(
            f"--max-monthly-increase {given:g} is below the current estimate (+${increase:,.2f}/month), "
            "so the approval would not cover this change",
            hint="give a ceiling at or above the estimate",
        )
    return given


def _approvable(result: Result, ranged: bool) -> Estimate:
    """The estimate to approve, or an error saying why there is none."""
    est = result.estimate
    if est is None or not est.changes:
        raise AioptError(
            "nothing to approve: " + ("the range has no LLM cost change" if ranged else "no LLM cost change is staged"),
            hint="stage the config change first (git add), then run aiopt approve",
        )
    blocking = [f for f in result.all_findings if f.level == "block"]
    if blocking:
        first = blocking[0]
        where = f"{first.file}:{first.line}: " if first.file and first.line else ""
        raise AioptError(
            f"cannot approve a change with a blocking finding: {where}{first.message}",
            hint="fix the finding; an approval accepts a known cost, not an unknown one",
        )
    return est


def _record(root: Path, approval: Approval) -> bool:
    """Write the approval into the file (replacing one of the same fingerprint) and stage it."""

    path = root / ap.APPROVALS_PATH
    existing = ap.parse_approvals(path.read_bytes())[0] if path.is_file() else []
    entries, replaced = ap.with_approval(existing, approval)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(ap.render_approvals(entries), encoding="utf-8")
    except OSError as exc:
        raise AioptError(f"cannot write the approvals file: {exc.strerror}", file=ap.APPROVALS_PATH) from None
    stage_path(root, ap.APPROVALS_PATH)
    return replaced


def run(args: argparse.Namespace, settings: dict[str, object]) -> int:

    reason = " ".join(args.reason.split())
    if not reason:
        raise AioptError("--reason is empty", hint="say why this cost is accepted; reviewers read it")
    expires = _expiry(args.expires)
    options = options_from(args)
    ctx = load_repo_config(options)
    est = _approvable(run_check(options, ctx), bool(options.from_ref or options.to_ref))
    increase = est.delta_high if ctx.config.policy.basis == "high" else est.delta
    keys = [ap.change_key(c.change) for c in est.changes]
    ceiling = _ceiling(args.max_monthly_increase, increase)
    approval = ap.Approval(
        fingerprint=ap.fingerprint(keys),
        changes=tuple(keys),
        reason=reason,
        author=author_ident(ctx.root),
        date=datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        expires=expires,
        max_monthly_increase_usd=ceiling,
        estimate_monthly_usd=round(increase, 2),
    )
    replaced = _record(ctx.root, approval)
    changes = "; ".join(f"{k['feature']}.{k['field']}: {k['old']} -> {k['new']}" for k in keys)
    print(
        f"aiopt: {'renewed' if replaced else 'recorded'} the approval of {changes} ({money(increase, True)}/month "
        f"now; ceiling {money(ceiling, True)}/month; {'expires ' + expires.isoformat() if expires else 'no expiry'}) "
        f"in {ap.APPROVALS_PATH}, and staged it: commit it with the change",
        file=sys.stderr,
    )
    return 0
