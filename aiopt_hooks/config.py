"""Reads and validates `.aiopt.yaml` into a `Config`; the first stage every command runs.

A typo in a guard's config must not silently weaken the guard, so unknown keys are errors.
The validated config is cached as JSON under the git dir, with the exact text it was read from, so
a commit that touches no LLM file imports neither YAML nor hashlib.
"""

from __future__ import annotations

import json
import os
import re
import zlib
from pathlib import Path
from typing import Any, NamedTuple

from aiopt_hooks.errors import AioptError
from aiopt_hooks.records import Basis, Level

# A value that names an environment variable instead of a literal (`${MODEL}`, `os.environ/MODEL`,
# `${{ vars.MODEL }}`, `env:MODEL`): not statically known.
ENV_REF = re.compile(r"^\$\{|^os\.environ/|\$\{\{|^env:", re.IGNORECASE)


def is_env_ref(value: Any) -> bool:
    return isinstance(value, str) and bool(ENV_REF.search(value.strip()))


# DESIGN.md's defaults, plus the well-known names of the formats the extractors read.
DEFAULT_WATCH = (
    "**/*.prompty",
    "**/*.prompt",
    "prompts/**",
    "**/*llm*.y*ml",
    "**/*llm*.json",
    "**/*llm*.toml",
    "**/promptfooconfig*.y*ml",
    "**/promptfooconfig*.json",
    "**/litellm*/config.y*ml",
    "**/.aider*.y*ml",
    "**/.continue/config.y*ml",
    "**/*.prompt.y*ml",
    "**/skprompt.txt",
    "**/agents.y*ml",
    "**/tasks.y*ml",
    "**/.aider*.y*ml.example",
    "**/.env",
    "**/.env.*",
    "**/docker-compose*.y*ml",
    "**/compose.y*ml",
)
_THRESHOLDS = {
    "monthly_increase_usd": "num?",
    "increase_pct": "num?",
    "monthly_total_usd": "num?",
    "monthly_increase_since_lock_usd": "num?",
}
_POLICY = {
    "block": _THRESHOLDS,
    "warn": _THRESHOLDS,
    "unknown_model": ("block", "warn"),
    "unmatched_change": ("block", "warn", "info"),
    "basis": ("expected", "high"),
}
_PRICE = {"input": "num", "output": "num", "cached_input": "num?", "cache_write": "num?", "reasoning": "num?"}
_FEATURE = {
    "files": "strlist",
    "match": "map",
    "expected_requests_per_day": "num?",
    "expected_input_tokens": "num?",
    "expected_output_tokens": "num?",
    "policy": _POLICY,
}
SCHEMA: dict[str, Any] = {
    "version": "num",
    "baseline": {"path": "strlist", "window_days": "auto|num", "format": "str?", "dedupe": "bool"},
    "month_days": "pos",
    "policy": _POLICY,
    "watch": "strlist",
    "code": "bool|strlist",
    "features": ("each", _FEATURE),
    "prices": ("each", _PRICE),
    "aliases": ("each", "str"),
    "lockfile": "bool",
    "max_seconds": "pos",
    "max_file_bytes": "pos",
    "on_timeout": ("block", "warn"),
    "on_internal_error": ("block", "warn"),
}


# Settings are NamedTuples (`_replace` makes a changed copy); their dict fields are never changed in
# place (a default one is shared).


class Policy(NamedTuple):
    block: dict[str, float] = {"monthly_increase_usd": 100.0, "increase_pct": 50.0}
    warn: dict[str, float] = {"monthly_increase_usd": 10.0}
    unknown_model: Level = "block"
    unmatched_change: Level = "warn"
    basis: Basis = "expected"


class FeatureRule(NamedTuple):
    name: str
    files: tuple[str, ...] = ()
    match: dict[str, str] = {}
    expected_requests_per_day: float | None = None
    expected_input_tokens: float | None = None
    expected_output_tokens: float | None = None
    policy: Policy | None = None  # `features.<name>.policy`: thresholds on this feature's own figures


class Config(NamedTuple):
    path: str | None = None
    baseline_paths: tuple[str, ...] = ("usage.jsonl",)
    window_days: float | None = None
    baseline_format: str | None = None
    baseline_dedupe: bool = False  # leave out rows repeating a request id (always counted)
    month_days: float = 30.0
    policy: Policy = Policy()
    watch: tuple[str, ...] = DEFAULT_WATCH
    # Source files (Python, TypeScript, JavaScript) read when they change and import an LLM SDK or declare a model setting:
    # globs; `code: false` reads none
    code: tuple[str, ...] = ("**",)
    features: tuple[FeatureRule, ...] = ()
    prices: dict[str, dict[str, float]] = {}
    aliases: dict[str, str] = {}
    lockfile: bool = False
    max_seconds: float = 20.0
    max_file_bytes: int = 1_000_000
    on_timeout: str = "warn"
    on_internal_error: str = "block"
    sha256: str = ""  # of the file's bytes (hex): the audit trail's config hash ("" without a file)

    def feature_policies(self) -> list[tuple[str, Policy]]:
        """(feature, its own policy) for every feature that declares one."""
        return [(rule.name, rule.policy) for rule in self.features if rule.policy is not None]

    def watch_patterns(self) -> tuple[str, ...]:
        """The watch globs plus every file named in the explicit feature mapping."""
        extra = tuple(f.split("#", 1)[0] for rule in self.features for f in rule.files)
        return self.watch + extra


