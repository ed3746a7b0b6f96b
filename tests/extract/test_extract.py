"""Tests for aiopt_hooks.extract (structured configs, prompt text), aiopt_hooks.repo.globs, aiopt_hooks.yamlio."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from aiopt_hooks.errors import AioptError
from aiopt_hooks.extract import structured
from aiopt_hooks.extract.registry import extract_call_specs
from aiopt_hooks.repo.globs import match_path
from aiopt_hooks.yamlio import load_yaml

DATA = Path(__file__).resolve().parents[1] / "data"


def _by_feature(path: str, text: str) -> dict[str, Any]:
    return {spec.feature: spec for spec in structured.extract(path, text)}


# -- structured configs: key aliases -------------------------------------------------------------

MODEL_KEYS = [
    pytest.param("model", id="model"),
    pytest.param("model_name", id="model_name"),
    pytest.param("model_id", id="model_id"),
    pytest.param("deployment", id="deployment"),
]


@pytest.mark.parametrize("key", MODEL_KEYS)
@pytest.mark.parametrize(
    "suffix", [pytest.param(".yaml", id="yaml"), pytest.param(".json", id="json"), pytest.param(".toml", id="toml")]
)
def test_model_key_aliases(key: str, suffix: str) -> None:
    text = {
        ".yaml": f"features:\n  summarize:\n    {key}: gpt-4o-mini\n",
        ".json": f'{{\n  "features": {{\n    "summarize": {{\n      "{key}": "gpt-4o-mini"\n    }}\n  }}\n}}\n',
        ".toml": f'[features.summarize]\n{key} = "gpt-4o-mini"\n',
    }[suffix]
    expected_line = {".yaml": 3, ".json": 4, ".toml": 2}[suffix]
    specs = structured.extract(f"config/llm{suffix}", text)
    assert [(s.feature, s.selector, s.fields, s.lines) for s in specs] == [
        ("summarize", "features.summarize", {"model": "gpt-4o-mini"}, {"model": expected_line})
    ]


CAP_KEYS = [
    pytest.param("max_tokens", id="max_tokens"),
    pytest.param("max_output_tokens", id="max_output_tokens"),
    pytest.param("max_completion_tokens", id="max_completion_tokens"),
    pytest.param("maxOutputTokens", id="maxOutputTokens"),
    pytest.param("maxTokens", id="maxTokens"),
    pytest.param("max_new_tokens", id="max_new_tokens"),
]


@pytest.mark.parametrize("key", CAP_KEYS)
@pytest.mark.parametrize(
    "suffix", [pytest.param(".yaml", id="yaml"), pytest.param(".json", id="json"), pytest.param(".toml", id="toml")]
)
def test_cap_key_aliases(key: str, suffix: str) -> None:
    text = {
        ".yaml": f"features:\n  summarize:\n    model: gpt-4o\n    {key}: 512\n",
        ".json": f'{{\n  "features": {{\n    "summarize": {{\n      "model": "gpt-4o",\n      "{key}": 512\n'
        "    }\n  }\n}\n",
        ".toml": f'[features.summarize]\nmodel = "gpt-4o"\n{key} = 512\n',
    }[suffix]
    model_line, cap_line = {".yaml": (3, 4), ".json": (4, 5), ".toml": (2, 3)}[suffix]
    spec = _by_feature(f"config/llm{suffix}", text)["summarize"]
    assert spec.fields == {"model": "gpt-4o", "max_output_tokens": 512}
    assert spec.lines == {"model": model_line, "max_output_tokens": cap_line}


STRUCTURED = [
    pytest.param(
        "config/llm.yaml",
        "features:\n  summarize:\n    provider: openai\n    model: gpt-4o-mini\n    max_tokens: 512\n"
        "    temperature: 0.2\n    top_p: 0.9\n",
        "summarize",
        {"provider": "openai", "model": "gpt-4o-mini", "max_output_tokens": 512},
        {"provider": 3, "model": 4, "max_output_tokens": 5},
        id="provider-kept-temperature-ignored",
    ),
    pytest.param(
        "config/llm.yaml",
        "features:\n  classify:\n    temperature: 0.0\n    model: gpt-4o\n",
        "classify",
        {"model": "gpt-4o"},
        {"model": 4},
        id="temperature-only-field-besides-model",
    ),
    pytest.param(
        "config/llm.yaml",
        "agents:\n  researcher:\n    llm: gpt-4o\n    parameters:\n      maxOutputTokens: 300\n      temperature: 1\n",
        "researcher",
        {"model": "gpt-4o", "max_output_tokens": 300},
        {"model": 3, "max_output_tokens": 5},
        id="cap-in-parameters-block",
    ),
    pytest.param(
        "config/llm.yaml",
        "model_list:\n  - model_name: default\n    litellm_params:\n      model: openai/gpt-4o-mini\n"
        "      max_tokens: 16384\n      temperature: 0.7\n",
        "default",
        {"model": "openai/gpt-4o-mini", "max_output_tokens": 16384},
        {"model": 4, "max_output_tokens": 5},
        id="litellm-params-model-beats-alias-name",
    ),
    pytest.param(
        "config/llm.yaml",
        "features:\n  summarize:\n    model: gpt-4o\n    prompt: prompts/summarize.txt\n",
        "summarize",
        {"model": "gpt-4o", "prompt": "prompts/summarize.txt"},
        {"model": 3, "prompt": 4},
        id="prompt-file-reference",
    ),
    pytest.param(
        "config/llm.yaml",
        "features:\n  summarize:\n    model: gpt-4o\n    prompt: file://prompts/summarize.md\n",
        "summarize",
        {"model": "gpt-4o", "prompt": "prompts/summarize.md"},
        {"model": 3, "prompt": 4},
        id="prompt-file-url-reference",
    ),
    pytest.param(
        "config/llm.yaml",
        "features:\n  summarize:\n    model: gpt-4o\n    prompt: |\n      You are terse.\n      Answer in one line.\n",
        "summarize",
        {"model": "gpt-4o", "prompt": "inline"},
        {"model": 3, "prompt": 4},
        id="inline-prompt-text",
    ),
    pytest.param(
        "config/llm.yaml",
        "defaults: &defaults\n  model: gpt-4o-mini\n  max_tokens: 100\nfeatures:\n  summarize:\n"
        "    <<: *defaults\n    max_tokens: 200\n",
        "summarize",
        {"model": "gpt-4o-mini", "max_output_tokens": 200},
        {"model": 2, "max_output_tokens": 7},
        id="merge-key-with-override",
    ),
    pytest.param(
        "config/llm.yaml",
        "defaults: &defaults\n  model: gpt-4o-mini\n  max_tokens: 100\nfeatures:\n  classify:\n    <<: *defaults\n",
        "classify",
        {"model": "gpt-4o-mini", "max_output_tokens": 100},
        {"model": 2, "max_output_tokens": 3},
        id="merge-key-inherits-all",
    ),
    pytest.param(
        "config/llm.yaml",
        "x-model: &m gpt-4o\nfeatures:\n  summarize:\n    model: *m\n    max_tokens: 64\n",
        "summarize",
        {"model": "gpt-4o", "max_output_tokens": 64},
        {"model": 1, "max_output_tokens": 5},
        id="scalar-alias",
    ),
    pytest.param(
        "config/llm.yaml",
        "models:\n  - name: fast\n    provider: anthropic\n    model: claude-3-5-haiku\n"
        "    defaultCompletionOptions:\n      maxTokens: 1024\n",
        "fast",
        {"model": "claude-3-5-haiku", "provider": "anthropic", "max_output_tokens": 1024},
        {"model": 4, "provider": 3, "max_output_tokens": 6},
        id="list-entry-named-by-name-key",
    ),
    pytest.param(
        "config/llm.yaml",
        'features:\n  summarize:\n    model: gpt-4o\n    max_tokens: "256"\n',
        "summarize",
        {"model": "gpt-4o", "max_output_tokens": 256},
        {"model": 3, "max_output_tokens": 4},
        id="numeric-string-cap",
    ),
    pytest.param(
        "config/llm.json",
        '{\n  "features": {\n    "a": {"model": "gpt-4o", "max_tokens": 100},\n'
        '    "b": {"model": "gpt-4o", "max_tokens": 100}\n  }\n}\n',
        "b",
        {"model": "gpt-4o", "max_output_tokens": 100},
        {"model": 4, "max_output_tokens": 4},
        id="json-second-entry-same-values-own-line",
    ),
    pytest.param(
        "config/llm.toml",
        '[features.a]\nmodel = "gpt-4o"\nmax_tokens = 100\n\n[features.b]\nmodel = "gpt-4o"\nmax_tokens = 100\n',
        "b",
        {"model": "gpt-4o", "max_output_tokens": 100},
        {"model": 6, "max_output_tokens": 7},
        id="toml-second-table-same-values-own-line",
    ),
    pytest.param(
        "config/llm.toml",
        '# model = "gpt-4o"\n[features.a]\nmodel = "gpt-4o"\n',
        "a",
        {"model": "gpt-4o"},
        {"model": 3},
        id="toml-commented-key-not-the-line",
    ),
]


@pytest.mark.parametrize(("path", "text", "feature", "fields", "lines"), STRUCTURED)
def test_structured_entries(path: str, text: str, feature: str, fields: dict[str, Any], lines: dict[str, int]) -> None:
    spec = _by_feature(path, text)[feature]
    assert spec.fields == fields
    assert spec.lines == lines


def test_prompt_reference_is_a_reference_not_text() -> None:
    text = "features:\n  s:\n    model: gpt-4o\n    prompt: prompts/x.txt\n"
    spec = _by_feature("config/llm.yaml", text)["s"]
    assert spec.fields["prompt"] == "prompts/x.txt"
    assert spec.prompt_text is None


def test_inline_prompt_keeps_the_text() -> None:
    spec = _by_feature("config/llm.yaml", "features:\n  s:\n    model: gpt-4o\n    system: Be brief.\n")["s"]
    assert (spec.fields["prompt"], spec.prompt_text) == ("inline", "Be brief.")


def test_file_without_entries_has_no_specs() -> None:
    assert structured.extract("config/llm.yaml", "name: demo\nversion: 2\ntags: [a, b]\n") == []


# -- real-world files ----------------------------------------------------------------------------

REAL = [
    pytest.param(
        "litellm__ClickHouse_agentic-data-stack__litellm-config.yaml",
        "bedrock-claude",
        {"model": "bedrock/eu.anthropic.claude-sonnet-4-5-20250929-v1:0", "max_output_tokens": 500},
        {"model": 8, "max_output_tokens": 11},
        id="litellm-clickhouse-first",
    ),
    pytest.param(
        "litellm__ClickHouse_agentic-data-stack__litellm-config.yaml",
        "bedrock-claude-opus",
        {"model": "bedrock/eu.anthropic.claude-opus-4-1-20250805-v1:0", "max_output_tokens": 500},
        {"model": 21, "max_output_tokens": 23},
        id="litellm-clickhouse-second",
    ),
    pytest.param(
        "litellm__CIRISAI_CIRISProxy__litellm_config.at-ce78de3-parent.yaml",
        "default",
        {"model": "openrouter/meta-llama/llama-4-maverick"},
        {"model": 98},
        id="litellm-ciris-before-max-tokens",
    ),
    pytest.param(
        "litellm__CIRISAI_CIRISProxy__litellm_config.at-ce78de3.yaml",
        "default",
        {"model": "openrouter/meta-llama/llama-4-maverick", "max_output_tokens": 16384},
        {"model": 98, "max_output_tokens": 100},
        id="litellm-ciris-after-max-tokens-default",
    ),
    pytest.param(
        "litellm__CIRISAI_CIRISProxy__litellm_config.at-ce78de3.yaml",
        "fast",
        {"model": "groq/meta-llama/llama-4-maverick-17b-128e-instruct", "max_output_tokens": 16384},
        {"model": 104, "max_output_tokens": 106},
        id="litellm-ciris-after-max-tokens-fast",
    ),
    pytest.param(
        "app-config-continue__continuedev_continue__agent.yaml",
        "gpt-5",
        {"model": "gpt-5", "provider": "openai"},
        {"model": 17, "provider": 16},
        id="continue-models-list",
    ),
    pytest.param(
        "semantic-kernel__microsoft_semantic-kernel__getIntent.prompt.yaml",
        "gpt-4",
        {"model": "gpt-4-1106-preview", "max_output_tokens": 10},
        {"model": 38, "max_output_tokens": 39},
        id="semantic-kernel-model-id",
    ),
    pytest.param(
        "app-config-openmanus__FoundationAgents_OpenManus__config.example.toml",
        "vision",
        {"model": "claude-3-7-sonnet-20250219", "max_output_tokens": 8192},
        {"model": 44, "max_output_tokens": 47},
        id="openmanus-toml-vision-table",
    ),
]


@pytest.mark.parametrize(("name", "feature", "fields", "lines"), REAL)
def test_real_world_configs(name: str, feature: str, fields: dict[str, Any], lines: dict[str, int]) -> None:
    spec = _by_feature(name, (DATA / name).read_text())[feature]
    assert spec.fields == fields
    assert spec.lines == lines


def test_real_world_openmanus_main_table() -> None:
    name = "app-config-openmanus__FoundationAgents_OpenManus__config.example.toml"
    specs = {s.selector: s for s in structured.extract(name, (DATA / name).read_text())}
    assert specs["llm"].fields == {"model": "claude-3-7-sonnet-20250219", "max_output_tokens": 8192}
    assert specs["llm"].lines == {"model": 3, "max_output_tokens": 6}


def test_real_world_litellm_history_pair_differs_only_in_caps() -> None:
    before = {
        s.feature: s.fields
        for s in structured.extract(
            "a.yaml", (DATA / "litellm__CIRISAI_CIRISProxy__litellm_config.at-ce78de3-parent.yaml").read_text()
        )
    }
    after = {
        s.feature: s.fields
        for s in structured.extract(
            "a.yaml", (DATA / "litellm__CIRISAI_CIRISProxy__litellm_config.at-ce78de3.yaml").read_text()
        )
    }
    changed = {
        f: (before[f].get("max_output_tokens"), after[f].get("max_output_tokens"))
        for f in after
        if before.get(f) != after[f]
    }
    assert changed == {"default": (None, 16384), "fast": (None, 16384)}


# -- errors --------------------------------------------------------------------------------------

ERRORS = [
    pytest.param(
        "config/llm.yaml", "features:\n  s:\n    model: [gpt-4o\n", 4, "invalid YAML", id="yaml-unclosed-flow"
    ),
    pytest.param(
        "config/llm.yaml",
        "features:\n  s:\n    model: gpt-4o\n   max_tokens: 3\n",
        4,
        "invalid YAML",
        id="yaml-bad-indent",
    ),
    pytest.param("config/llm.json", '{\n  "a": 1,\n  "b": \n}\n', 4, "invalid JSON", id="json-missing-value"),
    pytest.param("config/llm.json", '{\n  "a": 1\n  "b": 2\n}\n', 3, "invalid JSON", id="json-missing-comma"),
    pytest.param("config/llm.toml", "a = 1\nb = \n", 2, "invalid TOML", id="toml-missing-value"),
    pytest.param("config/llm.toml", "[x]\na = 1\n[x]\n", 3, "invalid TOML", id="toml-duplicate-table"),
    pytest.param(
        "config/llm.yaml",
        'features:\n  s:\n    model: gpt-4o\n    max_tokens: "lots"\n',
        4,
        "max_output_tokens",
        id="cap-lots-quoted",
    ),
    pytest.param(
        "config/llm.yaml",
        "features:\n  s:\n    model: gpt-4o\n    max_tokens: lots\n",
        4,
        "max_output_tokens",
        id="cap-lots-plain",
    ),
    pytest.param(
        "config/llm.yaml",
        "features:\n  s:\n    model: gpt-4o\n    max_tokens: -1\n",
        4,
        "max_output_tokens",
        id="cap-negative",
    ),
    pytest.param(
        "config/llm.yaml",
        "features:\n  s:\n    model: gpt-4o\n    max_tokens: true\n",
        4,
        "max_output_tokens",
        id="cap-boolean",
    ),
    pytest.param(
        "config/llm.json",
        '{\n  "s": {\n    "model": "gpt-4o",\n    "max_tokens": "lots"\n  }\n}\n',
        4,
        "max_output_tokens",
        id="cap-lots-json",
    ),
]


@pytest.mark.parametrize(("path", "text", "line", "fragment"), ERRORS)
def test_errors_name_file_and_line(path: str, text: str, line: int, fragment: str) -> None:
    with pytest.raises(AioptError) as info:
        extract_call_specs(path, text)
    assert info.value.file == path
    assert info.value.line == line
    assert fragment in info.value.message
    assert str(info.value).startswith(f"{path}:{line}: ")


# -- prompt text files ---------------------------------------------------------------------------

PROMPT_FILES = [
    pytest.param("prompts/summarize.txt", "summarize", id="txt"),
    pytest.param("prompts/summarize.md", "summarize", id="md"),
    pytest.param("prompts/classify.j2", "classify", id="j2"),
    pytest.param("prompts/classify.jinja", "classify", id="jinja"),
    pytest.param("templates/classify.jinja2", "classify", id="jinja2"),
    pytest.param("prompts/reply.mustache", "reply", id="mustache"),
    pytest.param("prompts/reply.hbs", "reply", id="hbs"),
    pytest.param("prompts/summarize.system.txt", "summarize", id="stem-before-first-dot"),
    pytest.param("Prompts/Upper.TXT", "Upper", id="upper-case-suffix"),
    pytest.param("summarize.txt", "summarize", id="top-level"),
]


@pytest.mark.parametrize(("path", "feature"), PROMPT_FILES)
def test_prompt_text_files(path: str, feature: str) -> None:
    text = "You summarize {{ document }} in three bullets.\n"
    specs = extract_call_specs(path, text)
    assert [(s.file, s.feature, s.selector, s.fields, s.lines, s.prompt_text) for s in specs] == [
        (path, feature, "", {"prompt": path}, {"prompt": 1}, text)
    ]


ONE = [("s", {"model": "gpt-4o"})]


@pytest.mark.parametrize(
    ("path", "text", "expected"),
    [
        pytest.param("config/llm.yaml", "features:\n  s:\n    model: gpt-4o\n", ONE, id="yaml"),
        pytest.param("config/llm.yml", "features:\n  s:\n    model: gpt-4o\n", ONE, id="yml"),
        pytest.param("config/llm.json", '{"features": {"s": {"model": "gpt-4o"}}}', ONE, id="json"),
        pytest.param("config/llm.toml", '[features.s]\nmodel = "gpt-4o"\n', ONE, id="toml"),
        pytest.param("prompts/a.txt", "Hi", [("a", {"prompt": "prompts/a.txt"})], id="txt"),
        pytest.param("src/app.py", "MODEL = 'gpt-4o'\n", [("MODEL", {"model": "gpt-4o"})], id="python-source"),
        pytest.param("src/app.py", "import os\nX = 'gpt-4o'\n", [], id="python-without-llm-settings"),
        pytest.param("config/llm.ini", "[llm]\nmodel = gpt-4o\n", [], id="ini-not-read"),
    ],
)
def test_dispatch_by_file_name(path: str, text: str, expected: list[tuple[str, dict[str, Any]]]) -> None:
    assert [(s.feature, s.fields) for s in extract_call_specs(path, text)] == expected


# -- globs ---------------------------------------------------------------------------------------

GLOBS = [
    pytest.param("config/llm.yaml", "**/*llm*.y*ml", True, id="llm-yaml-in-folder"),
    pytest.param("llm.yml", "**/*llm*.y*ml", True, id="llm-yml-top-level"),
    pytest.param("a/b/my-llm-config.yaml", "**/*llm*.y*ml", True, id="llm-yaml-deep"),
    pytest.param("a/llm/x.yaml", "**/*llm*.y*ml", False, id="llm-folder-not-name"),
    pytest.param("config/llm.json", "**/*llm*.y*ml", False, id="json-not-yaml"),
    pytest.param("prompts/a.txt", "prompts/**", True, id="prompts-dir"),
    pytest.param("prompts/sub/a.txt", "prompts/**", True, id="prompts-subdir"),
    pytest.param("src/prompts/a.txt", "prompts/**", False, id="prompts-anchored-at-root"),
    pytest.param("x.prompty", "*.prompty", True, id="no-slash-top"),
    pytest.param("a/b/x.prompty", "*.prompty", True, id="no-slash-any-folder"),
    pytest.param("a/x.txt", "a/*.txt", True, id="star-one-level"),
    pytest.param("a/b/x.txt", "a/*.txt", False, id="star-not-across-slash"),
    pytest.param("a/x1.txt", "a/x?.txt", True, id="question-one-char"),
    pytest.param("a/x12.txt", "a/x?.txt", False, id="question-not-two-chars"),
    pytest.param("a/x/.txt", "a/x?.txt", False, id="question-not-slash"),
    pytest.param("a/d.json", "a/**/d.json", True, id="double-star-zero-dirs"),
    pytest.param("a/b/c/d.json", "a/**/d.json", True, id="double-star-many-dirs"),
    pytest.param("b/d.json", "a/**/d.json", False, id="double-star-prefix-kept"),
    pytest.param("x/summarize.prompt", "**/*.prompt", True, id="prompt-suffix"),
    pytest.param("x/summarize.prompty", "**/*.prompt", False, id="prompt-not-prompty"),
    pytest.param("config/llm.yaml.bak", "**/*llm*.y*ml", False, id="anchored-at-end"),
]


@pytest.mark.parametrize(("path", "pattern", "expected"), GLOBS)
def test_match_path(path: str, pattern: str, expected: bool) -> None:
    assert match_path(path, pattern) is expected


# -- safe YAML -----------------------------------------------------------------------------------


def _billion_laughs() -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def test_billion_laughs_is_refused() -> None:
    with pytest.raises(AioptError) as info:
        load_yaml(_billion_laughs(), "config/llm.yaml")
    assert info.value.file == "config/llm.yaml"
    assert "alias" in str(info.value)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("x: !!python/object:os.system {}\n", id="python-object"),
        pytest.param("x: !!python/object/apply:os.system ['echo hi']\n", id="python-object-apply"),
        pytest.param("x: !!python/name:os.system\n", id="python-name"),
    ],
)
def test_python_tags_refused(text: str) -> None:
    with pytest.raises(AioptError) as info:
        load_yaml(text, "config/llm.yaml")
    assert (info.value.file, info.value.line) == ("config/llm.yaml", 1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("", None, id="empty"),
        pytest.param("a: 1\nb: [x, y]\n", {"a": 1, "b": ["x", "y"]}, id="mapping"),
        pytest.param(
            "base: &b {m: 1}\nc:\n  <<: *b\n  n: 2\n", {"base": {"m": 1}, "c": {"m": 1, "n": 2}}, id="merge-key"
        ),
    ],
)
def test_load_yaml_values(text: str, expected: Any) -> None:
    assert load_yaml(text, "x.yaml") == expected


def test_load_yaml_keeps_lines() -> None:
    loaded = load_yaml("a: 1\n\nb:\n  c: 2\n", "x.yaml")
    assert loaded.lines == {"a": 1, "b": 4}
    assert loaded["b"].lines == {"c": 4}
