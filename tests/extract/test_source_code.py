"""Model settings in source code: `extract/source_python.py`, `extract/source_js.py`, `source_calls`,
`source_watch` and `source_notes`.

Tables call the extractors directly (inline snippets, and real files of public repositories kept in
`tests/data/source/`, listed in `tests/data/SOURCES.md`); the check runs in real temp git repos
built from `sample_repo/`, where a model swap in code must block exactly like the config swap.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from aiopt_hooks.config import Config
from aiopt_hooks.errors import AioptError
from aiopt_hooks.extract.registry import extract_call_specs, extractor_for
from aiopt_hooks.extract.source_calls import is_source, uses_llm_sdk
from tests.cli.test_cli import oracle_monthly
from tests.support.cli import snapshot, warm_probe
from tests.support.repos import GitRepo, edit, swap_model
from tests.support.workflow import Run

DATA = Path(__file__).resolve().parents[1] / "data" / "source"
NOT_STATIC = "not statically known"


@pytest.fixture
def run(app: GitRepo, capsys: pytest.CaptureFixture[str]) -> Any:
    """`run(*args)` -> `aiopt check` in the sample app; asserts the work tree and the index stay untouched."""
    from aiopt_hooks.cli import main

    def _run(*args: str) -> Run:
        capsys.readouterr()
        before = snapshot(app)
        code = main(["check", *args])
        captured = capsys.readouterr()
        assert snapshot(app) == before, "the check modified the work tree or the index"
        return Run(code, captured.out, captured.err)

    return _run


def specs(path: str, text: str) -> dict[str, Any]:
    """selector -> (feature, fields, notes) of every call spec the file yields."""
    return {s.selector: (s.feature, s.fields, s.notes) for s in extract_call_specs(path, text)}


def fields(path: str, text: str) -> dict[str, dict[str, Any]]:
    return {s.selector: {k: v for k, v in s.fields.items() if k != "prompt"} for s in extract_call_specs(path, text)}


# -- Python: one call per SDK, and how arguments are followed ----------------------------------

PY = [
    pytest.param(
        "from openai import OpenAI\nclient = OpenAI()\ndef summarize(t):\n"
        "    return client.chat.completions.create(model='gpt-4o-mini', max_tokens=512, messages=[])\n",
        {"summarize": {"model": "gpt-4o-mini", "max_output_tokens": 512}},
        id="openai-chat",
    ),
    pytest.param(
        "from openai import AsyncOpenAI\nc = AsyncOpenAI()\nasync def answer(q):\n"
        "    return await c.responses.create(model='o4-mini', reasoning={'effort': 'high'},"
        " max_output_tokens=2000, input=q)\n",
        {"answer": {"model": "o4-mini", "reasoning_effort": "high", "max_output_tokens": 2000}},
        id="openai-responses",
    ),
    pytest.param(
        "import openai\ndef old():\n    return openai.ChatCompletion.create(model='gpt-3.5-turbo', n=2)\n",
        {"old": {"model": "gpt-3.5-turbo", "n": 2}},
        id="openai-before-1.0",
    ),
    pytest.param(
        "import anthropic\nclient = anthropic.Anthropic()\nMODEL = 'claude-3-5-haiku-latest'\n"
        "class Support:\n    def reply(self, q):\n"
        "        return client.messages.create(model=MODEL, max_tokens=1024, system='Be kind.',"
        " thinking={'type': 'enabled', 'budget_tokens': 2048}, messages=[])\n",
        {"Support.reply": {"model": "claude-3-5-haiku-latest", "max_output_tokens": 1024, "thinking_budget": 2048}},
        id="anthropic-constant",
    ),
    pytest.param(
        "from google import genai\nfrom google.genai import types\nclient = genai.Client()\n"
        "def extract(doc):\n    return client.models.generate_content(model='gemini-2.5-flash', contents=doc,"
        " config=types.GenerateContentConfig(max_output_tokens=2048,"
        " thinking_config=types.ThinkingConfig(thinking_budget=0)))\n",
        {"extract": {"model": "gemini-2.5-flash", "max_output_tokens": 2048, "thinking_budget": 0}},
        id="google-genai",
    ),
    pytest.param(
        "import google.generativeai as genai\nmodel = genai.GenerativeModel('gemini-1.5-flash',"
        " generation_config={'max_output_tokens': 300})\n",
        {"model": {"model": "gemini-1.5-flash", "max_output_tokens": 300}},
        id="google-generativeai",
    ),
    pytest.param(
        "import litellm\ndef route(m):\n    return litellm.completion(model='openai/gpt-4o', messages=m,"
        " num_retries=3, fallbacks=['anthropic/claude-3-5-haiku-latest'])\n",
        {"route": {"model": "openai/gpt-4o", "retries": 3, "fallbacks": ("anthropic/claude-3-5-haiku-latest",)}},
        id="litellm",
    ),
    pytest.param(
        "from litellm import completion as llm_call\ndef route(m):\n"
        "    return llm_call('groq/llama-3.1-8b-instant', m)\n",
        {"route": {"model": "groq/llama-3.1-8b-instant"}},
        id="litellm-positional-alias",
    ),
    pytest.param(
        "from langchain_anthropic import ChatAnthropic\n"
        "llm = ChatAnthropic(model_name='claude-3-7-sonnet-latest', max_tokens=4096, max_retries=2)\n",
        {"llm": {"model": "claude-3-7-sonnet-latest", "max_output_tokens": 4096, "retries": 2}},
        id="langchain-chat-model",
    ),
    pytest.param(
        "from langchain.chat_models import init_chat_model\nllm = init_chat_model('openai:gpt-4.1')\n",
        {"llm": {"model": "openai:gpt-4.1"}},
        id="init_chat_model",
    ),
    pytest.param(
        "from llama_index.llms.openai import OpenAI\nSettings_llm = OpenAI(model='gpt-4o-mini', max_tokens=256)\n",
        {"Settings_llm": {"model": "gpt-4o-mini", "max_output_tokens": 256}},
        id="llamaindex",
    ),
    pytest.param(
        "from pydantic_ai import Agent\nagent = Agent('anthropic:claude-sonnet-4-0', retries=2,"
        " model_settings={'max_tokens': 800})\n",
        {"agent": {"model": "anthropic:claude-sonnet-4-0", "retries": 2, "max_output_tokens": 800}},
        id="pydantic-ai",
    ),
    pytest.param(
        "import dspy\nlm = dspy.LM('openai/gpt-4o-mini', max_tokens=4000)\n",
        {"lm": {"model": "openai/gpt-4o-mini", "max_output_tokens": 4000}},
        id="dspy",
    ),
    pytest.param(
        "from agents import Agent\nagent = Agent(name='triage', model='gpt-4.1-mini',"
        " instructions='Route the ticket.')\n",
        {"agent": {"model": "gpt-4.1-mini"}},
        id="openai-agents",
    ),
    pytest.param(
        "import vertexai\nfrom vertexai.generative_models import GenerativeModel\n"
        "model = GenerativeModel('gemini-1.5-pro', generation_config={'max_output_tokens': 99})\n",
        {"model": {"model": "gemini-1.5-pro", "max_output_tokens": 99}},
        id="vertex-ai",
    ),
    pytest.param(
        "from mistralai import Mistral\nc = Mistral()\ndef ask():\n"
        "    return c.chat.complete(model='mistral-large-latest', max_tokens=100)\n",
        {"ask": {"model": "mistral-large-latest", "max_output_tokens": 100}},
        id="mistral",
    ),
    pytest.param(
        "import boto3\nbr = boto3.client('bedrock-runtime')\ndef ask():\n"
        "    return br.converse(modelId='anthropic.claude-3-haiku-20240307-v1:0',"
        " inferenceConfig={'maxTokens': 512})\n",
        {"ask": {"model": "anthropic.claude-3-haiku-20240307-v1:0", "max_output_tokens": 512}},
        id="bedrock-converse",
    ),
    pytest.param(
        "from openai import OpenAI\nc = OpenAI()\nBASE = 'gpt-4o'\nMODEL = BASE + '-mini'\n"
        "CAP = 256 * 2\ndef f():\n    return c.chat.completions.create(model=MODEL, max_tokens=CAP)\n",
        {"f": {"model": "gpt-4o-mini", "max_output_tokens": 512}},
        id="constant-expressions",
    ),
    pytest.param(
        "from openai import OpenAI\nc = OpenAI()\ndef f():\n    model = 'gpt-4.1-nano'\n"
        "    return c.chat.completions.create(model=model)\n",
        {"f": {"model": "gpt-4.1-nano"}},
        id="function-local-constant",
    ),
    pytest.param(
        "from openai import OpenAI\nc = OpenAI()\ndef default_model():\n    return 'gpt-4o-mini'\n"
        "def pick(x):\n    if x:\n        return 'gpt-4o'\n    return 'gpt-4o-mini'\n"
        "def f():\n    return c.chat.completions.create(model=default_model())\n"
        "def g():\n    return c.chat.completions.create(model=pick(1))\n",
        {"f": {"model": "gpt-4o-mini"}, "g": {}},
        id="a-function-of-the-file-that-returns-one-value",
    ),
    pytest.param(
        "from openai import OpenAI\nc = OpenAI()\ndef a():\n    return c.chat.completions.create(model='x-1')\n"
        "def b():\n    c.chat.completions.create(model='x-2')\n    c.chat.completions.create(model='x-3')\n",
        {"a": {"model": "x-1"}, "b": {"model": "x-2"}, "b.2": {"model": "x-3"}},
        id="selectors",
    ),
    pytest.param(
        "from openai import OpenAI\nc = OpenAI()\nc.beta.threads.messages.create('t', role='user', content='hi')\n",
        {},
        id="a-call-that-sets-no-model-is-not-a-call-site",
    ),
    pytest.param("import requests\nrequests.post('u', json={'model': 'gpt-4o'})\n", {}, id="not-an-sdk"),
    pytest.param(
        "from openai import OpenAI\nc = OpenAI()\nPARAMS = dict(model='gpt-4o', max_tokens=64)\n"
        "def f():\n    return c.chat.completions.create(**PARAMS, messages=[])\n",
        {"f": {"model": "gpt-4o", "max_output_tokens": 64}},
        id="double-star-of-a-known-dict",
    ),
    pytest.param(
        "from openai import OpenAI\nc = OpenAI()\ndef f(**kwargs):\n    return c.chat.completions.create(**kwargs)\n",
        {"f": {}},
        id="double-star-unknown-is-a-call-site-with-a-run-time-model",
    ),
]


@pytest.mark.parametrize(("source", "expected"), PY)
def test_python_calls(source: str, expected: dict[str, dict[str, Any]]) -> None:
    assert fields("app/llm.py", source) == expected


FOLLOWED = (
    "from openai import OpenAI\nimport os\nfrom pydantic_settings import BaseSettings\nfrom pydantic import Field\n"
)


@pytest.mark.parametrize(
    ("source", "value", "note"),
    [
        pytest.param(
            FOLLOWED + "class Settings(BaseSettings):\n    chat_model: str = Field(default='gpt-4.1-mini')\n"
            "settings = Settings()\nc = OpenAI()\ndef f():\n"
            "    return c.chat.completions.create(model=settings.chat_model)\n",
            "gpt-4.1-mini",
            "the default of `Settings.chat_model`",
            id="settings-field-default",
        ),
        pytest.param(
            FOLLOWED + "class Config(BaseSettings):\n    OPENAI_MODEL: str = 'gpt-4o'\nc = OpenAI()\n"
            "def f(cfg: Config):\n    return c.chat.completions.create(model=cfg.OPENAI_MODEL)\n",
            "gpt-4o",
            "the default of `Config.OPENAI_MODEL`",
            id="settings-attribute-of-a-parameter",
        ),
        pytest.param(
            FOLLOWED + "MODEL = os.getenv('CHAT_MODEL', 'gpt-4o-mini')\nc = OpenAI()\ndef f():\n"
            "    return c.chat.completions.create(model=MODEL)\n",
            "gpt-4o-mini",
            "the default of environment variable CHAT_MODEL",
            id="getenv-default",
        ),
        pytest.param(
            FOLLOWED + "c = OpenAI()\ndef f(q, model='o3-mini'):\n    return c.chat.completions.create(model=model)\n",
            "o3-mini",
            "the default of parameter `model`",
            id="parameter-default",
        ),
        pytest.param(
            FOLLOWED + "c = OpenAI()\ndef f(q, model):\n    return c.chat.completions.create(model=model)\n",
            None,
            "not statically known (`model`)",
            id="parameter",
        ),
        pytest.param(
            FOLLOWED + "c = OpenAI()\ndef f():\n    return c.chat.completions.create(model=os.environ['M'])\n",
            None,
            "not statically known (`os.environ['M']`)",
            id="environ-subscript",
        ),
        pytest.param(
            FOLLOWED + "c = OpenAI()\ndef f(size):\n    return c.chat.completions.create(model=f'gpt-4o-{size}')\n",
            None,
            "not statically known",
            id="f-string-model",
        ),
        pytest.param(
            FOLLOWED + "c = OpenAI()\nMODEL = 'a'\nMODEL = 'b'\ndef f():\n"
            "    return c.chat.completions.create(model=MODEL)\n",
            None,
            "not statically known (`MODEL`)",
            id="reassigned-constant",
        ),
        pytest.param(
            FOLLOWED + "c = OpenAI()\nMODEL = 'a'\ndef use(m):\n    global MODEL\n    MODEL = m\ndef f():\n"
            "    return c.chat.completions.create(model=MODEL)\n",
            None,
            "not statically known (`MODEL`)",
            id="constant-rebound-through-global",
        ),
        pytest.param(
            "from typing import cast\nfrom pydantic_ai import Agent\ndef f(model):\n"
            "    return Agent(cast('Model[Any]', model))\n",
            None,
            "not statically known (`model`)",
            id="typing-cast-is-its-value",
        ),
        pytest.param(
            FOLLOWED + "class Deps(BaseSettings):\n    model: str | None = None\nc = OpenAI()\ndef f(ctx):\n"
            "    return c.chat.completions.create(model=ctx.model)\n",
            None,
            "not statically known (`ctx.model`)",
            id="a-None-default-is-no-value",
        ),
    ],
)
def test_python_values_are_followed_or_said_unknown(source: str, value: str | None, note: str) -> None:
    [spec] = extract_call_specs("app/llm.py", source)
    assert spec.fields.get("model") == value
    assert note in spec.notes["model"]


SETTINGS_MODULE = """import os
from pydantic_settings import BaseSettings

