"""Prompt token counting, the measuring step of prompt-change estimation.

When a commit edits a prompt file or an inline prompt template, the estimator prices the change
from the template's static text: `static_text` strips the template expressions (whose values are
only known at run time) from the old and the new version, and `count_tokens` counts what is left.
The token difference, times the calls per month from the usage log, times the model's input
price, is the prompt's share of the cost delta.

`count_tokens` is exact when the optional `bpe-openai` package is installed (its o200k_base and
cl100k_base vocabularies ship inside the wheel, so nothing is downloaded at run time; `tiktoken`
is never used because it downloads its vocabularies). Without it, or with the environment
variable `AIOPT_TOKENIZER=approx`, it falls back to an offline approximation: a pre-tokenizer
that splits text the way o200k_base does (words with their leading space, digit groups of up to
3, punctuation runs, whitespace runs), where each piece costs one token plus a surcharge for long
or unusual pieces. Its constants were calibrated against o200k_base on English prompts by
`benchmarks/token_calibration.py`, which measures the mean error quoted in `APPROX_MEAN_ERROR_PCT`
(those samples were used for fitting; on unseen package READMEs and Python sources the mean error
was about 4-5%, worst texts about 16%). Non-English text is estimated with per-character rates and
is less accurate (German or Spanish run about 10-15% low).
"""

from __future__ import annotations

import functools
import importlib
import os
import re
from collections.abc import Iterator
from typing import NamedTuple, Protocol

TOKENIZER_ENV = "AIOPT_TOKENIZER"
DEFAULT_ENCODING = "o200k_base"
APPROX_MEAN_ERROR_PCT = 2.3  # mean |error| per text, from benchmarks/token_calibration.py
APPROX_METHOD = f"approximation (±{APPROX_MEAN_ERROR_PCT:g}% mean error on sample prompts)"

_APPROX_VALUES = frozenset({"approx", "approximate", "approximation"})
_CHUNK_CHARS = 50_000  # bpe-openai refuses >1M characters or >200k tokens in one call


class TokenCount(NamedTuple):
    tokens: int
    exact: bool  # True when a real tokenizer counted
    method: str  # e.g. "bpe-openai o200k_base" or "approximation (±N% ...)"


class _Encoder(Protocol):
    def encode_ordinary(self, text: str) -> list[int]: ...


# --- static text of a template ------------------------------------------------------------

_TEMPLATE_RE = re.compile(
    r"(?P<raw>\{%-?\s*raw\s*-?%\}(?P<raw_body>.*?)\{%-?\s*endraw\s*-?%\})"  # Jinja raw block
    r"|\{\{~?!--.*?--~?\}\}"  # Handlebars block comment, may contain }}
    r"|\{\{\{.*?\}\}\}"  # Mustache/Handlebars unescaped {{{ x }}}
    r"|\{\{(?P<expr>(?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*?)\}\}"  # {{ x }}, {{#each}}, {{$x}}
    r"|\{%.*?%\}"  # Jinja statement
    r"|\{#.*?#\}",  # Jinja comment
    re.DOTALL,
)
# `{{"key": ...}}` is not valid Jinja/Handlebars: it is a str.format/LangChain-escaped JSON brace.
_ESCAPED_JSON_RE = re.compile(r'\s*"[^"\n]*"\s*:')


