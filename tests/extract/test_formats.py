"""Real-world config formats -> call specs, and real commits -> changes (aiopt_hooks.extract.*).

Every file in `tests/data/configs/` is a byte-for-byte copy of a public repository's file (sources
in `tests/data/SOURCES.md`); each is read under its path in that repository, since the path
decides the format and the feature.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from aiopt_hooks.config import Config
from aiopt_hooks.extract.diffing import Tree, derive_changes
from aiopt_hooks.extract.registry import extract_call_specs, extractor_for
from aiopt_hooks.pricing.prices import ENV_REF
from aiopt_hooks.records import CallSpec
from aiopt_hooks.repo.git import BlobReader, list_staged_changes

CONFIGS = Path(__file__).resolve().parents[1] / "data" / "configs"

Expected = tuple[str, str, dict[str, Any]]  # feature, selector, fields


def _specs(name: str, repo_path: str) -> list[CallSpec]:
    return extract_call_specs(repo_path, (CONFIGS / name).read_text(encoding="utf-8"))


def _triples(specs: list[CallSpec]) -> list[Expected]:
    return [(s.feature, s.selector, s.fields) for s in specs]


# -- the CIRISProxy LiteLLM history: one table, the versions as edits of it ---------------------

MAV_TOGETHER = "together_ai/meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8"
MAV_GROQ = "groq/meta-llama/llama-4-maverick-17b-128e-instruct"
MAV_OPENROUTER = "openrouter/meta-llama/llama-4-maverick"
L70_TOGETHER = "together_ai/meta-llama/Meta-Llama-3.1-70B-Instruct-Turbo"


def _ciris(name: str, model: str, **fields: Any) -> Expected:
    return name, f"model_list.{name}", {"model": model, **fields, "retries": 2}


def _fb(*models: str) -> dict[str, Any]:
    return {"fallbacks": models}


OSS = {"max_output_tokens": 131072}
CIRIS_UNCHANGED = [  # the same in every version
    _ciris("groq/llama-3.1-8b", "groq/llama-3.1-8b-instant"),
    _ciris("together/llama-3.1-70b", L70_TOGETHER),
    _ciris("together/llama-3.1-8b", "together_ai/meta-llama/Meta-Llama-3.1-8B-Instruct-Turbo"),
    _ciris("together/qwen-2.5-72b", "together_ai/Qwen/Qwen2.5-72B-Instruct-Turbo"),
    _ciris("openai/gpt-4o-mini", "gpt-4o-mini"),
    _ciris("openai/gpt-4o", "gpt-4o"),
]
CIRIS_BEFORE_CAPS = [  # at ce78de3-parent: every alias, router `num_retries: 2`, aliases resolved
    _ciris("llama-4-maverick", MAV_TOGETHER, **_fb(MAV_GROQ, MAV_TOGETHER)),
    _ciris("together/llama-4-maverick", MAV_TOGETHER, **_fb(MAV_GROQ, MAV_OPENROUTER)),
    _ciris("groq/llama-4-maverick", MAV_GROQ, **_fb(MAV_OPENROUTER, MAV_TOGETHER)),
    _ciris("openrouter/llama-4-maverick", MAV_OPENROUTER, **_fb(MAV_GROQ, MAV_TOGETHER)),
    _ciris("gpt-oss-20b", "together_ai/openai/gpt-oss-20b", **OSS),
    _ciris("together/gpt-oss-20b", "together_ai/openai/gpt-oss-20b", **OSS),
    _ciris("groq/gpt-oss-20b", "groq/openai/gpt-oss-20b", **OSS),
    _ciris("openrouter/gpt-oss-20b", "openrouter/openai/gpt-oss-20b", **OSS),
    _ciris("groq/llama-3.3-70b", "groq/llama-3.3-70b-versatile", **_fb(L70_TOGETHER, "gpt-4o-mini")),
    *CIRIS_UNCHANGED,
    _ciris("default", MAV_OPENROUTER, **_fb(MAV_GROQ, MAV_TOGETHER)),
    _ciris("fast", MAV_GROQ),
]
CIRIS_WITH_CAPS = CIRIS_BEFORE_CAPS[:-2] + [  # ce78de3 adds `max_tokens: 16384` to default and fast
    _ciris("default", MAV_OPENROUTER, max_output_tokens=16384, **_fb(MAV_GROQ, MAV_TOGETHER)),
    _ciris("fast", MAV_GROQ, max_output_tokens=16384),
]
POLICY = "InternalServerErrorRetries=1, RateLimitErrorRetries=2, TimeoutErrorRetries=1"
CIRIS_WITH_POLICY = [(f, sel, {**fields, "retry_policy": POLICY}) for f, sel, fields in CIRIS_WITH_CAPS]  # 7ef4e92
CIRIS_BEFORE_SWAP = [  # at 67579bb-parent: eleven aliases, three fallback chains
    _ciris("llama-4-maverick", MAV_TOGETHER, **_fb(MAV_GROQ, L70_TOGETHER)),
    _ciris("groq/llama-4-maverick", MAV_GROQ),
    _ciris("groq/llama-3.3-70b", "groq/llama-3.3-70b-versatile", **_fb(L70_TOGETHER, "gpt-4o-mini")),
    *CIRIS_UNCHANGED,
    _ciris("default", MAV_TOGETHER),
    _ciris("fast", "groq/llama-3.1-8b-instant"),
]
CIRIS_AFTER_SWAP = CIRIS_BEFORE_SWAP[:-2] + [  # 67579bb: default -> Groq Llama 3.3, with a fallback
    _ciris("default", "groq/llama-3.3-70b-versatile", **_fb(L70_TOGETHER, "gpt-4o-mini")),
    CIRIS_BEFORE_SWAP[-1],
]


def _prompt(feature: str, path: str, selector: str = "", **fields: Any) -> Expected:
    return feature, selector, {**fields, "prompt": path}


def _pf(feature: str, model: str, **fields: Any) -> Expected:
    return feature, f"providers.{feature}", {"model": model, **fields}


CONTOSO = "src/api/contoso_chat/chat.prompty"
PRODUCT = "src/api/contoso_chat/product/product.prompty"
RESPONSES = "runtime/typescript/packages/foundry/tests/fixtures/azure-responses.prompty"
BASIC = "web/docs-examples/prompts/chat-basic.prompty"
SHORTHAND = "runtime/python/prompty/tests/prompts/shorthand_model_string.prompty"
EX03 = "js/doc-snippets/src/dotprompt/prompts/ex03.prompt"
HELLO = "js/testapps/dev-ui-gallery/prompts/hello.prompt"
RECIPE = "js/testapps/prompt-file/prompts/recipe.robot.prompt"
SCHEMA = "packages/monaco/samples/02-schema-and-config.prompt"
SUPPORT = "examples/valid-customer-support.prompt"
FLAGSHIP: dict[str, Any] = {"model": "openai:chat:openai/gpt-5.4", "max_output_tokens": 1000, "prompt": "inline"}

FORMATS = [
    # Prompty: v1 (azure_deployment, parameters.max_tokens), v2 (id, provider, options), shorthand.
    pytest.param(
        "prompty__Azure-Samples_contoso-chat__chat.at-0e99c78-parent.prompty",
        CONTOSO,
        [_prompt("chat", CONTOSO, model="gpt-35-turbo", max_output_tokens=128, provider="azure_openai")],
        id="prompty-v1-contoso-chat-before",
    ),
    pytest.param(
        "prompty__Azure-Samples_contoso-chat__chat.prompty",
        CONTOSO,
        [_prompt("chat", CONTOSO, model="gpt-4o-mini", max_output_tokens=128, provider="azure_openai")],
        id="prompty-v1-contoso-chat",
    ),
    pytest.param(
        "prompty__Azure-Samples_contoso-chat__product.prompty",
        PRODUCT,
        [_prompt("product", PRODUCT, model="gpt-4o-mini", max_output_tokens=1500, provider="azure_openai")],
        id="prompty-v1-contoso-product",
    ),
    pytest.param(
        "prompty__microsoft_prompty__azure-responses.prompty",
        RESPONSES,
        [_prompt("azure-responses", RESPONSES, model="gpt-4o", max_output_tokens=500, provider="azure")],
        id="prompty-v2-azure-responses",
    ),
    pytest.param(
        "prompty__microsoft_prompty__chat-basic.prompty",
        BASIC,
        [_prompt("chat-basic", BASIC, model="gpt-4o-mini", max_output_tokens=1024, provider="openai")],
        id="prompty-v2-chat-basic",
    ),
    pytest.param(
        "prompty__microsoft_prompty__shorthand_model_string.prompty",
        SHORTHAND,
        [_prompt("shorthand_model_string", SHORTHAND, model="gpt-4o")],
        id="prompty-shorthand-model",
    ),
    # dotprompt: front matter only, licence comments first, a variant, a bare model, no cap.
    pytest.param(
        "dotprompt__firebase_genkit__ex03.prompt",
        EX03,
        [_prompt("ex03", EX03, model="googleai/gemini-2.5-flash", max_output_tokens=400)],
        id="dotprompt-front-matter-only",
    ),
    pytest.param(
        "dotprompt__firebase_genkit__hello.prompt",
        HELLO,
        [_prompt("hello", HELLO, model="googleai/gemini-2.5-flash", max_output_tokens=2048)],
        id="dotprompt-hello",
    ),
    pytest.param(
        "dotprompt__firebase_genkit__recipe.robot.prompt",
        RECIPE,
        [_prompt("recipe", RECIPE, "robot", model="googleai/gemini-pro-latest")],
        id="dotprompt-variant",
    ),
    pytest.param(
        "dotprompt__google_dotprompt__02-schema-and-config.prompt",
        SCHEMA,
        [_prompt("02-schema-and-config", SCHEMA, model="googleai/gemini-2.5-flash", max_output_tokens=2048)],
        id="dotprompt-comments-before-front-matter-picoschema",
    ),
    pytest.param(
        "dotprompt__google_dotprompt__valid-customer-support.prompt",
        SUPPORT,
        [_prompt("valid-customer-support", SUPPORT, model="gemini-2.5-flash")],
        id="dotprompt-bare-model",
    ),
    # LiteLLM proxy configs.
    pytest.param(
        "litellm__CIRISAI_CIRISProxy__litellm_config.at-67579bb-parent.yaml",
        "litellm_config.yaml",
        CIRIS_BEFORE_SWAP,
        id="litellm-ciris-67579bb-parent",
    ),
    pytest.param(
        "litellm__CIRISAI_CIRISProxy__litellm_config.at-67579bb.yaml",
        "litellm_config.yaml",
        CIRIS_AFTER_SWAP,
        id="litellm-ciris-67579bb",
    ),
    pytest.param(
        "litellm__CIRISAI_CIRISProxy__litellm_config.at-ce78de3-parent.yaml",
        "litellm_config.yaml",
        CIRIS_BEFORE_CAPS,
        id="litellm-ciris-ce78de3-parent",
    ),
    pytest.param(
        "litellm__CIRISAI_CIRISProxy__litellm_config.at-ce78de3.yaml",
        "litellm_config.yaml",
        CIRIS_WITH_CAPS,
        id="litellm-ciris-ce78de3",
    ),
    pytest.param(
        "litellm__CIRISAI_CIRISProxy__litellm_config.at-7ef4e92.yaml",
        "litellm_config.yaml",
        CIRIS_WITH_POLICY,
        id="litellm-ciris-7ef4e92-retry-policy",
    ),
    pytest.param(
        "litellm__CIRISAI_CIRISProxy__litellm_config.yaml",
        "litellm_config.yaml",
        CIRIS_WITH_POLICY,
        id="litellm-ciris-head",
    ),
    pytest.param(
        "litellm__ClickHouse_agentic-data-stack__litellm-config.yaml",
        "litellm-config.yaml",
        [
            (name, f"model_list.{name}", {"model": f"bedrock/eu.anthropic.{model}", "max_output_tokens": 500})
            for name, model in (
                ("bedrock-claude", "claude-sonnet-4-5-20250929-v1:0"),
                ("bedrock-claude-opus", "claude-opus-4-1-20250805-v1:0"),
                ("bedrock-claude-haiku", "claude-haiku-3-5-sonnet-20241022-v1:0"),
            )
        ],
        id="litellm-clickhouse",
    ),
    # promptfoo: objects with merge-key configs, a bare string provider, file:// prompts.
    pytest.param(
        "promptfoo__BullX92_ti4-llm-benches__promptfooconfig.yaml",
        "promptfooconfig.yaml",
        [
            _pf(f"gpt-5.4 reasoning {effort}", **FLAGSHIP, reasoning_effort=effort)
            for effort in ("low", "medium", "high")
        ],
        id="promptfoo-labels-merge-keys-reasoning",
    ),
    pytest.param(
        "promptfoo__CharlieChenyuZhang_mit-media-lab-pytutor-promptfoo__promptfooconfig.yaml",
        "promptfooconfig.yaml",
        [_pf("openai:gpt-4o-mini", "openai:gpt-4o-mini", prompt="prompts/pytutor-v1.txt")],
        id="promptfoo-string-provider-relative-prompt",
    ),
    pytest.param(
        "promptfoo__ChunkyTortoise_docextract__promptfooconfig.yaml",
        "promptfooconfig.yaml",
        [
            _pf(
                "anthropic:messages:claude-sonnet-4-6",
                "anthropic:messages:claude-sonnet-4-6",
                max_output_tokens=2048,
                prompt="prompts/extraction/v1.1.0.txt",
            ),
            _pf(
                "anthropic:messages:claude-haiku-4-5-20251001",
                "anthropic:messages:claude-haiku-4-5-20251001",
                max_output_tokens=1024,
                prompt="prompts/extraction/v1.1.0.txt",
            ),
        ],
        id="promptfoo-file-prompts",
    ),
    # Semantic Kernel: skprompt-style config.json (current and legacy v0), prompt YAML.
    pytest.param(
        "semantic-kernel__microsoft_semantic-kernel__Joke.config.json",
        "prompt_template_samples/FunPlugin/Joke/config.json",
        [
            ("Joke", "execution_settings.default", {"max_output_tokens": 1000}),
            ("Joke", "template", {"prompt": "skprompt.txt"}),
        ],
        id="semantic-kernel-config-json",
    ),
    pytest.param(
        "semantic-kernel__microsoft_semantic-kernel__legacy-v0-Joke.config.json",
        "samples/skills/FunSkill/Joke/config.json",
        [("Joke", "completion", {"max_output_tokens": 1000}), ("Joke", "template", {"prompt": "skprompt.txt"})],
        id="semantic-kernel-legacy-v0",
    ),
    pytest.param(
        "semantic-kernel__microsoft_semantic-kernel__getIntent.prompt.yaml",
        "dotnet/samples/LearnResources/Resources/getIntent.prompt.yaml",
        [
            ("getIntent", "execution_settings.default", {"max_output_tokens": 10}),
            ("getIntent", "execution_settings.gpt-3.5-turbo", {"model": "gpt-3.5-turbo-0613", "max_output_tokens": 10}),
            ("getIntent", "execution_settings.gpt-4", {"model": "gpt-4-1106-preview", "max_output_tokens": 10}),
            ("getIntent", "template", {"prompt": "inline"}),
        ],
        id="semantic-kernel-prompt-yaml",
    ),
    # App configs.
    pytest.param(
        "app-config-openmanus__FoundationAgents_OpenManus__config.example.toml",
        "config/config.example.toml",
        [
            ("llm", "llm", {"model": "claude-3-7-sonnet-20250219", "max_output_tokens": 8192}),
            ("vision", "llm.vision", {"model": "claude-3-7-sonnet-20250219", "max_output_tokens": 8192}),
        ],
        id="openmanus-toml",
    ),
    pytest.param(
        "app-config-aider__KostaPo_aider-config__aider.model.settings.yml",
        ".aider.model.settings.yml",
        [("openai/Qwen3.5-35B", "openai/Qwen3.5-35B", {"model": "openai/Qwen3.5-35B", "max_output_tokens": 8192})],
        id="aider-model-settings",
    ),
    pytest.param(
        "app-config-aider__KostaPo_aider-config__aider.model.metadata.json",
        ".aider.model.metadata.json",
        [],
        id="aider-metadata-is-a-price-table",
    ),
    pytest.param(
        "app-config-continue__continuedev_continue__agent.yaml",
        "packages/config-yaml/src/__tests__/packages/test-org/agent.yaml",
        [
            ("gpt-5", "models.gpt-5", {"model": "gpt-5", "provider": "openai"}),
            ("proxy-ollama", "models.proxy-ollama", {"model": "llama3.1", "provider": "ollama"}),
        ],
        id="continue-config",
    ),
    # A price table is not a config: no entry holds a model or an output cap.
    pytest.param(
        "aiopt-pricing__tkddlr0716-collab_aiopt__rate_table.json",
        "rates/rate_table.json",
        [],
        id="aiopt-rate-table-no-specs",
    ),
]


@pytest.mark.parametrize(("name", "repo_path", "expected"), FORMATS)
def test_real_world_formats(name: str, repo_path: str, expected: list[Expected]) -> None:
    assert _triples(_specs(name, repo_path)) == expected


def test_every_corpus_file_is_in_the_table() -> None:
    assert sorted(p.name for p in CONFIGS.iterdir()) == sorted(str(p.values[0]) for p in FORMATS)


EXTRACTORS = [
    pytest.param("prompty__Azure-Samples_contoso-chat__chat.prompty", CONTOSO, "Prompty", id="prompty"),
    pytest.param("dotprompt__firebase_genkit__hello.prompt", HELLO, "dotprompt", id="dotprompt"),
    pytest.param(
        "litellm__CIRISAI_CIRISProxy__litellm_config.yaml",
        "deploy/proxy.yaml",
        "LiteLLM proxy config",
        id="litellm-by-content-any-name",
    ),
    pytest.param(
        "promptfoo__ChunkyTortoise_docextract__promptfooconfig.yaml",
        "evals/promptfooconfig.yaml",
        "promptfoo config",
        id="promptfoo",
    ),
    pytest.param(
        "semantic-kernel__microsoft_semantic-kernel__Joke.config.json",
        "Joke/config.json",
        "Semantic Kernel prompt config",
        id="semantic-kernel",
    ),
    pytest.param(
        "app-config-continue__continuedev_continue__agent.yaml",
        ".continue/config.yaml",
        "continue config",
        id="continue",
    ),
    pytest.param(
        "app-config-openmanus__FoundationAgents_OpenManus__config.example.toml",
        "config/config.toml",
        "OpenManus TOML config",
        id="openmanus",
    ),
    pytest.param(
        "app-config-aider__KostaPo_aider-config__aider.model.settings.yml",
        ".aider.model.settings.yml",
        "aider config",
        id="aider",
    ),
    pytest.param(
        "aiopt-pricing__tkddlr0716-collab_aiopt__rate_table.json",
        "config.json",
        "structured config",
        id="plain-config-json-falls-back",
    ),
]


@pytest.mark.parametrize(("name", "repo_path", "extractor"), EXTRACTORS)
def test_the_table_picks_the_format(name: str, repo_path: str, extractor: str) -> None:
    found = extractor_for(repo_path, (CONFIGS / name).read_text(encoding="utf-8"))
    assert found is not None and found.name == extractor


@pytest.mark.parametrize(
    ("path", "text"),
    [
        pytest.param("config/llm.yaml", "features:\n  s:\n    model: gpt-4o\n", id="yaml-without-model-list"),
        pytest.param("config.json", '{"model": "gpt-4o"}\n', id="json-without-sk-keys"),
        pytest.param("settings.toml", '[features.s]\nmodel = "gpt-4o"\n', id="toml-without-llm-table"),
        pytest.param("config/agents.yaml", "models:\n  - model: gpt-4o\n", id="models-without-schema"),
    ],
)
def test_unsniffed_files_fall_back_to_the_generic_extractor(path: str, text: str) -> None:
    found = extractor_for(path, text)
    assert found is not None and found.name == "structured config"


LINES = [
    pytest.param(
        "prompty__Azure-Samples_contoso-chat__chat.prompty",
        CONTOSO,
        "",
        {"provider": 10, "model": 11, "max_output_tokens": 15, "prompt": 26},
        id="prompty",
    ),
    pytest.param(
        "dotprompt__google_dotprompt__02-schema-and-config.prompt",
        SCHEMA,
        "",
        {"model": 18, "max_output_tokens": 21, "prompt": 42},
        id="dotprompt-after-comments",
    ),
    pytest.param(
        "litellm__CIRISAI_CIRISProxy__litellm_config.at-7ef4e92.yaml",
        "litellm_config.yaml",
        "model_list.default",
        {"model": 98, "max_output_tokens": 100, "retries": 132, "retry_policy": 138, "fallbacks": 155},
        id="litellm-retry-policy-and-fallbacks",
    ),
    pytest.param(
        "semantic-kernel__microsoft_semantic-kernel__getIntent.prompt.yaml",
        "dotnet/samples/LearnResources/Resources/getIntent.prompt.yaml",
        "execution_settings.gpt-4",
        {"model": 38, "max_output_tokens": 39},
        id="semantic-kernel",
    ),
    pytest.param(
        "app-config-openmanus__FoundationAgents_OpenManus__config.example.toml",
        "config/config.toml",
        "llm.vision",
        {"model": 44, "max_output_tokens": 47},
        id="openmanus-vision-not-the-llm-table",
    ),
]


@pytest.mark.parametrize(("name", "repo_path", "selector", "lines"), LINES)
def test_lines_point_at_the_field(name: str, repo_path: str, selector: str, lines: dict[str, int]) -> None:
    assert {s.selector: s for s in _specs(name, repo_path)}[selector].lines == lines


@pytest.mark.parametrize(
    ("name", "repo_path", "first_line"),
    [
        pytest.param("prompty__Azure-Samples_contoso-chat__chat.prompty", CONTOSO, "system:", id="prompty-role-line"),
        pytest.param(
            "prompty__microsoft_prompty__shorthand_model_string.prompty", SHORTHAND, "system:", id="prompty-shorthand"
        ),
        pytest.param(
            "dotprompt__firebase_genkit__hello.prompt",
            HELLO,
            "Say hello to {{name}} in the voice of a {{persona}}.",
            id="dotprompt",
        ),
        pytest.param(
            "dotprompt__google_dotprompt__valid-customer-support.prompt",
            SUPPORT,
            '{{#role "system"}}',
            id="dotprompt-role-block",
        ),
        pytest.param("dotprompt__firebase_genkit__ex03.prompt", EX03, None, id="dotprompt-no-body"),
    ],
)
def test_prompt_text_is_the_body(name: str, repo_path: str, first_line: str | None) -> None:
    [spec] = _specs(name, repo_path)
    assert spec.prompt_text is not None
    body = [line for line in spec.prompt_text.splitlines() if line.strip()]
    assert (body[0] if body else None) == first_line
    assert "model:" not in spec.prompt_text and "---" not in spec.prompt_text


# -- real commits -> changes ---------------------------------------------------------------------

PAIRS = [
    pytest.param(
        CONTOSO,
        "prompty__Azure-Samples_contoso-chat__chat.at-0e99c78-parent.prompty",
        "prompty__Azure-Samples_contoso-chat__chat.prompty",
        [("chat", "model", "gpt-35-turbo", "gpt-4o-mini", 11)],
        id="contoso-0e99c78-model-swap",
    ),
    pytest.param(
        "litellm_config.yaml",
        "litellm__CIRISAI_CIRISProxy__litellm_config.at-67579bb-parent.yaml",
        "litellm__CIRISAI_CIRISProxy__litellm_config.at-67579bb.yaml",
        [
            ("default", "model", MAV_TOGETHER, "groq/llama-3.3-70b-versatile", 58),
            ("default", "fallbacks", None, (L70_TOGETHER, "gpt-4o-mini"), 94),
        ],
        id="ciris-67579bb-alias-swap-and-fallback",
    ),
    pytest.param(
        "litellm_config.yaml",
        "litellm__CIRISAI_CIRISProxy__litellm_config.at-ce78de3-parent.yaml",
        "litellm__CIRISAI_CIRISProxy__litellm_config.at-ce78de3.yaml",
        [("default", "max_output_tokens", None, 16384, 100), ("fast", "max_output_tokens", None, 16384, 106)],
        id="ciris-ce78de3-max-tokens-added",
    ),
    # 7ef4e92 adds retry_policy {Timeout: 1, RateLimit: 2, InternalServer: 1} beside `num_retries: 2`:
    # a change of every alias (priced from the log's failures: fewer retries for two error classes).
    pytest.param(
        "litellm_config.yaml",
        "litellm__CIRISAI_CIRISProxy__litellm_config.at-ce78de3.yaml",
        "litellm__CIRISAI_CIRISProxy__litellm_config.at-7ef4e92.yaml",
        [(feature, "retry_policy", None, POLICY, 138) for feature, _, _ in CIRIS_WITH_CAPS],
        id="ciris-7ef4e92-retry-policy-added",
    ),
]


def _staged_changes(
    repo: Any, files: dict[str, tuple[str, str]], config: Config | None = None
) -> list[tuple[Any, ...]]:
    """Commit each file's old text, stage its new text, and derive the changes as the hook does."""
    for path, (old, _) in files.items():
        repo.write(path, old)
    repo.stage()
    repo.commit("before")
    for path, (_, new) in files.items():
        repo.write(path, new)
    repo.stage()
    head = repo.git("rev-parse", "HEAD").strip()
    config = config or Config()
    reader = BlobReader(repo.path)
    try:
        changes, _ = derive_changes(
            list_staged_changes(repo.path, head),
            Tree(repo.path, head, reader, config),
            Tree(repo.path, None, reader, config),
            config,
        )
    finally:
        reader.close()
    return [(c.feature, c.field, c.old, c.new, c.line) for c in changes]


