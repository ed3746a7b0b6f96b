"""Tests for aiopt_hooks.pricing.prices: model references, resolution, overrides, and per-request rates that
agree with genai-prices' own `calc_price`."""

from __future__ import annotations

import bisect

import pytest
from genai_prices import Usage, calc_price

from aiopt_hooks.baseline.model import Group
from aiopt_hooks.config import Config
from aiopt_hooks.pricing.groupcost import State, group_cost
from aiopt_hooks.pricing.prices import MTOK, PriceBook, UnknownModel, split_ref, tier_thresholds

PRICES = {
    "my-finetune": {"input": 3.0, "output": 12.0, "cached_input": 0.3},
    "llama3:8b": {"input": 0.0, "output": 0.0},
}
ALIASES = {"default": "openai/gpt-4o-mini", "fast": "my-finetune", "deploy-prod": "azure/gpt-4o"}


@pytest.fixture(scope="module")
def book() -> PriceBook:
    return PriceBook(Config())


@pytest.fixture(scope="module")
def custom_book() -> PriceBook:
    return PriceBook(Config(prices=PRICES, aliases=ALIASES))


# -- split_ref -----------------------------------------------------------------------------------

SPLIT = [
    pytest.param("openai/gpt-4o", None, ("openai", "gpt-4o"), id="provider-slash"),
    pytest.param("openai:chat:gpt-4o-mini", None, ("openai", "gpt-4o-mini"), id="promptfoo-colons"),
    pytest.param("openai:chat:openai/gpt-5.4", None, ("openai", "gpt-5.4"), id="promptfoo-double-prefix"),
    pytest.param(
        "anthropic:messages:claude-sonnet-4-5", None, ("anthropic", "claude-sonnet-4-5"), id="promptfoo-anthropic"
    ),
    pytest.param("googleai/gemini-2.5-flash", None, ("google", "gemini-2.5-flash"), id="googleai"),
    pytest.param("azure/gpt-4o", None, ("azure", "gpt-4o"), id="azure"),
    pytest.param("azure/my-deployment", None, ("azure", "my-deployment"), id="azure-deployment-name"),
    pytest.param("gpt-4o-latest", None, (None, "gpt-4o"), id="latest-suffix"),
    pytest.param("vertex_ai/gemini-2.5-pro@2025-06-17", None, ("google", "gemini-2.5-pro"), id="vertex-at-date"),
    pytest.param("claude-3-5-sonnet@20240620", None, (None, "claude-3-5-sonnet"), id="at-date-no-provider"),
    pytest.param("openrouter/openai/gpt-4o", None, ("openrouter", "gpt-4o"), id="openrouter-double-prefix"),
    pytest.param("groq/openai/gpt-oss-20b", None, ("groq", "gpt-oss-20b"), id="groq-double-prefix"),
    pytest.param(
        "together_ai/meta-llama/Llama-3-70b", None, ("together", "meta-llama/Llama-3-70b"), id="org-slash-kept"
    ),
    pytest.param("meta-llama/Llama-3-70b", None, (None, "meta-llama/Llama-3-70b"), id="org-not-a-provider"),
    pytest.param("gpt-4o", None, (None, "gpt-4o"), id="bare"),
    pytest.param("  gpt-4o ", None, (None, "gpt-4o"), id="whitespace"),
    pytest.param("gpt-4o", "OpenAI", ("openai", "gpt-4o"), id="provider-hint-any-case"),
    pytest.param("gemini-2.5-pro", "vertex_ai", ("google", "gemini-2.5-pro"), id="provider-hint-vertex"),
    pytest.param("gpt-4o", "local", (None, "gpt-4o"), id="unknown-provider-hint-ignored"),
]


@pytest.mark.parametrize(("ref", "provider", "expected"), SPLIT)
def test_split_ref(ref: str, provider: str | None, expected: tuple[str | None, str]) -> None:
    assert split_ref(ref, provider) == expected


# -- resolve -------------------------------------------------------------------------------------

