"""Model prices: genai-prices' bundled data (offline), then `prices:` overrides from the config.

Each model's price is resolved once into per-token rates per input tier class; requests are then
priced arithmetically (genai-prices' own `calc_price` costs ~0.2 ms a call, which is minutes on
a large log).  An unknown model is never priced as $0: resolving it raises `UnknownModel`.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from aiopt_hooks.config import ENV_REF, Config, write_atomic
from aiopt_hooks.pricing.local import local_runtime
from aiopt_hooks.pricing.offline import bundled_snapshot, load_price_data

MTOK = 1_000_000.0
# Provider words as they appear in prefixes and logs -> genai-prices provider ids.
PROVIDER_IDS = {
    "openai": "openai",
    "azure": "azure",
    "azure_ai": "azure",
    "azure_openai": "azure",
    "anthropic": "anthropic",
    "claude": "anthropic",
    "google": "google",
    "googleai": "google",
    "gemini": "google",
    "vertex_ai": "google",
    "vertexai": "google",
    "vertex": "google",
    "google_genai": "google",
    "gcp.gemini": "google",
    "gcp.vertex_ai": "google",
    "groq": "groq",
    "mistral": "mistral",
    "mistralai": "mistral",
    "together_ai": "together",
    "together": "together",
    "bedrock": "aws",
    "aws": "aws",
    "openrouter": "openrouter",
    "deepseek": "deepseek",
    "xai": "x-ai",
    "x_ai": "x-ai",
    "x-ai": "x-ai",
    "cohere": "cohere",
    "fireworks_ai": "fireworks",
    "fireworks": "fireworks",
    "perplexity": "perplexity",
    "cerebras": "cerebras",
}


class Rates(NamedTuple):
    """USD per token for one input tier class."""

    input: float
    cached: float
    cache_write: float
    output: float
    reasoning: float
    cache_write_1h: float = -1.0  # 1-hour cache writes; negative: priced as `cache_write`


class ModelPrice(NamedTuple):
    ref: str  # as written
    model_id: str  # canonical id
    provider_id: str
    family: str  # tokenizer family, for cross-family confidence
    context_window: int | None
    by_class: tuple[Rates, ...]  # index = input tier class
    source: str  # "genai-prices" | ".aiopt.yaml prices"
    # Service tiers the price data prices apart ("batch", "flex", "priority") -> their rates
    tiers: tuple[tuple[str, tuple[Rates, ...]], ...] = ()

    def tier_rates(self, tier: str) -> tuple[Rates, ...] | None:
        return next((rates for name, rates in self.tiers if name == tier), None)


class UnknownModel(Exception):
    def __init__(self, ref: str, suggestions: list[str], not_static: bool = False, local: str | None = None) -> None:
        super().__init__(ref)
        self.ref = ref
        self.suggestions = suggestions
        self.not_static = not_static
        self.local = local  # the runtime of a local / self-hosted model (aiopt_hooks.pricing.local)


def _snapshot() -> Any:
    # The bundled snapshot only: genai-prices' auto-update (a network fetch) is never started,
    # and its HTTP client is never imported (see aiopt_hooks.pricing.offline).

    return bundled_snapshot()


def _types() -> Any:

    load_price_data()
    from genai_prices import types

    return types


@lru_cache(maxsize=1)
def tier_thresholds() -> tuple[int, ...]:
    """Every input-token threshold at which any model's price tier changes."""
    types = _types()
    starts: set[int] = set()
    for provider in _snapshot().providers:
        for model in provider.models:
            prices = [model.prices] if not isinstance(model.prices, list) else [c.prices for c in model.prices]
            for price in prices:
                for value in price.__dict__.values():
                    if isinstance(value, types.TieredPrices):
                        starts.update(t.start for t in value.tiers)
    return tuple(sorted(starts))


def family_of(provider_id: str, model_id: str) -> str:
    m = model_id.lower()
    for word, family in (
        ("claude", "anthropic"),
        ("gemini", "google"),
        ("gemma", "google"),
        ("gpt", "openai"),
        ("llama", "meta"),
        ("mistral", "mistral"),
        ("mixtral", "mistral"),
        ("deepseek", "deepseek"),
        ("grok", "x-ai"),
        ("qwen", "qwen"),
        ("command", "cohere"),
    ):
        if word in m:
            return family
    if re.match(r"^o\d", m):
        return "openai"
    return provider_id


