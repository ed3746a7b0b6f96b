"""The plain values that flow between stages: call specs, changes, findings, estimates, verdicts."""

from __future__ import annotations

from typing import Any, Literal, NamedTuple, TypeVar

VerdictName = Literal["pass", "warn", "approved", "block", "error"]
Level = Literal["block", "warn", "info"]
Confidence = Literal["low", "medium", "high"]
Basis = Literal["expected", "high"]
ResultKind = Literal["check", "whatif", "compare"]

# The fields of a call spec that can change cost, in the order their changes are applied.
COST_FIELDS = (
    "model",
    "provider",
    "deployments",
    "max_output_tokens",
    "prompt",
    "retries",
    "retry_policy",
    "fallbacks",
    "n",
    "reasoning_effort",
    "thinking_budget",
    "traffic",
    "context_mult",
    "output_mult",
)
# (`context_mult` and `output_mult` come only from `aiopt whatif`: no config file names them;
# `deployments`, a load-balanced group's models, is a change of the group, not of one spec.)


# Immutable records are NamedTuples (`_replace` makes a changed copy); their dict fields are never
# changed in place (a default one is shared), always rebuilt (`{**spec.fields, "model": m}`).


class CallSpec(NamedTuple):
    """What one file says about one LLM call site (a feature)."""

    file: str
    feature: str
    selector: str = ""  # dotted path inside a structured file ("" = whole file)
    fields: dict[str, Any] = {}  # normalized field name -> value
    lines: dict[str, int] = {}  # normalized field name -> 1-based line
    prompt_text: str | None = None  # static prompt text, never printed
    # field -> how its value was read, where that is an assumption (source code: a settings default);
    # a field named here but absent from `fields` is not statically known
    notes: dict[str, str] = {}


class Change(NamedTuple):
    """One cost field of one feature that differs between the old and new version of a file."""

    file: str
    feature: str
    field: str
    old: Any
    new: Any
    line: int | None = None
    spec: dict[str, Any] = {}  # the new spec's fields (old's when deleted)
    notes: tuple[str, ...] = ()


class Finding(NamedTuple):
    level: Level
    code: str
    message: str
    file: str | None = None
    line: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"level": self.level, "code": self.code, "message": self.message, "file": self.file, "line": self.line}


_R = TypeVar("_R", bound="_Mutable")


class _Mutable:
    """What `@dataclass` gave the records the estimator fills in (field-wise ==, a repr, a changed copy),
    without importing `dataclasses`: it imports `inspect`, ~8 ms of every commit's no-op check."""

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and vars(other) == vars(self)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in vars(self).items())})"

    def _replace(self: _R, **changes: Any) -> _R:
        """A copy with some fields changed (like a NamedTuple's `_replace`)."""
        unknown = sorted(set(changes) - set(vars(self)))
        if unknown:
            raise TypeError(f"{type(self).__name__} has no field {', '.join(unknown)}")
        copy = object.__new__(type(self))
        vars(copy).update(vars(self), **changes)
        return copy


class ChangeEstimate(_Mutable):
    def __init__(
        self,
        change: Change,
        requests_matched: int = 0,
        baseline_monthly_usd: float = 0.0,
        candidate_monthly_usd: float = 0.0,
        delta_monthly_usd: float = 0.0,
        delta_monthly_usd_low: float = 0.0,
        delta_monthly_usd_high: float = 0.0,
        confidence: Confidence = "high",
        notes: list[str] | None = None,
        priced: bool = True,
        unpriced_reason: str = "",  # why `priced` is False (an unpriced change is never $0)
    ) -> None:
        self.change = change
        self.requests_matched = requests_matched
        self.baseline_monthly_usd = baseline_monthly_usd
        self.candidate_monthly_usd = candidate_monthly_usd
        self.delta_monthly_usd = delta_monthly_usd
        self.delta_monthly_usd_low = delta_monthly_usd_low
        self.delta_monthly_usd_high = delta_monthly_usd_high
        self.confidence: Confidence = confidence
        self.notes: list[str] = [] if notes is None else notes
        self.priced = priced
        self.unpriced_reason = unpriced_reason

    def as_dict(self) -> dict[str, Any]:
        c = self.change

        def usd(value: float) -> float | None:
            return round(value, 2) if self.priced else None

        out = {
            "file": c.file,
            "feature": c.feature,
            "field": c.field,
            "old": c.old,
            "new": c.new,
            "requests_matched": self.requests_matched,
            "baseline_monthly_usd": usd(self.baseline_monthly_usd),
            "candidate_monthly_usd": usd(self.candidate_monthly_usd),
            "delta_monthly_usd": usd(self.delta_monthly_usd),
            "delta_monthly_usd_low": usd(self.delta_monthly_usd_low),
            "delta_monthly_usd_high": usd(self.delta_monthly_usd_high),
            "confidence": self.confidence,
            "notes": list(self.notes),
        }
        if not self.priced:
            out["unpriced_reason"] = self.unpriced_reason or "not priced"
        return out


