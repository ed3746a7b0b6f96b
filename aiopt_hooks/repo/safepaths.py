"""Path confinement: what a repository's config names is read only inside that repository.

A cloned repository's `.aiopt.yaml` is not trusted to make the hook read other files of the
machine: a relative path that climbs out with `..`, or a symlink that resolves outside the work
tree, is refused.  A path written as absolute in the config is the user's explicit choice and is
read as written.  (Config and prompt files themselves come from git objects, never the disk.)
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath
from typing import Any

from aiopt_hooks.errors import AioptError

OUTSIDE_HINT = (
    "write it as an absolute path in .aiopt.yaml (or pass --baseline /abs/path) to read a file outside the repository"
)


def climbs_out(relative: str) -> bool:
    """True when a relative path or glob leaves its root (`../x`, `a/../../x`)."""
    depth = 0
    for part in PurePosixPath(relative.replace("\\", "/")).parts:
        if part == "..":
            depth -= 1
            if depth < 0:
                return True
        elif part not in (".", "/"):
            depth += 1
    return False


def confine(pattern: str, matches: list[str], root: Path) -> list[str]:
    """The `matches` of a relative baseline pattern that really are inside the repository.

    Raises when the pattern itself climbs out, or when every match is a symlink to a file outside
    (a glob keeps its matches inside and skips the others)."""
    if climbs_out(pattern):
        raise AioptError("leaves the repository (`..`): refused", file=pattern, hint=OUTSIDE_HINT)
    real_root = root.resolve()
    kept = [m for m in matches if Path(os.path.realpath(m)).is_relative_to(real_root)]
    if matches and not kept:
        raise AioptError("is a symlink to a file outside the repository: not followed", file=pattern, hint=OUTSIDE_HINT)
    return kept


def check_feature_files(raw: dict[str, Any], path: str) -> None:
    """`features.<name>.files` name repository paths: an entry climbing out with `..` is an error."""
    features = raw.get("features") or {}
    for name, spec in features.items():
        files = (spec or {}).get("files") or []
        for entry in [files] if isinstance(files, str) else files:
            if climbs_out(entry.split("#", 1)[0]):
                raise AioptError(
                    f"`features.{name}.files` entry {entry!r} leaves the repository (`..`)",
                    file=path,
                    line=getattr(spec, "lines", {}).get("files"),
                    hint="name files by their path inside the repository",
                )
