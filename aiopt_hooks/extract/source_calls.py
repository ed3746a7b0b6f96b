"""Model settings in source code: the SDK calls read, and how one call becomes a call spec.

Stage: file text -> call specs.  The language modules (`source_python` with the standard `ast`,
`source_js` with tree-sitter) turn a source file into `FoundCall`s: each call's qualified callee
(`langchain_openai.ChatOpenAI`, `?.chat.completions.create`) and its arguments as `Value`s, with
module constants, function-local constants and settings defaults already followed.  This module
holds what both languages share: which callees are LLM calls (`SDK_CALLS`), which argument holds
which cost field (`ARG_FIELDS`), and `spec_of`, which builds the call spec.

A value that is not statically known (a parameter, a function's result) is kept out of the
spec's fields and named in `CallSpec.notes` ("not statically known: `expr`"); a value found
through a default (a settings field, `os.getenv("X", "gpt-4o")`) is used and the assumption is
noted the same way.  `source_notes` turns those notes into findings and change notes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any, NamedTuple, TypeVar

from aiopt_hooks.errors import AioptError
from aiopt_hooks.extract.source_watch import is_source, reads_llm_settings, uses_llm_sdk
from aiopt_hooks.records import CallSpec

__all__ = [
    "is_source",
    "uses_llm_sdk",
    "reads_llm_settings",
    "spec_of",
    "specs_of",
    "sdk_of",
    "declaration_spec",
    "setting_field",
    "Value",
    "CallValue",
    "FoundCall",
]
# A declared setting's name: `OPENAI_MODEL`, `chat_model`, `LLM_MODEL_NAME`, `AZURE_OPENAI_DEPLOYMENT`,
# `MAX_TOKENS`, `max_output_tokens`
SETTING_NAMES = {
    "model": re.compile(r"(?:^|_)(?:model|llm|deployment)(?:_name|_id)?$", re.IGNORECASE),
    "max_output_tokens": re.compile(r"(?:^|_)max_(?:output_|completion_|new_)?tokens$", re.IGNORECASE),
}


class NotStatic:
    """The value of an expression known only at run time."""

    def __repr__(self) -> str:
        return "NOT_STATIC"


NOT_STATIC = NotStatic()


@dataclass(frozen=True)
class Value:
    """One argument (or part of one) as read from the source."""

    value: Any  # str | int | float | bool | None | list[Value] | dict[str, Value] | CallValue | NOT_STATIC
    line: int
    expr: str = ""  # the source text, named in a "not statically known" finding
    note: str = ""  # how it was found when not written at the call (a constant, a default)
    runtime_parts: int = 0  # a string's parts known only at run time (f-string fields), left out


Node = TypeVar("Node")


def name_value(
    name: str,
    params: Mapping[str, Node | None],
    local: Mapping[str, list[Node]],
    constants: Mapping[str, list[Node]],
    in_scope: Callable[[Node], Value],
    at_module: Callable[[Node], Value],
    used: set[str],
) -> Value | None:
    """What a name stands for, in Python or TS/JS alike: a local assigned once (not a parameter), a
    parameter's default (said in the value's note), else a module constant assigned once; None when
    it is not statically known.  `used` collects the module constants a call reads."""
    if name in local:
        found = local[name]
        return in_scope(found[0]) if len(found) == 1 and name not in params else None
    if name in params:
        default = params[name]
        if default is None:
            return None
        value = in_scope(default)
        note = f"the default of parameter `{name}` (a caller may pass another value)"
        return Value(value.value, value.line, value.expr, note, value.runtime_parts)
    found = constants.get(name, [])
    used.add(name)
    return at_module(found[0]) if len(found) == 1 else None


def too_deep(path: str) -> AioptError:
    """The error for a source file nested deeper than the readers recurse."""
    return AioptError(
        "nested too deeply to read",
        file=path,
        line=1,
        hint="simplify the file, or set `code:` in .aiopt.yaml to leave it out",
    )


@dataclass(frozen=True)
class CallValue:
    """A call (or `new`) expression: an SDK call, or a call inside one (`openai("gpt-4o")`)."""

    callee: str  # qualified: imported names replaced by their module path
    args: tuple[Value, ...] = ()
    kwargs: dict[str, Value] = field(default_factory=dict)
    spread: str = ""  # `**kwargs` / `...params` not statically known: may set anything


class FoundCall(NamedTuple):
    call: CallValue
    line: int
    scope: str  # the selector: `Class.method`, `function`, the assigned name; "" at module level
    feature: str  # the enclosing function, or the assigned name; "" -> the file stem


class Sdk(NamedTuple):
    name: str
    model_pos: int | None = None  # positional index of the model, where the SDK takes it so


# (module prefix or "*" for a method on any receiver, callee name pattern, SDK)
SDK_CALLS: tuple[tuple[str, str, Sdk], ...] = (
    ("*", r"chat\.completions\.(create|parse|stream)", Sdk("OpenAI chat completions")),
    ("*", r"responses\.(create|parse|stream)", Sdk("OpenAI responses")),
    ("*", r"messages\.(create|stream|parse)", Sdk("Anthropic messages")),
    (
        "*",
        r"models\.(generate_content|generate_content_stream|generateContent|generateContentStream)",
        Sdk("Google GenAI"),
    ),
    ("*", r"getGenerativeModel", Sdk("Google Generative AI (Node)")),
    ("*", r"(ChatCompletion|Completion)\.a?create", Sdk("OpenAI (before 1.0)")),
    ("google.generativeai", r"GenerativeModel", Sdk("Google Generative AI", 0)),
    ("vertexai", r"GenerativeModel", Sdk("Vertex AI", 0)),
    ("*", r"chat\.(complete|stream|complete_async|stream_async)", Sdk("Mistral")),
    ("*", r"converse|converse_stream|invoke_model", Sdk("Amazon Bedrock")),
    ("litellm", r"a?completion|text_completion|a?responses", Sdk("LiteLLM", 0)),
    ("langchain", r"init_chat_model", Sdk("LangChain init_chat_model", 0)),
    ("langchain", r"Chat\w+", Sdk("LangChain chat model")),
    ("@langchain", r"Chat\w+|initChatModel", Sdk("LangChain.js chat model", 0)),
    ("llama_index.llms", r"[A-Z]\w*", Sdk("LlamaIndex LLM", 0)),
    ("pydantic_ai", r"Agent", Sdk("Pydantic AI Agent", 0)),
    ("dspy", r"LM|OpenAI|AzureOpenAI|Claude|Google|GROQ|Cohere|OllamaLocal|Databricks", Sdk("DSPy LM", 0)),
    ("autogen_ext", r"\w*ChatCompletionClient", Sdk("AutoGen model client")),
    ("agents", r"Agent", Sdk("OpenAI Agents SDK")),
    ("@openai/agents", r"Agent", Sdk("OpenAI Agents SDK (Node)")),
    ("ai", r"generateText|streamText|generateObject|streamObject", Sdk("Vercel AI SDK")),
)
_METHODS = [(re.compile(rf"(^|\.)(?:{pattern})$"), sdk) for module, pattern, sdk in SDK_CALLS if module == "*"]
_QUALIFIED = [(module, re.compile(rf"(?:{pattern})$"), sdk) for module, pattern, sdk in SDK_CALLS if module != "*"]

# normalized field -> argument names (dotted: inside a dict or config object argument)
ARG_FIELDS: dict[str, tuple[str, ...]] = {
    "model": (
        "model",
        "model_name",
        "modelName",
        "model_id",
        "modelId",
        "azure_deployment",
        "deployment_name",
        "azureDeployment",
        "engine",
    ),
    "provider": ("model_provider", "modelProvider"),
    "max_output_tokens": (
        "max_tokens",
        "max_completion_tokens",
        "max_output_tokens",
        "maxTokens",
        "maxOutputTokens",
        "maxCompletionTokens",
        "max_tokens_to_sample",
        "max_new_tokens",
        "num_predict",
        "config.max_output_tokens",
        "config.maxOutputTokens",
        "generation_config.max_output_tokens",
        "generationConfig.maxOutputTokens",
        "model_settings.max_tokens",
        "modelSettings.maxTokens",
        "model_kwargs.max_tokens",
        "inferenceConfig.maxTokens",
    ),
    "retries": ("max_retries", "num_retries", "maxRetries", "retries"),
    "fallbacks": ("fallbacks",),
    "n": (
        "n",
        "candidate_count",
        "candidateCount",
        "config.candidate_count",
        "config.candidateCount",
        "generation_config.candidate_count",
        "generationConfig.candidateCount",
    ),
    "reasoning_effort": (
        "reasoning_effort",
        "reasoningEffort",
        "reasoning.effort",
        "providerOptions.openai.reasoningEffort",
        "model_kwargs.reasoning_effort",
        "model_settings.reasoning_effort",
        "modelSettings.reasoning.effort",
    ),
    "thinking_budget": (
        "thinking.budget_tokens",
        "thinking.budgetTokens",
        "thinking_budget",
        "config.thinking_config.thinking_budget",
        "config.thinkingConfig.thinkingBudget",
        "thinkingConfig.thinkingBudget",
        "providerOptions.anthropic.thinking.budgetTokens",
        "providerOptions.google.thinkingConfig.thinkingBudget",
    ),
}
# Arguments whose static text is sent with every request: system prompts and message templates.
PROMPT_ARGS = (
    "system",
    "instructions",
    "system_prompt",
    "systemPrompt",
    "system_instruction",
    "systemInstruction",
    "system_message",
    "config.system_instruction",
    "config.systemInstruction",
    "prompt",
    "messages",
    "input",
    "contents",
)
INT_FIELDS = ("max_output_tokens", "retries", "n", "thinking_budget")


def sdk_of(callee: str) -> Sdk | None:
    """The SDK call a qualified callee is, if any."""
    module, _, name = callee.rpartition(".")
    for prefix, pattern, sdk in _QUALIFIED:
        if pattern.fullmatch(name) and (
            module == prefix or module.startswith(prefix) and module[len(prefix)] in "._/-"
        ):
            return sdk
    if "." in callee:
        return next((sdk for pattern, sdk in _METHODS if pattern.search(callee)), None)
    return None


def _arguments(call: CallValue) -> dict[str, Value]:
    """Keyword arguments, merged with an options object (`create({model: ...})` in JS)."""
    merged: dict[str, Value] = {}
    for arg in call.args[:1]:
        if isinstance(arg.value, dict):
            merged.update(arg.value)
    merged.update(call.kwargs)
    return merged


def get_path(args: dict[str, Value], dotted: str) -> Value | None:
    """The argument at a dotted path, through dicts and config objects (`types.GenerateContentConfig(...)`)."""
    head, _, rest = dotted.partition(".")
    value = args.get(head)
    if value is None or not rest:
        return value
    inner = value.value
    if isinstance(inner, CallValue):
        inner = _arguments(inner)
    return get_path(inner, rest) if isinstance(inner, dict) else None


def _model(call: CallValue, sdk: Sdk, args: dict[str, Value]) -> tuple[Value | None, str | None]:
    """(the model argument, the provider its wrapper names): `openai("gpt-4o")`, `OpenAIModel("gpt-4o")`."""
    value = next((v for name in ARG_FIELDS["model"] if (v := get_path(args, name)) is not None), None)
    if (
        value is None
        and sdk.model_pos is not None
        and len(call.args) > sdk.model_pos
        and not isinstance(call.args[sdk.model_pos].value, dict)
    ):
        value = call.args[sdk.model_pos]
    if value is None or not isinstance(value.value, CallValue):
        return value, None
    wrapper = value.value
    if not is_model_wrapper(wrapper.callee):  # `requireEnv("AZURE_DEPLOYMENT")`: a run-time value
        return Value(NOT_STATIC, value.line, value.expr), None
    inner, _ = _model(wrapper, Sdk("model wrapper", 0), _arguments(wrapper))
    module, _, name = wrapper.callee.rpartition(".")
    provider = module.removeprefix("@ai-sdk/").split(".")[0] if module.startswith("@ai-sdk/") else None
    if inner is None:
        return Value(NOT_STATIC, value.line, value.expr), None
    return inner, provider or (name if module.startswith("@ai-sdk/") else None)


# Calls whose argument is the model: `openai("gpt-4o")`, `anthropic.messages("...")`, `gateway.languageModel(...)`,
# `OpenAIModel("gpt-4o")`; provider functions of the Vercel AI SDK, also when a project re-exports them.
PROVIDER_FUNCTIONS = frozenset(
    {
        "openai",
        "anthropic",
        "google",
        "vertex",
        "azure",
        "bedrock",
        "mistral",
        "groq",
        "xai",
        "deepseek",
        "cohere",
        "perplexity",
        "togetherai",
        "fireworks",
        "cerebras",
        "deepinfra",
        "ollama",
        "openrouter",
        "gateway",
    }
)
MODEL_METHODS = frozenset({"chat", "responses", "languageModel", "completion", "messages", "textEmbeddingModel"})


def is_model_wrapper(callee: str) -> bool:
    parts = callee.split(".")
    if callee.startswith(("@ai-sdk/", "pydantic_ai.")) or parts[-1] in PROVIDER_FUNCTIONS:
        return True
    if parts[-1] == "languageModel":  # registry.languageModel("openai:gpt-4o"): a provider registry
        return True
    return len(parts) > 1 and parts[-1] in MODEL_METHODS and parts[-2] in PROVIDER_FUNCTIONS


def _text(value: Value) -> tuple[list[str], int]:
    """The static text of a prompt argument (strings, message lists, parts), and its run-time parts."""
    inner = value.value
    if isinstance(inner, str):
        return [inner], value.runtime_parts
    if isinstance(inner, (list, tuple)):
        texts: list[str] = []
        runtime = 0
        for item in inner:
            found, parts = _text(item)
            texts += found
            runtime += parts
        return texts, runtime
    if isinstance(inner, dict):
        texts, runtime = [], 0
        for key in ("content", "text", "parts"):
            if key in inner:
                found, parts = _text(inner[key])
                texts += found
                runtime += parts
        return texts, runtime
    if isinstance(inner, CallValue):  # SystemMessage(content=...), types.Part.from_text(text=...)
        return _text(Value(list(inner.args) + list(inner.kwargs.values()), value.line))
    return [], 1 if inner is NOT_STATIC else 0


def _prompt(args: dict[str, Value]) -> tuple[str | None, int | None]:
    texts: list[str] = []
    runtime = 0
    line = None
    for name in PROMPT_ARGS:
        value = get_path(args, name)
        if value is None:
            continue
        found, parts = _text(value)
        texts += found
        runtime += parts
        line = line or value.line
    if line is None:
        return None, None
    # run-time parts stay visible to the token counter as template expressions (excluded, and said)
    return "\n".join(texts + ["{{ run-time value }}"] * runtime), line


def _coerce(name: str, value: Value) -> Any:
    inner = value.value
    if name in INT_FIELDS:
        if isinstance(inner, bool) or not isinstance(inner, (int, float)) or inner < 0:
            return NOT_STATIC
        return int(inner)
    if name == "fallbacks":
        if not isinstance(inner, list):
            return NOT_STATIC
        items = [i.value for i in inner]
        return tuple(str(i) for i in items) if all(isinstance(i, str) for i in items) else NOT_STATIC
    if isinstance(inner, str) and inner.strip() and not value.runtime_parts:
        return inner.strip()
    return NOT_STATIC


def spec_of(path: str, found: FoundCall, selector: str) -> CallSpec | None:
    """The call spec of one SDK call (None: not an LLM call, or one that names no model)."""
    sdk = sdk_of(found.call.callee)
    if sdk is None:
        return None
    args = _arguments(found.call)
    model, provider = _model(found.call, sdk, args)
    if model is None and found.call.spread:
        model = Value(NOT_STATIC, found.line, found.call.spread)  # create(**params): the model is in there
    if model is None:
        return None  # a client constructor, or another call of the SDK that sets no model
    fields: dict[str, Any] = {}
    lines: dict[str, int] = {}
    notes: dict[str, str] = {}
    values = {"model": model}
    for name, keys in ARG_FIELDS.items():
        found_value = next((v for key in keys if (v := get_path(args, key)) is not None), None)
        if name != "model" and found_value is not None:
            values[name] = found_value
    for name, value in values.items():
        lines[name] = value.line
        coerced = _coerce(name, value)
        if coerced is NOT_STATIC:
            notes[name] = f"not statically known (`{value.expr or '?'}`)"
            continue
        fields[name] = coerced
        if value.note:
            notes[name] = value.note
    if provider and "provider" not in fields and "provider" not in notes:
        fields["provider"] = provider
    prompt, line = _prompt(args)
    if prompt is not None and line is not None:
        fields["prompt"] = "inline"
        lines["prompt"] = line
    feature = found.feature or PurePosixPath(path).name.split(".", 1)[0]
    return CallSpec(
        file=path, feature=feature, selector=selector, fields=fields, lines=lines, prompt_text=prompt, notes=notes
    )


def specs_of(path: str, calls: list[FoundCall]) -> list[CallSpec]:
    """Every LLM call's spec; selectors are the scope, `.2`, `.3`... for a second call in one scope."""
    specs: list[CallSpec] = []
    seen: dict[str, int] = {}
    for found in calls:
        base = found.scope or "<module>"
        if sdk_of(found.call.callee) is None:
            continue
        seen[base] = seen.get(base, 0) + 1
        spec = spec_of(path, found, base if seen[base] == 1 else f"{base}.{seen[base]}")
        if spec is None:
            seen[base] -= 1
            continue
        specs.append(spec)
    return specs


