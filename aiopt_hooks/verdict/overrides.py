"""The overrides that leave a trace, as facts for `decide`: an entry of `.aiopt/approvals.yaml`,
a `Cost-Approved:` trailer in the commit message (commit-msg hook), or such trailers on every
commit of a ref range that touches the changed LLM files (pre-push, CI).

Looked for only when the verdict would block; the approvals file is read from the side being
committed.  Nothing here decides: `decide` turns grants into `approved` (or says why not).
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from aiopt_hooks.context import CheckOptions, RepoContext
from aiopt_hooks.records import Estimate, Finding, Grant, Reason
from aiopt_hooks.repo import git
from aiopt_hooks.verdict import APPROVALS_PATH
from aiopt_hooks.verdict.thresholds import increase_of

TRAILER = "Cost-Approved"
RENEW = "run `aiopt approve --reason ...` again to renew it (the new entry is reviewed like the first)"


class Sides(NamedTuple):
    old: str | None  # the old side's commit ("" = no commit yet)
    new: str | None  # the new side's ref (None = the index)
    paths: list[str]  # the watched files that changed


class Overrides(NamedTuple):
    grants: list[Grant]
    problems: list[Reason]  # why an override that is there does not apply
    findings: list[Finding]


def find_overrides(est: Estimate, options: CheckOptions, ctx: RepoContext, sides: Sides) -> Overrides:
    """The approval entries covering exactly these changes, else the trailers that approve them."""
    grants, problems, findings = _from_file(est, ctx, sides)
    if not grants:
        more, why = _from_trailers(options, ctx, sides)
        grants, problems = more, problems + why
    return Overrides(grants, problems, findings)


def _from_file(est: Estimate, ctx: RepoContext, sides: Sides) -> tuple[list[Grant], list[Reason], list[Finding]]:
    data = git.read_path(ctx.root, sides.new, APPROVALS_PATH)
    if data is None:
        return [], [], []
    from aiopt_hooks.verdict import approvals as ap  # the file is there: its parser loads now

    entries, findings = ap.parse_approvals(data)
    group = ap.covering(entries, ap.estimate_keys(est))
    if not group:
        return [], [], findings
    problem = ap.coverage_problem(
        group, increase_of(est, ctx.config.policy.basis), date.today(), ctx.config.policy.basis
    )
    if problem is not None:
        code, why, where = problem
        what = why if isinstance(why, str) else f"the estimate is over the approved ceiling at {where}"
        findings.append(Finding("warn", code, f"{what}: {RENEW}", file=APPROVALS_PATH, line=group[0].line))
        return [], [why if not isinstance(why, str) else f"{why}; {RENEW}"], findings
    return [ap.grant_of(a) for a in group], [], findings


def _from_trailers(options: CheckOptions, ctx: RepoContext, sides: Sides) -> tuple[list[Grant], list[Reason]]:
    """(grants, problems) from `Cost-Approved:` trailers: the message being committed, or a range's commits."""
    if options.message_file:
        values = [v for k, v in git.message_trailers(ctx.root, options.message_file) if k.lower() == TRAILER.lower()]
        if not values:
            return [], []
        if not any(values):
            return [], [f"the {TRAILER}: trailer has no reason: write why the cost is accepted"]
        return [Grant("message_trailer", next(v for v in values if v))], []
    if not (options.from_ref or options.to_ref) or not sides.old or not sides.new:
        return [], []
    commits = git.commits_with_trailer(ctx.root, sides.old, sides.new, sides.paths, TRAILER)
    if not commits or not any(value for _, value in commits):
        return [], []
    missing = [subject for subject, value in commits if not value]
    if missing:
        return [], [
            f"{len(missing)} commit(s) changing these LLM files carry no {TRAILER}: trailer: "
            + "; ".join(repr(s) for s in missing[:5])
        ]
    return [Grant("range_trailer", value, where=subject) for subject, value in commits], []