RESOLVE = [
    # ref, provider, model id, provider id, input $/M, output $/M
    pytest.param("gpt-4o", None, "gpt-4o", "openai", 2.5, 10.0, id="gpt-4o"),
    pytest.param("gpt-4o-mini", None, "gpt-4o-mini", "openai", 0.15, 0.6, id="gpt-4o-mini"),
    pytest.param("openai/gpt-4o", None, "gpt-4o", "openai", 2.5, 10.0, id="prefixed"),
    pytest.param("openai:chat:gpt-4o-mini", None, "gpt-4o-mini", "openai", 0.15, 0.6, id="promptfoo"),
    pytest.param("gpt-4o-latest", None, "gpt-4o", "openai", 2.5, 10.0, id="latest-stripped"),
    pytest.param("azure/gpt-4o", None, "gpt-4o", "azure", 2.5, 10.0, id="azure"),
    pytest.param("googleai/gemini-2.5-flash", None, "gemini-2.5-flash", "google", 0.3, 2.5, id="googleai"),
    pytest.param(
        "vertex_ai/gemini-2.5-pro@2025-06-17", None, "gemini-2.5-pro", "google", 1.25, 10.0, id="vertex-at-date"
    ),
    pytest.param("claude-sonnet-4-5", None, "claude-sonnet-4-5", "anthropic", 3.0, 15.0, id="claude-sonnet-4-5"),
    pytest.param("gemini-2.5-pro", "gemini", "gemini-2.5-pro", "google", 1.25, 10.0, id="log-provider-word"),
    pytest.param("groq/llama-3.3-70b-versatile", None, "llama-3.3-70b-versatile", "groq", 0.59, 0.79, id="groq"),
    pytest.param(
        "openai/chatgpt-4o-latest", None, "chatgpt-4o-latest", "openai", 5.0, 15.0, id="real-model-ending-in-latest"
    ),
]


@pytest.mark.parametrize(("ref", "provider", "model_id", "provider_id", "inp", "out"), RESOLVE)
def test_resolve_real_models(
    book: PriceBook, ref: str, provider: str | None, model_id: str, provider_id: str, inp: float, out: float
) -> None:
    price = book.resolve(ref, provider)
    assert (price.model_id, price.provider_id, price.source) == (model_id, provider_id, "genai-prices")
    assert price.by_class[0].input * MTOK == pytest.approx(inp, rel=1e-12)
    assert price.by_class[0].output * MTOK == pytest.approx(out, rel=1e-12)
    assert len(price.by_class) == len(tier_thresholds()) + 1


@pytest.mark.parametrize(
    ("ref", "suggestion"),
    [
        pytest.param("gpt-4o-mnii", "gpt-4o-mini", id="typo-gpt-4o-mini"),
        pytest.param("claude-sonet-4-5", "claude-sonnet-4-5", id="typo-claude"),
        pytest.param("openai/gpt-4o-mnii", "gpt-4o-mini", id="typo-with-provider"),
    ],
)
def test_unknown_model_suggests(book: PriceBook, ref: str, suggestion: str) -> None:
    with pytest.raises(UnknownModel) as info:
        book.resolve(ref)
    assert info.value.ref == ref
    assert info.value.suggestions[0] == suggestion
    assert info.value.not_static is False


def test_unknown_model_without_neighbours(book: PriceBook) -> None:
    with pytest.raises(UnknownModel) as info:
        book.resolve("zz-totally-made-up-9000")
    assert (info.value.suggestions, info.value.not_static) == ([], False)


def test_unknown_model_is_raised_every_time(book: PriceBook) -> None:
    for _ in range(2):  # the cached failure is raised again, never turned into a price
        with pytest.raises(UnknownModel):
            book.resolve("gpt-4o-mnii")


@pytest.mark.parametrize(
    "ref",
    [
        pytest.param("${env:MODEL}", id="dollar-env"),
        pytest.param("os.environ/MODEL", id="litellm-os-environ"),
        pytest.param("${MODEL}", id="dollar-brace"),
        pytest.param("${{ secrets.MODEL }}", id="double-brace"),
        pytest.param("env:MODEL", id="env-colon"),
    ],
)
def test_env_refs_are_not_static(book: PriceBook, ref: str) -> None:
    with pytest.raises(UnknownModel) as info:
        book.resolve(ref)
    assert (info.value.not_static, info.value.suggestions) == (True, [])


