"""The `.pre-commit-config.yaml` entry `aiopt init` prints: this installation's own repository and a
`rev:` that resolves there (the commit it was installed from), never a tag that may not exist.

pip, pipx and uv record where a distribution came from in its `direct_url.json` (PEP 610): a git URL
and the commit for `git+https://...@rev`, a local directory for `pip install -e .` or a path.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import NamedTuple
from urllib.parse import unquote, urlparse

from aiopt_hooks.repo.git import resolve_ref

DIST = "aiopt-hooks"
PLACEHOLDER_REPO = "https://github.com/<your-org>/aiopt-hooks"


class HookSource(NamedTuple):
    repo: str
    rev: str | None  # None: unknown here (installed from an index or an archive)
    note: str


def _direct_url() -> dict[str, object]:
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        text = distribution(DIST).read_text("direct_url.json")
    except PackageNotFoundError:
        return {}
    try:
        data = json.loads(text) if text else {}
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def hook_source(direct: dict[str, object] | None = None) -> HookSource:
    """Where the hook repository is and the commit to pin, from how this copy was installed."""
    direct = _direct_url() if direct is None else direct
    url = str(direct.get("url") or "")
    vcs = direct.get("vcs_info")
    if isinstance(vcs, dict) and vcs.get("vcs") == "git" and vcs.get("commit_id"):
        return HookSource(url, str(vcs["commit_id"]), "the commit this aiopt was installed from")
    if url.startswith("file://"):
        folder = Path(unquote(urlparse(url).path))
        commit = resolve_ref(folder, "HEAD") if (folder / ".git").exists() else None
        if commit:
            return HookSource(str(folder), commit, "the current commit of the local repository aiopt runs from")
    return HookSource(PLACEHOLDER_REPO, None, "this aiopt was not installed from a git repository")


def pre_commit_snippet(source: HookSource | None = None) -> str:
    source = source or hook_source()
    rev = (
        f"{source.rev}   # {source.note}; `pre-commit autoupdate` moves it to the latest tag"
        if source.rev
        else "<a tag or commit of that repository>   # `git ls-remote --tags URL` lists them"
    )
    return f"repos:\n-   repo: {source.repo}\n    rev: {rev}\n    hooks:\n    -   id: aiopt-guard\n"
