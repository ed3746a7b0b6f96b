"""The ways forward of a blocked result, worded for the stage it ran at.

Each stage has its own working override: at pre-commit `aiopt approve` and `SKIP=aiopt-guard`; at
commit-msg a `Cost-Approved:` trailer and `SKIP=aiopt-guard-msg`; at pre-push an approval of the
pushed range (its refs filled in) and a skip of the push; in CI an approval of the pull request's
range committed to the branch.  The renderers call `blocked_advice` (text) and `markdown_advice`.
"""

from __future__ import annotations

from aiopt_hooks.records import Result, Stage
from aiopt_hooks.render.reasons import verdict_reasons

REASON = '"why it is worth it"'
APPROVE = f"aiopt approve --reason {REASON}   # stages .aiopt/approvals.yaml: commit it too"
NO_RECORD = "{what} anyway (no record is kept, so tell your reviewer):"
INSTALL = (
    "(`aiopt` not found? The hook's environment is private: install the command with "
    "`pipx install git+<this hook's repository>@<rev>`, see Install in the aiopt-hooks README.)"
)
TRAILER = 'git commit -m "..." -m "Cost-Approved: why it is worth it"'
FIX_FIRST = (
    "A blocking finding above is not a cost an approval can accept: fix what it names (its message "
    "says how), then commit again."
)
MITIGATE = (
    "Possible mitigations: choose a cheaper model or a lower cap, or raise the threshold in "
    ".aiopt.yaml in a reviewed change."
)


def _short(ref: str | None) -> str:
    """A full object id shortened (still unambiguous in practice); a ref name kept as written."""
    if ref and len(ref) == 40 and all(c in "0123456789abcdef" for c in ref):
        return ref[:12]
    return ref or "HEAD"


def _range_approve(stage: Stage) -> str:
    return f"aiopt approve --from-ref {_short(stage.from_ref)} --to-ref {_short(stage.to_ref)} --reason {REASON}"


def _skips(stage: Stage, hook: str, verb: str) -> list[str]:
    if stage.framework:
        return [f"SKIP={hook} git {verb} ...      # this hook only (pre-commit framework)"]
    if stage.name == "command":
        return [
            f"SKIP={hook} git {verb} ...      # with the pre-commit framework",
            f"AIOPT_SKIP=1 git {verb} ...          # with the plain git hook",
        ]
    return [f"AIOPT_SKIP=1 git {verb} ...          # the plain git hook"]


Advice = tuple[list[str], list[str]]  # (how to accept the cost with a record, how to skip the check)


def _pre_commit(stage: Stage) -> Advice:
    return (
        ["To accept the cost with a record your reviewer sees:", f"  {APPROVE}"],
        [NO_RECORD.format(what="To commit"), *(f"  {s}" for s in _skips(stage, "aiopt-guard", "commit"))],
    )


def _commit_msg(stage: Stage) -> Advice:
    skip = _skips(stage, "aiopt-guard-msg", "commit")
    return (
        [
            "To accept the cost with a record in history, give the commit message a trailer:",
            f"  {TRAILER}",
            "or record an approval in the repository:",
            f"  {APPROVE}",
        ],
        [NO_RECORD.format(what="To commit"), *(f"  {s}" for s in skip)],
    )


def _pre_push(stage: Stage) -> Advice:
    skips = _skips(stage, "aiopt-guard", "push")
    return (
        [
            "To accept the cost with a record: approve the pushed range, commit the approval, push again:",
            f"  {_range_approve(stage)}",
            '  git commit -m "Approve the LLM cost change" && git push',
            "or give each commit that changes an LLM file a `Cost-Approved: <reason>` trailer (git rebase -i, reword).",
        ],
        [
            NO_RECORD.format(what="To push"),
            *(f"  {s}" for s in skips),
            "  git push --no-verify ...            # skips every pre-push hook",
        ],
    )


def _ci(stage: Stage) -> Advice:
    return (
        [
            "To accept the cost with a record, on the pull request's branch run",
            f"  {_range_approve(Stage('ci', False, stage.from_ref, 'HEAD'))}",
            "and commit .aiopt/approvals.yaml to the branch, or give each commit that changes an LLM file a "
            "`Cost-Approved: <reason>` trailer. See Overrides in the aiopt-hooks README.",
        ],
        [],
    )


def _command(stage: Stage) -> Advice:
    if stage.from_ref or stage.to_ref:
        return (
            [
                "To accept the cost with a record your reviewer sees:",
                f"  {_range_approve(stage)}",
                "and commit .aiopt/approvals.yaml on the branch (or use `Cost-Approved:` trailers).",
            ],
            [],
        )
    return _pre_commit(stage)


ADVICE = {"pre-commit": _pre_commit, "commit-msg": _commit_msg, "pre-push": _pre_push, "ci": _ci, "command": _command}


def blocked_advice(result: Result) -> list[str]:
    """The closing lines of a blocked check's text report. A blocking finding (an unknown model, an
    unreadable file) is not a cost anyone can accept: then no approval is offered, only the fix."""
    stage = result.stage
    accept, skip = ADVICE.get(stage.name, _command)(stage)
    if any(f.level == "block" for f in result.all_findings):
        lines = [FIX_FIRST, *skip]
    else:
        lines = [MITIGATE, *accept, *skip]
    if stage.framework:
        lines.append(INSTALL)
    return lines


def markdown_advice(result: Result) -> list[str]:
    """The closing paragraph of a blocked check's Markdown report (a pull-request comment, most often)."""
    stage = result.stage
    if stage.name in ("ci", "command") and (stage.from_ref or stage.to_ref):
        command = _range_approve(Stage(stage.name, False, stage.from_ref, "HEAD"))
    else:
        command = 'aiopt approve --from-ref <target> --to-ref HEAD --reason "…"'
    return [
        f"To accept the cost with a record: `{command}` on the branch, and commit `.aiopt/approvals.yaml` to "
        "it (or give each commit that changes an LLM file a `Cost-Approved:` trailer; see Overrides in the "
        "aiopt-hooks README)."
    ]


def unrepeated_reasons(result: Result) -> list[str]:
    """The verdict's reasons in words, less those that only repeat a finding already printed (each
    warning once)."""
    return verdict_reasons(result.verdict, set(result.all_findings))
