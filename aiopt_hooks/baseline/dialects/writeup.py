"""The usage log of the AIOpt write-up's sample: `timestamp, model_id, prompt_tokens, response_tokens,
total_tokens, cost, endpoint, user_id`.

Stage: log record -> Request.  `endpoint` is the feature tag when no better tag (`feature_tag`,
`feature`, `route`, `meta.*`) exists; output is `response_tokens`, else `total_tokens - prompt_tokens`;
`cost` is the stated cost; the provider is left to the price data.  `user_id` is only counted
(distinct users): it is never stored in a summary or printed.
"""

from __future__ import annotations

from typing import Any

from aiopt_hooks.baseline.dialects.base import Dialect
from aiopt_hooks.baseline.dialects.fields import count, feature_of, first, is_ok, make_request, parse_cost, retries_of
from aiopt_hooks.baseline.model import Request
from aiopt_hooks.baseline.timestamps import parse_ts


def detect(row: dict[str, Any]) -> bool:
    return "model_id" in row and "prompt_tokens" in row and ("response_tokens" in row or "total_tokens" in row)


def normalize(row: dict[str, Any]) -> Request:
    prompt = count(row, "prompt_tokens")
    if row.get("response_tokens") not in (None, ""):
        output = count(row, "response_tokens")
    else:
        total = count(row, "total_tokens")
        if total < prompt:
            raise ValueError("`total_tokens` is less than `prompt_tokens` and there is no `response_tokens`")
        output = total - prompt
    user = row.get("user_id")
    return make_request(
        model=row.get("model_id"),
        input=prompt,
        output=output,
        provider=str(row.get("provider") or ""),
        feature=feature_of(row),
        ts=parse_ts(first(row, "timestamp", "ts")),
        ok=is_ok(row),
        retries=retries_of(row),
        cost=parse_cost(first(row, "cost", "cost_usd")),
        user="" if user is None else str(user),
    )


DIALECT = Dialect("writeup", detect, normalize)
