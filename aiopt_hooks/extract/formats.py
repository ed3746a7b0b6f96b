"""How each file format is recognised: cheap tests on a file's name and text, for the table of
`registry` (no parser, no YAML: every watched file is tested, and only its own format's module is
imported to read it).  The text tests' patterns are compiled on first use (`re` keeps them): a
check whose call specs are cached never tests a text.  The format modules share the names and
helpers defined here.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from aiopt_hooks.extract.source_watch import is_source

BOM = "\ufeff"
STRUCTURED_SUFFIXES = (".yaml", ".yml", ".json", ".toml")
PROMPT_SUFFIXES = (".txt", ".md", ".j2", ".jinja", ".jinja2", ".mustache", ".hbs")
JS_SUFFIXES = (".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs")
AIDER_SETTINGS = "aider.model.settings.yml"
AIDER_CONF = "aider.conf.yml"
AIDER_METADATA = "aider.model.metadata.json"
TEMPLATE_SUFFIXES = (".example", ".sample", ".template", ".dist")


def name_of(path: str) -> str:
    return PurePosixPath(path).name


def is_yaml(path: str) -> bool:
    return path.lower().endswith((".yaml", ".yml"))


def top_level_key(*names: str) -> str:
    """A pattern for any of `names` as a top-level YAML key (or a JSON key on its own line)."""
    alternatives = "|".join(re.escape(n) for n in names)
    return rf"""^{BOM}?(?:({alternatives})\s*:|\s*"({alternatives})"\s*:)"""


def _has(pattern: str, text: str) -> bool:
    return re.search(pattern, text, re.MULTILINE) is not None


def aider_name(path: str) -> str:
    """The file's aider name: `.aider.conf.yml.example` is read as `aider.conf.yml`."""
    name = name_of(path).lstrip(".").lower()
    for suffix in TEMPLATE_SUFFIXES:
        name = name.removesuffix(suffix)
    return name


def prompty(path: str) -> bool:
    return path.lower().endswith(".prompty")


def dotprompt(path: str) -> bool:
    return path.lower().endswith(".prompt")


def aider(path: str) -> bool:
    return aider_name(path) in (AIDER_SETTINGS, AIDER_CONF, AIDER_METADATA)


def promptfoo(path: str) -> bool:
    name = name_of(path).lower()
    return name.startswith("promptfooconfig") and name.endswith((".yaml", ".yml", ".json"))


def yaml_or_json(path: str) -> bool:
    return path.lower().endswith((".yaml", ".yml", ".json"))


_PROVIDERS = top_level_key("providers")
_EVAL_KEYS = top_level_key("prompts", "tests", "defaultTest", "scenarios")


def promptfoo_text(text: str) -> bool:
    """A promptfoo config under another name: top-level `providers:` beside `prompts:`/`tests:`."""
    return _has(_PROVIDERS, text) and _has(_EVAL_KEYS, text)


def dotenv(path: str) -> bool:
    name = name_of(path).lower()
    return name == ".env" or name.startswith(".env.") or (name.endswith(".env") and not name.startswith("."))


def crewai(path: str) -> bool:
    return is_yaml(path) and name_of(path).lower().split(".")[0] in ("agents", "tasks")


_CREWAI_KEYS = r"^\s+(role|goal|backstory|expected_output)\s*:"


def crewai_text(text: str) -> bool:
    return _has(_CREWAI_KEYS, text)


_MODEL_LIST = top_level_key("model_list")


def litellm_text(text: str) -> bool:
    return _has(_MODEL_LIST, text)


def semantic_kernel(path: str) -> bool:
    return name_of(path) == "config.json" or is_yaml(path)


_SK_KEYS = top_level_key("execution_settings", "template_format", "input_variables")
_SK_LEGACY = top_level_key("completion")


def semantic_kernel_text(text: str) -> bool:
    return _has(_SK_KEYS, text) or (_has(_SK_LEGACY, text) and '"schema"' in text)


_CONTINUE_MODELS = top_level_key("models")
_CONTINUE_SCHEMA = top_level_key("schema")


def continue_text(text: str) -> bool:
    return _has(_CONTINUE_MODELS, text) and _has(_CONTINUE_SCHEMA, text)


def toml(path: str) -> bool:
    return path.lower().endswith(".toml")


_LLM_TABLE = r"^\[llm(\.[^\]]+)?\]"


def openmanus_text(text: str) -> bool:
    return _has(_LLM_TABLE, text)


def prompt_text(path: str) -> bool:
    name = PurePosixPath(path).name
    return name.lower().endswith(PROMPT_SUFFIXES) or ("prompt" in path.lower() and "." not in name)


def python_source(path: str) -> bool:
    return path.lower().endswith(".py") and is_source(path)


def js_source(path: str) -> bool:
    return path.lower().endswith(JS_SUFFIXES) and is_source(path)


def structured(path: str) -> bool:
    return path.lower().endswith(STRUCTURED_SUFFIXES)
