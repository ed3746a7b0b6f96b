"""How a call spec's values were read, into the check: assumptions (defaults) as info findings, values
that are not statically known as warn or block findings (`CallSpec.notes`, written by the source-code extractors).

Stage: call specs -> changes (a hook of `diffing.diff_specs`).  A value known only at run time is
never guessed: a call site that is new with one is a warning; a value that was written and is now
known only at run time (or whose expression changed) is a model change that cannot be priced, so
a model follows `policy.unknown_model` (block by default) and other fields warn.
"""

from __future__ import annotations

from aiopt_hooks.config import Config
from aiopt_hooks.records import CallSpec, Change, Finding


def with_source_notes(
    old: CallSpec | None, new: CallSpec, feature: str, changes: list[Change], config: Config
) -> tuple[list[Change], list[Finding]]:
    if not new.notes:
        return changes, []
    changed = {c.field for c in changes}
    findings = []
    for name, note in new.notes.items():
        if name in new.fields:  # an assumption (a default): said where it prices a change
            if name in changed:
                findings.append(
                    Finding(
                        "info",
                        "assumed_default",
                        f"{feature}: {name} {new.fields[name]!r} is {note}",
                        file=new.file,
                        line=new.lines.get(name),
                    )
                )
            continue
        if old is not None and old.notes.get(name) == note and name not in old.fields:
            continue  # the same run-time value as before: nothing changed here
        level = "warn" if old is None or name != "model" else config.policy.unknown_model
        was = f" (was {old.fields[name]!r})" if old is not None and name in old.fields else ""
        findings.append(
            Finding(
                level,
                "not_statically_known",
                f"{feature}: {name} is {note}{was}: it cannot be priced, and is not guessed. Write it as a literal, "
                "a module constant or a settings default in this file, or review its cost by hand",
                file=new.file,
                line=new.lines.get(name),
            )
        )
    return changes, findings