@pytest.mark.parametrize(("path", "before", "after", "expected"), PAIRS)
def test_real_commits_give_their_changes(
    repo: Any, path: str, before: str, after: str, expected: list[tuple[Any, ...]]
) -> None:
    texts = ((CONFIGS / before).read_text(encoding="utf-8"), (CONFIGS / after).read_text(encoding="utf-8"))
    assert _staged_changes(repo, {path: texts}) == expected


def test_retry_policy_edit_is_one_change_per_alias(repo: Any) -> None:
    old = (CONFIGS / "litellm__CIRISAI_CIRISProxy__litellm_config.at-7ef4e92.yaml").read_text("utf-8")
    new = old.replace("    RateLimitErrorRetries: 2\n", "    RateLimitErrorRetries: 5\n")
    changes = _staged_changes(repo, {"litellm_config.yaml": (old, new)})
    assert {c[:4] for c in changes} == {
        (feature, "retry_policy", POLICY, POLICY.replace("RateLimitErrorRetries=2", "RateLimitErrorRetries=5"))
        for feature, _, _ in CIRIS_WITH_CAPS
    }


def test_prompty_body_edit_is_a_prompt_change(repo: Any) -> None:
    old = (CONFIGS / "prompty__Azure-Samples_contoso-chat__chat.prompty").read_text(encoding="utf-8")
    new = old.replace("# Safety\n", "# Safety\n- Always answer in full, detailed paragraphs.\n")
    [(feature, field, before, after, line)] = _staged_changes(repo, {CONTOSO: (old, new)})
    assert (feature, field, line) == ("chat", "prompt", 26)
    assert after > before


