"""The prompt the log was recorded with: each changed feature's static prompt at HEAD vs in the
last commit before the log's latest request (the log era).

Stage: after the baseline is read (it gives the log's dates), before the estimate.  Log rows do
not carry the prompt; git history does.  The commit in force when the log's latest request was
made is the best proxy for what was deployed (a deploy may lag its commit: the adjustment is an
estimate).  Where a feature's static prompt differs, its changes carry
`spec["_log_era_prompt"] = {"head": tokens, "log": tokens, "commit": short id}`, and the estimate
re-prices the baseline to HEAD's prompt first (aiopt_hooks.pricing.drift).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiopt_hooks.config import Config
from aiopt_hooks.errors import AioptError
from aiopt_hooks.extract.diffing import Tree, _explicit_feature, _prompt_text, _TooLarge
from aiopt_hooks.extract.registry import extract_call_specs
from aiopt_hooks.records import CallSpec, Change
from aiopt_hooks.repo.git import BlobReader, commit_before, resolve_ref

KEY = "_log_era_prompt"


def _spec_of(tree: Tree, path: str, feature: str) -> CallSpec | None:
    try:
        specs = extract_call_specs(path, tree.text(path) or "")
    except (AioptError, _TooLarge, UnicodeError):
        return None
    return next((s for s in specs if (_explicit_feature(s, tree.config) or s.feature) == feature), None)


def _tokens(tree: Tree, spec: CallSpec | None) -> int | None:
    from aiopt_hooks.extract.tokens import count_tokens, static_text

    try:
        text = _prompt_text(spec, tree)
    except (AioptError, _TooLarge, UnicodeError):
        return None
    if text is None or spec is None:
        return None
    model = spec.fields.get("model")
    return count_tokens(static_text(text)[0], str(model) if model else None).tokens


def with_log_era_prompts(
    changes: list[Change], root: Path, config: Config, head: str | None, last_ts: float | None
) -> list[Change]:
    """`changes`, each feature's marked with its prompt at HEAD and in the log era where they differ."""
    if not head or last_ts is None:
        return changes
    era = commit_before(root, head, last_ts)
    if era is None or era == head or era == resolve_ref(root, head):  # `head` is often the commit id itself
        return changes
    reader = BlobReader(root)
    try:
        trees = Tree(root, head, reader, config), Tree(root, era, reader, config)
        found: dict[str, dict[str, Any]] = {}
        for change in changes:
            if change.feature in found:
                continue
            counts = [_tokens(tree, _spec_of(tree, change.file, change.feature)) for tree in trees]
            if counts[0] is not None and counts[1] is not None and counts[0] != counts[1]:
                found[change.feature] = {"head": counts[0], "log": counts[1], "commit": era[:9]}
            else:
                found[change.feature] = {}
    finally:
        reader.close()
    return [c._replace(spec={**c.spec, KEY: found[c.feature]}) if found.get(c.feature) else c for c in changes]
