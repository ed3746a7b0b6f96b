"""This repository as the real `pre-commit` client installs it: a copy of the working tree (tracked and
untracked files, uncommitted edits included), and the environment variables that must not leak in."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.support.repos import ENV_VARS, ROOT

# Variables that a surrounding git hook, pre-commit run or shell could leak into the children.
LEAKY = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_PREFIX",
    "AIOPT_SKIP",
    "AIOPT_BASELINE",
    "SKIP",
    "PRE_COMMIT",
    "PRE_COMMIT_FROM_REF",
    "PRE_COMMIT_TO_REF",
    "PRE_COMMIT_HOME",
    "VIRTUAL_ENV",
    "COLUMNS",
) + ENV_VARS


def copy_working_tree(dest: Path) -> None:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    for rel in sorted(set(filter(None, listed.split("\0")))):
        src = ROOT / rel
        if not src.is_file():  # tracked but deleted in the working tree
            continue
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, target)