def test_skprompt_beside_config_json_belongs_to_the_folder_feature(repo: Any) -> None:
    config = (CONFIGS / "semantic-kernel__microsoft_semantic-kernel__Joke.config.json").read_text("utf-8")
    files = {
        "skills/Joke/config.json": (config, config.replace('"max_tokens": 1000', '"max_tokens": 4000')),
        "skills/Joke/skprompt.txt": (
            "Tell a joke about {{$input}}.\n",
            "Tell a long, elaborate joke with a story about {{$input}}.\n",
        ),
    }
    changes = _staged_changes(repo, files, Config(watch=("skills/**",)))  # the owner must be watched
    assert [(c[0], c[1]) for c in changes] == [("Joke", "max_output_tokens"), ("Joke", "prompt")]


def test_dotprompt_variants_do_not_pair_with_each_other() -> None:
    text = "---\nmodel: googleai/gemini-2.5-flash\n---\nHi.\n"
    [base], [robot] = (extract_call_specs(f"prompts/{name}", text) for name in ("recipe.prompt", "recipe.robot.prompt"))
    assert (base.feature, base.selector) == ("recipe", "")
    assert (robot.feature, robot.selector) == ("recipe", "robot")


# -- format details no corpus file shows ---------------------------------------------------------

LITELLM_BALANCED = """\
model_list:
  - model_name: gpt-4o
    litellm_params: {model: azure/gpt-4o-eu, max_tokens: 1000}
  - model_name: gpt-4o
    litellm_params: {model: openai/gpt-4o, max_tokens: 2000}
  - model_name: cheap
    litellm_params: {model: os.environ/CHEAP_MODEL, max_tokens: os.environ/CHEAP_MAX}
litellm_settings:
  num_retries: 3
  context_window_fallbacks: [{gpt-4o: [cheap]}]
router_settings:
  fallbacks: [{gpt-4o: [big]}]
  default_fallbacks: [gpt-4o]
"""