def split_ref(ref: str, provider: str | None = None) -> tuple[str | None, str]:
    """`openai/gpt-4o`, `openai:chat:gpt-4o`, `googleai/gemini-2.5-flash`, `gpt-4o-latest` ->
    (provider id or None, bare model ref)."""
    hint = PROVIDER_IDS.get((provider or "").lower().strip())
    bare = ref.strip()
    api_words = ("chat", "completion", "responses", "messages")
    while (found := re.match(r"^([^/:]+)[/:](.+)$", bare)) and (
        found.group(1).lower() in PROVIDER_IDS or found.group(1).lower() in api_words
    ):
        hint = hint or PROVIDER_IDS.get(found.group(1).lower())
        bare = found.group(2)
    bare = bare.split("@", 1)[0]
    bare = re.sub(r"-latest$", "", bare)
    return hint, bare


def _rates(price: Any, thresholds: tuple[int, ...]) -> tuple[Rates, ...]:
    types = _types()

    def at(key: str, klass: int, fallback: float | None) -> float | None:
        value = getattr(price, key, None)
        if value is None:
            return fallback
        if isinstance(value, types.TieredPrices):
            # Inputs of class k exceed thresholds[k-1]: a tier starting at or below it applies.
            low = thresholds[klass - 1] if klass > 0 else -1
            chosen = value.base
            for tier in value.tiers:
                if tier.start <= low:
                    chosen = tier.price
            return float(chosen) / MTOK
        return float(value) / MTOK

    table = []
    for klass in range(len(thresholds) + 1):
        inp = at("input_mtok", klass, None)
        out = at("output_mtok", klass, None)
        if inp is None and out is None:
            raise LookupError("no token prices")
        inp = inp or 0.0
        out = out or 0.0
        write = at("cache_write_mtok", klass, inp) or 0.0
        table.append(
            Rates(
                inp,
                at("cache_read_mtok", klass, inp) or 0.0,
                write,
                out,
                at("output_reasoning_mtok", klass, out) or 0.0,
                at("cache_write_1h_mtok", klass, write) or write,
            )
        )
    return tuple(table)


def _override(ref: str, spec: dict[str, float], thresholds: tuple[int, ...], provider: str) -> ModelPrice:
    inp, out = spec["input"] / MTOK, spec["output"] / MTOK
    rates = Rates(
        inp,
        spec.get("cached_input", spec["input"]) / MTOK,
        spec.get("cache_write", spec["input"]) / MTOK,
        out,
        spec.get("reasoning", spec["output"]) / MTOK,
    )
    return ModelPrice(
        ref,
        ref,
        provider or "custom",
        family_of(provider, ref),
        None,
        (rates,) * (len(thresholds) + 1),
        ".aiopt.yaml prices",
    )


PRICE_CACHE_VERSION = 3  # 3: service-tier rates
# genai-prices' price-variant context per service tier the baseline readers name
TIER_CONTEXTS = {
    "batch": {"processing": "batch"},
    "flex": {"service_tier": "flex"},
    "priority": {"service_tier": "priority"},
}


def _data_stamp() -> str:
    """Identifies the installed price data without importing it (the import costs ~0.2 s)."""
    from importlib.machinery import PathFinder

    spec = PathFinder.find_spec("genai_prices")
    if spec is None or spec.origin is None:
        return "missing"
    stat = (Path(spec.origin).parent / "data.py").stat()
    return f"{stat.st_size}-{stat.st_mtime_ns}"