def static_text(template: str) -> tuple[str, int]:
    """Remove template expressions and return (static text, number of expressions removed).

    Removed: Jinja `{{ ... }}`, `{% ... %}` and `{# ... #}`; Mustache/Handlebars `{{ x }}`,
    `{{{ x }}}`, comments and block tags (`{{#each}}` and `{{/each}}` go, the text between
    them stays); Semantic Kernel `{{$var}}`. Whitespace control (`{%-`, `-}}`, `{{~`) trims the
    adjacent whitespace as the engines do. A `{% raw %}` block keeps its body. Single braces,
    such as JSON examples `{"a": 1}`, are static text and stay.
    """
    parts: list[str] = []
    removed = 0
    position = 0
    trim_next = False
    for match in _TEMPLATE_RE.finditer(template):
        before = template[position : match.start()]
        kept, count = _replacement(match)
        tag = match.group()
        if trim_next:
            before = before.lstrip()
        if count and tag[2:3] in ("-", "~"):
            before = before.rstrip()
        parts += [before, kept]
        trim_next = bool(count) and tag[-3:-2] in ("-", "~")
        removed += count
        position = match.end()
    tail = template[position:]
    parts.append(tail.lstrip() if trim_next else tail)
    return "".join(parts), removed


def _replacement(match: re.Match[str]) -> tuple[str, int]:
    """What stays of one template match, and how many expressions it removes."""
    if match.group("raw") is not None:
        return match.group("raw_body"), 2
    expr = match.group("expr")
    if expr is not None and _ESCAPED_JSON_RE.match(expr):
        return "{" + expr + "}", 0
    return "", 1


# --- counting -------------------------------------------------------------------------------

_CL100K_RE = re.compile(r"(gpt-4(?![o.\d])|gpt-3\.5|gpt-35|text-embedding-|davinci-002|babbage-002)")
_OPENAI_RE = re.compile(r"(gpt-|chatgpt-|o\d|text-embedding-|davinci|babbage)")


def count_tokens(text: str, model: str | None = None) -> TokenCount:
    """Count the tokens of `text`, exactly when bpe-openai is installed, else approximately.

    o200k_base serves gpt-4o, gpt-4.1, gpt-5, the o-series and any other or unnamed model;
    cl100k_base serves gpt-4, gpt-4-turbo, gpt-3.5 and the text-embedding models. For a model
    outside OpenAI's families o200k_base is a stand-in, and `method` says so.
    `AIOPT_TOKENIZER=approx` forces the approximation.
    """
    if not _approximation_forced():
        encoding = encoding_for_model(model)
        encoder = _load_encoder(encoding)
        if encoder is not None:
            method = f"bpe-openai {encoding}"
            if model and not _OPENAI_RE.match(_model_key(model)):
                method += f" (stand-in for {model})"
            return TokenCount(_exact_count(encoder, text), True, method)
    return TokenCount(approximate_tokens(text), False, APPROX_METHOD)


def encoding_for_model(model: str | None) -> str:
    """The bpe-openai encoding used for `model`: cl100k_base for the gpt-4/3.5 era, else o200k."""
    if model and _CL100K_RE.match(_model_key(model)):
        return "cl100k_base"
    return DEFAULT_ENCODING


def _model_key(model: str) -> str:
    """`openai/ft:gpt-4o-mini:acme::x1` -> `gpt-4o-mini:acme::x1`: no provider, no `ft:`."""
    key = model.strip().lower().rsplit("/", 1)[-1]
    return key[3:] if key.startswith("ft:") else key


def _approximation_forced() -> bool:
    return os.environ.get(TOKENIZER_ENV, "").strip().lower() in _APPROX_VALUES


@functools.cache
def _load_encoder(encoding: str) -> _Encoder | None:
    """The bpe-openai encoder, imported on first use; None when the package is missing or broken."""
    try:
        module = importlib.import_module("bpe_openai")
        encoder: _Encoder = module.get_encoding(encoding)
    except (ImportError, OSError, RuntimeError, KeyError, ValueError):
        return None
    return encoder


def _exact_count(encoder: _Encoder, text: str) -> int:
    """Special-token strings such as `<|endoftext|>` count as the plain text they are."""
    return sum(len(encoder.encode_ordinary(chunk)) for chunk in _chunks(text, _CHUNK_CHARS))


