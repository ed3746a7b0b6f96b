"""Audited approvals: `.aiopt/approvals.yaml`, reviewed cost changes that may pass a blocking policy.

Stage: after the verdict.  An entry holds the derived changes it approves (file, feature,
field, old -> new; never unrelated lines), their fingerprint, the estimate when it was approved,
a ceiling, a reason, an author, a date and an expiry.  A blocked check whose changes are exactly
those of an entry (or, for a ref range, exactly the union of several) becomes `approved` while
the entry is unexpired and its ceiling covers the current estimate.  The file is read from the
side being committed (the index, or the `--to-ref`), so an approval only counts once it is part
of the commit: the trace is in the history.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from aiopt_hooks.config import decode_text
from aiopt_hooks.errors import AioptError
from aiopt_hooks.records import COST_FIELDS, Change, Estimate, Finding, Fired, Grant, Reason
from aiopt_hooks.stored import CURRENT, upgrade
from aiopt_hooks.verdict import APPROVALS_PATH as APPROVALS_PATH

HEADER = """\
# Cost approvals for aiopt-guard, written by `aiopt approve`; review this file in the diff like code.
# An entry lets `aiopt check` pass a blocked change whose derived changes are exactly the ones listed
# (the fingerprint is of those changes only), until `expires` and up to `max_monthly_increase_usd`.
# `aiopt approve` rewrites this file: put what a reviewer needs to know in `reason`.
"""
_REQUIRED = ("fingerprint", "changes", "reason", "author", "date")


@dataclass(frozen=True)
class Approval:
    fingerprint: str
    changes: tuple[dict[str, Any], ...]
    reason: str
    author: str
    date: str
    expires: dt.date | None = None
    max_monthly_increase_usd: float | None = None
    estimate_monthly_usd: float | None = None
    line: int | None = None

    @property
    def keys(self) -> frozenset[str]:
        return frozenset(canonical(c) for c in self.changes)

    def where(self) -> str:
        return f"{APPROVALS_PATH}:{self.line}" if self.line else APPROVALS_PATH

    def as_dict(self) -> dict[str, Any]:
        return {
            "fingerprint": self.fingerprint,
            "changes": [dict(c) for c in self.changes],
            "estimate_monthly_usd": self.estimate_monthly_usd,
            "max_monthly_increase_usd": self.max_monthly_increase_usd,
            "reason": self.reason,
            "author": self.author,
            "date": self.date,
            "expires": self.expires.isoformat() if self.expires else None,
        }


def change_key(change: Change) -> dict[str, Any]:
    """What identifies a change for an approval: where, which field, from what to what."""

    def plain(value: Any) -> Any:
        return list(value) if isinstance(value, tuple) else value

    return {
        "file": change.file,
        "feature": change.feature,
        "field": change.field,
        "old": plain(change.old),
        "new": plain(change.new),
    }


def canonical(key: dict[str, Any]) -> str:
    return json.dumps(key, sort_keys=True, default=str)


def fingerprint(keys: Any) -> str:
    text = "\n".join(sorted(canonical(k) for k in keys))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def estimate_keys(est: Estimate) -> frozenset[str]:
    return frozenset(canonical(change_key(c.change)) for c in est.changes)


# -- the file ------------------------------------------------------------------------------------


def _expiry(value: Any, line: int | None) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value if not isinstance(value, dt.datetime) else value.date()
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise AioptError(
            f"`expires` must be a date (YYYY-MM-DD) or null, got {value!r}", file=APPROVALS_PATH, line=line
        ) from None


def _entry(item: Any, index: int) -> Approval:
    if not isinstance(item, dict):
        raise AioptError(f"approval #{index + 1} must be a mapping", file=APPROVALS_PATH)
    lines = getattr(item, "lines", {})
    line = lines.get("fingerprint") or (min(lines.values()) if lines else None)
    missing = [k for k in _REQUIRED if not item.get(k)]
    changes = item.get("changes")
    if missing or not isinstance(changes, list) or not all(isinstance(c, dict) for c in changes):
        what = f"lacks {', '.join(missing)}" if missing else "needs `changes` as a list of mappings"
        raise AioptError(
            f"approval #{index + 1} {what}",
            file=APPROVALS_PATH,
            line=line,
            hint="fix the entry, or delete it and run `aiopt approve` again",
        )
    for change in changes:
        if change.get("field") not in COST_FIELDS or not {"file", "feature", "old", "new"} <= set(change):
            raise AioptError(
                f"approval #{index + 1} has a change that is not file/feature/field/old/new",
                file=APPROVALS_PATH,
                line=line,
            )
    ceiling = item.get("max_monthly_increase_usd")
    if ceiling is not None and (isinstance(ceiling, bool) or not isinstance(ceiling, (int, float))):
        raise AioptError("`max_monthly_increase_usd` must be a number or null", file=APPROVALS_PATH, line=line)
    keys = ("file", "feature", "field", "old", "new")
    return Approval(
        fingerprint=str(item["fingerprint"]),
        changes=tuple({k: c[k] for k in keys} for c in changes),
        reason=str(item["reason"]),
        author=str(item["author"]),
        date=str(item["date"]),
        expires=_expiry(item.get("expires"), line),
        max_monthly_increase_usd=None if ceiling is None else float(ceiling),
        estimate_monthly_usd=item.get("estimate_monthly_usd"),
        line=line,
    )


def parse_approvals(data: bytes) -> tuple[list[Approval], list[Finding]]:
    """The approvals in the file's bytes, and a finding per entry edited out of its fingerprint."""
    from aiopt_hooks.yamlio import load_yaml  # YAML only when the repository has approvals

    raw = load_yaml(decode_text(data, APPROVALS_PATH), APPROVALS_PATH)
    if raw is None:
        return [], []
    if isinstance(raw, dict) and "version" in raw:
        try:
            raw = upgrade("approvals", raw)
        except ValueError as exc:
            raise AioptError(
                str(exc),
                file=APPROVALS_PATH,
                hint="upgrade aiopt-hooks, or delete the file and run `aiopt approve` again",
            ) from None
    if not isinstance(raw, dict) or not isinstance(raw.get("approvals") or [], list):
        raise AioptError(
            "expected `version: 1` and a list under `approvals:`",
            file=APPROVALS_PATH,
            hint="restore the file from git, or delete it and run `aiopt approve` again",
        )
    approvals, findings = [], []
    for index, item in enumerate(raw.get("approvals") or []):
        approval = _entry(item, index)
        if fingerprint(approval.changes) != approval.fingerprint:
            findings.append(
                Finding(
                    "warn",
                    "approval_tampered",
                    "this approval's changes no longer match its fingerprint (edited by hand?): "
                    "it is ignored; run `aiopt approve` again",
                    file=APPROVALS_PATH,
                    line=approval.line,
                )
            )
            continue
        approvals.append(approval)
    return approvals, findings


