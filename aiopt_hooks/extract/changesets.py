"""What a changed file says beyond its specs' field diffs: a load-balanced group's deployments,
the findings about the file itself (renamed, read but holding no LLM setting), and one change
per feature where several specs of it say the same (a router-wide setting of every deployment).

Stage: paired call specs -> changes and findings (beside `diffing`, which diffs one pair).
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from aiopt_hooks.config import Config
from aiopt_hooks.extract.pairing import GroupChange, Pair
from aiopt_hooks.records import CallSpec, Change, Finding
from aiopt_hooks.repo.git import FileChange
from aiopt_hooks.repo.globs import match_any, match_path


def group_change(group: GroupChange) -> Change:
    """The models of a load-balanced alias before and after (an added deployment takes its share
    of the alias's traffic; a removed one's traffic goes to the others)."""
    old = tuple(str(s.fields.get("model")) for s in group.old)
    new = tuple(str(s.fields.get("model")) for s in group.new)
    added = [s for s in group.new if str(s.fields.get("model")) not in old] or group.new
    first = added[0]
    weights = {
        side: {str(s.fields.get("model")): float(s.fields.get("weight") or 1.0) for s in specs}
        for side, specs in (("old", group.old), ("new", group.new))
    }
    return Change(
        file=first.file,
        feature=group.feature,
        field="deployments",
        old=old,
        new=new,
        line=first.lines.get("model"),
        spec={**first.fields, "weights": weights},
    )


def unique_changes(changes: list[Change]) -> list[Change]:
    """One change per (file, feature, field, old, new): the deployments of one alias share its
    router-wide settings, and a change to them is one change of the alias, not one per deployment."""
    seen: set[tuple[Any, ...]] = set()
    out = []
    for change in changes:
        key = (change.file, change.feature, change.field, _hashable(change.old), _hashable(change.new))
        if key not in seen:
            seen.add(key)
            out.append(change)
    return out


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value if not isinstance(value, dict) else repr(value)


def _mapped(path: str, config: Config) -> bool:
    return any(match_path(path, target.partition("#")[0]) for rule in config.features for target in rule.files)


def file_findings(
    fc: FileChange,
    old_specs: list[CallSpec],
    new_specs: list[CallSpec],
    pairs: list[Pair],
    config: Config,
    read: bool = True,
) -> list[Finding]:
    """A watched file that changed yet holds no LLM setting (a format the guard does not read is
    visible, not a silent pass); a rename out of `watch`; a renamed file's feature kept."""
    findings = []
    if read and fc.new_sha and not old_specs and not new_specs:
        findings.append(
            Finding(
                "info",
                "no_llm_setting",
                f"{fc.path}: watched and changed, but no model setting, output cap or prompt was found in it: its "
                "format is not one the guard reads, or it holds no LLM setting. `aiopt explain` lists such files; "
                "map its entries under `features` or remove it from `watch`",
                file=fc.path,
            )
        )
    if not fc.old_path or fc.old_path == fc.path or not fc.new_sha:
        return findings
    if not match_any(fc.path, config.watch_patterns()):
        findings.append(
            Finding(
                "warn",
                "renamed_out_of_watch",
                f"{fc.path}: renamed from {fc.old_path}, and `watch` in .aiopt.yaml does not cover the new path: its "
                f'later edits will not be checked. Add a glob for it to `watch` (e.g. "**/*{PurePosixPath(fc.path).suffix}")',
                file=fc.path,
            )
        )
    renamed = {(o.feature, n.feature) for o, n in pairs if o is not None and n is not None and o.feature != n.feature}
    if renamed and not _mapped(fc.old_path, config):
        names = ", ".join(f"{old!r} (now named {new!r})" for old, new in sorted(renamed))
        findings.append(
            Finding(
                "info",
                "feature_renamed",
                f"{fc.path}: renamed from {fc.old_path}; priced as feature {names}, the name its baseline traffic "
                f"knows. To keep that name for later commits, map it: `features.<name>.files: [{fc.path}]`",
                file=fc.path,
            )
        )
    return findings
