"""Microsoft Prompty files (`chat.prompty`): YAML front matter, then the prompt body.

One call spec per file; the feature is the file stem and the prompt text is the body (role
lines such as `system:` kept).  Both schemas seen in real repositories are read:

- v1 (Azure samples): `model.configuration.{type, azure_deployment | model | name}` and
  `model.parameters.max_tokens`.  An Azure deployment name is a name the user chose, so it may
  need an `aliases:` entry in `.aiopt.yaml` to be priced.
- v2 (current): `model.{id, provider, apiType, options.maxOutputTokens}`, or the shorthand
  `model: gpt-4o`.
"""

from __future__ import annotations

from collections.abc import Mapping

from aiopt_hooks.extract.fields import FIELD_KEYS, read_spec
from aiopt_hooks.extract.frontmatter import read_front_matter, with_prompt
from aiopt_hooks.extract.prompt_text import feature_of
from aiopt_hooks.records import CallSpec

KEYS = {
    **FIELD_KEYS,
    "model": ("id", "configuration.azure_deployment", "configuration.model", "configuration.name"),
    "provider": ("provider", "configuration.type"),
}
SHORTHAND_KEYS = {"model": ("model",)}

NEEDED = ("model",)  # read alone where the whole front matter is not valid YAML


def extract(path: str, text: str) -> list[CallSpec]:
    document, front = read_front_matter(path, text, NEEDED)
    model = document.get("model")
    if isinstance(model, Mapping):
        spec = read_spec(path, text, model, feature_of(path), keys=KEYS)
    else:
        spec = read_spec(path, text, document, feature_of(path), keys=SHORTHAND_KEYS)
    return [with_prompt(spec, front)]
