"""Tests for aiopt_hooks.extract.tokens: template static text and prompt token counting."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from aiopt_hooks.extract import tokens
from aiopt_hooks.extract.tokens import TokenCount, count_tokens, static_text

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("template", "expected_text", "expected_removed"),
    [
        pytest.param("Summarize the text below.", "Summarize the text below.", 0, id="no-template"),
        pytest.param("", "", 0, id="empty"),
        pytest.param(
            "Hello {{ name }}, you have {{count}} messages.", "Hello , you have  messages.", 2, id="jinja-expressions"
        ),
        pytest.param(
            "{% for item in items %}\n- {{ item.title | upper }}\n{% endfor %}\n", "\n- \n\n", 3, id="jinja-for-block"
        ),
        pytest.param("A {%- if x -%}\n  B  \n{%- endif %} C", "AB C", 2, id="jinja-whitespace-control"),
        pytest.param(
            "{# reviewer note:\nkeep short #}Answer briefly.", "Answer briefly.", 1, id="jinja-multiline-comment"
        ),
        pytest.param(
            "{% raw %}Write {{ name }} literally.{% endraw %}",
            "Write {{ name }} literally.",
            2,
            id="jinja-raw-block-keeps-body",
        ),
        pytest.param('{{ {"k": {"n": 1}} | tojson }} end', " end", 1, id="jinja-nested-dict-literal"),
        pytest.param("{{#each users}}Name: {{this.name}}\n{{/each}}", "Name: \n", 3, id="handlebars-each-keeps-body"),
        pytest.param(
            "{{#if vip}}Be extra polite.{{else}}Be polite.{{/if}}",
            "Be extra polite.Be polite.",
            3,
            id="handlebars-if-else",
        ),
        pytest.param("{{!-- has }} inside --}}Hi {{{body}}}", "Hi ", 2, id="handlebars-comment-and-triple"),
        pytest.param("Hi {{~ name ~}} !", "Hi!", 1, id="handlebars-tilde-trim"),
        pytest.param(
            "{{^items}}No items.{{/items}}{{> footer}}{{! note }}",
            "No items.",
            4,
            id="mustache-inverted-partial-comment",
        ),
        pytest.param("Use {{$input}} and {{weather.getForecast $city}}.", "Use  and .", 2, id="semantic-kernel"),
        pytest.param(
            'Return JSON like {"a": 1, "b": {"c": [1, 2]}}.',
            'Return JSON like {"a": 1, "b": {"c": [1, 2]}}.',
            0,
            id="json-example-stays",
        ),
        pytest.param('Reply {"answer": "{{ answer }}"}', 'Reply {"answer": ""}', 1, id="expression-inside-json"),
        pytest.param('Format: {{"name": "..."}}', 'Format: {"name": "..."}', 0, id="format-escaped-json-is-static"),
        pytest.param("Costs 50% {less}", "Costs 50% {less}", 0, id="single-braces-stay"),
    ],
)
def test_static_text(template: str, expected_text: str, expected_removed: int) -> None:
    assert static_text(template) == (expected_text, expected_removed)


# Exact o200k_base / cl100k_base counts, recorded with bpe-openai 0.1.4.
TEXTS = {
    "plain": "Hello world, this is a test.",
    "system": "You are a careful assistant for an online bookstore. Answer questions about orders, "
    "shipping and returns. If a customer asks about a refund, collect the order number first "
    "and never promise a date you cannot confirm.",
    "json": 'Reply with a JSON object: {"answer": string, "confidence": number between 0 and 1, '
    '"sources": [string]}. Do not add any other text.',
    "markdown": "## Rules\n\n- Be concise.\n- Use bullet points for lists of three or more items.\n"
    "- Cite sources as [1], [2].\n\n## Output\n\n1. Summary\n2. Details\n",
    "code": '```python\ndef total(items: list[dict]) -> float:\n    return sum(i["price"] * i["qty"] '
    'for i in items if i.get("qty", 0) > 0)\n```\nExplain what this function returns for an '
    "empty list.",
    "numbers": "Order 1234567 shipped on 2024-11-05 at 14:30 for $1,299.99 (qty 12).",
}
O200K = {"plain": 8, "system": 41, "json": 36, "markdown": 40, "code": 55, "numbers": 31}
CL100K = {"plain": 8, "system": 41, "json": 36, "markdown": 41, "code": 56, "numbers": 31}


@pytest.fixture
def approx(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(tokens.TOKENIZER_ENV, "approx")


@pytest.mark.usefixtures("approx")
@pytest.mark.parametrize(
    ("name", "tolerance_pct"),
    [
        pytest.param("plain", 15, id="plain"),
        pytest.param("system", 10, id="system-prompt"),
        pytest.param("json", 10, id="json-instructions"),
        pytest.param("markdown", 10, id="markdown-list"),
        pytest.param("code", 10, id="code-snippet"),
        pytest.param("numbers", 10, id="numbers-and-dates"),
    ],
)
def test_approximation_within_tolerance(name: str, tolerance_pct: float) -> None:
    result = count_tokens(TEXTS[name])
    assert result.exact is False
    assert result.method == tokens.APPROX_METHOD
    assert abs(result.tokens - O200K[name]) <= O200K[name] * tolerance_pct / 100


@pytest.mark.usefixtures("approx")
@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        pytest.param("", 0, 0, id="empty-is-zero"),
        pytest.param(" ", 1, 1, id="one-space"),
        pytest.param("-" * 64, 1, 2, id="repeated-punctuation-is-cheap"),
        pytest.param("1234567", 3, 3, id="digits-in-groups-of-three"),
        pytest.param(" internationalization", 1, 3, id="long-common-word"),
        pytest.param("你好世界，欢迎使用我们的服务。", 6, 14, id="cjk-per-character"),
    ],
)
def test_approximation_edge_cases(text: str, low: int, high: int) -> None:
    assert low <= count_tokens(text).tokens <= high


def test_approximation_method_states_measured_error(approx: None) -> None:
    method = count_tokens("Hello", model="gpt-4o").method
    assert method.startswith("approximation")
    assert f"±{tokens.APPROX_MEAN_ERROR_PCT:g}%" in method


@pytest.mark.parametrize("value", ["approx", "APPROX", " approximation "])
def test_env_var_forces_approximation(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(tokens.TOKENIZER_ENV, value)
    assert count_tokens("Hello world").exact is False


def test_missing_package_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(tokens.TOKENIZER_ENV, raising=False)
    monkeypatch.setattr(tokens, "_load_encoder", lambda encoding: None)
    result = count_tokens(TEXTS["system"], model="gpt-4o")
    assert result == TokenCount(tokens.approximate_tokens(TEXTS["system"]), False, tokens.APPROX_METHOD)


@pytest.mark.parametrize(
    ("model", "encoding"),
    [
        pytest.param(None, "o200k_base", id="default"),
        pytest.param("gpt-4o", "o200k_base", id="gpt-4o"),
        pytest.param("gpt-4o-mini", "o200k_base", id="gpt-4o-mini"),
        pytest.param("gpt-4.1-nano", "o200k_base", id="gpt-4.1"),
        pytest.param("gpt-5", "o200k_base", id="gpt-5"),
        pytest.param("o3-mini", "o200k_base", id="o-series"),
        pytest.param("openai/gpt-4.1", "o200k_base", id="provider-prefix"),
        pytest.param("claude-3-5-sonnet", "o200k_base", id="non-openai-default"),
        pytest.param("gpt-4", "cl100k_base", id="gpt-4"),
        pytest.param("gpt-4-turbo-2024-04-09", "cl100k_base", id="gpt-4-turbo"),
        pytest.param("gpt-3.5-turbo", "cl100k_base", id="gpt-3.5"),
        pytest.param("azure/gpt-35-turbo", "cl100k_base", id="azure-gpt-35"),
        pytest.param("ft:gpt-3.5-turbo:acme::abc", "cl100k_base", id="fine-tuned"),
        pytest.param("text-embedding-3-small", "cl100k_base", id="embeddings"),
    ],
)
def test_encoding_for_model(model: str | None, encoding: str) -> None:
    assert tokens.encoding_for_model(model) == encoding


@pytest.fixture
def exact(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("bpe_openai")
    monkeypatch.delenv(tokens.TOKENIZER_ENV, raising=False)


@pytest.mark.usefixtures("exact")
@pytest.mark.parametrize("name", sorted(TEXTS))
@pytest.mark.parametrize(
    ("model", "counts", "method"),
    [
        pytest.param(None, O200K, "bpe-openai o200k_base", id="default"),
        pytest.param("gpt-4o", O200K, "bpe-openai o200k_base", id="gpt-4o"),
        pytest.param("gpt-4", CL100K, "bpe-openai cl100k_base", id="gpt-4"),
    ],
)
def test_exact_counts(name: str, model: str | None, counts: dict[str, int], method: str) -> None:
    assert count_tokens(TEXTS[name], model=model) == TokenCount(counts[name], True, method)


@pytest.mark.usefixtures("exact")
def test_exact_edge_cases() -> None:
    assert count_tokens("").tokens == 0
    assert count_tokens("Never output <|endoftext|> literally.").tokens == 11  # plain text
    assert count_tokens("Hi", model="claude-3-haiku").method == ("bpe-openai o200k_base (stand-in for claude-3-haiku)")
    line = "Answer in one short sentence.\n"
    assert count_tokens(line * 5000).tokens == 5000 * count_tokens(line).tokens  # 150k chars: chunked


@pytest.mark.parametrize(
    ("text", "size"),
    [
        pytest.param("short", 10, id="fits"),
        pytest.param("line one\nline two\nline three\n", 12, id="at-line-ends"),
        pytest.param("x" * 25 + "\nend", 10, id="long-line-cut"),
    ],
)
def test_chunks_cover_text_within_size(text: str, size: int) -> None:
    chunks = list(tokens._chunks(text, size))
    assert "".join(chunks) == text
    assert all(0 < len(chunk) <= size for chunk in chunks)


def _load_calibration() -> ModuleType:
    spec = importlib.util.spec_from_file_location("token_calibration", ROOT / "benchmarks" / "token_calibration.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_documented_error_matches_calibration() -> None:
    pytest.importorskip("bpe_openai")
    rows = _load_calibration().measure()
    assert len(rows) >= 20
    mean = sum(abs(row.error_pct) for row in rows) / len(rows)
    assert mean < 8
    assert abs(mean - tokens.APPROX_MEAN_ERROR_PCT) < 1.0, "rerun benchmarks/token_calibration.py"


def test_import_does_not_load_bpe_openai() -> None:
    code = "import sys, aiopt_hooks.extract.tokens; print('bpe_openai' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