SUMMARY_MODEL = os.getenv("SUMMARY_MODEL", "gpt-4o-mini")
EMBEDDING_MODEL = "text-embedding-3-small"
MAX_TOKENS = 800
GREETING = "hello"


class Settings(BaseSettings):
    chat_model: str = "gpt-4.1"
    api_key: str = ""
"""


def test_settings_declared_for_other_modules_are_call_specs_of_their_own() -> None:
    found = specs("app/config.py", SETTINGS_MODULE)
    assert {sel: (feature, got) for sel, (feature, got, _) in found.items()} == {
        "SUMMARY_MODEL": ("SUMMARY_MODEL", {"model": "gpt-4o-mini"}),
        "EMBEDDING_MODEL": ("EMBEDDING_MODEL", {"model": "text-embedding-3-small"}),
        "MAX_TOKENS": ("MAX_TOKENS", {"max_output_tokens": 800}),
        "Settings.chat_model": ("chat_model", {"model": "gpt-4.1"}),
    }
    assert "environment variable SUMMARY_MODEL" in found["SUMMARY_MODEL"][2]["model"]
    ts = "export const DEFAULT_MODEL = 'gpt-4o';\nexport const defaultMaxTokens = 500;\nexport const title = 'x';\n"
    assert fields("web/config.ts", ts) == {
        "DEFAULT_MODEL": {"model": "gpt-4o"},
        "defaultMaxTokens": {"max_output_tokens": 500},
    }


def test_declared_settings_known_only_at_run_time_and_objects() -> None:
    source = (
        "from openai import OpenAI\nfrom langchain_openai import OpenAIEmbeddings\n"
        "LLM_MODEL = load_model_name()\nembedding_model = OpenAIEmbeddings(model='text-embedding-3-large')\n"
    )
    found = specs("app/config.py", source)
    assert list(found) == ["LLM_MODEL"]
    aliases = (
        "from typing import Literal\nModelName = Literal['a', 'b']\nChatModel = str | ModelName\n"
        "DEFAULT_MODEL: ModelName = 'gpt-4o'\n"
    )
    assert list(specs("app/types.py", aliases)) == ["DEFAULT_MODEL"]  # type aliases are not settings
    js = (
        "import { generateText } from 'ai';\nexport const createMockModel = () => ({ modelId: 'x' });\n"
        "export const chatModel = pickModel();\n"
    )
    assert list(specs("web/models.ts", js)) == ["chatModel"]
    assert (
        found["LLM_MODEL"][1] == {} and "not statically known (`load_model_name()`)" in found["LLM_MODEL"][2]["model"]
    )


def test_a_constant_read_by_a_call_is_not_declared_twice() -> None:
    assert list(specs("app/llm.py", PY_APP)) == ["summarize"]


def test_python_prompt_text_follows_constants_and_marks_run_time_parts() -> None:
    source = (
        "import anthropic\nfrom textwrap import dedent\nclient = anthropic.Anthropic()\n"
        "SYSTEM = dedent('''\n    You are a support agent.\n    Answer briefly.\n''')\n"
        "def reply(q):\n    return client.messages.create(model='claude-3-5-haiku-latest', max_tokens=300,"
        " system=SYSTEM, messages=[{'role': 'user', 'content': f'Question: {q}'}])\n"
    )
    [spec] = extract_call_specs("app/support.py", source)
    assert spec.fields["prompt"] == "inline"
    assert spec.prompt_text is not None
    assert spec.prompt_text.startswith("\nYou are a support agent.\nAnswer briefly.\n")
    assert "Question: " in spec.prompt_text and "{{ run-time value }}" in spec.prompt_text


def test_invalid_python_is_an_error_with_file_and_line() -> None:
    with pytest.raises(AioptError) as caught:
        extract_call_specs("app/llm.py", "import openai\ndef f(:\n")
    assert caught.value.file == "app/llm.py" and caught.value.line == 2


# -- TypeScript / JavaScript ---------------------------------------------------------------------

TS = [
    pytest.param(
        "import { generateText } from 'ai';\nimport { openai } from '@ai-sdk/openai';\n"
        "export async function summarize(text: string) {\n"
        "  return generateText({ model: openai('gpt-4o-mini'), maxOutputTokens: 512, prompt: text });\n}\n",
        {"summarize": {"model": "gpt-4o-mini", "provider": "openai", "max_output_tokens": 512}},
        id="vercel-generateText",
    ),
    pytest.param(
        "import { streamText } from 'ai';\nimport { anthropic } from '@ai-sdk/anthropic';\n"
        "const MODEL = 'claude-3-5-haiku-latest';\n"
        "export const chat = async () => streamText({ model: anthropic(MODEL), maxTokens: 1024,"
        " maxRetries: 4 });\n",
        {
            "chat": {
                "model": "claude-3-5-haiku-latest",
                "provider": "anthropic",
                "max_output_tokens": 1024,
                "retries": 4,
            }
        },
        id="vercel-v4-constant",
    ),
    pytest.param(
        "import { generateObject } from 'ai';\nimport { openai as o } from '@ai-sdk/openai';\n"
        "async function plan() {\n  return generateObject({ model: o.responses('o4-mini'),"
        " providerOptions: { openai: { reasoningEffort: 'low' } } });\n}\n",
        {"plan": {"model": "o4-mini", "provider": "openai", "reasoning_effort": "low"}},
        id="vercel-provider-method-and-alias",
    ),
    pytest.param(
        "import OpenAI from 'openai';\nconst client = new OpenAI();\nconst MAX = 200;\n"
        "class Bot {\n  async reply(q: string) {\n    return client.chat.completions.create({ model:"
        " 'gpt-4.1-nano', max_tokens: MAX as number, messages: [{ role: 'user', content: q }] });\n  }\n}\n",
        {"Bot.reply": {"model": "gpt-4.1-nano", "max_output_tokens": 200}},
        id="openai-node-method",
    ),
    pytest.param(
        "import Anthropic from '@anthropic-ai/sdk';\nconst anthropic = new Anthropic();\n"
        "export async function ask() {\n  const model = 'claude-sonnet-4-0';\n"
        "  return anthropic.messages.create({ model, max_tokens: 2048, system: `Be brief.` });\n}\n",
        {"ask": {"model": "claude-sonnet-4-0", "max_output_tokens": 2048}},
        id="anthropic-shorthand",
    ),
    pytest.param(
        "import { GoogleGenAI } from '@google/genai';\nconst ai = new GoogleGenAI({});\n"
        "export async function extract(doc: string) {\n  return ai.models.generateContent({ model:"
        " 'gemini-2.5-flash', contents: doc, config: { maxOutputTokens: 900, thinkingConfig:"
        " { thinkingBudget: 128 } } });\n}\n",
        {"extract": {"model": "gemini-2.5-flash", "max_output_tokens": 900, "thinking_budget": 128}},
        id="google-genai-node",
    ),
    pytest.param(
        "const { ChatOpenAI } = require('@langchain/openai');\n"
        "const llm = new ChatOpenAI({ model: 'gpt-4o', maxTokens: 700 });\n",
        {"llm": {"model": "gpt-4o", "max_output_tokens": 700}},
        id="langchain-js-require",
    ),
    pytest.param(
        "import { ChatOpenAI } from '@langchain/openai';\nexport class Agent {\n"
        "  llm = new ChatOpenAI({ modelName: 'gpt-4o-mini' });\n}\n",
        {"Agent": {"model": "gpt-4o-mini"}},
        id="langchain-js-class-field",
    ),
    pytest.param(
        "import { generateText } from 'ai';\nimport { openai } from '@ai-sdk/openai';\n"
        "const MODEL = process.env.SUMMARY_MODEL ?? 'gpt-4o-mini';\n"
        "export const run = () => generateText({ model: openai(MODEL), prompt: 'x' });\n",
        {"run": {"model": "gpt-4o-mini", "provider": "openai"}},
        id="env-default",
    ),
    pytest.param(
        "import OpenAI from 'openai';\nconst c = new OpenAI();\nconst BASE = { model: 'gpt-4o', n: 2 };\n"
        "export const f = () => c.chat.completions.create({ ...BASE, max_tokens: 9 });\n"
        "export const g = (p: any) => c.chat.completions.create(p);\n",
        {"f": {"model": "gpt-4o", "n": 2, "max_output_tokens": 9}, "g": {}},
        id="spread-known-and-unknown",
    ),
    pytest.param(
        "import OpenAI from 'openai';\nconst c = new OpenAI();\nconst deployment = requireEnv('AZURE_DEPLOYMENT');\n"
        "const BEDROCK = process.env['BEDROCK_MODEL'] ?? 'us.anthropic.claude-3-5-haiku-20241022-v1:0';\n"
        "export const a = () => c.chat.completions.create({ model: deployment });\n"
        "export const b = () => c.chat.completions.create({ model: BEDROCK });\n",
        {"a": {}, "b": {"model": "us.anthropic.claude-3-5-haiku-20241022-v1:0"}},
        id="a-helper-call-is-not-a-model-wrapper-and-env-subscript-default",
    ),
    pytest.param(
        "import { generateText } from 'ai';\nimport { openai } from '@ai-sdk/openai';\n"
        "function defaultModel() { return openai('gpt-4o-mini'); }\nconst cap = () => 256;\n"
        "function pick(x: boolean) { if (x) { return 'a'; } return 'b'; }\n"
        "export const f = () => generateText({ model: defaultModel(), maxOutputTokens: cap() });\n"
        "export const g = () => generateText({ model: openai(pick(true)) });\n",
        {"f": {"model": "gpt-4o-mini", "provider": "openai", "max_output_tokens": 256}, "g": {"provider": "openai"}},
        id="functions-of-the-file-that-return-one-value",
    ),
    pytest.param(
        "import { generateText, createProviderRegistry } from 'ai';\n"
        "const registry = createProviderRegistry({});\n"
        "export const r = () => generateText({ model: registry.languageModel('anthropic:claude-3-5-haiku-latest') });\n",
        {"r": {"model": "anthropic:claude-3-5-haiku-latest"}},
        id="provider-registry",
    ),
    pytest.param(
        "import { generateText } from 'ai';\nimport { openai } from '@ai-sdk/openai';\n"
        "export const run = (m: string) => generateText({ model: openai(m), maxOutputTokens: 64 });\n",
        {"run": {"provider": "openai", "max_output_tokens": 64}},
        id="parameter-model-not-static",
    ),
]


@pytest.mark.parametrize(("source", "expected"), TS)
def test_typescript_calls(source: str, expected: dict[str, dict[str, Any]]) -> None:
    assert fields("web/llm.ts", source) == expected


def test_javascript_and_tsx_grammars() -> None:
    js = (
        "const OpenAI = require('openai');\nconst c = new OpenAI();\nfunction go() {\n"
        "  return c.chat.completions.create({ model: 'gpt-4o', n: 3 });\n}\n"
    )
    assert fields("server/llm.cjs", js) == {"go": {"model": "gpt-4o", "n": 3}}
    tsx = (
        "import { generateText } from 'ai';\nimport { openai } from '@ai-sdk/openai';\n"
        "export function Page() {\n  const go = () => generateText({ model: openai('gpt-4o') });\n"
        "  return <button onClick={go}>Go</button>;\n}\n"
    )
    assert fields("web/page.tsx", tsx) == {"Page.go": {"model": "gpt-4o", "provider": "openai"}}


@pytest.mark.parametrize(
    ("path", "text"),
    [
        pytest.param("app/deep.py", "from openai import OpenAI\nx = " + "+".join(["1"] * 30000) + "\n", id="python"),
        pytest.param(
            "web/deep.ts",
            "import OpenAI from 'openai';\nconst x = " + "[" * 20000 + "]" * 20000 + ";\n",
            id="typescript",
        ),
    ],
)
def test_hostile_nesting_is_an_error_not_a_crash(path: str, text: str) -> None:
    try:
        extract_call_specs(path, text)
    except AioptError as exc:
        assert exc.file == path


def test_invalid_typescript_is_an_error_with_file_and_line() -> None:
    with pytest.raises(AioptError) as caught:
        extract_call_specs("web/llm.ts", "import OpenAI from 'openai';\nconst x = {;\n")
    assert caught.value.file == "web/llm.ts" and caught.value.line == 2


# -- real files of public repositories (tests/data/source, see SOURCES.md) -----------------------

REAL = [
    (
        "fasrc_User_Codes__claude_quickstart.py",
        {
            "message": (
                "message",
                {"model": "claude-3-5-sonnet-20240620", "max_output_tokens": 1000, "prompt": "inline"},
            )
        },
    ),
    ("tnerler_PiriReis-ChatBot__openai_clients.py", {"llm": ("llm", {"model": "gpt-4o", "provider": "openai"})}),
    ("owainlewis_python-ai-agents__1-basic.py", {"agent": ("agent", {"model": "gpt-4o", "prompt": "inline"})}),
    ("k3v1n-KI_Automated-Research-System__dspy_setup.py", {"init_dspy": ("init_dspy", {"model": "gpt-4o-mini"})}),
    (
        "mdickens_Gemini-API-Sandbox__gemcat.py",
        {"response": ("response", {"model": "gemini-2.0-flash", "prompt": "inline"})},
    ),
    (
        "openai_openai-quickstart-node__chat_completions_index.js",
        {"completion": ("completion", {"model": "gpt-4o-mini", "prompt": "inline"})},
    ),
    ("NathanAW24_oss-data-analyst-vercel__stream.ts", {"result": ("result", {"model": "gpt-5", "prompt": "inline"})}),
    (
        "vercel_ai__generate-text_openai.ts",
        {"result": ("result", {"model": "gpt-5-nano", "provider": "openai", "retries": 0, "prompt": "inline"})},
    ),
    (
        "vercel_ai__generate-text_anthropic-reasoning.ts",
        {
            "main": (
                "main",
                {
                    "model": "research-claude-denim",
                    "provider": "anthropic",
                    "thinking_budget": 12000,
                    "prompt": "inline",
                },
            )
        },
    ),
    ("mfdtrade_agent-talk-2025__step0_index.js", {"main": ("main", {"model": "gpt-4o", "prompt": "inline"})}),
]


@pytest.mark.parametrize(("name", "expected"), [pytest.param(n, e, id=n.split("__")[0]) for n, e in REAL])
def test_real_files(name: str, expected: dict[str, tuple[str, dict[str, Any]]]) -> None:
    text = (DATA / name).read_text("utf-8")
    assert uses_llm_sdk(text)
    found = {sel: (feature, got) for sel, (feature, got, _) in specs(name, text).items()}
    assert found == expected


def test_real_file_lines_point_at_the_values() -> None:
    [spec] = extract_call_specs("q.py", (DATA / "fasrc_User_Codes__claude_quickstart.py").read_text())
    assert spec.lines == {"model": 6, "max_output_tokens": 7, "prompt": 9}
    assert spec.prompt_text is not None and spec.prompt_text.startswith("You are a world-class poet.")
    [spec] = extract_call_specs("k.py", (DATA / "k3v1n-KI_Automated-Research-System__dspy_setup.py").read_text())
    assert spec.lines["model"] == 6  # the constant's line: where a swap is written
    assert "environment variable DSPY_OPENAI_MODEL" in spec.notes["model"]


# -- which source files are read --------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("app/llm.py", True),
        ("src/chat.ts", True),
        ("web/page.tsx", True),
        ("lib/x.mjs", True),
        ("tests/test_llm.py", False),
        ("app/test_llm.py", False),
        ("app/llm_test.py", False),
        ("conftest.py", False),
        ("web/chat.test.ts", False),
        ("web/chat.spec.tsx", False),
        ("lib/ai/models.mock.ts", False),
        ("src/__mocks__/openai.ts", False),
        ("node_modules/ai/index.js", False),
        ("types/ai.d.ts", False),
        ("dist/app.js", False),
        ("README.md", False),
    ],
)
def test_is_source(path: str, expected: bool) -> None:
    assert is_source(path) is expected
    assert (extractor_for(path) is not None and extractor_for(path).name.endswith("source")) is expected  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("OPENAI_MODEL = 'gpt-4o'\n", True),
        ('export const defaultModel = "gpt-4o";\n', True),
        ("MAX_TOKENS: int = 512\n", True),
        ("class Settings(BaseSettings):\n", True),
        ("LLM_MODEL = os.getenv('LLM_MODEL', 'gpt-4o')\n", True),
        ("        model_name='post',\n", False),
        ("MODEL_VERSION = 3\n", False),
        ("class Post(models.Model):\n", False),
    ],
)
def test_settings_declaration_sniff(text: str, expected: bool) -> None:
    from aiopt_hooks.extract.source_watch import reads_llm_settings

    assert reads_llm_settings(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("from openai import OpenAI\n", True),
        ("import anthropic\n", True),
        ("from langchain_openai import X\n", True),
        ("from google import genai\n", True),
        ("import { generateText } from 'ai';\n", True),
        ("import boto3\nbr = boto3.client('bedrock-runtime')\n", True),
        ("import boto3\ns3 = boto3.client('s3')\n", False),
        ('const OpenAI = require("openai");\n', True),
        ("import { openai } from '@ai-sdk/openai'\n", True),
        ("import os\nMODEL = 'gpt-4o'\n", False),
        ("import aiohttp\n", False),
        ("import { x } from 'aiohttp';\n", False),
        ("# from openai import OpenAI is in a comment\n", False),
    ],
)
def test_sdk_import_sniff(text: str, expected: bool) -> None:
    assert uses_llm_sdk(text) is expected


# -- the check, in real git repositories ------------------------------------------------------

PY_APP = '''"""Summaries for the sample app."""
from openai import OpenAI

MODEL = "gpt-4o-mini"
client = OpenAI()


def summarize(text: str) -> str:
    resp = client.chat.completions.create(model=MODEL, max_tokens=512,
                                          messages=[{"role": "user", "content": text}])
    return resp.choices[0].message.content
'''
TS_APP = """import { generateText } from "ai";
import { openai } from "@ai-sdk/openai";