def _chunks(text: str, size: int) -> Iterator[str]:
    """Split text at line ends into chunks of at most `size` characters (lines longer are cut)."""
    if len(text) <= size:
        yield text
        return
    current = ""
    for line in text.splitlines(keepends=True):
        if len(current) + len(line) > size and current:
            yield current
            current = ""
        while len(line) > size:
            yield line[:size]
            line = line[size:]
        current += line
    if current:
        yield current


# --- the approximation ----------------------------------------------------------------------

# Combining marks and Indic/Thai blocks count as letters, as \p{M} does in o200k's pattern.
_LOWER = r"(?:[^\W\d_A-Z]|[\u0300-\u036f\u0900-\u0dff\u0e00-\u0e7f])"
_PIECE_RE = re.compile(
    rf"(?P<pre>[^\r\n\w]|_)?(?P<word>(?:[A-Z]*{_LOWER}+|[A-Z]+{_LOWER}*)(?:'(?i:s|t|re|ve|m|ll|d))?)"
    r"|\d{1,3}"
    r"|(?P<punct> ?(?:[^\s\w]|_)+[\r\n/]*)"
    r"|\s*[\r\n]+|\s+(?!\S)|\s+"
)
_REPEATS_RE = re.compile(r"(.)\1+", re.DOTALL)
_WIDE_RE = re.compile(r"[\u1100-\u11ff\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")
_CYRILLIC_RE = re.compile(r"[\u0370-\u052f]")  # Greek and Cyrillic
# (letters that come free with the first token, letters per extra token), calibrated:
_WORD_AFTER_SPACE = (9, 12)  # " instructions": common English words are one token
_WORD_BARE = (8, 3)  # at a line start or after a digit
_WORD_CAPITALIZED = (6, 2)  # names, acronyms, CamelCase parts
_WORD_GLUED = (4, 3)  # after punctuation: '"key', '/path', '_name'
_PUNCT = (3, 2)  # distinct characters in a punctuation run ("----" counts one)
# tokens per character beyond Latin: CJK/kana/hangul, Greek/Cyrillic, other scripts
_WIDE_RATE, _CYRILLIC_RATE, _OTHER_RATE = 0.75, 0.27, 0.4


def approximate_tokens(text: str) -> int:
    """Offline estimate of the o200k_base token count of `text` (0 only for empty text)."""
    if not text:
        return 0
    total = 0.0
    for match in _PIECE_RE.finditer(text):
        if match.group("word") is not None:
            total += _word_cost(match.group("pre") or "", match.group("word"))
        elif match.group("punct") is not None:
            total += _punct_cost(match.group("punct"))
        else:  # a digit group or a whitespace run
            total += 1 + len(match.group()) // 32
    return max(1, round(total))


def _word_cost(prefix: str, word: str) -> float:
    """Cost of one word piece; `prefix` is the space or punctuation character glued before it."""
    if any(ord(char) > 0x24F for char in word):  # beyond Latin: per-character rates
        wide, cyrillic = len(_WIDE_RE.findall(word)), len(_CYRILLIC_RE.findall(word))
        other = sum(1 for char in word if char > "\x7f") - wide - cyrillic
        latin = len(word) - wide - cyrillic - other
        return max(1.0, _WIDE_RATE * wide + _CYRILLIC_RATE * cyrillic + _OTHER_RATE * other + latin / 4)
    if prefix not in ("", " "):
        free, per = _WORD_GLUED
    elif word[0].isupper():
        free, per = _WORD_CAPITALIZED
    else:
        free, per = _WORD_AFTER_SPACE if prefix else _WORD_BARE
    return 1 + max(0, len(word) - free) / per


def _punct_cost(run: str) -> float:
    """Cost of one punctuation run (with its optional leading space and trailing newlines)."""
    distinct = _REPEATS_RE.sub(r"\1", run.strip(" \r\n"))
    free, per = _PUNCT
    symbols = sum(1 for char in distinct if char > "\u2000")  # emoji and the like: ~2 tokens
    return 1 + max(0, len(distinct) - free) / per + symbols