def test_litellm_load_balanced_settings_env_and_fallback_kinds() -> None:
    to_big_then_cheap = {"retries": 3, "fallbacks": ("big", "os.environ/CHEAP_MODEL")}
    assert _triples(extract_call_specs("litellm/config.yaml", LITELLM_BALANCED)) == [
        (
            "gpt-4o",
            "model_list.gpt-4o@azure/gpt-4o-eu",
            {"model": "azure/gpt-4o-eu", "max_output_tokens": 1000, **to_big_then_cheap},
        ),
        (
            "gpt-4o",
            "model_list.gpt-4o@openai/gpt-4o",
            {"model": "openai/gpt-4o", "max_output_tokens": 2000, **to_big_then_cheap},
        ),
        # An env reference stays as written for the model (pricing says "not statically known");
        # as an output cap it is not statically known either, so it is left unset.
        (
            "cheap",
            "model_list.cheap",
            {"model": "os.environ/CHEAP_MODEL", "retries": 3, "fallbacks": ("azure/gpt-4o-eu",)},
        ),
    ]


def test_litellm_deployment_settings_win_over_file_wide_ones() -> None:
    text = (
        "model_list:\n  - model_name: a\n"
        "    litellm_params: {model: gpt-4o, num_retries: 0, reasoning_effort: high}\n"
        "router_settings:\n  num_retries: 4\n  retry_policy: {TimeoutErrorRetries: 1}\n"
    )
    [spec] = extract_call_specs("litellm_config.yaml", text)
    assert spec.fields == {
        "model": "gpt-4o",
        "retries": 0,
        "reasoning_effort": "high",
        "retry_policy": "TimeoutErrorRetries=1",
    }
    [spec] = extract_call_specs("litellm_config.yaml", text.replace(", num_retries: 0", ""))
    assert spec.fields["retries"] == 4  # errors the policy does not name keep num_retries


