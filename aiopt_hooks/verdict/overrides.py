"""After the verdict: the lockfile creep guard (can only make it stricter), then the overrides that
leave a trace (can turn a block into `approved`): an entry of `.aiopt/approvals.yaml`, a
`Cost-Approved:` trailer in the commit message (commit-msg hook), or such trailers on every
commit of a ref range that touches the changed LLM files (pre-push, CI).

Imported only when a watched file changed; the approvals file is read only for a blocked check.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, NamedTuple

from aiopt_hooks.records import Finding, Result, Verdict

if TYPE_CHECKING:
    from aiopt_hooks.context import CheckOptions, RepoContext

TRAILER = "Cost-Approved"


class Sides(NamedTuple):
    old: str | None          # the old side's commit ("" = no commit yet)
    new: str | None          # the new side's ref (None = the index)
    paths: list[str]         # the watched files that changed


def apply_overrides(result: Result, options: CheckOptions, ctx: RepoContext, sides: Sides) -> Result:
    if result.estimate is None or not result.estimate.changes:
        return result
    if ctx.config.lockfile:
        from aiopt_hooks.verdict.lock import check_against_lock

        result = check_against_lock(result, options, ctx, sides.new)
    if result.verdict.verdict != "block":
        return result
    return _approve(result, options, ctx, sides)


def _from_file(result: Result, ctx: RepoContext, sides: Sides) -> tuple[list[str], list[str], list[Finding]]:
    """(grants, problems, findings) from `.aiopt/approvals.yaml` on the side being committed."""
    from aiopt_hooks.repo.git import read_path
    from aiopt_hooks.verdict import approvals as ap

    data = read_path(ctx.root, sides.new, ap.APPROVALS_PATH)
    if data is None or result.estimate is None:
        return [], [], []
    entries, findings = ap.parse_approvals(data)
    group = ap.covering(entries, ap.estimate_keys(result.estimate))
    if not group:
        return [], [], findings
    est = result.estimate
    increase = est.delta_high if ctx.config.policy.basis == "high" else est.delta
    problem = ap.coverage_problem(group, increase, date.today())
    if problem is not None:
        code, why = problem
        fix = "run `aiopt approve --reason ...` again to renew it (the new entry is reviewed like the first)"
        findings.append(Finding("warn", code, f"{why}: {fix}", file=ap.APPROVALS_PATH, line=group[0].line))
        return [], [f"{why}; {fix}"], findings
    return [ap.describe(a) for a in group], [], findings


def _from_trailers(options: CheckOptions, ctx: RepoContext, sides: Sides) -> tuple[list[str], list[str]]:
    """(grants, problems) from `Cost-Approved:` trailers: the message being committed, or a range's commits."""
    from aiopt_hooks.repo import git as gitio

    if options.message_file:
        values = [v for k, v in gitio.message_trailers(ctx.root, options.message_file) if k.lower() == TRAILER.lower()]
        if not values:
            return [], []
        if not any(values):
            return [], [f"the {TRAILER}: trailer has no reason: write why the cost is accepted"]
        return [f"approved by the commit message trailer {TRAILER}: {next(v for v in values if v)}"], []
    if not (options.from_ref or options.to_ref) or not sides.old or not sides.new:
        return [], []
    commits = gitio.commits_with_trailer(ctx.root, sides.old, sides.new, sides.paths, TRAILER)
    if not commits or not any(value for _, value in commits):
        return [], []
    missing = [subject for subject, value in commits if not value]
    if missing:
        return [], [f"{len(missing)} commit(s) changing these LLM files carry no {TRAILER}: trailer: "
                    + "; ".join(repr(s) for s in missing[:5])]
    return [f"approved by the {TRAILER}: trailer of {subject!r}: {value}" for subject, value in commits], []


def _approve(result: Result, options: CheckOptions, ctx: RepoContext, sides: Sides) -> Result:
    grants, problems, findings = _from_file(result, ctx, sides)
    if not grants:
        more, why = _from_trailers(options, ctx, sides)
        grants, problems = more, problems + why
    blocking = [f.code for f in result.all_findings if f.level == "block"]
    if grants and blocking:
        problems.append(f"an approval matches, but blocking findings ({', '.join(sorted(set(blocking)))}) cannot be "
                        "approved: fix them (e.g. price a custom model under `prices:` in .aiopt.yaml)")
        grants = []
    if grants:
        reasons = tuple(grants) + tuple(f"without the approval: {r}" for r in result.verdict.reasons)
        return replace(result, verdict=Verdict("approved", 0, reasons), findings=result.findings + findings,
                       suggestions=[])
    verdict = Verdict("block", result.verdict.exit_code, result.verdict.reasons + tuple(problems))
    return replace(result, verdict=verdict, findings=result.findings + findings)
