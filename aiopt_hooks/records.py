"""The plain values that flow between stages: call specs, changes, findings, estimates, verdicts."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, NamedTuple

# The fields of a call spec that can change cost, in the order their changes are applied.
COST_FIELDS = ("model", "provider", "max_output_tokens", "prompt", "retries", "fallbacks", "n",
               "reasoning_effort", "thinking_budget", "traffic", "context_mult", "output_mult")
# (`context_mult` and `output_mult` come only from `aiopt whatif`: no config file names them.)


@dataclass(frozen=True)
class CallSpec:
    """What one file says about one LLM call site (a feature)."""

    file: str
    feature: str
    selector: str = ""                           # dotted path inside a structured file ("" = whole file)
    fields: dict[str, Any] = field(default_factory=dict)   # normalized field name -> value
    lines: dict[str, int] = field(default_factory=dict)    # normalized field name -> 1-based line
    prompt_text: str | None = None               # static prompt text, never printed


@dataclass(frozen=True)
class Change:
    """One cost field of one feature that differs between the old and new version of a file."""

    file: str
    feature: str
    field: str
    old: Any
    new: Any
    line: int | None = None
    spec: dict[str, Any] = dataclasses.field(default_factory=dict)   # the new spec's fields (old's when deleted)
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Finding:
    level: str            # block | warn | info
    code: str
    message: str
    file: str | None = None
    line: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"level": self.level, "code": self.code, "message": self.message,
                "file": self.file, "line": self.line}


@dataclass
class ChangeEstimate:
    change: Change
    requests_matched: int = 0
    baseline_monthly_usd: float = 0.0
    candidate_monthly_usd: float = 0.0
    delta_monthly_usd: float = 0.0
    delta_monthly_usd_low: float = 0.0
    delta_monthly_usd_high: float = 0.0
    confidence: str = "high"
    notes: list[str] = field(default_factory=list)
    priced: bool = True

    def as_dict(self) -> dict[str, Any]:
        c = self.change
        return {"file": c.file, "feature": c.feature, "field": c.field, "old": c.old, "new": c.new,
                "requests_matched": self.requests_matched,
                "baseline_monthly_usd": round(self.baseline_monthly_usd, 2),
                "candidate_monthly_usd": round(self.candidate_monthly_usd, 2),
                "delta_monthly_usd": round(self.delta_monthly_usd, 2),
                "delta_monthly_usd_low": round(self.delta_monthly_usd_low, 2),
                "delta_monthly_usd_high": round(self.delta_monthly_usd_high, 2),
                "confidence": self.confidence, "notes": list(self.notes)}


@dataclass
class Estimate:
    """Baseline vs candidate monthly cost for one commit (or ref range)."""

    baseline_paths: list[str]
    baseline_requests: int
    window_days: float
    month_days: float
    baseline_monthly_usd: float
    changes: list[ChangeEstimate] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    matched: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)   # feature -> group keys

    @property
    def delta(self) -> float:
        return sum(c.delta_monthly_usd for c in self.changes)

    @property
    def delta_low(self) -> float:
        return sum(c.delta_monthly_usd_low for c in self.changes)

    @property
    def delta_high(self) -> float:
        return sum(c.delta_monthly_usd_high for c in self.changes)

    @property
    def candidate_monthly_usd(self) -> float:
        return self.baseline_monthly_usd + self.delta

    @property
    def delta_pct(self) -> float:
        if self.baseline_monthly_usd <= 0:
            return 0.0 if self.delta == 0 else float("inf")
        return 100.0 * self.delta / self.baseline_monthly_usd


@dataclass(frozen=True)
class Verdict:
    verdict: str          # pass | warn | approved | block | error
    exit_code: int
    reasons: tuple[str, ...] = ()


class Stage(NamedTuple):
    """Where a check runs, so a blocked result names the override that works there (render/advice.py)."""

    name: str = "command"          # pre-commit | commit-msg | pre-push | ci | command (a person's `aiopt check`)
    framework: bool = False        # run by the pre-commit framework (SKIP=<hook id>), not a plain git hook
    from_ref: str | None = None    # the checked range, when it is one
    to_ref: str | None = None


@dataclass
class Result:
    verdict: Verdict
    estimate: Estimate | None = None          # None when nothing watched changed
    findings: list[Finding] = field(default_factory=list)
    summary_line: str = ""
    baseline_paths: list[str] = field(default_factory=list)
    suggestions: list[dict[str, Any]] = field(default_factory=list)
    risk: dict[str, Any] = field(default_factory=dict)          # aiopt_hooks.pricing.risk: P(over each threshold)
    sections: dict[str, Any] = field(default_factory=dict)      # extra JSON sections (e.g. `compare`)
    kind: str = "check"                                         # check | whatif | compare: the wording
    stage: Stage = Stage()                                      # where it ran: the advice of a block

    @property
    def all_findings(self) -> list[Finding]:
        return self.findings + (self.estimate.findings if self.estimate else [])