export async function summarize(text: string) {
  const { text: out } = await generateText({ model: openai("gpt-4o-mini"), maxOutputTokens: 512, prompt: text });
  return out;
}
"""


def committed(repo: GitRepo, path: str, text: str) -> None:
    repo.write(path, text)
    repo.stage()
    repo.commit(f"add {path}")


@pytest.mark.parametrize(
    ("path", "text", "old", "new"),
    [
        pytest.param("app/summarize.py", PY_APP, 'MODEL = "gpt-4o-mini"', 'MODEL = "gpt-4o"', id="python"),
        pytest.param("web/summarize.ts", TS_APP, 'openai("gpt-4o-mini")', 'openai("gpt-4o")', id="typescript"),
    ],
)
def test_model_swap_in_code_blocks_like_the_config_swap(
    app: GitRepo, run: Any, path: str, text: str, old: str, new: str
) -> None:
    swap_model(app)
    config_swap = run("--format", "json").json()
    app.git("reset", "-q", "--hard")
    committed(app, path, text)
    edit(app, path, old, new)

    result = run("--format", "json")

    assert result.code == 1
    data = result.json()
    [change] = data["changes"]
    assert (change["file"], change["feature"], change["field"], change["old"], change["new"]) == (
        path,
        "summarize",
        "model",
        "gpt-4o-mini",
        "gpt-4o",
    )
    assert data["delta"]["monthly_usd"] == pytest.approx(config_swap["delta"]["monthly_usd"], abs=0.01)
    assert data["delta"]["monthly_usd"] == pytest.approx(
        oracle_monthly("summarize", "gpt-4o") - oracle_monthly("summarize", "gpt-4o-mini"), abs=0.01
    )
    assert data["verdict"] == config_swap["verdict"] == "block"


def test_cap_and_prompt_edits_in_code_are_priced(app: GitRepo, run: Any) -> None:
    committed(app, "app/summarize.py", PY_APP)
    edit(app, "app/summarize.py", "max_tokens=512", "max_tokens=256")

    data = run("--format", "json").json()

    [change] = data["changes"]
    assert (change["feature"], change["field"], change["old"], change["new"]) == (
        "summarize",
        "max_output_tokens",
        512,
        256,
    )
    assert data["delta"]["monthly_usd"] <= 0


def test_system_prompt_constant_growth_is_priced_as_prompt_growth(app: GitRepo, run: Any) -> None:
    with_prompt = PY_APP.replace('MODEL = "gpt-4o-mini"\n', 'MODEL = "gpt-4o-mini"\nSYSTEM_PROMPT = "Summarize."\n')
    with_prompt = with_prompt.replace(
        'messages=[{"role": "user"', 'messages=[{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user"'
    )
    committed(app, "app/summarize.py", with_prompt)
    edit(
        app,
        "app/summarize.py",
        'SYSTEM_PROMPT = "Summarize."',
        'SYSTEM_PROMPT = "Summarize." + ' + repr(" Weigh every stakeholder's concern carefully." * 60),
    )

    data = run("--format", "json").json()

    [change] = data["changes"]
    assert (change["feature"], change["field"]) == ("summarize", "prompt")
    assert change["new"] - change["old"] > 300
    assert change["requests_matched"] > 0 and data["delta"]["monthly_usd"] > 0
    assert any("prompt tokens on each matched request" in n for n in change["notes"])


def test_a_renamed_source_file_keeps_its_call_sites(app: GitRepo, run: Any) -> None:
    committed(app, "app/summarize.py", PY_APP)
    app.git("mv", "app/summarize.py", "app/summary.py")
    edit(app, "app/summary.py", 'MODEL = "gpt-4o-mini"', 'MODEL = "gpt-4o"')

    data = run("--format", "json").json()

    [change] = data["changes"]
    assert (change["file"], change["feature"], change["old"], change["new"]) == (
        "app/summary.py",
        "summarize",
        "gpt-4o-mini",
        "gpt-4o",
    )


def test_a_value_that_becomes_run_time_only_is_a_blocking_finding(app: GitRepo, run: Any) -> None:
    committed(app, "app/summarize.py", PY_APP)
    edit(app, "app/summarize.py", 'MODEL = "gpt-4o-mini"', "MODEL = load_model_name()")

    result = run("--format", "json")

    assert result.code == 1
    data = result.json()
    found = [f for f in data["findings"] if f["code"] == "not_statically_known"]
    assert len(found) == 1
    assert found[0]["level"] == "block"
    assert found[0]["file"] == "app/summarize.py" and found[0]["line"] == 4  # the constant, where the edit is
    assert "load_model_name()" in found[0]["message"] and "'gpt-4o-mini'" in found[0]["message"]


def test_a_new_call_with_a_run_time_model_warns(app: GitRepo, run: Any) -> None:
    app.write(
        "app/router.py",
        "from openai import OpenAI\nc = OpenAI()\n\n\ndef summarize(q, model):\n"
        "    return c.chat.completions.create(model=model, messages=[])\n",
    )
    app.stage()

    result = run("--format", "json")

    assert result.code == 0
    [found] = [f for f in result.json()["findings"] if f["code"] == "not_statically_known"]
    assert found["level"] == "warn" and NOT_STATIC in found["message"] and found["line"] == 6


def test_a_settings_default_is_priced_and_said(app: GitRepo, run: Any) -> None:
    settings = PY_APP.replace(
        'MODEL = "gpt-4o-mini"\n',
        "from pydantic_settings import BaseSettings\n\n\n"
        'class Settings(BaseSettings):\n    summary_model: str = "gpt-4o-mini"\n\n\n'
        "settings = Settings()\n",
    ).replace("model=MODEL", "model=settings.summary_model")
    committed(app, "app/summarize.py", settings)
    edit(app, "app/summarize.py", 'summary_model: str = "gpt-4o-mini"', 'summary_model: str = "gpt-4o"')

    data = run("--format", "json").json()

    [change] = data["changes"]
    assert (change["field"], change["old"], change["new"]) == ("model", "gpt-4o-mini", "gpt-4o")
    [note] = [f for f in data["findings"] if f["code"] == "assumed_default"]
    assert note["level"] == "info" and "`Settings.summary_model`" in note["message"]


def test_model_swap_in_a_settings_module_is_priced_on_the_old_models_traffic(app: GitRepo, run: Any) -> None:
    swap_model(app)
    config_swap = run("--format", "json").json()
    app.git("reset", "-q", "--hard")
    committed(app, "app/config.py", SETTINGS_MODULE)
    edit(app, "app/config.py", '"SUMMARY_MODEL", "gpt-4o-mini"', '"SUMMARY_MODEL", "gpt-4o"')

    result = run("--format", "json")

    assert result.code == 1
    data = result.json()
    [change] = data["changes"]
    assert (change["feature"], change["field"], change["old"], change["new"]) == (
        "SUMMARY_MODEL",
        "model",
        "gpt-4o-mini",
        "gpt-4o",
    )
    assert change["confidence"] == "medium" and any("old model" in n for n in change["notes"])
    assert data["delta"]["monthly_usd"] == pytest.approx(config_swap["delta"]["monthly_usd"], abs=0.01)
    assert [f["code"] for f in data["findings"] if f["code"] == "assumed_default"] == ["assumed_default"]


def test_a_settings_module_model_made_run_time_only_blocks(app: GitRepo, run: Any) -> None:
    committed(app, "app/config.py", SETTINGS_MODULE)
    edit(app, "app/config.py", 'os.getenv("SUMMARY_MODEL", "gpt-4o-mini")', "load_model_name()")

    result = run("--format", "json")

    assert result.code == 1
    [found] = [f for f in result.json()["findings"] if f["code"] == "not_statically_known"]
    assert found["level"] == "block" and "was 'gpt-4o-mini'" in found["message"] and found["line"] == 4


def test_explicit_mapping_names_the_feature(app: GitRepo, run: Any) -> None:
    committed(app, "app/helpers.py", PY_APP.replace("def summarize", "def call_llm"))
    with open(app.path / ".aiopt.yaml", "a") as config:
        config.write("features:\n  summarize:\n    files: ['app/helpers.py#call_llm']\n")
    edit(app, "app/helpers.py", 'MODEL = "gpt-4o-mini"', 'MODEL = "gpt-4o"')

    data = run("--format", "json").json()

    [change] = data["changes"]
    assert change["feature"] == "summarize" and change["requests_matched"] > 0


@pytest.mark.parametrize(
    ("setting", "path", "checked"),
    [
        pytest.param("code: false\n", "app/summarize.py", False, id="off"),
        pytest.param("code: ['web/**']\n", "app/summarize.py", False, id="outside-the-globs"),
        pytest.param("code: ['app/**']\n", "app/summarize.py", True, id="inside-the-globs"),
        pytest.param("", "tests/summarize.py", False, id="tests-are-not-read"),
    ],
)
def test_code_setting(app: GitRepo, run: Any, setting: str, path: str, checked: bool) -> None:
    committed(app, path, PY_APP)
    with open(app.path / ".aiopt.yaml", "a") as config:
        config.write(setting)
    edit(app, path, 'MODEL = "gpt-4o-mini"', 'MODEL = "gpt-4o"')

    result = run()

    assert (result.code == 1) is checked
    assert ("no watched LLM file changed" in result.out) is not checked


def test_bad_code_setting_is_a_config_error(app: GitRepo, run: Any) -> None:
    with open(app.path / ".aiopt.yaml", "a") as config:
        config.write("code: 3\n")
    result = run()
    assert result.code == 2
    assert "`code` must be true, false, or a list of globs" in result.err


def test_invalid_source_file_is_exit_2_naming_file_and_line(app: GitRepo, run: Any) -> None:
    app.write("app/broken.py", "from openai import OpenAI\ndef f(:\n")
    app.stage()
    result = run()
    assert result.code == 2
    assert "app/broken.py:2" in result.err and "Traceback" not in result.err


def test_source_commit_without_llm_sdk_stays_on_the_hot_path(app: GitRepo) -> None:
    """A commit touching only ordinary source files imports neither YAML, pricing, a parser nor GitPython."""
    committed(app, "app/util.py", "import os\n\n\ndef f():\n    return os.sep\n")
    edit(app, "app/util.py", "os.sep", "os.pathsep")
    probe = (
        "import sys\nfrom aiopt_hooks.cli import main\ncode = main(['check'])\n"
        "heavy = [m for m in ('yaml', 'genai_prices', 'git', 'tree_sitter', 'aiopt_hooks.extract.source_python',"
        " 'aiopt_hooks.pricing.prices', 'aiopt_hooks.extract.tokens') if m in sys.modules]\n"
        "print('RESULT', code, heavy)\n"
    )
    last = warm_probe(app, probe)
    assert last == "RESULT 0 []"


def test_default_config_reads_code() -> None:
    assert Config().code == ("**",)


def test_explain_lists_source_files_read_by_code(app: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from aiopt_hooks.cli import main

    committed(app, "app/summarize.py", PY_APP)
    capsys.readouterr()
    assert main(["explain", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert {"path": "app/summarize.py", "features": ["summarize"], "error": None} in report["files"]
    assert "app/summarize.py" not in report["unwatched_llm_files"]


def test_read_blobs_reads_many_and_skips_missing(repo: GitRepo) -> None:
    from aiopt_hooks.repo.git import read_blobs

    repo.write("a.py", "import openai\n")
    repo.write("b.bin", bytes(range(256)) * 4)
    repo.stage()
    shas = [repo.git("rev-parse", f":{name}").strip() for name in ("a.py", "b.bin")]
    blobs = read_blobs(repo.path, [*shas, "0" * 40])
    assert blobs == {shas[0]: b"import openai\n", shas[1]: bytes(range(256)) * 4}


def test_init_reads_source_through_code_not_watch(app: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    from aiopt_hooks.cli import main
    from aiopt_hooks.config import load_config

    committed(app, "app/summarize.py", PY_APP)
    committed(app, "app/classify.py", PY_APP.replace("def summarize", "def classify"))
    (app.path / ".aiopt.yaml").unlink()
    assert main(["init"]) == 0
    config = load_config(app.path / ".aiopt.yaml")
    assert not any(p.startswith("app") for p in config.watch)  # not `app/**`: every commit there a check
    assert config.code == ("**",)
    assert "(2 found now" in (app.path / ".aiopt.yaml").read_text()
