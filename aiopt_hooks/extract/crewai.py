"""CrewAI YAML: `config/agents.yaml` and `config/tasks.yaml`.

agents.yaml maps an agent name to `{role, goal, backstory, llm, max_retry_limit, ...}`: one call
spec per agent (feature = the agent's name), whose prompt is what CrewAI puts in the agent's
system message on every call: role, goal and backstory.  tasks.yaml maps a task name to
`{description, expected_output, agent}`: the task's prompt goes to its agent's calls (feature =
the agent when named, else the task).  `{placeholders}` are interpolated at run time: they are
excluded from the count, like any template expression.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiopt_hooks.extract.fields import FIELD_KEYS, Found, found_at, parse_document, read_spec
from aiopt_hooks.records import CallSpec

AGENT_TEXT = ("role", "goal", "backstory")
TASK_TEXT = ("description", "expected_output")
KEYS = {**FIELD_KEYS, "model": ("llm", "model"), "prompt": ()}
# CrewAI retries a failed LLM call twice unless an agent sets `max_retry_limit` (crewai.Agent's default).
CREWAI_AGENT_KEYS = {"role", "goal", "backstory"}
CREWAI_RETRIES = 2


def framework_defaults(entry: Mapping[str, Any]) -> dict[str, Found]:
    """The settings a framework applies when the entry leaves them out, so that adding one shows the real
    old value (`retries: 2 -> 5` for a CrewAI agent, not `(none) -> 5`)."""
    if len(CREWAI_AGENT_KEYS.intersection(entry)) >= 2:
        return {"retries": (CREWAI_RETRIES, None, "")}
    return {}


def _prompt(entry: Mapping[str, Any], keys: tuple[str, ...]) -> tuple[str | None, int | None]:
    parts = [str(entry[k]).strip() for k in keys if isinstance(entry.get(k), str) and entry[k].strip()]
    lines = [line for k in keys if (line := found_at(entry, k)[1])]
    return ("\n\n".join(parts) if parts else None), (min(lines) if lines else None)


def extract(path: str, text: str) -> list[CallSpec]:
    document = parse_document(path, text)
    if not isinstance(document, Mapping):
        return []
    specs = []
    for name, entry in document.items():
        if not isinstance(entry, Mapping):
            continue
        is_task = any(k in entry for k in TASK_TEXT)
        prompt, line = _prompt(entry, TASK_TEXT if is_task else AGENT_TEXT)
        agent = entry.get("agent")
        feature = str(agent) if is_task and isinstance(agent, str) and agent else str(name)
        spec = read_spec(
            path, text, entry, feature, str(name), keys=KEYS, defaults=None if is_task else framework_defaults(entry)
        )
        if prompt is None and not spec.fields:
            continue
        if prompt is not None:
            spec = CallSpec(
                file=spec.file,
                feature=spec.feature,
                selector=spec.selector,
                fields={**spec.fields, "prompt": "inline"},
                lines={**spec.lines, **({"prompt": line} if line else {})},
                prompt_text=prompt,
            )
        specs.append(spec)
    return specs
