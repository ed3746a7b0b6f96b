"""Google/Firebase dotprompt files (`summarize.prompt`): YAML front matter, then a Handlebars body.

One call spec per file: `model` (often `googleai/...`), `config.maxOutputTokens`,
`config.candidateCount`, `config.thinkingConfig.thinkingBudget`; the body is the prompt text
(a front-matter-only file has an empty one).  Licence comments may precede the opening `---`.
A variant lives in the name: `recipe.robot.prompt` is variant `robot` of feature `recipe`; the
variant is the selector, so that two variants of one feature never pair with each other.
"""

from __future__ import annotations

from aiopt_hooks.extract.fields import read_spec
from aiopt_hooks.extract.formats import name_of
from aiopt_hooks.extract.frontmatter import read_front_matter, with_prompt
from aiopt_hooks.records import CallSpec

NEEDED = ("model", "config")  # read alone where the whole front matter is not valid YAML


def feature_and_variant(path: str) -> tuple[str, str]:
    """`prompts/recipe.robot.prompt` -> (`recipe`, `robot`); no variant -> (`recipe`, ``)."""
    stem = name_of(path)[: -len(".prompt")]
    feature, _, variant = stem.partition(".")
    return feature, variant


def extract(path: str, text: str) -> list[CallSpec]:
    document, front = read_front_matter(path, text, NEEDED)
    feature, variant = feature_and_variant(path)
    spec = read_spec(path, text, document, feature, variant)
    return [with_prompt(spec, front)]