def _check(value: Any, spec: Any, where: str, file: str, line: int | None = None) -> None:
    def bad(expected: str) -> AioptError:
        return AioptError(
            f"`{where}` must be {expected}, got {value!r}",
            file=file,
            line=line,
            hint="see the `.aiopt.yaml` keys in the README",
        )

    lines = getattr(value, "lines", {})
    if isinstance(spec, dict):
        if not isinstance(value, dict):
            raise bad("a mapping")
        for key, sub in value.items():
            if key not in spec:
                import difflib

                close = difflib.get_close_matches(str(key), list(spec), n=1)
                hint = f"did you mean `{close[0]}`?" if close else f"known keys here: {', '.join(sorted(spec))}"
                raise AioptError(
                    f"unknown key `{where}.{key}`".replace("`.", "`"), file=file, line=lines.get(key), hint=hint
                )
            _check(sub, spec[key], f"{where}.{key}" if where else str(key), file, lines.get(key, line))
    elif isinstance(spec, tuple) and spec and spec[0] == "each":
        if not isinstance(value, dict):
            raise bad("a mapping")
        for key, sub in value.items():
            _check(sub, spec[1], f"{where}.{key}", file, lines.get(key, line))
    elif isinstance(spec, tuple):
        if value not in spec:
            raise bad("one of " + " | ".join(spec))
    elif spec.endswith("?") and value is None:
        return
    elif spec.startswith("num") and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise bad("a number")
    elif spec == "pos" and (isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1e12):
        raise bad("a positive number")
    elif spec == "auto|num" and value != "auto" and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise bad("`auto` or a number of days")
    elif spec.startswith("str") and spec != "strlist" and not isinstance(value, str):
        raise bad("a string")
    elif spec == "strlist" and not (
        isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))
    ):
        raise bad("a string or a list of strings")
    elif spec == "bool|strlist" and not (
        isinstance(value, (bool, str)) or (isinstance(value, list) and all(isinstance(v, str) for v in value))
    ):
        raise bad("true, false, or a list of globs")
    elif spec == "bool" and not isinstance(value, bool):
        raise bad("true or false")
    elif spec == "map" and not isinstance(value, dict):
        raise bad("a mapping")