OVERRIDES = [
    # ref, model id, source, (input, cached, cache_write, output) in $/M
    pytest.param("my-finetune", "my-finetune", ".aiopt.yaml prices", (3.0, 0.3, 3.0, 12.0), id="custom-model"),
    pytest.param("llama3:8b", "llama3:8b", ".aiopt.yaml prices", (0.0, 0.0, 0.0, 0.0), id="free-local-model"),
    pytest.param("fast", "my-finetune", ".aiopt.yaml prices", (3.0, 0.3, 3.0, 12.0), id="alias-to-custom"),
    pytest.param("default", "gpt-4o-mini", "genai-prices", (0.15, 0.075, 0.15, 0.6), id="alias-to-real"),
    pytest.param("deploy-prod", "gpt-4o", "genai-prices", (2.5, 1.25, 2.5, 10.0), id="alias-azure-deployment"),
]


@pytest.mark.parametrize(("ref", "model_id", "source", "rates"), OVERRIDES)
def test_config_prices_and_aliases(
    custom_book: PriceBook, ref: str, model_id: str, source: str, rates: tuple[float, float, float, float]
) -> None:
    price = custom_book.resolve(ref)
    assert (price.model_id, price.source) == (model_id, source)
    for klass in range(len(price.by_class)):  # an override has no tiers
        r = price.by_class[klass]
        per_mtok = (r.input * MTOK, r.cached * MTOK, r.cache_write * MTOK, r.output * MTOK)
        assert per_mtok == pytest.approx(rates)


def test_override_beats_genai_prices() -> None:
    price = PriceBook(Config(prices={"gpt-4o": {"input": 1.0, "output": 2.0}})).resolve("gpt-4o")
    assert price.source == ".aiopt.yaml prices"
    assert (price.by_class[0].input * MTOK, price.by_class[0].output * MTOK) == pytest.approx((1.0, 2.0))


# -- our per-request rates equal genai-prices' calc_price ----------------------------------------

AGREE = [
    # model ref, provider id for calc_price, input, output, cache read, cache write
    pytest.param("claude-sonnet-4-5", None, 150_000, 1_000, 0, 0, id="claude-sonnet-4-5-below-200k"),
    pytest.param("claude-sonnet-4-5", None, 250_000, 1_000, 0, 0, id="claude-sonnet-4-5-above-200k"),
    pytest.param("claude-sonnet-4-5", None, 200_000, 10, 0, 0, id="claude-sonnet-4-5-at-200k"),
    pytest.param("claude-sonnet-4-5", None, 200_001, 10, 0, 0, id="claude-sonnet-4-5-just-over-200k"),
    pytest.param("claude-sonnet-4-5", None, 250_000, 1_000, 50_000, 0, id="claude-sonnet-4-5-above-cached"),
    pytest.param("claude-sonnet-4-5", None, 250_000, 1_000, 50_000, 20_000, id="claude-sonnet-4-5-cache-write"),
    pytest.param("gemini-2.5-pro", None, 150_000, 2_000, 10_000, 0, id="gemini-2.5-pro-below-200k"),
    pytest.param("gemini-2.5-pro", None, 250_000, 2_000, 10_000, 0, id="gemini-2.5-pro-above-200k"),
    pytest.param("gemini-1.5-flash", None, 130_000, 100, 0, 0, id="gemini-1.5-flash-above-128k"),
    pytest.param("gemini-1.5-flash", None, 120_000, 100, 0, 0, id="gemini-1.5-flash-below-128k"),
    pytest.param("gpt-4o", None, 5_000, 300, 1_000, 0, id="gpt-4o-flat-cached"),
    pytest.param("gpt-4o-mini", None, 5_000, 300, 0, 0, id="gpt-4o-mini-flat"),
    pytest.param("gpt-5-mini", None, 40_000, 3_000, 0, 0, id="gpt-5-mini-flat"),
    pytest.param("claude-3-5-haiku", None, 5_000, 300, 100, 100, id="claude-3-5-haiku-flat-cache"),
    pytest.param("llama-3.3-70b-versatile", "groq", 5_000, 300, 1_000, 0, id="groq-no-cache-price"),
]


