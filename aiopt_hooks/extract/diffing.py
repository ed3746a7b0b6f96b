"""Changed files -> call specs of both versions -> changes (old spec vs new spec, per feature).

Reads file contents through `gitio` only; applies the feature mapping of DESIGN.md: explicit
`features.<name>.files` selectors first, then named entries, then a prompt file's stem (or the
entry that names the prompt file).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from aiopt_hooks.config import Config, decode_text
from aiopt_hooks.errors import AioptError
from aiopt_hooks.extract import speccache
from aiopt_hooks.extract.changesets import file_findings, group_change, unique_changes
from aiopt_hooks.extract.pairing import pair_specs
from aiopt_hooks.extract.registry import extract_call_specs, extractor_for
from aiopt_hooks.extract.source_notes import with_source_notes
from aiopt_hooks.records import COST_FIELDS, CallSpec, Change, Finding
from aiopt_hooks.repo.git import BlobReader, FileChange, list_tree_files
from aiopt_hooks.repo.globs import match_path


@dataclass
class Tree:
    """One side of the diff: the index or a commit, read lazily."""

    root: Path
    ref: str | None  # None = the index
    reader: BlobReader
    config: Config
    cache_dir: Path | None = None  # where call specs of file versions are kept (`speccache`); None: not kept
    _files: dict[str, str] | None = None
    _texts: dict[str, str | None] = field(default_factory=dict)

    def files(self) -> dict[str, str]:
        if self._files is None:
            self._files = list_tree_files(self.root, self.ref) if self.ref != "" else {}
        return self._files

    def text(self, path: str, sha: str | None = None) -> str | None:
        if path not in self._texts:
            sha = sha or self.files().get(path)
            if sha is None:
                self._texts[path] = None
            else:
                data = self.reader.read(sha, self.config.max_file_bytes)
                if data is None:
                    raise _TooLarge(path)
                self._texts[path] = decode_text(data, path)
        return self._texts[path]


class _TooLarge(Exception):
    pass


def _explicit_feature(spec: CallSpec, config: Config) -> str | None:
    for rule in config.features:
        for target in rule.files:
            pattern, _, selector = target.partition("#")
            if not match_path(spec.file, pattern):
                continue
            if not selector or spec.selector == selector or spec.selector.startswith((selector + ".", selector + "@")):
                return rule.name
    return None


def _specs(tree: Tree, path: str, sha: str | None, findings: list[Finding]) -> list[CallSpec]:
    if sha is None or extractor_for(path) is None:
        return []
    limit = tree.config.max_file_bytes
    cached = speccache.load(tree.cache_dir, path, sha, limit) if tree.cache_dir else None
    if cached is not None:
        return cached
    try:
        text = tree.text(path, sha)
    except _TooLarge:
        findings.append(
            Finding("warn", "file_too_large", f"larger than max_file_bytes ({limit:,}): not checked", file=path)
        )
        return []
    specs = extract_call_specs(path, text or "")
    if tree.cache_dir:
        speccache.store(tree.cache_dir, path, sha, limit, specs)
    return specs


def _prompt_owners(tree: Tree, watched: list[str]) -> dict[str, CallSpec]:
    """prompt file path -> the structured entry that names it (its feature already mapped)."""
    owners: dict[str, CallSpec] = {}
    for path in watched:
        if not path.lower().endswith((".yaml", ".yml", ".json", ".toml")):
            continue
        try:
            specs = extract_call_specs(path, tree.text(path) or "")
        except (AioptError, _TooLarge):
            continue
        for spec in specs:
            feature = _explicit_feature(spec, tree.config) or spec.feature
            for candidate in _ref_paths(spec):
                owners[candidate] = spec._replace(feature=feature)
    return owners


def _prompt_change(
    old: CallSpec | None, new: CallSpec, old_text: str | None, new_text: str | None, feature: str
) -> Change | None:
    if (old_text or "") == (new_text or ""):
        return None
    from aiopt_hooks.extract.tokens import count_tokens, static_text  # only a prompt edit counts tokens

    model = new.fields.get("model") or (old.fields.get("model") if old else None)
    counts = []
    notes: list[str] = []
    removed = 0
    for text in (old_text, new_text):
        static, expressions = static_text(text or "")
        removed = max(removed, expressions)
        counted = count_tokens(static, str(model) if model else None)
        counts.append(counted.tokens)
        method = counted.method
    notes.append(f"prompt tokens counted by {method}")
    if removed:
        notes.append(
            f"{removed} template expressions excluded: rendered prompts are larger (static text is a lower bound)"
        )
    return Change(
        file=new.file,
        feature=feature,
        field="prompt",
        old=counts[0],
        new=counts[1],
        line=new.lines.get("prompt"),
        spec=dict(new.fields),
        notes=tuple(notes),
    )


def _prompt_text(spec: CallSpec | None, tree: Tree) -> str | None:
    if spec is None:
        return None
    if spec.prompt_text is not None:
        return spec.prompt_text
    for candidate in _ref_paths(spec):
        try:
            text = tree.text(candidate)
        except _TooLarge:
            return None
        if text is not None:
            return text
    return None


def diff_specs(
    old: CallSpec | None, new: CallSpec | None, feature: str, old_tree: Tree, new_tree: Tree
) -> tuple[list[Change], list[Finding]]:
    """The cost-field changes between two versions of one call spec."""
    if new is None:
        assert old is not None
        return [], [
            Finding(
                "info", "feature_removed", f"{feature}: removed from {old.file}; savings are not claimed", file=old.file
            )
        ]
    changes = []
    for name in COST_FIELDS:
        if name == "prompt":
            if new.prompt_text is None and old is not None and old.fields.get("prompt") == new.fields.get("prompt"):
                continue  # the same prompt file: its own diff (a watched file) carries the change
            change = _prompt_change(old, new, _prompt_text(old, old_tree), _prompt_text(new, new_tree), feature)
            if change is not None:
                changes.append(change)
            continue
        before = old.fields.get(name) if old else None
        after = new.fields.get(name)
        if before != after:
            changes.append(
                Change(
                    file=new.file,
                    feature=feature,
                    field=name,
                    old=before,
                    new=after,
                    line=new.lines.get(name),
                    spec=dict(new.fields),
                )
            )
    return with_source_notes(old, new, feature, changes, new_tree.config)  # source code: defaults, run-time values


def _with_owner(spec: CallSpec, owner: CallSpec) -> CallSpec:
    inherited: dict[str, Any] = {
        k: owner.fields[k] for k in ("model", "provider") if k in owner.fields and k not in spec.fields
    }
    return spec._replace(fields={**spec.fields, **inherited})


def _ref_paths(spec: CallSpec) -> list[str]:
    """Repository paths a structured entry's `prompt:` reference may point at."""
    ref = spec.fields.get("prompt")
    if not isinstance(ref, str) or ref == "inline" or spec.prompt_text is not None:
        return []
    return list(dict.fromkeys(str(PurePosixPath(p)) for p in (ref, str(PurePosixPath(spec.file).parent / ref))))


