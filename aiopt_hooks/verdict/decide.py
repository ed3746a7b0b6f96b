"""The one place a verdict is decided: reasons (findings, fired thresholds, escalated findings)
and the overrides' grants -> pass / warn / approved / block.

Everything before this reports facts; everything after it renders the verdict.  A blocking
reason makes a block; a grant (an approval entry or a `Cost-Approved:` trailer) turns a block
into `approved` unless a blocking *finding* stands (a finding is a fault to fix, not a cost to
accept); warning reasons make a warning; otherwise the change passes.
"""

from __future__ import annotations

from collections.abc import Sequence

from aiopt_hooks.records import Escalated, Finding, Grant, Reason, Verdict, VerdictName, reason_level

EXIT = {"pass": 0, "warn": 0, "approved": 0, "block": 1, "error": 2}


def decide(reasons: Sequence[Reason], grants: Sequence[Grant] = (), problems: Sequence[Reason] = ()) -> Verdict:
    """The verdict.  `problems` say why an override that was looked for does not apply."""
    blocking = tuple(r for r in reasons if reason_level(r) == "block")
    if blocking:
        faults = sorted(
            {
                (r.finding if isinstance(r, Escalated) else r).code
                for r in blocking
                if isinstance(r, (Finding, Escalated))
            }
        )
        if grants and not faults:
            return Verdict("approved", EXIT["approved"], tuple(grants), overridden=blocking)
        extra: tuple[Reason, ...] = tuple(problems)
        if grants and faults:
            extra += (
                f"an approval matches, but blocking findings ({', '.join(faults)}) cannot be approved: fix "
                "them (e.g. price a custom model under `prices:` in .aiopt.yaml)",
            )
        return Verdict("block", EXIT["block"], blocking + extra)
    warning = tuple(r for r in reasons if reason_level(r) == "warn")
    if warning:
        return Verdict("warn", EXIT["warn"], warning)
    return Verdict("pass", EXIT["pass"], ())


def not_decided(verdict: VerdictName, exit_code: int, why: str) -> Verdict:
    """The outcome of a check that did not reach a decision (skipped, timed out, failed): what the
    caller's settings say it is (`on_timeout`, `on_internal_error`), with the one reason why."""
    return Verdict(verdict, exit_code, (why,))