@pytest.mark.parametrize("ref", ["${env:MODEL}", "${ENV:MODEL}", "os.environ/MODEL", "${{ secrets.MODEL }}"])
def test_env_references_stay_literal_and_are_flagged_by_pricing(ref: str) -> None:
    prompty = f'---\nmodel:\n  id: "{ref}"\n  options: {{maxOutputTokens: "{ref}"}}\n---\nHi\n'
    [spec] = extract_call_specs("p/chat.prompty", prompty)
    assert spec.fields == {"model": ref, "prompt": "p/chat.prompty"}
    assert ENV_REF.search(ref)


@pytest.mark.parametrize(
    ("path", "name"),
    [
        pytest.param(
            "Resources/getIntent.prompt.yaml",
            "semantic-kernel__microsoft_semantic-kernel__getIntent.prompt.yaml",
            id="yaml",
        ),
        pytest.param(
            "FunPlugin/Joke/config.json", "semantic-kernel__microsoft_semantic-kernel__Joke.config.json", id="json"
        ),
    ],
)
def test_semantic_kernel_reads_through_a_bom(path: str, name: str) -> None:
    text = (CONFIGS / name).read_text(encoding="utf-8")
    assert _triples(extract_call_specs(path, "\ufeff" + text)) == _triples(extract_call_specs(path, text))