def render_approvals(approvals: list[Approval]) -> str:
    import yaml

    body = yaml.safe_dump(
        {"version": CURRENT["approvals"], "approvals": [a.as_dict() for a in approvals]},
        sort_keys=False,
        default_flow_style=None,
        width=100,
        allow_unicode=True,
    )
    return HEADER + body


def with_approval(approvals: list[Approval], new: Approval) -> tuple[list[Approval], bool]:
    """The entries with `new` added, or replacing an entry of the same fingerprint (True then)."""
    replaced = any(a.fingerprint == new.fingerprint for a in approvals)
    kept = [a for a in approvals if a.fingerprint != new.fingerprint]
    return kept + [new], replaced


# -- matching ------------------------------------------------------------------------------------


def covering(approvals: list[Approval], keys: frozenset[str]) -> list[Approval]:
    """The entries that approve exactly `keys`: one entry, or several whose changes together are them."""
    exact = [a for a in approvals if a.keys == keys]
    if exact:
        valid = [a for a in exact if a.expires is None or a.expires >= dt.date.today()]
        return [(valid or exact)[-1]]
    parts = [a for a in approvals if a.keys and a.keys <= keys]
    parts = [a for a in parts if not any(a.keys < b.keys for b in parts)]  # nested ones count once
    union = frozenset().union(*(a.keys for a in parts)) if parts else frozenset()
    return parts if parts and union == keys else []


def coverage_problem(
    group: list[Approval], increase: float, today: dt.date, basis: str = "expected"
) -> tuple[str, Reason, str] | None:
    """(finding code, the reason the entries no longer cover the change, where) or None when they do."""
    for a in group:
        if a.expires is not None and a.expires < today:
            return (
                "approval_expired",
                (f"the approval at {a.where()} ({a.reason!r}, {a.author}) expired on {a.expires.isoformat()}"),
                a.where(),
            )
    ceilings = [a.max_monthly_increase_usd for a in group]
    if all(c is not None for c in ceilings):
        ceiling = sum(c for c in ceilings if c is not None)
        if increase > ceiling + 0.005:
            where = ", ".join(a.where() for a in group)
            return (
                "approval_exceeded",
                Fired(
                    where,
                    "block",
                    "max_monthly_increase_usd",
                    increase,
                    ceiling,
                    "high" if basis == "high" else "expected",
                ),
                where,
            )
    return None


def grant_of(a: Approval) -> Grant:
    return Grant(
        "approvals",
        a.reason,
        a.where(),
        a.author,
        a.date,
        a.expires.isoformat() if a.expires else None,
        a.max_monthly_increase_usd,
    )
