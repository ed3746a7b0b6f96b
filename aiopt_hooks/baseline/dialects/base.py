"""The log dialect type: how one dialect recognises its rows and reads each into a `Request`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from aiopt_hooks.baseline.model import Request


class Dialect(NamedTuple):
    name: str
    detect: Callable[[dict[str, Any]], bool]
    normalize: Callable[[dict[str, Any]], Request]  # raises ValueError/KeyError/TypeError on a bad row
    # Records that wrap several requests (an export batch, a span with events) -> the inner
    # records `normalize` reads; None when every record is one request.
    unpack: Callable[[dict[str, Any]], Iterable[dict[str, Any]]] | None = None