class Estimate(_Mutable):
    """Baseline vs candidate monthly cost for one commit (or ref range)."""

    def __init__(
        self,
        baseline_paths: list[str],
        baseline_requests: int,
        window_days: float,
        month_days: float,
        baseline_monthly_usd: float,
        changes: list[ChangeEstimate] | None = None,
        findings: list[Finding] | None = None,
        notes: list[str] | None = None,
        matched: dict[str, list[tuple[str, str, str]]] | None = None,  # feature -> group keys
        head_adjustment_usd: float = 0.0,  # the log re-priced to HEAD's settings, minus the log as priced
    ) -> None:
        self.baseline_paths = baseline_paths
        self.baseline_requests = baseline_requests
        self.window_days = window_days
        self.month_days = month_days
        self.baseline_monthly_usd = baseline_monthly_usd
        self.changes: list[ChangeEstimate] = [] if changes is None else changes
        self.findings: list[Finding] = [] if findings is None else findings
        self.notes: list[str] = [] if notes is None else notes
        self.matched: dict[str, list[tuple[str, str, str]]] = {} if matched is None else matched
        self.head_adjustment_usd = head_adjustment_usd

    @property
    def unpriced(self) -> list[ChangeEstimate]:
        """Changes that could not be priced: their cost is unknown, never counted as $0."""
        return [c for c in self.changes if not c.priced]

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
        return self.baseline_monthly_usd + self.head_adjustment_usd + self.delta

    @property
    def head_monthly_usd(self) -> float:
        """The app at HEAD's settings: what the commit's delta is measured against."""
        return self.baseline_monthly_usd + self.head_adjustment_usd

    @property
    def delta_pct(self) -> float:
        if self.head_monthly_usd <= 0:
            return 0.0 if self.delta == 0 else float("inf")
        return 100.0 * self.delta / self.head_monthly_usd


class Fired(NamedTuple):
    """A threshold the figures are over: the numbers only; `render.reasons` says it in words."""

    where: str  # "policy", "features.<name>.policy", or an approval entry ("approvals.yaml:12")
    level: Literal["block", "warn"]
    key: str  # monthly_increase_usd | increase_pct | monthly_total_usd | ..._since_lock_usd | ...
    value: float  # what was compared: a monthly delta, a percentage or a candidate total (USD)
    limit: float
    basis: Basis = "expected"
    scope: str = ""  # "" = the whole app, else the feature whose own figures were compared


class Escalated(NamedTuple):
    """A finding that a feature's own policy rates higher than the global policy did."""

    finding: Finding
    where: str  # features.<name>.policy
    level: Literal["block", "warn"]


class Grant(NamedTuple):
    """An override that approves a blocked change, and where it stands."""

    source: Literal["approvals", "message_trailer", "range_trailer"]
    reason: str
    where: str = ""  # approvals.yaml:LINE, or the commit subject of a range trailer
    author: str = ""
    date: str = ""
    expires: str | None = None
    ceiling_usd: float | None = None


# Why a verdict is what it is: a finding, a fired threshold, an escalated finding, a grant, or
# (for the overrides' own problems, which carry no figure) a plain sentence.
Reason = Finding | Fired | Escalated | Grant | str


def reason_level(reason: Reason) -> str:
    """The level a reason decides at (grants and plain problems decide nothing by themselves)."""
    if isinstance(reason, (Finding, Fired, Escalated)):
        return reason.level
    return "info"


class Verdict(NamedTuple):
    verdict: VerdictName
    exit_code: int
    reasons: tuple[Reason, ...] = ()
    overridden: tuple[Reason, ...] = ()  # for `approved`: what would have blocked without the grants


class Suggestion(NamedTuple):
    """One "what would pass" candidate: a value of the changed field and the delta it would give."""

    feature: str
    field: str  # model | max_output_tokens | retries | n | prompt | traffic ...
    value: Any
    delta_monthly_usd: float | None  # the whole change's delta with this value (None: at most the limit)
    versus: Any = None  # the value proposed in the change
    versus_delta_monthly_usd: float | None = None


class ThresholdRisk(NamedTuple):
    scope: str  # "app" or a feature name
    level: str
    threshold: str
    limit: float
    probability: float


class Risk(NamedTuple):
    """P(each active threshold is crossed), from a seeded bootstrap over the baseline's days."""

    method: str
    samples: int
    seed: int
    days: int
    thresholds: tuple[ThresholdRisk, ...] = ()

    @property
    def estimated(self) -> bool:
        return self.days >= 2


class LockStatus(NamedTuple):
    """The creep guard's facts: the locked total and what the committed config adds since."""

    monthly_usd: float
    written: str
    changes: int = 0  # config changes since the lock (0: the config matches it)
    removed: int = 0
    increase_usd: float = 0.0
    low_usd: float = 0.0
    high_usd: float = 0.0


class Stage(NamedTuple):
    """Where a check runs, so a blocked result names the override that works there (render/advice.py)."""

    name: str = "command"  # pre-commit | commit-msg | pre-push | ci | command (a person's `aiopt check`)
    framework: bool = False  # run by the pre-commit framework (SKIP=<hook id>), not a plain git hook
    from_ref: str | None = None  # the checked range, when it is one
    to_ref: str | None = None


class Result(NamedTuple):
    """The one outcome every renderer shows (its lists are shared defaults: replaced, never appended to)."""

    verdict: Verdict
    estimate: Estimate | None = None  # None when nothing watched changed
    findings: list[Finding] = []
    summary_line: str = ""
    baseline_paths: list[str] = []
    suggestions: list[Suggestion] = []
    risk: Risk | None = None
    compare_rows: list[dict[str, Any]] | None = None  # a log diff's per (feature, model) rows (JSON-ready)
    lock: LockStatus | None = None
    considered: tuple[Reason, ...] = ()  # every reason the verdict was decided from, at any level
    kind: ResultKind = "check"
    stage: Stage = Stage()  # where it ran: the advice of a block (render/advice.py)

    @property
    def all_findings(self) -> list[Finding]:
        return self.findings + (self.estimate.findings if self.estimate else [])
