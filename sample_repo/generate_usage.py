"""Generate ``usage.jsonl``, the sample app's usage log, in the AIOpt aggregated dialect.

Seeded and stdlib-only, so every run writes the same file. Three weeks of traffic from
2026-10-01T00:00:00Z, about 1,500 requests a day with a diurnal and a weekly rhythm,
across the four features of ``config/llm.yaml``. Token counts are log-normal per
feature; a response longer than the feature's ``max_tokens`` is cut at the cap
(``finish_reason: "length"``). About 1.5% of requests fail first: each failed attempt is
its own row (``status: "error"``, no tokens billed), and the row that finally succeeded
carries the number of retries it took.

Run: ``python generate_usage.py`` (from anywhere; paths are relative to this file).
"""
from __future__ import annotations

import json
import math
import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
CONFIG = HERE / "config" / "llm.yaml"
OUT = HERE / "usage.jsonl"

SEED = 20261001
START = datetime(2026, 10, 1, tzinfo=timezone.utc)
DAYS = 21
REQUESTS_PER_DAY = 1450
WEEKEND_FACTOR = 0.7  # Saturday and Sunday traffic relative to a weekday
ERROR_RATE = 0.015
MONTH_DAYS = 30


@dataclass(frozen=True)
class Profile:
    share: float  # fraction of all requests
    in_median: float
    in_sigma: float
    out_median: float  # desired output length, before the max_tokens cap
    out_sigma: float
    long_share: float = 0.0  # fraction of requests drawn from a long-input tail
    long_median: float = 0.0
    max_input: int = 120_000


PROFILES = {
    "summarize": Profile(0.45, 1800, 0.50, 220, 0.45),
    "classify": Profile(0.30, 300, 0.35, 3, 0.30),
    # Long conversations: a few percent carry a big history, capped at 30k tokens.
    "support_chat": Profile(0.15, 2500, 0.45, 350, 0.55, long_share=0.04, long_median=11_000,
                            max_input=30_000),
    "extract": Profile(0.10, 6000, 0.45, 600, 0.50),
}


def read_config(path: Path) -> dict[str, dict[str, str]]:
    """Read the ``features:`` mapping of ``config/llm.yaml`` (flat two-level shape only)."""
    features: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if m := re.fullmatch(r"  (\w+):\s*", line):
            current = features.setdefault(m.group(1), {})
        elif (m := re.fullmatch(r"    (\w+):\s*(\S.*?)\s*", line)) and current is not None:
            current[m.group(1)] = m.group(2)
    return features


def hour_weights() -> list[float]:
    """Relative traffic per UTC hour: peak at 15:00, trough at 03:00 (ratio 4:1)."""
    return [1 + 0.6 * math.cos(2 * math.pi * (h - 15) / 24) for h in range(24)]


def lognormal(rng: random.Random, median: float, sigma: float) -> float:
    return rng.lognormvariate(math.log(median), sigma)


def stamp(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def generate(features: dict[str, dict[str, str]], rng: random.Random) -> list[dict[str, object]]:
    names = list(PROFILES)
    shares = [PROFILES[n].share for n in names]
    hours = hour_weights()
    weekday_factor = 7 / (5 + 2 * WEEKEND_FACTOR)  # keeps the weekly mean at REQUESTS_PER_DAY
    rows: list[tuple[datetime, int, dict[str, object]]] = []
    seq = 0
    for day in range(DAYS):
        day_start = START + timedelta(days=day)
        mean = REQUESTS_PER_DAY * weekday_factor * (WEEKEND_FACTOR if day_start.weekday() >= 5 else 1)
        count = max(0, round(rng.gauss(mean, math.sqrt(mean))))
        for _ in range(count):
            hour = rng.choices(range(24), weights=hours)[0]
            t = day_start + timedelta(hours=hour, seconds=rng.randrange(3600))
            name = rng.choices(names, weights=shares)[0]
            p, spec = PROFILES[name], features[name]
            cap = int(spec["max_tokens"])
            if rng.random() < p.long_share:
                tokens_in = lognormal(rng, p.long_median, 0.5)
            else:
                tokens_in = lognormal(rng, p.in_median, p.in_sigma)
            input_tokens = min(p.max_input, max(1, round(tokens_in)))
            wanted = max(1, round(lognormal(rng, p.out_median, p.out_sigma)))
            base = {"provider": spec["provider"], "model": spec["model"]}
            failures = (1 if rng.random() < 0.8 else 2) if rng.random() < ERROR_RATE else 0
            for attempt in range(failures):  # rate limits / 5xx: nothing is billed
                rows.append((t, seq, {**base, "input_tokens": 0, "output_tokens": 0,
                                      "feature_tag": name, "retries": attempt,
                                      "status": "error", "finish_reason": None}))
                seq += 1
                t += timedelta(seconds=rng.randint(1, 4) * 2**attempt)
            rows.append((t, seq, {**base, "input_tokens": input_tokens,
                                  "output_tokens": min(wanted, cap), "feature_tag": name,
                                  "retries": failures, "status": "ok",
                                  "finish_reason": "length" if wanted >= cap else "stop"}))
            seq += 1
    rows.sort(key=lambda r: (r[0], r[1]))
    return [{"ts": stamp(t), **row} for t, _, row in rows]


def summarize(rows: list[dict[str, object]]) -> None:
    """Rows, tokens and truncation per feature; the money is left to the product (`aiopt scan`)."""
    first = datetime.fromisoformat(str(rows[0]["ts"]).replace("Z", "+00:00"))
    last = datetime.fromisoformat(str(rows[-1]["ts"]).replace("Z", "+00:00"))
    window_days = (last - first).total_seconds() / 86400
    errors = sum(r["status"] == "error" for r in rows)
    print(f"wrote {OUT.name}: {len(rows):,} rows ({errors} failed attempts), "
          f"{OUT.stat().st_size / 1e6:.2f} MB, window {window_days:.2f} days")
    print(f"{'feature':<13} {'model':<17} {'requests':>8} {'in/req':>7} {'out/req':>7} {'capped':>7}")
    for name in PROFILES:
        ok = [r for r in rows if r["feature_tag"] == name and r["status"] == "ok"]
        tin = sum(int(str(r["input_tokens"])) for r in ok)
        tout = sum(int(str(r["output_tokens"])) for r in ok)
        capped = sum(r["finish_reason"] == "length" for r in ok) / len(ok)
        print(f"{name:<13} {str(ok[0]['model']):<17} {len(ok):>8,} {tin / len(ok):>7.0f} "
              f"{tout / len(ok):>7.0f} {capped:>7.1%}")
    print(f"monthly cost by feature: aiopt scan {OUT.name}")


def main() -> None:
    features = read_config(CONFIG)
    missing = [n for n in PROFILES if "max_tokens" not in features.get(n, {})]
    if missing:
        raise SystemExit(f"{CONFIG}: no max_tokens for feature(s) {', '.join(missing)}")
    rows = generate(features, random.Random(SEED))
    with OUT.open("w", encoding="utf-8", newline="\n") as f:
        for row in rows:
            f.write(json.dumps(row, separators=(",", ":")) + "\n")
    summarize(rows)


if __name__ == "__main__":
    main()
