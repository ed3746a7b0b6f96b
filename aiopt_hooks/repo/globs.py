"""Glob matching with `**`, used to decide which changed paths are watched (hot path: stdlib only).

A pattern is translated once into a regex and the literal runs between its wildcards.  A path that
lacks one of those runs cannot match, so most paths are turned away without the regex, which is
compiled only for a path that could match (compiling the ~20 default watch globs cost every commit
~1 ms, for a README.md that none of them matches).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable


@functools.lru_cache(maxsize=256)
def _translate(pattern: str) -> tuple[str, tuple[str, ...]]:
    """(regex source, the literal runs every match contains) of a glob."""
    pattern = pattern.lstrip("/")
    if pattern.startswith("./"):
        pattern = pattern[2:]
    if pattern.endswith("/"):
        pattern += "**"
    out = []
    runs = [""]  # the literal run being read last; a wildcard starts a new one
    i = 0
    while i < len(pattern):
        c = pattern[i]
        end = _bracket_end(pattern, i) if c == "[" else -1
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 2
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 1
        elif c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif end != -1:
            out.append(_bracket(pattern[i : end + 1]))
            i = end
        else:
            out.append(re.escape(c))
            runs[-1] += c
            i += 1
            continue
        runs.append("")
        i += 1
    regex = "".join(out)
    # A pattern without a slash matches the file name in any folder, like .gitignore.
    if "/" not in pattern:
        regex = "(?:.*/)?" + regex
    return regex + r"\Z", tuple(run for run in runs if run)


def _bracket_end(pattern: str, start: int) -> int:
    """Where the set opened at `start` closes (-1: none, so `[` is a literal), scanned as `fnmatch`
    does: a `]` right after `[` or `[!` is a member, not the end (`[]]`, `[!]]`)."""
    j = start + 1
    if j < len(pattern) and pattern[j] == "!":
        j += 1
    if j < len(pattern) and pattern[j] == "]":
        j += 1
    end = pattern.find("]", j)
    return end


def _bracket(text: str) -> str:
    """A `[...]` set as a regex, by `fnmatch` (which also drops reversed ranges such as `[z-a]`): always
    a valid regex, where a hand translation of `[]` or `[!]` was not."""
    import fnmatch

    return fnmatch.translate(text).removeprefix("(?s:").removesuffix(")\\Z")


@functools.lru_cache(maxsize=256)
def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(_translate(pattern)[0])


def match_path(path: str, pattern: str) -> bool:
    if not all(run in path for run in _translate(pattern)[1]):
        return False
    return _compile(pattern).match(path) is not None


def match_any(path: str, patterns: Iterable[str]) -> bool:
    return any(match_path(path, p) for p in patterns)
