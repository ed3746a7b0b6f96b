"""Duplicate log rows: a request logged twice (a shipper's retry, a log concatenated with itself).

Stage: log record -> (is this request id a repeat?).  A row's request id is the first of its id
fields (`request_id`, `id`, `span_id`, ... or the AIOpt wrapper's `trace_id` + `attempt`); rows
without one are never called duplicates.  Seen ids are kept exactly (as 64-bit hashes, 16 bytes
each) for the first MAX_IDS distinct ids of a log, so memory stays bounded on a log of any size;
later new ids are not checked.  Duplicates are counted and reported; with `baseline.dedupe: true`
they are also left out of the baseline.
"""

from __future__ import annotations

from array import array
from typing import TYPE_CHECKING, Any

from aiopt_hooks.records import Finding

if TYPE_CHECKING:
    from aiopt_hooks.records import Finding

ID_KEYS = (
    "request_id",
    "requestId",
    "response_id",
    "responseId",
    "litellm_call_id",
    "call_id",
    "span_id",
    "spanId",
    "id",
)
NESTED = ("response", "body", "context")  # wrappers whose id is the request's (Batch API lines, OTel spans)
_ANY_ID = frozenset((*ID_KEYS, *NESTED, "trace_id"))
MAX_IDS = 4_000_000  # a 2**23-slot table: 64 MiB (96 MiB while it doubles)
MAX_SHOWN = 5


def request_id(record: dict[str, Any]) -> str | None:
    """The id that names this request in the log, or None when the row carries none."""
    present = record.keys() & _ANY_ID  # the common case (no id at all) is this one set operation
    if not present:
        return None
    for key in ID_KEYS:
        if key in present and _usable(value := record[key]):
            return f"{key}\0{value}"
    for wrapper in NESTED:
        inner = record.get(wrapper) if wrapper in present else None
        if isinstance(inner, dict):
            found = next((f"{key}\0{inner[key]}" for key in ID_KEYS if _usable(inner.get(key))), None)
            if found:
                return found
    if "trace_id" in present and _usable(record["trace_id"]):
        return f"trace_id\0{record['trace_id']}\0{record.get('attempt', '')}"
    return None


def _usable(value: Any) -> bool:
    return isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip() != ""


class SeenIds:
    """An exact set of request ids, kept as 64-bit hashes in one open-addressing table (16 bytes an
    id); it stops growing at MAX_IDS distinct ids, so memory stays bounded on a log of any size."""

    def __init__(self) -> None:
        self.table = array("Q", bytes(8 * 1024))
        self.mask = 1023
        self.count = 0

    def repeated(self, key: str) -> bool:
        """Record `key`; True when it was recorded before."""
        h = hash(key) & 0xFFFFFFFFFFFFFFFF or 1  # 0 marks an empty slot
        table, mask = self.table, self.mask
        i = h & mask
        while (slot := table[i]) != 0:
            if slot == h:
                return True
            i = (i + 1) & mask
        if self.count >= MAX_IDS:  # past MAX_IDS an id is not checked
            return False
        table[i] = h
        self.count += 1
        if self.count * 2 > mask:
            self._grow()
        return False

    def _grow(self) -> None:
        old = self.table
        self.mask = self.mask * 2 + 1
        self.table = table = array("Q", bytes(8 * (self.mask + 1)))
        for h in old:
            if h:
                i = h & self.mask
                while table[i]:
                    i = (i + 1) & self.mask
                table[i] = h


def note_duplicate(lines: list[str], name: str, line: int) -> None:
    """Remember where the first duplicates are (for the report)."""
    if len(lines) < MAX_SHOWN:
        lines.append(f"{name}:{line}")


def duplicates_finding(count: int, lines: list[str], paths: list[str], dropped: bool) -> Finding:
    """The report's note about repeated request ids: counted twice, or left out with `dedupe`."""

    where = f" (first: {', '.join(lines)})" if lines else ""
    if dropped:
        return Finding(
            "info",
            "duplicate_log_rows",
            f"{count:,} log rows repeat a request id already seen{where}: left out (baseline.dedupe)",
            file=", ".join(paths),
        )
    return Finding(
        "warn",
        "duplicate_log_rows",
        f"{count:,} log rows repeat a request id already seen{where} and are counted as requests; "
        "set `baseline.dedupe: true` in .aiopt.yaml to leave them out",
        file=", ".join(paths),
    )