def test_aider_weak_and_editor_models_are_call_specs() -> None:
    main = "anthropic/claude-sonnet-4-5"
    settings = (
        f"- name: {main}\n  weak_model_name: anthropic/claude-haiku-4-5\n"
        f"  editor_model_name: {main}\n  extra_params:\n    max_tokens: 64000\n"
        "    thinking: {type: enabled, budget_tokens: 32000}\n"
    )
    assert _triples(extract_call_specs(".aider.model.settings.yml", settings)) == [
        (main, main, {"model": main, "max_output_tokens": 64000, "thinking_budget": 32000}),
        (f"{main}:weak", f"{main}:weak", {"model": "anthropic/claude-haiku-4-5"}),
        (f"{main}:editor", f"{main}:editor", {"model": main}),
    ]
    conf = "model: gpt-4o\nweak-model: gpt-4o-mini\nauto-commits: false\n"
    assert _triples(extract_call_specs(".aider.conf.yml", conf)) == [
        ("aider", "model", {"model": "gpt-4o"}),
        ("aider:weak", "weak", {"model": "gpt-4o-mini"}),
    ]


def test_crewai_agents_yaml_llm_retries_and_role_goal_backstory_prompt() -> None:
    text = (
        "researcher:\n  role: Researcher\n  goal: Find facts\n  llm: gemini/gemini-2.5-flash\n"
        "  max_retry_limit: 3\nwriter:\n  role: Writer\n  goal: Write\n"
    )
    specs = extract_call_specs("src/config/agents.yaml", text)
    assert _triples(specs) == [
        ("researcher", "researcher", {"model": "gemini/gemini-2.5-flash", "retries": 3, "prompt": "inline"}),
        ("writer", "writer", {"retries": 2, "prompt": "inline"}),
    ]  # CrewAI retries twice unless told
    assert [s.prompt_text for s in specs] == ["Researcher\n\nFind facts", "Writer\n\nWrite"]