class PriceBook:
    """Resolves model references to prices, once each.

    With a cache dir, resolved prices and the tier thresholds are kept in one JSON file keyed by
    the installed price data and the day (prices can change on a date), so a repeated check does
    not import the price data at all.
    """

    def __init__(self, config: Config, cache_dir: Path | None = None) -> None:
        self.config = config
        self.when = datetime.now(timezone.utc)
        self._cache: dict[tuple[str, str], ModelPrice | UnknownModel] = {}
        self._stored: dict[str, Any] = {}
        self._thresholds: tuple[int, ...] | None = None
        self._dirty = False
        self._file: Path | None = None
        if cache_dir is not None:
            digest = hashlib.sha256(f"{PRICE_CACHE_VERSION}|{_data_stamp()}|{self.when:%Y-%m-%d}".encode())
            self._file = cache_dir / f"prices-{digest.hexdigest()[:20]}.json"
            self._load()

    def _load(self) -> None:
        assert self._file is not None
        try:
            data = json.loads(self._file.read_bytes())
            self._thresholds = tuple(int(t) for t in data["thresholds"])
            self._stored = {str(k): v for k, v in data["models"].items() if isinstance(v, dict)}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            self._thresholds, self._stored = None, {}

    def save(self) -> None:
        """Write the price cache if anything new was resolved (never an error)."""
        if self._file is None or not self._dirty:
            return

        write_atomic(self._file, json.dumps({"thresholds": list(self.thresholds), "models": self._stored}).encode())

    @property
    def thresholds(self) -> tuple[int, ...]:
        if self._thresholds is None:
            self._thresholds = tier_thresholds()
            self._dirty = True
        return self._thresholds

    def resolve(self, ref: str, provider: str | None = None) -> ModelPrice:
        key = (ref, provider or "")
        if key not in self._cache:
            try:
                self._cache[key] = self._resolve(ref, provider)
            except UnknownModel as exc:
                self._cache[key] = exc
        found = self._cache[key]
        if isinstance(found, UnknownModel):
            raise found
        return found

    def _resolve(self, ref: str, provider: str | None) -> ModelPrice:
        if ENV_REF.search(ref.strip()):
            raise UnknownModel(ref, [], not_static=True)
        ref_real = self.config.aliases.get(ref, ref)
        for candidate in (ref, ref_real, split_ref(ref_real)[1]):
            if candidate in self.config.prices:
                return _override(candidate, self.config.prices[candidate], self.thresholds, provider or "")
        runtime = local_runtime(ref_real, provider)
        if runtime:  # never the public price of a hosted namesake
            raise UnknownModel(ref, [], local=runtime)
        key = f"{ref_real}\0{provider or ''}"
        if key not in self._stored:
            self._stored[key] = self._lookup(ref_real, provider)
            self._dirty = True
        entry = self._stored[key]
        if "unknown" in entry:
            raise UnknownModel(ref, list(entry["unknown"]))
        rates = tuple(Rates(*r) for r in entry["rates"])
        tiers = tuple((str(name), tuple(Rates(*r) for r in table)) for name, table in entry.get("tiers", {}).items())
        return ModelPrice(
            ref, entry["id"], entry["provider"], entry["family"], entry["context_window"], rates, "genai-prices", tiers
        )

    def _lookup(self, ref_real: str, provider: str | None) -> dict[str, Any]:
        """The price data's answer for one reference, as a JSON-ready entry."""
        hint, bare = split_ref(ref_real, provider)
        snapshot = _snapshot()
        # `chatgpt-4o-latest` is a model of its own; `gpt-4o-latest` means gpt-4o.
        names = [bare] if not ref_real.endswith("-latest") else [split_ref(ref_real)[1] + "-latest", bare]
        for name, provider_id in [(n, p) for p in ([hint, None] if hint else [None]) for n in names]:
            try:
                prov, model = snapshot.find_provider_model(name, None, provider_id, None)
            except LookupError:
                continue
            try:
                rates = _rates(model.get_prices(self.when), self.thresholds)
            except LookupError:
                continue
            return {
                "id": model.id,
                "provider": prov.id,
                "family": family_of(prov.id, model.id),
                "context_window": model.context_window,
                "rates": [list(r) for r in rates],
                "tiers": self._tier_rates(model, rates),
            }
        return {"unknown": self.suggest(bare, hint)}

    def _tier_rates(self, model: Any, standard: tuple[Rates, ...]) -> dict[str, list[list[float]]]:
        """The rates of each service tier the price data prices apart from the standard one."""
        out: dict[str, list[list[float]]] = {}
        if not getattr(model, "price_variants", None):
            return out
        for tier, context in TIER_CONTEXTS.items():
            try:
                rates = _rates(model.get_prices(self.when, context), self.thresholds)
            except (LookupError, TypeError):
                continue
            if rates != standard:
                out[tier] = [list(r) for r in rates]
        return out

    def provider_models(self, provider_id: str) -> list[str]:
        """Ids of the provider's current (not deprecated) models, cached like prices."""
        key = f"\0models\0{provider_id}"
        if key not in self._stored:
            self._stored[key] = {
                "models": [
                    m.id for p in _snapshot().providers if p.id == provider_id for m in p.models if not m.deprecated
                ]
            }
            self._dirty = True
        return list(self._stored[key]["models"])

    def suggest(self, bare: str, provider_id: str | None, n: int = 3) -> list[str]:
        names: list[str] = []
        for prov in _snapshot().providers:
            if provider_id and prov.id != provider_id:
                continue
            names.extend(m.id for m in prov.models)
        names.extend(self.config.prices)
        import difflib  # only to name the close matches of an unknown model

        return difflib.get_close_matches(bare.lower(), sorted(set(names)), n=n, cutoff=0.6)


def price_date() -> str:
    from importlib.metadata import version

    return f"genai-prices {version('genai-prices')}"
