"""Which changed source files enter the check: the `code:` globs, and only files importing an LLM SDK.

Stage: changed files -> watched files, on every commit's hot path: no YAML, no parser, no pricing.
A changed `.py`/`.ts`/`.js` file that is not a test or vendored code is read (both sides, in one
`git cat-file` call) and kept when either side imports an LLM SDK (`SDK_IMPORT`);
a commit that touches only other source files stays a no-op.  (The extractors share these tests,
through `source_calls`.)
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

from aiopt_hooks.config import Config
from aiopt_hooks.repo.git import FileChange, read_blobs
from aiopt_hooks.repo.globs import match_any

# Source files read when `code:` is on, and the directories never read (tests hold mock model
# names, vendored code is not the application's).
SOURCE_SUFFIXES = (".py", ".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs")
NOT_APP_PARTS = frozenset(
    {
        "test",
        "tests",
        "__tests__",
        "__mocks__",
        "mocks",
        "testdata",
        "fixtures",
        "node_modules",
        "vendor",
        "site-packages",
        ".venv",
        "venv",
        "dist",
        "build",
    }
)
TEST_NAME = r"(^test_.*\.py$|_test\.py$|^conftest\.py$|\.(test|spec|mock)\.[cm]?[jt]sx?$|\.d\.ts$)"

# A file is read only when it imports an LLM SDK: a cheap text test on the hot path.  The patterns are
# compiled when first used (`re` keeps them): a commit of config files never spends the few ms.
_PY_SDKS = (
    r"openai|anthropic|litellm|langchain\w*|llama_index|pydantic_ai|dspy|google\.genai|"
    r"google\.generativeai|vertexai|agents|autogen_ext|mistralai|groq"
)
_JS_SDKS = (
    r"openai|@anthropic-ai/sdk|ai|@ai-sdk/[\w-]+|@google/genai|@google/generative-ai|@langchain/[\w-]+|"
    r"langchain(?:/[\w/-]+)?|@openai/agents|llamaindex|@mistralai/mistralai|groq-sdk"
)
SDK_IMPORT = (
    rf"^[ \t]*(?:from[ \t]+(?:{_PY_SDKS})(?:\.[\w.]+)?[ \t]+import\b|import[ \t]+(?:{_PY_SDKS})\b"
    rf"|from[ \t]+google[ \t]+import[ \t]+genai\b)"
    rf"|(?:\bfrom[ \t]*|\brequire\([ \t]*|\bimport\([ \t]*|^import[ \t]*)[\"'](?:{_JS_SDKS})[\"']"
    r"|[\"']bedrock-runtime[\"']"
)


# A module that declares a model setting for other files: `OPENAI_MODEL = "gpt-4o"` at the top level
# (or from the environment with a default), `export const DEFAULT_MODEL = "..."`, a settings class.
SETTING_DECLARATION = (
    r"^(?:export[ \t]+)?(?:(?:const|let|var)[ \t]+)?[A-Za-z_]*(?:MODEL|LLM|DEPLOYMENT|MAX_?TOKENS|MAX_?OUTPUT_?TOKENS)"
    r"(?:_?NAME|_?ID)?[ \t]*(?::[^=\n]*)?=[ \t]*(?:[\"'`]|\d|os\.getenv\(|os\.environ\.get\(|process\.env\.)"
    r"|^class[ \t]+\w+\([^)]*Settings\b"
)


def is_source(path: str) -> bool:
    """A source file of the application (not a test, a fixture or vendored code)."""
    parts = PurePosixPath(path).parts
    return (
        path.lower().endswith(SOURCE_SUFFIXES)
        and not re.search(TEST_NAME, parts[-1])
        and not NOT_APP_PARTS.intersection(p.lower() for p in parts[:-1])
    )


def uses_llm_sdk(text: str) -> bool:
    return re.search(SDK_IMPORT, text, re.MULTILINE) is not None


def reads_llm_settings(text: str) -> bool:
    """Imports an LLM SDK, or declares a model setting other modules read."""
    return uses_llm_sdk(text) or re.search(SETTING_DECLARATION, text, re.MULTILINE | re.IGNORECASE) is not None


def _candidate(path: str | None, config: Config) -> bool:
    return path is not None and is_source(path) and match_any(path, config.code)


def llm_source_changes(root: Path, files: list[FileChange], config: Config) -> list[FileChange]:
    """The changed source files (among `files`) whose old or new content imports an LLM SDK."""
    if not config.code:
        return []
    candidates = [f for f in files if _candidate(f.path, config) or _candidate(f.old_path, config)]
    blobs = read_blobs(root, list(dict.fromkeys(s for f in candidates for s in (f.old_sha, f.new_sha) if s)))
    return [
        f
        for f in candidates
        if any(
            reads_llm_settings(blobs.get(sha, b"").decode("utf-8", "replace")) for sha in (f.old_sha, f.new_sha) if sha
        )
    ]


def llm_sources_in_tree(root: Path, files: dict[str, str], config: Config) -> dict[str, str]:
    """The source files of a whole tree (path -> blob id) that `code:` reads: for `explain`, `init` and
    the lockfile, which take the repository as a whole."""
    candidates = {path: sha for path, sha in files.items() if _candidate(path, config)}
    blobs = read_blobs(root, list(dict.fromkeys(candidates.values())))
    return {
        path: sha
        for path, sha in candidates.items()
        if reads_llm_settings(blobs.get(sha, b"").decode("utf-8", "replace"))
    }


def read_by_code(path: str, config: Config) -> bool:
    """Whether `code:` covers a path (it is then checked whenever it holds LLM settings)."""
    return bool(config.code) and _candidate(path, config)
