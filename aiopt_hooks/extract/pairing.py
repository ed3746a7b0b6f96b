"""Which call spec of a file's new version is which spec of its old version.

Stage: call specs of both versions -> pairs (old spec, new spec), before they are diffed.
1. The same selector.
2. A LiteLLM deployment (`model_list.<alias>` or `model_list.<alias>@<model>`) pairs with the
   deployment of the same alias and model, never by list position; the deployments of an alias
   left over on either side are a change of the alias's load-balanced group (`GroupChange`), not a
   new feature and a removed one.
3. An entry renamed in a list of named entries (a promptfoo provider whose `id` or `label` changed,
   a continue model's display `name`) pairs with the left-over entry at the same position when as
   many are left on both sides, else with the most similar one: a swap, not a removal and an addition.
"""

from __future__ import annotations

from typing import NamedTuple

from aiopt_hooks.records import CallSpec

DEPLOYMENTS = "model_list."
RENAMEABLE = ("providers.", "models.")  # promptfoo providers, continue models
SIMILAR = 0.6

Pair = tuple[CallSpec | None, CallSpec | None]


class GroupChange(NamedTuple):
    """A load-balanced alias whose set of deployments changed."""

    feature: str
    old: list[CallSpec]
    new: list[CallSpec]


def _is_deployment(spec: CallSpec) -> bool:
    return spec.selector.startswith(DEPLOYMENTS)


def _rename_group(spec: CallSpec) -> str | None:
    return next((prefix for prefix in RENAMEABLE if spec.selector.startswith(prefix)), None)


def _text(spec: CallSpec) -> str:
    return f"{spec.feature} " + " ".join(f"{k}={v}" for k, v in sorted(spec.fields.items()))


def _pair_renamed(old: list[CallSpec], new: list[CallSpec]) -> list[Pair]:
    if len(old) == len(new):
        return list(zip(old, new))
    from difflib import SequenceMatcher  # only for renamed entries whose counts differ

    pairs: list[Pair] = []
    left = list(new)
    for before in old:
        scored = [(SequenceMatcher(None, _text(before), _text(after)).ratio(), i) for i, after in enumerate(left)]
        best = max(scored, default=(0.0, -1))
        if best[0] >= SIMILAR:
            pairs.append((before, left.pop(best[1])))
    return pairs


def pair_specs(old: list[CallSpec], new: list[CallSpec]) -> tuple[list[Pair], list[GroupChange]]:
    """(pairs, in the new version's order with removals last; load-balanced groups that changed)."""
    matched: dict[int, CallSpec] = {}  # id(new spec) -> its old spec
    new_by = {s.selector: s for s in new}
    for spec in old:
        if spec.selector in new_by:
            matched[id(new_by[spec.selector])] = spec
    used = {id(s) for s in matched.values()}
    left_old = [s for s in old if id(s) not in used]
    left_new = [s for s in new if id(s) not in matched]
    for spec in [s for s in left_new if _is_deployment(s)]:  # 2. deployments by alias and model
        twin = next(
            (
                o
                for o in left_old
                if _is_deployment(o) and o.feature == spec.feature and o.fields.get("model") == spec.fields.get("model")
            ),
            None,
        )
        if twin is not None:
            matched[id(spec)] = twin
            left_old.remove(twin)
            left_new.remove(spec)
    groups: list[GroupChange] = []
    for feature in dict.fromkeys(s.feature for s in left_old + left_new if _is_deployment(s)):
        olds = [s for s in old if _is_deployment(s) and s.feature == feature]
        news = [s for s in new if _is_deployment(s) and s.feature == feature]
        if olds and news:
            groups.append(GroupChange(feature, olds, news))
            left_old = [s for s in left_old if s not in olds]
            left_new = [s for s in left_new if s not in news]
    for prefix in RENAMEABLE:  # 3. renamed entries
        for before, after in _pair_renamed(
            [s for s in left_old if _rename_group(s) == prefix], [s for s in left_new if _rename_group(s) == prefix]
        ):
            assert before is not None and after is not None
            matched[id(after)] = before
            left_old.remove(before)
            left_new.remove(after)
    grouped = {id(s) for g in groups for s in g.new if id(s) not in matched}  # added deployments
    pairs: list[Pair] = [(matched.get(id(s)), s) for s in new if id(s) not in grouped]
    kept = {s.feature: s.file for s in new}
    for spec in left_old:  # 4. a block removed from a feature that stays: its settings are unset
        file = kept.get(spec.feature)
        pairs.append((spec, CallSpec(file=file, feature=spec.feature, selector=spec.selector) if file else None))
    return pairs, groups
