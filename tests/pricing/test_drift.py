"""Tests for aiopt_hooks.pricing.drift (HEAD is the old side), .sharing (every request counts once),
.window (a robust log window) and unpriced changes (never $0).

Prices (genai-prices, USD per 1M tokens, input / output): gpt-4o-mini 0.15 / 0.60; gpt-4o 2.50 / 10.00;
gpt-4.1 2.00 / 8.00; gpt-4.1-mini 0.40 / 1.60.  Logs from `usage_rows` span 10 days: monthly = x 3.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from aiopt_hooks.baseline.read import summarize_baseline
from aiopt_hooks.config import Config
from aiopt_hooks.pricing.estimate import estimate_changes
from aiopt_hooks.pricing.prices import PriceBook, tier_thresholds
from aiopt_hooks.pricing.window import robust_window
from aiopt_hooks.records import Change, Estimate
from tests.support.repos import usage_rows, write_log


def run(tmp_path: Path, rows: list[dict[str, Any]], changes: list[Change], config: Config | None = None) -> Estimate:
    config = config or Config()
    summary = summarize_baseline([write_log(tmp_path / "usage.jsonl", rows)], tier_thresholds())
    return estimate_changes(changes, summary, config, PriceBook(config))


def change(field: str, old: Any, new: Any, feature: str = "researcher", **spec: Any) -> Change:
    return Change(file="config/llm.yaml", feature=feature, field=field, old=old, new=new, line=3, spec=spec)


def approx(value: float) -> Any:
    return pytest.approx(value, rel=1e-6, abs=1e-9)


# -- HEAD is the old side ----------------------------------------------------------------------

# 100 requests x (1,000 in, 200 out) logged on gpt-4o-mini, x 3 to a month:
#   gpt-4o-mini 0.081/mo; gpt-4.1 (1000*2 + 200*8)e-6*300 = 1.08/mo; gpt-4.1-mini 0.216/mo; gpt-4o 1.35/mo
MODEL_DRIFT = [
    pytest.param("gpt-4.1", "gpt-4.1-mini", 1.08, 0.216 - 1.08, id="price-cut-after-approval"),
    pytest.param("gpt-4.1", "gpt-4o", 1.08, 1.35 - 1.08, id="raise-from-head"),
    pytest.param("gpt-4o-mini", "gpt-4o", 0.081, 1.35 - 0.081, id="no-drift"),
]


@pytest.mark.parametrize(("head", "new", "base", "delta"), MODEL_DRIFT)
def test_model_swap_is_priced_from_head(tmp_path: Path, head: str, new: str, base: float, delta: float) -> None:
    est = run(
        tmp_path, usage_rows("researcher", "gpt-4o-mini", 100, 1000, 200), [change("model", head, new, model=new)]
    )
    (result,) = est.changes
    assert result.baseline_monthly_usd == approx(base)
    assert result.delta_monthly_usd == approx(delta)
    drift = [f for f in est.findings if f.code == "baseline_drift"]
    assert bool(drift) == (head != "gpt-4o-mini")
    if drift:
        assert "gpt-4o-mini (log) vs gpt-4.1 (HEAD)" in drift[0].message
        assert "$0.08/month as logged -> $1.08/month at HEAD" in drift[0].message
        assert est.head_adjustment_usd == approx(1.08 - 0.081)
        assert est.candidate_monthly_usd == approx(base + delta)


def test_prompt_growth_is_priced_at_heads_model(tmp_path: Path) -> None:
    # +3,000 prompt tokens on 100 requests at gpt-4o (HEAD), not the logged gpt-4o-mini:
    # 3000 * 100 * 2.5e-6 * 3 = 2.25/month (at gpt-4o-mini it would be 0.135)
    est = run(
        tmp_path, usage_rows("researcher", "gpt-4o-mini", 100, 1000, 200), [change("prompt", 500, 3500, model="gpt-4o")]
    )
    (result,) = est.changes
    assert result.delta_monthly_usd == approx(2.25)
    assert [f.code for f in est.findings] == ["baseline_drift"]


def capped_rows(cap: int) -> list[dict[str, Any]]:
    """100 requests, desired outputs 50..545: the ones above `cap` logged truncated at it."""
    rows = usage_rows("researcher", "gpt-4o", 100, 1000, lambda i: min(50 + 5 * i, cap))
    for row in rows:
        if row["output_tokens"] == cap:
            row["finish_reason"] = "length"
    return rows


def test_cap_raise_after_log_era_cap_says_heads_cap(tmp_path: Path) -> None:
    # The log ran under a cap of 128 (84 requests truncated); HEAD says 512; the commit raises it to 1024.
    rows = capped_rows(128)
    est = run(tmp_path, rows, [change("max_output_tokens", 512, 1024, model="gpt-4o")])
    (result,) = est.changes
    drift = [f for f in est.findings if f.code == "baseline_drift"]
    assert drift and "output cap 128 (log) vs 512 (HEAD)" in drift[0].message
    assert result.confidence == "medium"
    notes = " ".join(result.notes)
    assert "hit the log-era cap of 128" in notes and "HEAD's cap of 512" in notes
    # The HEAD-adjusted baseline already grew the truncated requests towards 512: the raise to 1024
    # adds only what lies between, so it costs less than raising the log's own 128 to 1024.
    direct = run(tmp_path, rows, [change("max_output_tokens", 128, 1024, model="gpt-4o")]).changes[0]
    assert 0 <= result.delta_monthly_usd < direct.delta_monthly_usd
    # high: the 84 truncated requests grow from HEAD's 512 to 1,024 (10e-6 x 3 a token-month)
    assert result.delta_monthly_usd_high == approx(84 * 512 * 10e-6 * 3)


def test_head_lowered_cap_cuts_the_baseline(tmp_path: Path) -> None:
    # Outputs 50..545 logged uncapped; HEAD caps at 300; the commit raises it to 600: every output
    # 300..545 comes back.  Sum over outputs above 300 of (out - 300) at 10e-6 x 3.
    rows = usage_rows("researcher", "gpt-4o", 100, 1000, lambda i: 50 + 5 * i)
    est = run(tmp_path, rows, [change("max_output_tokens", 300, 600, model="gpt-4o")])
    (result,) = est.changes
    extra = sum(50 + 5 * i - 300 for i in range(100) if 50 + 5 * i > 300)
    assert result.delta_monthly_usd == approx(extra * 10e-6 * 3)
    assert any(f.code == "baseline_drift" for f in est.findings)


def test_unknown_head_model_keeps_the_logged_baseline(tmp_path: Path) -> None:
    est = run(
        tmp_path,
        usage_rows("researcher", "gpt-4o-mini", 100, 1000, 200),
        [change("model", "my-house-model", "gpt-4o", model="gpt-4o")],
    )
    (result,) = est.changes
    assert result.baseline_monthly_usd == approx(0.081)
    assert any("HEAD's model 'my-house-model' has no known price" in n for n in result.notes)


# -- every request counts once -----------------------------------------------------------------

SHARED = [pytest.param(1, id="one-feature"), pytest.param(2, id="two-features"), pytest.param(5, id="five")]


@pytest.mark.parametrize("n", SHARED)
def test_untagged_traffic_is_shared(tmp_path: Path, n: int) -> None:
    # 100 untagged gpt-4o-mini requests; n features fall back to them, all moving to gpt-4o:
    # together they re-price those requests once, 1.35 - 0.081 = 1.269/month.
    rows = usage_rows("", "gpt-4o-mini", 100, 1000, 200)
    changes = [change("model", "gpt-4o-mini", "gpt-4o", feature=f"f{i}", model="gpt-4o") for i in range(n)]
    est = run(tmp_path, rows, changes)
    assert est.delta == approx(1.269)
    for result in est.changes:
        assert result.delta_monthly_usd == approx(1.269 / n)
        if n > 1:
            assert result.delta_monthly_usd_low == approx(0.5 * 1.269 / n)
            assert result.delta_monthly_usd_high == approx(min(1.5 / n, 1.0) * 1.269)
            assert any("also claimed by other features" in note for note in result.notes)


def test_fallback_leaves_other_features_tagged_requests(tmp_path: Path) -> None:
    # `summarize` has its own tagged traffic on gpt-4o-mini; `draft` (untagged) must not claim it.
    rows = usage_rows("summarize", "gpt-4o-mini", 100, 1000, 200) + usage_rows("", "gpt-4o-mini", 100, 1000, 200)
    est = run(
        tmp_path,
        rows,
        [
            change("model", "gpt-4o-mini", "gpt-4o", feature="draft", model="gpt-4o"),
            change("model", "gpt-4o-mini", "gpt-4o", feature="summarize", model="gpt-4o"),
        ],
    )
    assert [c.requests_matched for c in est.changes] == [100, 100]
    assert est.delta == approx(2 * 1.269)


# -- a robust window ---------------------------------------------------------------------------

STRAY = [
    pytest.param("2099-01-01T00:00:00Z", id="future-dated"),
    pytest.param("1970-01-01T00:00:00Z", id="epoch-0"),
]


@pytest.mark.parametrize("ts", STRAY)
def test_stray_timestamp_is_left_out_of_the_window(tmp_path: Path, ts: str) -> None:
    rows = usage_rows("researcher", "gpt-4o", 100, 1000, 200)
    rows.append({**rows[0], "ts": ts})
    est = run(tmp_path, rows, [change("model", "gpt-4o", "gpt-4o-mini", model="gpt-4o-mini")])
    assert est.window_days == pytest.approx(10.0, abs=0.15)  # day-granular edges
    (finding,) = [f for f in est.findings if f.code == "window_outliers"]
    assert "1 log row(s)" in finding.message and ts[:10] in finding.message
    # 101 requests (the stray one still billed) over 10 days: (0.0045 - 0.00027) x 101 x 3
    assert est.changes[0].delta_monthly_usd == pytest.approx(-(0.0045 - 0.00027) * 101 * 3, rel=0.02)


def test_clean_log_keeps_its_exact_window(tmp_path: Path) -> None:
    rows = usage_rows("researcher", "gpt-4o", 100, 1000, 200, days=7.5)
    summary = summarize_baseline([write_log(tmp_path / "usage.jsonl", rows)], tier_thresholds())
    assert robust_window(summary) == (pytest.approx(7.5), None)


# -- unpriced is explicit ----------------------------------------------------------------------

UNPRICED = [
    pytest.param(
        [change("model", "gpt-4o", "gpt-9-imaginary", model="gpt-9-imaginary")], "unknown model", id="unknown-model"
    ),
    pytest.param(
        [change("model", "gpt-4o", "gpt-4o-mini", feature="nobody", model="gpt-4o-mini")],
        "no baseline request matches feature 'nobody'",
        id="unmatched",
    ),
]


@pytest.mark.parametrize(("changes", "reason"), UNPRICED)
def test_unpriced_change_has_null_money_and_a_reason(tmp_path: Path, changes: list[Change], reason: str) -> None:
    rows = usage_rows("researcher", "gpt-4o-mini", 100, 1000, 200, provider="anthropic")
    est = run(tmp_path, rows, changes)
    (result,) = est.changes
    data = result.as_dict()
    assert not result.priced and est.unpriced == [result]
    assert data["delta_monthly_usd"] is None and data["delta_monthly_usd_low"] is None
    assert data["candidate_monthly_usd"] is None
    assert reason in data["unpriced_reason"]


def test_unpriced_reads_unpriced_in_the_text_report(app: Any, capsys: pytest.CaptureFixture[str]) -> None:
    from aiopt_hooks.cli import main
    from tests.support.repos import swap_model

    swap_model(app, "gpt-4o-mnii")  # an unknown model: blocked, and not priced
    assert main(["check"]) == 1
    out = capsys.readouterr().out
    headline = out.splitlines()[0]
    assert "unpriced (unknown model 'gpt-4o-mnii'" in headline and "$0.00" not in headline
    assert "| unpriced" in out or " unpriced " in out
    assert "Risk: unpriced" in out or "P(" not in out
    assert "summarize model: unknown model" in out


def test_heads_reasoning_model_is_in_the_adjusted_baseline(tmp_path: Path) -> None:
    # The log shows gpt-4o-mini (1,000 in, 330 out); HEAD runs gpt-5-mini, which reasons (prior: medium);
    # the commit moves to gpt-4.1-mini: 0.000928/request -> 0.2784/month.  HEAD-adjusted baseline:
    # gpt-5-mini 0.273/month plus 330 r x 2e-6 x 300 for r in the prior (0.7, 2.5, 8).
    from aiopt_hooks.pricing.reasoning import PRIORS

    est = run(
        tmp_path,
        usage_rows("researcher", "gpt-4o-mini", 100, 1000, 330),
        [change("model", "gpt-5-mini", "gpt-4.1-mini", model="gpt-4.1-mini")],
    )
    (result,) = est.changes
    deltas = [0.2784 - (0.273 + 0.198 * r) for r in PRIORS["medium"]]
    assert (result.delta_monthly_usd_low, result.delta_monthly_usd, result.delta_monthly_usd_high) == (
        approx(min(deltas)),
        approx(deltas[1]),
        approx(max(deltas)),
    )
    assert result.confidence != "high"
    assert any("HEAD-adjusted baseline: gpt-5-mini reasons" in n for n in result.notes)


def test_unpriced_json_has_no_probability(app: Any, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from aiopt_hooks.cli import main
    from tests.support.repos import swap_model

    swap_model(app, "gpt-4o-mnii")
    main(["check", "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert data["delta"]["monthly_usd"] is None and data["delta"]["unpriced"][0]["feature"] == "summarize"
    risk = data["risk"]
    assert not risk or (all(t["probability"] is None for t in risk["thresholds"]) and "unpriced" in risk["note"])


def test_price_cut_after_an_approval_passes(app: Any, capsys: pytest.CaptureFixture[str]) -> None:
    """HEAD runs gpt-4.1 (approved, the log still shows gpt-4o-mini); moving to gpt-4.1-mini is a cut:
    it passes, its percentage and its risk are measured against the app at HEAD's settings."""
    import json

    from aiopt_hooks.cli import main
    from tests.support.repos import edit

    edit(app, "config/llm.yaml", "model: gpt-4o-mini", "model: gpt-4.1")
    app.commit("approved swap")
    edit(app, "config/llm.yaml", "model: gpt-4.1", "model: gpt-4.1-mini")
    assert main(["check", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["verdict"] == "pass" and data["delta"]["monthly_usd"] < 0
    head_app = data["candidate"]["monthly_usd"] - data["delta"]["monthly_usd"]
    assert head_app > data["baseline"]["monthly_usd"]
    assert data["delta"]["pct"] == pytest.approx(100 * data["delta"]["monthly_usd"] / head_app, abs=0.05)
    assert all(t["probability"] == 0 for t in data["risk"]["thresholds"])
    assert any(f["code"] == "baseline_drift" for f in data["findings"])


def test_prompt_changed_since_the_log_is_in_the_adjusted_baseline(
    repo: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The log (March) was recorded with a short prompt; a longer one was committed in April (HEAD);
    a model swap is priced on HEAD's prompt, and the drift is a finding."""
    import json

    from aiopt_hooks.cli import main
    from aiopt_hooks.extract.tokens import count_tokens, static_text

    short, long = "Summarize the text.\n", "Summarize the text.\n" + "Keep every figure exactly. " * 60 + "\n"
    write_log(repo.path / "usage.jsonl", usage_rows("summarize", "gpt-4o-mini", 2000, 1000, 200))
    repo.write(
        "config/llm.yaml", "features:\n  summarize:\n    model: gpt-4o-mini\n    prompt: prompts/summarize.txt\n"
    )
    repo.write("prompts/summarize.txt", short)
    repo.stage()
    repo.git("commit", "-q", "--no-verify", "-m", "v1", env={"GIT_COMMITTER_DATE": "2026-02-01T00:00:00Z"})
    repo.write("prompts/summarize.txt", long)
    repo.stage()
    repo.git("commit", "-q", "--no-verify", "-m", "v2", env={"GIT_COMMITTER_DATE": "2026-04-01T00:00:00Z"})
    repo.write("config/llm.yaml", "features:\n  summarize:\n    model: gpt-4o\n    prompt: prompts/summarize.txt\n")
    repo.stage()
    monkeypatch.chdir(repo.path)
    main(["check", "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    grown = count_tokens(static_text(long)[0], "gpt-4o-mini").tokens - count_tokens(static_text(short)[0]).tokens
    (change_row,) = data["changes"]
    # 2,000 requests of (1,000 + grown) input and 200 output at gpt-4o-mini, x 3 a month
    assert grown > 300
    assert change_row["baseline_monthly_usd"] == pytest.approx(
        ((1000 + grown) * 0.15e-6 + 200 * 0.6e-6) * 6000, abs=0.006
    )
    (drift,) = [f for f in data["findings"] if f["code"] == "baseline_drift"]
    assert f"vs {count_tokens(static_text(long)[0]).tokens:,} (HEAD)" in drift["message"]
    assert change_row["confidence"] == "medium"