def setting_field(name: str) -> str | None:
    """The cost field a declared name holds (`OPENAI_MODEL` -> model), if any."""
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)  # defaultModel -> default_Model
    return next((field for field, pattern in SETTING_NAMES.items() if pattern.search(snake)), None)


def declaration_spec(path: str, name: str, value: Value, runtime_ok: bool = True) -> CallSpec | None:
    """The call spec of a model setting declared outside any call (a settings module's constant).
    `runtime_ok`: the value is an expression a setting may be read from at run time (a call, an
    attribute, the environment), not a type alias or a function."""
    field_name = setting_field(name.rpartition(".")[2])
    call = value.value if isinstance(value.value, CallValue) else None
    if field_name is None or (
        call is not None and (sdk_of(call.callee) is not None or call.callee.rpartition(".")[2][:1].isupper())
    ):
        return None  # `llm = ChatOpenAI(...)`: the call's own spec; `embedding_model = OpenAIEmbeddings()`: an object
    coerced = _coerce(field_name, value)
    if field_name == "model" and isinstance(coerced, str) and (" " in coerced or len(coerced) > 100):
        return None  # a sentence, not a model id
    feature = name.rpartition(".")[2]
    if coerced is NOT_STATIC and not runtime_ok:
        return None  # `ModelName = str | KnownModelName`, `createModel = () => ...`
    if coerced is NOT_STATIC:  # `MODEL = load_model()`: known only at run time, said when it changes
        return CallSpec(
            file=path,
            feature=feature,
            selector=name,
            lines={field_name: value.line},
            notes={field_name: f"not statically known (`{value.expr or name}`)"},
        )
    notes = {field_name: value.note} if value.note else {}
    return CallSpec(
        file=path,
        feature=feature,
        selector=name,
        fields={field_name: coerced},
        lines={field_name: value.line},
        notes=notes,
    )
