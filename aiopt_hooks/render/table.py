"""Text tables that fit a terminal: columns narrowed and their cells wrapped until the table fits the
width (100 columns, or COLUMNS), widest columns first.  The full cells stay in JSON and Markdown.
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import Mapping, Sequence

DEFAULT_WIDTH = 100
GAP = "  "
FLOOR = 4  # narrower than this a column is unreadable: the table overflows instead


def terminal_width(env: Mapping[str, str] | None = None) -> int:
    """COLUMNS when it is a sensible number (a shell exports it; a hook's output is read in a terminal
    of that size), else 100: never the width of a pipe, which pre-commit and CI give us."""
    raw = (os.environ if env is None else env).get("COLUMNS", "").strip()
    return int(raw) if raw.isdigit() and 20 <= int(raw) <= 1000 else DEFAULT_WIDTH


def _longest_word(text: str) -> int:
    return max((len(word) for word in text.split()), default=0)


def _widths(cells: list[list[str]], width: int, last: Sequence[int]) -> list[int]:
    """Each column's width: its natural width, then the widest narrowed first: headers wrapped first,
    then cells to whole words, and below them (long words broken) only when needed."""
    columns = list(zip(*cells))
    natural = [max(len(c) for c in col) for col in columns]
    headers_wrapped = [max(FLOOR, _longest_word(col[0]), *(len(c) for c in col[1:])) for col in columns]
    words = [max(FLOOR, max(_longest_word(c) for c in col)) for col in columns]
    widths = list(natural)
    budget = width - len(GAP) * (len(widths) - 1)
    for floors, spare in ((headers_wrapped, last), (words, last), ([FLOOR] * len(widths), ())):
        while sum(widths) > budget:  # `last` is spared while words stay whole; past that, the widest breaks
            roomy = [i for i, (w, f) in enumerate(zip(widths, floors)) if w > f]
            roomy = [i for i in roomy if i not in spare] or roomy
            if not roomy:
                break
            widths[max(roomy, key=lambda i: widths[i])] -= 1
        if sum(widths) <= budget:
            break
    return widths


def _wrap(text: str, width: int) -> list[str]:
    if len(text) <= width:
        return [text]
    return textwrap.wrap(text, width, break_long_words=True, break_on_hyphens=False) or [""]


def fit_table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], width: int | None = None, last: Sequence[str] = ()
) -> str:
    """The rows under their headers, a dashed rule between, columns two spaces apart, at most `width`
    characters a line (default: `terminal_width()`) unless even the narrowest layout is wider.
    Columns named in `last` (the one a reader scans, such as the change) are narrowed only after the others."""
    width = terminal_width() if width is None else width
    cells = [[str(h) for h in headers], *[[str(c) for c in row] for row in rows]]
    widths = _widths(cells, width, [i for i, h in enumerate(headers) if h in last])
    out: list[str] = []
    for index, row in enumerate(cells):
        wrapped = [_wrap(cell, w) for cell, w in zip(row, widths)]
        for line in range(max(len(w) for w in wrapped)):
            parts = [(w[line] if line < len(w) else "").ljust(cw) for w, cw in zip(wrapped, widths)]
            out.append(GAP.join(parts).rstrip())
        if index == 0:
            out.append(GAP.join("-" * w for w in widths))
    return "\n".join(out)