def test_openmanus_named_tables_inherit_the_llm_table() -> None:
    text = (
        '[llm]\nmodel = "gpt-4o"\nmax_tokens = 4096\napi_type = "azure"\n\n'
        '[llm.vision]\nmodel = "gpt-4o-mini"\n\n[search]\nmax_retries = 3\n'
    )
    assert _triples(extract_call_specs("config/config.toml", text)) == [
        ("llm", "llm", {"model": "gpt-4o", "provider": "azure", "max_output_tokens": 4096}),
        ("vision", "llm.vision", {"model": "gpt-4o-mini", "provider": "azure", "max_output_tokens": 4096}),
    ]


def test_promptfoo_provider_forms() -> None:
    text = (
        "prompts: ['Summarize: {{text}}']\nproviders:\n  - openai:gpt-4o-mini\n"
        "  - id: anthropic:claude-agent-sdk\n"
        "    config: {model: claude-sonnet-4-5, max_tokens: 512, n: 2}\n"
        "  - openai:responses:o3:\n      config: {reasoning_effort: high}\n"
    )
    specs = extract_call_specs("promptfooconfig.yaml", text)
    assert _triples(specs) == [
        _pf("openai:gpt-4o-mini", "openai:gpt-4o-mini", prompt="inline"),
        _pf("anthropic:claude-agent-sdk", "claude-sonnet-4-5", max_output_tokens=512, n=2, prompt="inline"),
        _pf("openai:responses:o3", "openai:responses:o3", reasoning_effort="high", prompt="inline"),
    ]
    assert {s.prompt_text for s in specs} == {"Summarize: {{text}}"}


