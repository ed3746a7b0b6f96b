"""File arguments -> repository paths: what `aiopt check FILE...` narrows the check to.

pre-commit passes paths relative to the repository's top, from the top; lint-staged and editors
pass absolute paths; a person types them relative to the directory they stand in, or names a
directory (`aiopt check config/`, or `.`), which selects the changed files under it.  So a relative
path is read from the current directory when that directory is inside the repository (from the
top it is the same thing), and from the repository's top when the command runs from outside it
with `--repo DIR`.  An absolute path is mapped into the repository, through symlinked directories
too (a `/tmp` that is a link); a path that ends up outside the repository is an error, never
silently "nothing to check".
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path, PurePath

from aiopt_hooks.errors import AioptError


def _inside(path: str, root: str) -> str | None:
    """`path` relative to `root` with `/` separators (`.` for the root), or None when it is not under `root`."""
    rel = os.path.relpath(path, root)
    if rel == os.pardir or rel.startswith(os.pardir + os.sep) or os.path.isabs(rel):
        return None
    return PurePath(rel).as_posix()


def selects(path: str | None, wanted: set[str]) -> bool:
    """True when a changed file's repository path is one of `wanted` or lies under one of them."""
    if path is None:
        return False
    return path in wanted or "." in wanted or any(path.startswith(w + "/") for w in wanted)


def repository_paths(args: Sequence[str], root: Path, cwd: str | None = None) -> tuple[str, ...]:
    """Each file argument as a path relative to the repository's top (the form git lists)."""
    here = os.path.realpath(cwd or os.getcwd())
    tops = [os.path.normpath(str(root)), os.path.realpath(root)]
    base = here if _inside(here, tops[1]) is not None else tops[0]
    mapped = []
    for arg in args:
        full = os.path.normpath(os.path.join(base, arg))
        # the directory through its symlinks, the file name as written (a symlinked file is itself the change)
        real = os.path.join(os.path.realpath(os.path.dirname(full)), os.path.basename(full))
        rel = next((r for path in (full, real) for top in tops if (r := _inside(path, top)) is not None), None)
        if rel is None:
            raise AioptError(
                f"is outside the repository {tops[0]}",
                file=arg,
                hint="pass files of this repository (relative to the current directory, or absolute)",
            )
        mapped.append(rel)
    return tuple(mapped)
