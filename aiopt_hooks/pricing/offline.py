"""Loads the genai-prices data without its network updater: the price stage stays offline.

`genai_prices/__init__.py` imports `update_prices`, which imports an HTTP client (`httpx2`) at
import time, although nothing fetches unless `UpdatePrices().start()` is called.  Before the
package is first imported, a stand-in `genai_prices.update_prices` is registered: it has the
names the package re-exports, but starting an update raises.  So an `aiopt` process never
imports an HTTP client, and genai-prices' auto-update cannot run even by mistake; the bundled
snapshot (`genai_prices.data`, shipped in the wheel) is the only price source.

When the real package was already imported (a program embedding aiopt_hooks), it is left as is.
"""

from __future__ import annotations

import sys
import types
from typing import Any

STUB_NAME = "genai_prices.update_prices"
UPDATER_DISABLED = "aiopt-hooks runs offline: genai-prices' price auto-update is disabled in this process"


class _NoUpdates:
    """Stands in for `genai_prices.UpdatePrices`: any attempt to fetch prices fails loudly."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise RuntimeError(UPDATER_DISABLED)


def _never_updated(timeout: float | None = None) -> bool:
    return False


async def _never_updated_async(timeout: float | None = None) -> bool:
    return False


def _stub() -> types.ModuleType:
    module = types.ModuleType(STUB_NAME, "aiopt-hooks' offline stand-in for genai-prices' HTTP updater")
    module.UpdatePrices = _NoUpdates  # type: ignore[attr-defined]
    module.wait_prices_updated_sync = _never_updated  # type: ignore[attr-defined]
    module.wait_prices_updated_async = _never_updated_async  # type: ignore[attr-defined]
    module.DEFAULT_UPDATE_URL = ""  # type: ignore[attr-defined]
    module.__all__ = (  # type: ignore[attr-defined]
        "UpdatePrices",
        "wait_prices_updated_sync",
        "wait_prices_updated_async",
    )
    return module


def load_price_data() -> Any:
    """`genai_prices.data_snapshot`, imported without the HTTP updater (see the module docstring)."""
    if "genai_prices" not in sys.modules:
        sys.modules.setdefault(STUB_NAME, _stub())
    from genai_prices import data_snapshot

    return data_snapshot


def bundled_snapshot() -> Any:
    """The price data shipped with the installed genai-prices (never a fetched one)."""
    data_snapshot = load_price_data()
    snapshot = data_snapshot.get_snapshot()
    if getattr(snapshot, "from_auto_update", False):  # set by an embedding program's updater
        return data_snapshot._bundled_snapshot()
    return snapshot
