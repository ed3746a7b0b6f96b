"""Baseline summary types: one request as the log dialects read it, and the summary the estimator
prices (per (feature, provider, model), exact counts per (input tier class, output tokens, truncated)).

Requests are kept as exact counts per (input tier class, output tokens, truncated): the tier class
says which price tier any model applies (tier thresholds come from the price data), and exact
output values make cap changes exact.  So every request is still priced on its own tokens,
never on summed tokens, while the summary stays small.  The stored form (`summary_to_dict`) is
versioned; `summary_from_dict` reads every earlier version still supported.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

from aiopt_hooks.stored import CURRENT, upgrade


class Request(NamedTuple):
    """One billed LLM request (or attempt), tokens split by price class."""

    ts: float | None  # epoch seconds, UTC
    provider: str
    model: str
    feature: str  # "" when the row has no feature tag
    input: int  # all prompt tokens, cached ones included
    cached: int  # cache reads (a subset of input)
    cache_write: int  # cache writes (a subset of input)
    output: int  # all output tokens, reasoning included
    reasoning: int  # a subset of output
    ok: bool
    retries: int
    truncated: bool  # finish_reason says the output cap cut it
    cost: float | None  # the cost the log itself states, if any
    cache_write_1h: int = 0  # 1-hour cache writes (a subset of cache_write; Anthropic prices them apart)
    user: str = ""  # an end-user id: only counted (distinct users), never stored or printed
    # An aggregated row (a provider's usage bucket): `requests` requests whose token fields above are
    # sums, over the bucket [ts, end).  A plain request row has requests=1 and no end; 0 = a bucket
    # whose request count the source does not give (an Anthropic usage report).
    requests: int = 1
    end: float | None = None
    tier: str = ""  # service tier when not the standard one: "batch", "flex" or "priority"
    min_input: int = 0  # a lower bound on each request's input the source states (a long-context bucket)


# (tier class, output tokens, truncated) -> [count, input, cached, cache_write, reasoning] sums
Cells = dict[tuple[int, int, bool], list[float]]
# service tier -> [count, input, cached, cache_write, output, reasoning] sums of its requests
Tiers = dict[str, list[float]]
TIERS = ("batch", "flex", "priority")
# UTC day (days since the epoch) -> [count, input, cached, cache_write, output, reasoning] sums:
# the daily trend and the risk bootstrap, per day rather than per request.
Days = dict[int, list[float]]
MAX_BAD_LINES = 5
MAX_TRACKED_USERS = 100_000  # keeps memory bounded on logs with millions of end users


@dataclass
class Group:
    feature: str
    provider: str
    model: str
    requests: int = 0
    failed: int = 0
    retries: int = 0
    stated_cost: float = 0.0
    stated_cost_rows: int = 0
    cells: Cells = field(default_factory=dict)
    days: Days = field(default_factory=dict)
    failed_tokens: list[float] = field(default_factory=lambda: [0.0] * 5)  # failed rows' input, cached,
    # cache_write, output, reasoning sums
    max_input: int = 0  # the largest request (against a new model's context window)
    cache_write_1h: float = 0.0  # 1-hour cache writes, a part of the cells' cache writes (Anthropic)
    tiers: Tiers = field(default_factory=dict)  # requests billed at a batch / flex / priority tier (a part of cells)
    _totals: dict[int, tuple[float, ...]] | None = field(default=None, init=False, repr=False, compare=False)

    def class_totals(self) -> dict[int, tuple[float, ...]]:
        """klass -> (count, input, cached, cache_write, output, reasoning) sums: enough to price
        the group exactly while no output cap changes (computed once; cells must not change after)."""
        if self._totals is not None:
            return self._totals
        totals: dict[int, list[float]] = {}
        for (klass, out, _), (count, s_in, s_cached, s_write, s_reason) in self.cells.items():
            t = totals.setdefault(klass, [0.0] * 6)
            t[0] += count
            t[1] += s_in
            t[2] += s_cached
            t[3] += s_write
            t[4] += out * count
            t[5] += s_reason
        self._totals = {k: tuple(v) for k, v in totals.items()}
        return self._totals


@dataclass
class BaselineSummary:
    paths: list[str]
    thresholds: tuple[int, ...]
    groups: dict[tuple[str, str, str], Group] = field(default_factory=dict)
    requests: int = 0
    untagged: int = 0
    bad_rows: int = 0
    bad_lines: list[str] = field(default_factory=list)
    first_ts: float | None = None
    last_ts: float | None = None
    duplicates: int = 0  # rows repeating a request id (aiopt_hooks.baseline.dedupe)
    duplicate_lines: list[str] = field(default_factory=list)
    users: int = 0  # distinct end-user ids (per log; summed across logs; at most MAX_TRACKED_USERS)
    notes: list[str] = field(default_factory=list)  # how the files were read (a log named twice); not stored
    # Aggregated baselines (provider usage buckets): how many bucket rows were read, the narrowest
    # bucket width in seconds, and how many rows gave no request count (an Anthropic usage report).
    buckets: int = 0
    bucket_seconds: float = 0.0
    uncounted_rows: int = 0
    # A provider cost report read beside the usage: [start, end, USD] per billed bucket
    reported: list[list[float]] = field(default_factory=list)
    _seen_users: set[str] = field(default_factory=set, repr=False, compare=False)

    @property
    def span_days(self) -> float:
        if self.first_ts is None or self.last_ts is None:
            return 0.0
        return (self.last_ts - self.first_ts) / 86400.0

    @property
    def aggregated(self) -> bool:
        return self.buckets > 0

    def bucket_label(self) -> str:
        """ "daily buckets", "hourly buckets"... for the basis line of an aggregated baseline."""
        width = self.bucket_seconds
        for seconds, word in ((60, "minute"), (3600, "hourly"), (86400, "daily"), (7 * 86400, "weekly")):
            if width and abs(width - seconds) <= seconds * 0.01:
                return f"{word} buckets"
        if width >= 28 * 86400:
            return "monthly buckets"
        return f"{width / 3600:g}-hour buckets" if width else "buckets"

    def add(self, req: Request) -> None:
        key = (req.feature, req.provider, req.model)
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = Group(req.feature, req.provider, req.model)
        if req.requests != 1 or req.end is not None or req.tier:
            self._add_many(group, req)
            return
        group.requests += 1
        group.failed += not req.ok
        group.retries += req.retries
        if req.cost is not None:
            group.stated_cost += req.cost
            group.stated_cost_rows += 1
        if req.input > group.max_input:
            group.max_input = req.input
        if req.cache_write_1h:
            group.cache_write_1h += req.cache_write_1h
        cell_key = (bisect.bisect_left(self.thresholds, req.input), req.output, req.truncated)
        cell = group.cells.get(cell_key)
        if cell is None:
            group.cells[cell_key] = [1, req.input, req.cached, req.cache_write, min(req.reasoning, req.output)]
        else:
            cell[0] += 1
            cell[1] += req.input
            cell[2] += req.cached
            cell[3] += req.cache_write
            cell[4] += min(req.reasoning, req.output)
        if not req.ok:
            add_sums(
                group.failed_tokens,
                (req.input, req.cached, req.cache_write, req.output, min(req.reasoning, req.output)),
            )
        self.requests += 1
        self.untagged += not req.feature
        if req.user and len(self._seen_users) < MAX_TRACKED_USERS and req.user not in self._seen_users:
            self._seen_users.add(req.user)  # bounded: past the cap the count is a lower bound
            self.users += 1
        if req.ts is not None:
            day = group.days.get(int(req.ts // 86400))
            if day is None:
                group.days[int(req.ts // 86400)] = [
                    1,
                    req.input,
                    req.cached,
                    req.cache_write,
                    req.output,
                    min(req.reasoning, req.output),
                ]
            else:
                day[0] += 1
                day[1] += req.input
                day[2] += req.cached
                day[3] += req.cache_write
                day[4] += req.output
                day[5] += min(req.reasoning, req.output)
            if self.first_ts is None or req.ts < self.first_ts:
                self.first_ts = req.ts
            if self.last_ts is None or req.ts > self.last_ts:
                self.last_ts = req.ts

    def _add_many(self, group: Group, req: Request) -> None:
        """A row standing for `req.requests` requests (token fields are their sums), or one request
        billed at a non-standard tier.  Output per request is not known inside a bucket: the
        bucket's requests go to the two cells around the mean output (floor and ceiling), so the
        output sum stays exact; the tier class is the mean input's."""
        n = req.requests or 1  # 0: the row gives no request count (counted as one, and said so)
        if n < 1:
            raise ValueError(f"a usage bucket with {n} requests")
        if req.requests == 0:
            self.uncounted_rows += 1
        reasoning = min(req.reasoning, req.output)
        group.requests += n
        group.failed += 0 if req.ok else n
        group.retries += req.retries
        if req.cost is not None:
            group.stated_cost += req.cost
            group.stated_cost_rows += n
        group.max_input = max(group.max_input, -(-req.input // n))
        group.cache_write_1h += req.cache_write_1h
        klass = bisect.bisect_left(self.thresholds, max(req.input / n if req.requests else 0, req.min_input))
        low, high_count = divmod(req.output, n)
        for out, k in ((low, n - high_count), (low + 1, high_count)):
            if not k:
                continue
            share = k / n
            add_sums(
                group.cells.setdefault((klass, out, req.truncated), [0.0] * 5),
                (k, req.input * share, req.cached * share, req.cache_write * share, reasoning * share),
            )
        sums = (n, req.input, req.cached, req.cache_write, req.output, reasoning)
        if not req.ok:
            add_sums(group.failed_tokens, sums[1:])
        if req.tier:
            add_sums(group.tiers.setdefault(req.tier, [0.0] * 6), sums)
        self.requests += n
        self.untagged += 0 if req.feature else n
        if req.end is not None:
            self.buckets += 1
            width = req.end - req.ts if req.ts is not None else 0.0
            if width > 0 and (not self.bucket_seconds or width < self.bucket_seconds):
                self.bucket_seconds = width
        if req.ts is not None:
            add_sums(group.days.setdefault(int(req.ts // 86400), [0.0] * 6), sums)
            last = req.end if req.end is not None else req.ts
            self.first_ts = req.ts if self.first_ts is None else min(self.first_ts, req.ts)
            self.last_ts = last if self.last_ts is None else max(self.last_ts, last)


def add_sums(target: list[float], values: Sequence[float]) -> None:
    for i, v in enumerate(values):
        target[i] += v


def _merge_group(target: Group, other: Group) -> None:
    """Add `other`'s counts, days and failed sums into `target` (cells are merged by the caller)."""
    target.requests += other.requests
    target.failed += other.failed
    target.retries += other.retries
    target.stated_cost += other.stated_cost
    target.stated_cost_rows += other.stated_cost_rows
    add_sums(target.failed_tokens, other.failed_tokens)
    target.max_input = max(target.max_input, other.max_input)
    target.cache_write_1h += other.cache_write_1h
    for tier, sums in other.tiers.items():
        add_sums(target.tiers.setdefault(tier, [0.0] * 6), sums)
    for day, values in other.days.items():
        add_sums(target.days.setdefault(day, [0.0] * 6), values)


SUMMARY_VERSION = CURRENT["summary"]  # 4: buckets, service tiers, reported costs (see aiopt_hooks.stored)


def summary_to_dict(summary: BaselineSummary) -> dict[str, object]:
    """The versioned, JSON-ready form of a summary (cache files and summary files)."""
    return {
        "aiopt_summary": SUMMARY_VERSION,
        "paths": summary.paths,
        "thresholds": list(summary.thresholds),
        "requests": summary.requests,
        "untagged": summary.untagged,
        "bad_rows": summary.bad_rows,
        "bad_lines": summary.bad_lines,
        "first_ts": summary.first_ts,
        "last_ts": summary.last_ts,
        "duplicates": summary.duplicates,
        "duplicate_lines": summary.duplicate_lines,
        "users": summary.users,
        "groups": [
            {
                "feature": g.feature,
                "provider": g.provider,
                "model": g.model,
                "requests": g.requests,
                "failed": g.failed,
                "retries": g.retries,
                "stated_cost": g.stated_cost,
                "stated_cost_rows": g.stated_cost_rows,
                "cells": [[k, o, int(t), *v] for (k, o, t), v in g.cells.items()],
                "days": [[d, *v] for d, v in sorted(g.days.items())],
                "failed_tokens": g.failed_tokens,
                "max_input": g.max_input,
                "cache_write_1h": g.cache_write_1h,
                **({"tiers": g.tiers} if g.tiers else {}),
            }
            for g in summary.groups.values()
        ],
        **(
            {
                "buckets": summary.buckets,
                "bucket_seconds": summary.bucket_seconds,
                "uncounted_rows": summary.uncounted_rows,
            }
            if summary.buckets or summary.uncounted_rows
            else {}
        ),
        **({"reported": summary.reported} if summary.reported else {}),
    }


def summary_from_dict(data: dict[str, Any]) -> BaselineSummary:
    """Inverse of `summary_to_dict`; raises ValueError/KeyError/TypeError on a malformed document."""
    data = upgrade("summary", data)
    summary = BaselineSummary(
        paths=list(data["paths"]),
        thresholds=tuple(data["thresholds"]),
        requests=int(data["requests"]),
        untagged=int(data["untagged"]),
        bad_rows=int(data["bad_rows"]),
        bad_lines=list(data["bad_lines"]),
        first_ts=data["first_ts"],
        last_ts=data["last_ts"],
        users=int(data.get("users", 0)),
        duplicates=int(data.get("duplicates", 0)),
        duplicate_lines=[str(x) for x in data.get("duplicate_lines", [])],
        buckets=int(data.get("buckets", 0)),
        bucket_seconds=float(data.get("bucket_seconds", 0.0)),
        uncounted_rows=int(data.get("uncounted_rows", 0)),
        reported=[[float(x) for x in span][:3] for span in data.get("reported", [])],
    )
    for g in data["groups"]:
        group = Group(
            g["feature"],
            g["provider"],
            g["model"],
            int(g["requests"]),
            int(g["failed"]),
            int(g["retries"]),
            float(g["stated_cost"]),
            int(g["stated_cost_rows"]),
        )
        group.cells = {(int(c[0]), int(c[1]), bool(c[2])): [float(x) for x in c[3:8]] for c in g["cells"]}
        group.days = {int(d[0]): [float(x) for x in d[1:7]] for d in g.get("days", ())}
        group.failed_tokens = [float(x) for x in g.get("failed_tokens", [0.0] * 5)]
        group.max_input = int(g.get("max_input", 0))
        group.cache_write_1h = float(g.get("cache_write_1h", 0.0))
        group.tiers = {
            str(t): [float(x) for x in v][:6]
            for t, v in dict(g.get("tiers") or {}).items()
            if t in TIERS and len(v) == 6
        }
        summary.groups[(group.feature, group.provider, group.model)] = group
    return summary


def rebucket(summary: BaselineSummary, thresholds: tuple[int, ...]) -> BaselineSummary:
    """The same summary on other tier thresholds: each cell moves to the class of its mean input
    (exact unless a new threshold falls inside a cell's input range)."""
    if tuple(summary.thresholds) == tuple(thresholds):
        return summary
    out = replace(summary, thresholds=tuple(thresholds), groups={})  # every other field as it is
    for key, g in summary.groups.items():
        group = out.groups[key] = Group(g.feature, g.provider, g.model)
        _merge_group(group, g)
        for (_, o, t), values in g.cells.items():
            klass = bisect.bisect_left(thresholds, values[1] / values[0] if values[0] else 0)
            add_sums(group.cells.setdefault((klass, o, t), [0.0] * 5), values)
    return out


def merge_into(target: BaselineSummary, other: BaselineSummary) -> None:
    """Add `other` (same thresholds) into `target`."""
    if tuple(other.thresholds) != tuple(target.thresholds):
        raise ValueError("summaries with different tier thresholds")
    for key, g in other.groups.items():
        mine = target.groups.setdefault(key, Group(g.feature, g.provider, g.model))
        _merge_group(mine, g)
        for cell_key, values in g.cells.items():
            add_sums(mine.cells.setdefault(cell_key, [0.0] * 5), values)
    target.requests += other.requests
    target.buckets += other.buckets
    target.uncounted_rows += other.uncounted_rows
    target.reported.extend(other.reported)
    if other.bucket_seconds and (not target.bucket_seconds or other.bucket_seconds < target.bucket_seconds):
        target.bucket_seconds = other.bucket_seconds
    target.users += other.users
    target.untagged += other.untagged
    target.bad_rows += other.bad_rows
    target.bad_lines.extend(other.bad_lines[: MAX_BAD_LINES - len(target.bad_lines)])
    target.duplicates += other.duplicates
    target.duplicate_lines.extend(other.duplicate_lines[: MAX_BAD_LINES - len(target.duplicate_lines)])
    for ts in (other.first_ts, other.last_ts):
        if ts is not None:
            target.first_ts = ts if target.first_ts is None else min(target.first_ts, ts)
            target.last_ts = ts if target.last_ts is None else max(target.last_ts, ts)