def test_continue_hub_blocks_count_only_with_a_cost_override() -> None:
    text = (
        "name: a\nversion: 1.0.0\nschema: v1\nmodels:\n  - uses: org/claude\n"
        "    override: {defaultCompletionOptions: {maxTokens: 8000}}\n  - uses: org/gemini\n"
        "  - name: fast\n    provider: openai\n    model: gpt-4o-mini\n"
        "    defaultCompletionOptions: {maxTokens: 256, reasoningBudgetTokens: 1024}\n"
    )
    assert _triples(extract_call_specs(".continue/config.yaml", text)) == [
        ("org/claude", "models.org/claude", {"max_output_tokens": 8000}),
        (
            "fast",
            "models.fast",
            {"model": "gpt-4o-mini", "max_output_tokens": 256, "provider": "openai", "thinking_budget": 1024},
        ),
    ]


DSL_FRONT_MATTER = (
    "---\nmodel: googleai/gemini-2.5-flash\n"
    "config: {candidateCount: 2, thinkingConfig: {thinkingBudget: 1024}}\n"
    'input: {schema: {x: "a" | "b"}}\n---\nHi\n'
)


@pytest.mark.parametrize(
    ("path", "text", "fields"),
    [
        pytest.param(
            "p/plain.prompty", "system:\nBe brief.\n", {"prompt": "p/plain.prompty"}, id="prompty-no-front-matter"
        ),
        pytest.param(
            "p/a.prompt",
            DSL_FRONT_MATTER,
            {"model": "googleai/gemini-2.5-flash", "n": 2, "thinking_budget": 1024, "prompt": "p/a.prompt"},
            id="dotprompt-schema-dsl-not-yaml",
        ),
    ],
)
def test_front_matter_edge_cases(path: str, text: str, fields: dict[str, Any]) -> None:
    [spec] = extract_call_specs(path, text)
    assert spec.fields == fields


def test_broken_model_block_is_an_error_with_file_and_line() -> None:
    from aiopt_hooks.errors import AioptError

    with pytest.raises(AioptError) as raised:
        extract_call_specs("p/a.prompt", "---\nmodel: [unclosed\n---\nHi\n")
    assert (raised.value.file, raised.value.line) == ("p/a.prompt", 2)