def _as_tuple(value: str | list[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def _code_globs(value: bool | str | list[str]) -> tuple[str, ...]:
    if isinstance(value, bool):
        return ("**",) if value else ()
    return _as_tuple(value)


def _policy(raw: dict[str, Any], default: Policy) -> Policy:
    def thresholds(key: str, fallback: dict[str, float]) -> dict[str, float]:
        if key not in raw:
            return fallback
        return {k: float(v) for k, v in (raw[key] or {}).items() if v is not None}

    return Policy(
        block=thresholds("block", default.block),
        warn=thresholds("warn", default.warn),
        unknown_model=raw.get("unknown_model", default.unknown_model),
        unmatched_change=raw.get("unmatched_change", default.unmatched_change),
        basis=raw.get("basis", default.basis),
    )


def build_config(raw: dict[str, Any], path: str | None, sha256: str = "") -> Config:
    """Turn a validated mapping into a Config; keys left out keep their defaults."""
    base = Config(path=path)
    baseline = raw.get("baseline") or {}
    window = baseline.get("window_days", "auto")
    # With a config file, a threshold left out is off; the defaults serve only without one.
    policy = _policy(raw.get("policy") or {}, Policy(block={}, warn={}))
    features = tuple(
        FeatureRule(
            name=str(name),
            files=_as_tuple(spec.get("files", [])),
            match={str(k): str(v) for k, v in (spec.get("match") or {}).items()},
            expected_requests_per_day=spec.get("expected_requests_per_day"),
            expected_input_tokens=spec.get("expected_input_tokens"),
            expected_output_tokens=spec.get("expected_output_tokens"),
            # unset keys of a feature's policy follow the global one; its thresholds start empty
            policy=_policy(spec["policy"] or {}, policy._replace(block={}, warn={})) if "policy" in spec else None,
        )
        for name, spec in (raw.get("features") or {}).items()
    )
    return Config(
        path=path,
        baseline_paths=_as_tuple(baseline["path"]) if "path" in baseline else base.baseline_paths,
        window_days=None if window == "auto" else float(window),
        baseline_format=baseline.get("format"),
        baseline_dedupe=bool(baseline.get("dedupe", False)),
        month_days=float(raw.get("month_days", base.month_days)),
        policy=policy,
        watch=_as_tuple(raw["watch"]) if "watch" in raw else base.watch,
        code=_code_globs(raw.get("code", True)),
        features=features,
        prices={
            str(k): {kk: float(vv) for kk, vv in v.items() if vv is not None}
            for k, v in (raw.get("prices") or {}).items()
        },
        aliases={str(k): str(v) for k, v in (raw.get("aliases") or {}).items()},
        lockfile=bool(raw.get("lockfile", False)),
        max_seconds=float(raw.get("max_seconds", base.max_seconds)),
        max_file_bytes=int(raw.get("max_file_bytes", base.max_file_bytes)),
        on_timeout=raw.get("on_timeout", base.on_timeout),
        on_internal_error=raw.get("on_internal_error", base.on_internal_error),
        sha256=sha256,
    )


def parse_config_text(data: bytes, path: str) -> dict[str, Any]:
    """Parse and validate `.aiopt.yaml` bytes into a plain mapping (imports YAML)."""
    from aiopt_hooks.yamlio import load_yaml

    text = decode_text(data, path)
    raw = load_yaml(text, path)
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise AioptError("the config must be a mapping of keys (see the README)", file=path)
    _check(raw, SCHEMA, "", path)
    from aiopt_hooks.repo.safepaths import check_feature_files

    check_feature_files(raw, path)
    return raw


def decode_text(data: bytes, path: str) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise AioptError(
            "is not UTF-8 text", file=path, line=line, hint="save it as UTF-8, or remove it from `watch`"
        ) from None
    return text.removeprefix("\ufeff")


def load_config(path: Path | None, cache_dir: Path | None = None) -> Config:
    """Load the config at `path` (None or missing default file: the defaults).

    With a `cache_dir`, the validated mapping is cached there with the config's exact text and its
    sha256, and used only while that text equals the file's: a stale or damaged cache is rebuilt,
    never trusted (a crc32 in the file name keeps one entry per config)."""
    if path is None or not path.is_file():
        return Config()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise AioptError(f"cannot read the config: {exc.strerror}", file=str(path)) from None
    cached = cache_dir / f"config-{zlib.crc32(data):08x}.json" if cache_dir else None
    found = _read_cache(cached, data, path.name) if cached is not None else None
    if found is not None:
        return build_config(found[0], str(path), found[1])
    import hashlib  # only when the config is parsed: the cache holds its hash

    raw = parse_config_text(data, path.name)
    sha256 = hashlib.sha256(data).hexdigest()
    if cached is not None:
        entry = {"text": data.decode("utf-8"), "sha256": sha256, "config": raw}
        write_atomic(cached, json.dumps(entry, default=str).encode())
    return build_config(raw, str(path), sha256)


def _read_cache(cached: Path, data: bytes, name: str) -> tuple[dict[str, Any], str] | None:
    """(validated mapping, sha256) from the cache when it was made from exactly `data`, else None."""
    try:
        entry = json.loads(cached.read_bytes())
        if entry["text"] != data.decode("utf-8") or not isinstance(entry["sha256"], str):
            return None
        raw = entry["config"]
        _check(raw, SCHEMA, "", name)  # a damaged cache must not weaken the guard
        return raw, entry["sha256"]
    except (ValueError, OSError, KeyError, TypeError, AttributeError, AioptError):
        return None  # no cache, another config's (a crc32 collision), or a corrupt one: parsed again


def write_atomic(path: Path, data: bytes) -> None:
    """Write a cache file atomically (a private temp file, then a rename): concurrent checks never see
    half a file, and an interrupted write (Ctrl-C, timeout) removes its temp file before the interrupt
    goes on.  A cache that cannot be written is simply skipped."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{os.urandom(4).hex()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            tmp.unlink()
        except OSError:
            pass
        if not isinstance(exc, OSError):
            raise


def keep_newest(cache_dir: Path, pattern: str, count: int) -> None:
    """Remove all but the `count` newest cache files matching `pattern` (a file another check removes
    meanwhile is simply skipped)."""
    entries = []
    for entry in cache_dir.glob(pattern):
        try:
            entries.append((entry.stat().st_mtime, entry))
        except OSError:
            pass  # pruned by a concurrent check
    for _, old in sorted(entries, reverse=True)[count:]:
        try:
            old.unlink()
        except OSError:
            pass