def derive_changes(
    file_changes: list[FileChange], old_tree: Tree, new_tree: Tree, config: Config
) -> tuple[list[Change], list[Finding]]:
    """Every cost change in the watched files among `file_changes`.

    Structured files go first: when an entry's `prompt:` reference itself changes (or the entry is
    new), the entry's diff prices the prompt, and the referenced files' own diffs are skipped, so a
    prompt is never counted twice.
    """
    findings: list[Finding] = []
    pairs: list[tuple[CallSpec | None, CallSpec | None]] = []
    changes: list[Change] = []
    for fc in file_changes:
        old_specs = _specs(old_tree, fc.old_path, fc.old_sha, findings) if fc.old_path else []
        new_specs = _specs(new_tree, fc.path, fc.new_sha, findings) if fc.new_sha else []
        file_pairs, groups = pair_specs(old_specs, new_specs)
        pairs.extend(file_pairs)
        changes.extend(group_change(group) for group in groups)
        too_large = any(f.code == "file_too_large" and f.file in (fc.path, fc.old_path) for f in findings)
        findings.extend(file_findings(fc, old_specs, new_specs, file_pairs, config, read=not too_large))
    is_prompt_file = [
        (n or o) is not None and (n or o).prompt_text is not None and not (n or o).selector  # type: ignore[union-attr]
        for o, n in pairs
    ]
    owners: dict[str, CallSpec] = {}
    if any(is_prompt_file):
        patterns = config.watch_patterns()
        owners = _prompt_owners(new_tree, [p for p in new_tree.files() if any(match_path(p, pat) for pat in patterns)])
    covered: set[str] = set()
    for prompt_pass in (False, True):
        for (old, new), prompt_file in zip(pairs, is_prompt_file):
            if prompt_file != prompt_pass:
                continue
            spec = new or old
            assert spec is not None
            if prompt_file and spec.file in covered:
                continue
            owner = owners.get(spec.file) if prompt_file else None
            # A renamed entry or file keeps the feature its baseline traffic knows: the old one's.
            feature = (
                _explicit_feature(spec, config)
                or (_explicit_feature(old, config) if old else None)
                or (owner.feature if owner else (old or spec).feature)
            )
            if owner is not None:  # the prompt is sent to the owning entry's model
                old, new = (_with_owner(s, owner) if s else None for s in (old, new))
            found, notes = diff_specs(old, new, feature, old_tree, new_tree)
            if any(c.field == "prompt" for c in found):
                covered.update(_ref_paths(new) if new else [], _ref_paths(old) if old else [])
            changes.extend(found)
            findings.extend(notes)
    return unique_changes(changes), list(dict.fromkeys(findings))  # a file too large on both sides is said once