def _ours(book: PriceBook, ref: str, provider: str | None, inp: int, out: int, cached: int, write: int) -> float:
    r = book.resolve(ref, provider).by_class[bisect.bisect_left(book.thresholds, inp)]
    return r.input * (inp - cached - write) + r.cached * cached + r.cache_write * write + r.output * out


def _theirs(ref: str, provider: str | None, inp: int, out: int, cached: int, write: int) -> float:
    usage = Usage(
        input_tokens=inp, output_tokens=out, cache_read_tokens=cached or None, cache_write_tokens=write or None
    )
    return float(calc_price(usage, model_ref=ref, provider_id=provider).total_price)


@pytest.mark.parametrize(("ref", "provider", "inp", "out", "cached", "write"), AGREE)
def test_rates_match_calc_price(
    book: PriceBook, ref: str, provider: str | None, inp: int, out: int, cached: int, write: int
) -> None:
    assert _ours(book, ref, provider, inp, out, cached, write) == pytest.approx(
        _theirs(ref, provider, inp, out, cached, write), rel=1e-9
    )


@pytest.mark.parametrize(("ref", "provider", "inp", "out", "cached", "write"), AGREE)
def test_group_cost_of_one_request_matches_calc_price(
    book: PriceBook, ref: str, provider: str | None, inp: int, out: int, cached: int, write: int
) -> None:
    group = Group("f", provider or "", ref, requests=1)
    group.cells[(bisect.bisect_left(book.thresholds, inp), out, False)] = [1, inp, cached, write, 0]
    cost = group_cost(group, State(book.resolve(ref, provider)), "expected")
    assert cost == pytest.approx(_theirs(ref, provider, inp, out, cached, write), rel=1e-9)


def test_tiered_prices_hand_checked(book: PriceBook) -> None:
    # claude-sonnet-4-5: $3/$15 per M up to 200k input, $6/$22.5 above (all tokens of the request)
    assert _ours(book, "claude-sonnet-4-5", None, 150_000, 1_000, 0, 0) == pytest.approx(
        150_000 * 3e-6 + 1_000 * 15e-6
    )  # 0.45 + 0.015 = 0.465
    assert _ours(book, "claude-sonnet-4-5", None, 250_000, 1_000, 0, 0) == pytest.approx(
        250_000 * 6e-6 + 1_000 * 22.5e-6
    )  # 1.5 + 0.0225 = 1.5225
    # gemini-2.5-pro: $1.25/$10 up to 200k, $2.50/$15 above
    assert _ours(book, "gemini-2.5-pro", None, 250_000, 2_000, 0, 0) == pytest.approx(
        250_000 * 2.5e-6 + 2_000 * 15e-6
    )  # 0.625 + 0.03 = 0.655


def test_tier_thresholds_include_the_200k_tier() -> None:
    thresholds = tier_thresholds()
    assert 200_000 in thresholds
    assert list(thresholds) == sorted(set(thresholds))


def test_one_hour_cache_writes_are_priced_at_their_own_rate() -> None:
    """Anthropic's 1-hour cache writes cost more than 5-minute ones, as genai-prices says."""
    from genai_prices import Usage, calc_price

    from aiopt_hooks.baseline.model import BaselineSummary, Request

    book = PriceBook(Config())
    summary = BaselineSummary(paths=[], thresholds=book.thresholds)
    summary.add(
        Request(
            ts=0.0,
            provider="anthropic",
            model="claude-sonnet-4-5",
            feature="chat",
            input=10_000,
            cached=0,
            cache_write=4_000,
            output=100,
            reasoning=0,
            ok=True,
            retries=0,
            truncated=False,
            cost=None,
            cache_write_1h=1_000,
        )
    )
    (group,) = summary.groups.values()
    ours = group_cost(group, State(book.resolve("claude-sonnet-4-5", "anthropic")), "expected")
    theirs = calc_price(
        Usage(input_tokens=10_000, cache_write_tokens=4_000, cache_write_1h_tokens=1_000, output_tokens=100),
        "claude-sonnet-4-5",
        provider_id="anthropic",
    ).total_price
    # 6,000 x $3 + 3,000 x $3.75 + 1,000 x $6 + 100 x $15 per 1M = $0.03675
    assert ours == pytest.approx(float(theirs), rel=1e-9) and ours == pytest.approx(0.03675)
