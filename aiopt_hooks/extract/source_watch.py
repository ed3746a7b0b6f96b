"""Which changed source files enter the check: the `code:` globs, and only files importing an LLM SDK.

Stage: changed files -> watched files, on every commit's hot path: no YAML, no parser, no pricing.
A changed `.py`/`.ts`/`.js` file that is not a test or vendored code is read (both sides, in one
`git cat-file` call) and kept when either side imports an LLM SDK (`source_calls.SDK_IMPORT`);
a commit that touches only other source files stays a no-op.
"""
from __future__ import annotations

from pathlib import Path

from aiopt_hooks.config import Config
from aiopt_hooks.extract.source_calls import is_source, uses_llm_sdk
from aiopt_hooks.repo.git import FileChange, read_blobs
from aiopt_hooks.repo.globs import match_any


def _candidate(path: str | None, config: Config) -> bool:
    return path is not None and is_source(path) and match_any(path, config.code)


def llm_source_changes(root: Path, files: list[FileChange], config: Config) -> list[FileChange]:
    """The changed source files (among `files`) whose old or new content imports an LLM SDK."""
    if not config.code:
        return []
    candidates = [f for f in files if _candidate(f.path, config) or _candidate(f.old_path, config)]
    blobs = read_blobs(root, list(dict.fromkeys(s for f in candidates for s in (f.old_sha, f.new_sha) if s)))
    return [f for f in candidates
            if any(uses_llm_sdk(blobs.get(sha, b"").decode("utf-8", "replace")) for sha in (f.old_sha, f.new_sha)
                   if sha)]
