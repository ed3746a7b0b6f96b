"""DuckDB readings of the nested log dialects: each dialect's record -> the engine's common columns.

Stage: log file -> one row per request, as SQL (the DuckDB engine in `baseline/duck.py` aggregates them).
Each reading mirrors its streaming reader in `baseline/dialects/` field by field: the same keys,
the same fallbacks, the same clamps.  Columns are declared with their JSON types and read strictly
(no `ignore_errors`), so a record of another shape (a list where an object was expected, text
where a count was expected, a malformed line) fails the query and the file goes to the streaming
reader, which counts and names the bad lines.  A record the SQL cannot read exactly (an OTLP
export holding many spans, a Langfuse ingestion batch) is marked invalid, with the same effect.

Common columns of every reading: model, provider, feature, inp, outp, cached_raw, write_raw,
write_1h, reasoning, retries, ok, truncated, cost, ts_text, ts, rid (the request id duplicates are
counted by), valid (every count an exact integer in range, the record a shape this reading knows)
and keep (False for records that are not requests: spans without usage, traces).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from aiopt_hooks.baseline.dialects import otel as otel_keys


class Reading(NamedTuple):
    columns: dict[str, str]  # read_json columns: name -> DuckDB type
    select: str  # the common columns, from the raw record


_FAILED = "('error', 'failed', 'failure', 'cancelled', 'canceled', 'timeout', 'incomplete_error')"
_META = "STRUCT(feature_tag VARCHAR, feature VARCHAR, route VARCHAR)"
_TAGS = {
    "feature_tag": "VARCHAR",
    "feature": "VARCHAR",
    "route": "VARCHAR",
    "endpoint": "VARCHAR",
    "meta": _META,
    "metadata": _META,
}
_STATUS = {"status": "VARCHAR", "status_code": "VARCHAR", "response_status": "VARCHAR"}


def count_ok(expr: str) -> str:
    """A token count read as the streaming reader's `count` reads it: absent = 0, else an exact
    integer in [0, 1e9) (a fractional count is not exact here: the file goes to the streaming reader)."""
    return f"({expr} IS NULL OR ({expr} >= 0 AND {expr} < 1e9 AND {expr} = trunc({expr})))"


def epoch_of(text: str) -> str:
    """`parse_ts`: epoch seconds / ms / µs / ns as number or text, else ISO 8601 (naive = UTC)."""
    num = f"TRY_CAST({text} AS DOUBLE)"
    return (
        f"(CASE WHEN {text} IS NULL THEN NULL WHEN {num} IS NOT NULL THEN (CASE WHEN {num} < 0 THEN NULL "
        f"WHEN {num} < 1e10 THEN {num} WHEN {num} / 1e3 < 1e10 THEN {num} / 1e3 "
        f"WHEN {num} / 1e6 < 1e10 THEN {num} / 1e6 WHEN {num} / 1e9 < 1e10 THEN {num} / 1e9 END) "
        f"ELSE epoch(TRY_CAST(replace({text}, ' UTC', 'Z') AS TIMESTAMPTZ)) END)"
    )


def _ok_value(value: str) -> str:
    """`is_ok` for one status value: a non-2xx code or a failure word fails the call."""
    text = f"trim({value})"
    return (
        f"({value} IS NULL OR {text} = '' OR CASE WHEN regexp_full_match({text}, '-?[0-9]+') "
        f"THEN TRY_CAST({text} AS HUGEINT) BETWEEN 200 AND 299 ELSE lower({text}) NOT IN {_FAILED} END)"
    )


def _flat_feature(node: str) -> list[str]:
    """`feature_of` of one record, in order: its own feature keys, then `meta` (else `metadata`), then
    `endpoint` (`node` = the record's prefix, "" for the row itself)."""
    prefix = f"{node}." if node else ""
    own = [f"NULLIF({prefix}{k}, '')" for k in ("feature_tag", "feature", "route")]
    meta = [
        f"NULLIF(CASE WHEN {prefix}meta IS NOT NULL THEN {prefix}meta.{k} ELSE {prefix}metadata.{k} END, '')"
        for k in ("feature_tag", "feature", "route")
    ]
    return own + meta + [f"NULLIF({prefix}endpoint, '')"]


def _first(*exprs: str) -> str:
    return "COALESCE(" + ", ".join(exprs) + ")"


# -- OpenAI and Anthropic response bodies: the row itself, or inside `response` / `body` ----------

_OPENAI_USAGE = (
    "STRUCT(prompt_tokens DOUBLE, completion_tokens DOUBLE, input_tokens DOUBLE, output_tokens DOUBLE, "
    "prompt_cache_hit_tokens DOUBLE, cost DOUBLE, "
    "prompt_tokens_details STRUCT(cached_tokens DOUBLE, cache_write_tokens DOUBLE), "
    "completion_tokens_details STRUCT(reasoning_tokens DOUBLE), "
    "input_tokens_details STRUCT(cached_tokens DOUBLE), "
    "output_tokens_details STRUCT(reasoning_tokens DOUBLE))"
)
_ANTHROPIC_USAGE = (
    "STRUCT(input_tokens DOUBLE, output_tokens DOUBLE, cache_read_input_tokens DOUBLE, "
    "cache_creation_input_tokens DOUBLE, "
    "cache_creation STRUCT(ephemeral_5m_input_tokens DOUBLE, ephemeral_1h_input_tokens DOUBLE), "
    "output_tokens_details STRUCT(thinking_tokens DOUBLE))"
)
_IDS = ("request_id", "id")


def _body_fields(usage: str) -> dict[str, str]:
    return {
        "model": "VARCHAR",
        "usage": usage,
        "choices": "STRUCT(finish_reason VARCHAR)[]",
        "incomplete_details": "STRUCT(reason VARCHAR)",
        "stop_reason": "VARCHAR",
        "created": "VARCHAR",
        "created_at": "VARCHAR",
        "provider": "VARCHAR",
        "service_tier": "VARCHAR",
        **{k: "VARCHAR" for k in _IDS},
        **_STATUS,
        **_TAGS,
    }


def _struct(fields: dict[str, str]) -> str:
    return "STRUCT(" + ", ".join(f'"{k}" {v}' for k, v in fields.items()) + ")"


_ROW = {
    "ts": "VARCHAR",
    "timestamp": "VARCHAR",
    "custom_id": "VARCHAR",
    "retries": "DOUBLE",
    "attempt": "DOUBLE",
    "cost": "DOUBLE",
    "cost_usd": "DOUBLE",
    "billed_cost": "DOUBLE",
    "provider": "VARCHAR",
    **{k: "VARCHAR" for k in _IDS},
    **_STATUS,
    **_TAGS,
}
_NODES = {0: "", 1: "response", 2: "response.body", 3: "body"}  # where `body_of(row, "usage")` finds the body


def _columns(usage: str, level: int) -> dict[str, str]:
    """Only what the reading uses (every declared field costs parse time): the log line's own
    fields, the body's at its place, and the wrappers that must be absent as JSON."""
    body = _body_fields(usage)
    if level == 0:
        return {**_ROW, **body}
    if level == 1:
        return {**_ROW, "usage": "JSON", "response": _struct(body)}
    if level == 2:
        return {
            **_ROW,
            "usage": "JSON",
            "response": _struct({"usage": "JSON", **{k: "VARCHAR" for k in _IDS}, "body": _struct(body)}),
        }
    return {**_ROW, "usage": "JSON", "response": "JSON", "body": _struct(body)}


def _where(level: int) -> str:
    """The record's body is at `level` and nowhere nearer (else the file goes to the streaming reader)."""
    return {
        0: "usage IS NOT NULL",
        1: "usage IS NULL AND response.usage IS NOT NULL",
        2: "usage IS NULL AND response.usage IS NULL AND response.body.usage IS NOT NULL",
        3: "usage IS NULL AND response IS NULL AND body.usage IS NOT NULL",
    }[level]


class _Body(NamedTuple):
    level: int

    def pick(self, field: str) -> str:
        """`field` of the body."""
        node = _NODES[self.level]
        return f"{node}.{field}" if node else field

    def rid(self) -> str:
        """`request_id(record)`: the line's own id keys, then its wrappers'."""
        wrappers = {0: (), 1: ("response",), 2: ("response",), 3: ("body",)}[self.level]
        return _first(
            *(f"NULLIF({k}, '')" for k in _IDS), *(f"NULLIF({w}.{k}, '')" for w in wrappers for k in _IDS), "NULL"
        )

    def envelope(self, ts_keys: tuple[str, ...], body_cost: str) -> str:
        """`envelope(row, body)`: feature (the line's, then the body's), ts, ok, retries, stated cost."""
        sources = _flat_feature("") + (_flat_feature(_NODES[self.level]) if self.level else [])
        body_ts = [f"NULLIF({self.pick(k)}, '')" for k in ts_keys]
        ts = _first("NULLIF(ts, '')", "NULLIF(timestamp, '')", *body_ts, "NULL")
        statuses = list(_STATUS) + ([self.pick(k) for k in _STATUS] if self.level else [])
        ok = " AND ".join(_ok_value(k) for k in statuses)
        return (
            f"{_first(*sources, chr(39) * 2)} AS feature, {ts} AS ts_text, {epoch_of(ts)} AS ts, ({ok}) AS ok, "
            f"COALESCE(retries, GREATEST(COALESCE(NULLIF(attempt, 0), 1) - 1, 0)) AS retries, "
            f"COALESCE(cost, cost_usd, billed_cost, {body_cost}) AS cost"
        )

    def provider(self, default: str) -> str:
        """`provider_of(row, body, default)`: a wrapping line's own `provider` wins."""
        if self.level == 0:
            return f"lower({default})"
        return f"lower(COALESCE(NULLIF(provider, ''), {default}))"


def openai(level: int = 0) -> Reading:
    b = _Body(level)
    usage = b.pick("usage")
    chat = f"{usage}.prompt_tokens IS NOT NULL"
    counts = {
        "inp": f"CASE WHEN {chat} THEN {usage}.prompt_tokens ELSE {usage}.input_tokens END",
        "outp": f"COALESCE(CASE WHEN {chat} THEN {usage}.completion_tokens ELSE {usage}.output_tokens END, 0)",
        "cached_raw": (
            f"CASE WHEN {chat} THEN COALESCE(NULLIF({usage}.prompt_tokens_details.cached_tokens, 0), "
            f"{usage}.prompt_cache_hit_tokens, 0) "
            f"ELSE COALESCE({usage}.input_tokens_details.cached_tokens, 0) END"
        ),
        "write_raw": f"CASE WHEN {chat} THEN COALESCE({usage}.prompt_tokens_details.cache_write_tokens, 0) ELSE 0 END",
        "write_1h": "0",
        "reasoning": (
            f"COALESCE(CASE WHEN {chat} THEN {usage}.completion_tokens_details.reasoning_tokens "
            f"ELSE {usage}.output_tokens_details.reasoning_tokens END, 0)"
        ),
    }
    truncated = (
        f"CASE WHEN {chat} THEN COALESCE(list_bool_or(list_transform({b.pick('choices')}, "
        f"lambda c: c.finish_reason = 'length')), false) "
        f"ELSE COALESCE({b.pick('incomplete_details')}.reason = 'max_output_tokens', false) END"
    )
    openrouter = (
        f"(CASE WHEN {b.pick('provider')} IS NOT NULL OR starts_with(COALESCE({b.pick('id')}, ''), 'gen-') "
        f"THEN 'openrouter' ELSE 'openai' END)"
    )
    # Every raw count the streaming reader range-checks: the body's usage fields it reads.
    raw_counts = [
        f"{usage}.{k}"
        for k in ("prompt_tokens", "completion_tokens", "input_tokens", "output_tokens", "prompt_cache_hit_tokens")
    ] + [
        f"{usage}.prompt_tokens_details.cached_tokens",
        f"{usage}.prompt_tokens_details.cache_write_tokens",
        f"{usage}.completion_tokens_details.reasoning_tokens",
        f"{usage}.input_tokens_details.cached_tokens",
        f"{usage}.output_tokens_details.reasoning_tokens",
    ]
    valid = f"({usage}.prompt_tokens IS NOT NULL OR {usage}.input_tokens IS NOT NULL)"
    return Reading(
        _columns(_OPENAI_USAGE, level),
        _body_select(b, counts, truncated, openrouter, ("created", "created_at"), f"{usage}.cost", raw_counts, valid),
    )


def anthropic(level: int = 0) -> Reading:
    b = _Body(level)
    usage = b.pick("usage")
    write = (
        f"COALESCE(NULLIF({usage}.cache_creation_input_tokens, 0), "
        f"COALESCE({usage}.cache_creation.ephemeral_5m_input_tokens, 0) "
        f"+ COALESCE({usage}.cache_creation.ephemeral_1h_input_tokens, 0))"
    )
    read = f"COALESCE({usage}.cache_read_input_tokens, 0)"
    counts = {
        "inp": f"{usage}.input_tokens + {read} + {write}",
        "outp": f"COALESCE({usage}.output_tokens, 0)",
        "cached_raw": read,
        "write_raw": write,
        "write_1h": f"COALESCE({usage}.cache_creation.ephemeral_1h_input_tokens, 0)",
        "reasoning": f"COALESCE({usage}.output_tokens_details.thinking_tokens, 0)",
    }
    truncated = f"COALESCE({b.pick('stop_reason')} = 'max_tokens', false)"
    raw_counts = [
        f"{usage}.{k}"
        for k in ("input_tokens", "output_tokens", "cache_read_input_tokens", "cache_creation_input_tokens")
    ] + [
        f"{usage}.cache_creation.ephemeral_5m_input_tokens",
        f"{usage}.cache_creation.ephemeral_1h_input_tokens",
        f"{usage}.output_tokens_details.thinking_tokens",
    ]
    valid = f"{usage}.input_tokens IS NOT NULL"
    return Reading(
        _columns(_ANTHROPIC_USAGE, level),
        _body_select(b, counts, truncated, "'anthropic'", (), "NULL", raw_counts, valid),
    )


def _body_select(
    b: _Body,
    counts: dict[str, str],
    truncated: str,
    default_provider: str,
    ts_keys: tuple[str, ...],
    body_cost: str,
    raw_counts: list[str],
    valid: str,
) -> str:
    checks = " AND ".join(count_ok(c) for c in raw_counts)
    # A request billed at another service tier (a Batch API output line, `service_tier: flex/priority`)
    # is priced at that tier's rates by the streaming reader: such a file is left to it.
    standard = f"COALESCE(lower({b.pick('service_tier')}), 'default') IN ('default', 'standard', 'auto')"
    if b.level:
        standard += " AND custom_id IS NULL"
    checks = f"{checks} AND {standard}"
    tokens = ", ".join(f"{expr} AS {name}" for name, expr in counts.items())
    return f"""SELECT {b.pick("model")} AS model, {b.provider(default_provider)} AS provider,
       {b.envelope(ts_keys, body_cost)}, {tokens}, {truncated} AS truncated, {b.rid()} AS rid,
       (COALESCE({_where(b.level)}, false) AND {valid} AND {checks}) AS valid, true AS keep
FROM {{src}}"""


# -- OpenTelemetry GenAI spans, one per line, attributes as a flat map (or at the top level) ----------

_OTEL_COUNTS = (
    "gen_ai.usage.input_tokens",
    "gen_ai.usage.prompt_tokens",
    "gen_ai.usage.output_tokens",
    "gen_ai.usage.completion_tokens",
    "gen_ai.usage.cache_read.input_tokens",
    "gen_ai.usage.cache_read_tokens",
    "gen_ai.usage.cache_creation.input_tokens",
    "gen_ai.usage.cache_creation_tokens",
    "gen_ai.usage.reasoning.output_tokens",
    "gen_ai.usage.cost",
)
# The streaming reader's keys (`baseline/dialects/otel.py`), so both engines read the same fields.
_OTEL_TEXT = (
    *otel_keys.MODEL_KEYS,
    "gen_ai.provider.name",
    "gen_ai.system",
    "gen_ai.operation.name",
    *otel_keys.FEATURE_KEYS,
    "error.type",
)
_OTEL_TIME = otel_keys.TIME_KEYS


def _sql_list(values: set[str]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in sorted(values)) + ")"


_ROLLUPS = _sql_list(otel_keys.ROLLUPS)
_TRUNCATED = _sql_list(otel_keys.TRUNCATED)


def otel(level: int = 0) -> Reading:
    attrs = {
        **{k: "DOUBLE" for k in _OTEL_COUNTS},
        **{k: "VARCHAR" for k in _OTEL_TEXT},
        "gen_ai.response.finish_reasons": "JSON",
        "gen_ai": "JSON",
    }
    columns = {
        "attributes": _struct(attrs),
        **{k: "VARCHAR" for k in _OTEL_TIME},
        "status": "JSON",
        "spanId": "VARCHAR",
        "span_id": "VARCHAR",
        "resourceSpans": "JSON",
        "resourceLogs": "JSON",
        **{k: v for k, v in attrs.items() if k not in ("feature_tag", "feature")},
        "feature_tag": "VARCHAR",
        "feature": "VARCHAR",
    }

    def a(key: str) -> str:  # `attributes` when the record has them, else the record itself
        return f'(CASE WHEN attributes IS NOT NULL THEN attributes."{key}" ELSE "{key}" END)'

    def first_text(*keys: str) -> str:
        return _first(*(f"NULLIF({a(k)}, '')" for k in keys), "NULL")

    def first_count(*keys: str) -> str:
        return _first(*(a(k) for k in keys), "0")

    has_usage = " OR ".join(f"{a(k)} IS NOT NULL" for k in _OTEL_COUNTS[:4])
    model = first_text(*otel_keys.MODEL_KEYS)
    keep = f"({has_usage}) AND COALESCE({a('gen_ai.operation.name')} NOT IN {_ROLLUPS}, true) AND {model} IS NOT NULL"
    status = (
        "(CASE WHEN status IS NULL THEN '' WHEN json_type(status) = 'OBJECT' THEN "
        "upper(COALESCE(NULLIF(status->>'$.code', ''), NULLIF(status->>'$.status_code', ''), 'None')) "
        "ELSE upper(COALESCE(status->>'$', '')) END)"
    )
    failed = f"({status} IN ('2', 'STATUS_CODE_ERROR', 'ERROR') OR {a('error.type')} IS NOT NULL)"
    reasons = a("gen_ai.response.finish_reasons")
    truncated = (
        f"(CASE WHEN {reasons} IS NULL THEN false WHEN json_type({reasons}) = 'ARRAY' THEN "
        f"COALESCE(list_bool_or(list_transform(CAST({reasons} AS VARCHAR[]), "
        f"lambda r: lower(r) IN {_TRUNCATED})), false) "
        f"WHEN json_type({reasons}) = 'VARCHAR' THEN lower({reasons}->>'$') IN {_TRUNCATED} "
        f"ELSE NULL END)"
    )
    ts = _first(*(f"NULLIF({k}, '')" for k in _OTEL_TIME), "NULL")
    checks = " AND ".join(count_ok(a(k)) for k in _OTEL_COUNTS[:-1])
    cost = a("gen_ai.usage.cost")
    valid = (
        f"resourceSpans IS NULL AND resourceLogs IS NULL AND {a('gen_ai')} IS NULL AND {truncated} IS NOT NULL "
        f"AND {checks} AND ({cost} IS NULL OR ({cost} >= 0 AND {cost} < 1e9))"
    )
    select = f"""SELECT {model} AS model, lower({first_text("gen_ai.provider.name", "gen_ai.system")}) AS provider,
       COALESCE({first_text(*otel_keys.FEATURE_KEYS)}, '') AS feature,
       {ts} AS ts_text, {epoch_of(ts)} AS ts, NOT {failed} AS ok, 0 AS retries, {cost} AS cost,
       {first_count("gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens")} AS inp,
       {first_count("gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens")} AS outp,
       {first_count("gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_read_tokens")} AS cached_raw,
       {first_count("gen_ai.usage.cache_creation.input_tokens", "gen_ai.usage.cache_creation_tokens")} AS write_raw,
       0 AS write_1h, {first_count("gen_ai.usage.reasoning.output_tokens")} AS reasoning,
       COALESCE({truncated}, false) AS truncated, COALESCE(NULLIF(spanId, ''), NULLIF(span_id, '')) AS rid,
       ({valid}) AS valid, ({keep}) AS keep
FROM {{src}}"""
    return Reading(columns, select)


# -- Langfuse: one observation (type GENERATION) or one ingestion event per line ---------------------

_LF_EVENTS = "('generation-create', 'generation-update', 'observation-create', 'observation-update')"


def langfuse(level: int = 0) -> Reading:
    usage = (
        "STRUCT(input DOUBLE, output DOUBLE, promptTokens DOUBLE, completionTokens DOUBLE, prompt_tokens DOUBLE, "
        "completion_tokens DOUBLE, input_tokens DOUBLE, output_tokens DOUBLE, unit VARCHAR, totalCost DOUBLE)"
    )
    generation = {
        "id": "VARCHAR",
        "type": "VARCHAR",
        "name": "VARCHAR",
        "model": "VARCHAR",
        "providedModelName": "VARCHAR",
        "startTime": "VARCHAR",
        "timestamp": "VARCHAR",
        "level": "VARCHAR",
        "usage": usage,
        "usageDetails": "MAP(VARCHAR, DOUBLE)",
        "costDetails": "MAP(VARCHAR, DOUBLE)",
        "calculatedTotalCost": "DOUBLE",
        "totalCost": "DOUBLE",
        **_TAGS,
    }
    columns = {**generation, "body": _struct(generation), "batch": "JSON", "data": "JSON"}
    event = f"type IN {_LF_EVENTS}"

    def g(field: str) -> str:  # the generation: an event's body, else the record itself
        return f"(CASE WHEN {event} THEN body.{field} ELSE {field} END)"

    details = g("usageDetails")
    has_details = f"COALESCE(cardinality({details}) > 0, false)"

    def bucket(condition: str) -> str:
        return (
            f"COALESCE(list_sum(list_transform(map_entries({details}), lambda e: "
            f"CASE WHEN {condition} THEN e.value ELSE 0 END)), 0)"
        )

    def has(*words: str) -> str:  # the key, lower-cased, contains one of the words
        return "(" + " OR ".join(f"contains(lower(e.key), '{w}')" for w in words) + ")"

    is_in = has("input", "prompt")
    is_out = f"(NOT {is_in} AND {has('output', 'completion')})"
    legacy = g("usage")
    counts = {
        "inp": (
            f"CASE WHEN {has_details} THEN {bucket(is_in)} "
            f"ELSE COALESCE({legacy}.input, {legacy}.promptTokens, {legacy}.prompt_tokens, {legacy}.input_tokens, 0) END"
        ),
        "outp": (
            f"CASE WHEN {has_details} THEN {bucket(is_out)} ELSE COALESCE({legacy}.output, "
            f"{legacy}.completionTokens, {legacy}.completion_tokens, {legacy}.output_tokens, 0) END"
        ),
        "cached_raw": f"CASE WHEN {has_details} THEN {bucket(is_in + ' AND ' + has('cache_read', 'cached'))} ELSE 0 END",
        "write_raw": (
            f"CASE WHEN {has_details} THEN {bucket(is_in + ' AND ' + has('cache_creation', 'cache_write'))} ELSE 0 END"
        ),
        "write_1h": "0",
        "reasoning": f"CASE WHEN {has_details} THEN {bucket(is_out + ' AND ' + has('reasoning'))} ELSE 0 END",
    }
    details_ok = (
        f"COALESCE(list_bool_and(list_transform(map_values({details}), "
        f"lambda v: v >= 0 AND v < 1e9 AND v = trunc(v))), true)"
    )
    legacy_ok = " AND ".join(
        count_ok(f"{legacy}.{k}")
        for k in (
            "input",
            "output",
            "promptTokens",
            "completionTokens",
            "prompt_tokens",
            "completion_tokens",
            "input_tokens",
            "output_tokens",
        )
    )
    tokens_ok = (
        f"(CASE WHEN {has_details} THEN {details_ok} ELSE {legacy} IS NOT NULL AND {legacy_ok} "
        f"AND upper(COALESCE(NULLIF({legacy}.unit, ''), 'TOKENS')) = 'TOKENS' END)"
    )
    cost_details = g("costDetails")
    cost = (
        f"(CASE WHEN COALESCE(cardinality({cost_details}) > 0, false) THEN "
        f"COALESCE({cost_details}['total'], list_sum(map_values({cost_details}))) "
        f"WHEN {legacy}.totalCost IS NOT NULL THEN {legacy}.totalCost "
        f"ELSE COALESCE({g('calculatedTotalCost')}, {g('totalCost')}) END)"
    )
    pairs = zip(_flat_feature("body"), _flat_feature(""))
    feature = _first(
        *(f"(CASE WHEN {event} THEN {b} ELSE {o} END)" for b, o in pairs), f"NULLIF({g('name')}, '')", "''"
    )
    ts_text = f"COALESCE(NULLIF({g('startTime')}, ''), NULLIF(CASE WHEN {event} THEN COALESCE(body.timestamp, timestamp) ELSE timestamp END, ''))"
    is_generation = (
        "((type IN ('generation-create', 'generation-update')) OR (type IN ('observation-create', "
        "'observation-update') AND COALESCE(body.type, 'GENERATION') = 'GENERATION') OR type = 'GENERATION')"
    )
    keep = f"{is_generation} AND ({legacy} IS NOT NULL OR {details} IS NOT NULL)"
    tokens = ", ".join(f"{expr} AS {col}" for col, expr in counts.items())
    select = f"""SELECT COALESCE(NULLIF({g("model")}, ''), NULLIF({g("providedModelName")}, '')) AS model, '' AS provider,
       {feature} AS feature, {ts_text} AS ts_text, {epoch_of(ts_text)} AS ts, COALESCE({g("level")}, '') <> 'ERROR' AS ok,
       0 AS retries, {cost} AS cost, {tokens}, false AS truncated, NULLIF({g("id")}, '') AS rid,
       (batch IS NULL AND data IS NULL AND {tokens_ok} AND COALESCE({cost} >= 0 AND {cost} < 1e9, true)) AS valid,
       ({keep}) AS keep
FROM {{src}}"""
    return Reading(columns, select)


def body_level(record: dict[str, Any]) -> int:
    """Where `body_of(record, "usage")` finds the body: 0 the record, 1 `response`, 2 `response.body`,
    3 `body` (-1 elsewhere: such files are left to the streaming reader)."""
    if "usage" in record:
        return 0
    response, body = record.get("response"), record.get("body")
    if isinstance(response, dict):
        if "usage" in response:
            return 1
        inner = response.get("body")
        return 2 if isinstance(inner, dict) and "usage" in inner else -1
    return 3 if isinstance(body, dict) and "usage" in body else -1


READINGS: dict[str, Callable[[int], Reading]] = {
    "openai": openai,
    "anthropic": anthropic,
    "otel": otel,
    "langfuse": langfuse,
}
