"""Property-based tests (hypothesis): every config extractor and every log reader, fed hostile input.

The contract: whatever the bytes, the outcome is a result or an `AioptError` naming the file (and
the line, for config files); never another exception.  Inputs: arbitrary bytes, real files from
tests/data truncated or mutated (wrong types, huge numbers, duplicate keys, mixed line endings,
BOMs, non-UTF-8 bytes), generated documents, and deep nesting.

Examples per test are modest so the suite stays fast and deterministic; for a deeper, random run:
`AIOPT_FUZZ_EXAMPLES=2000 python -m pytest tests/test_fuzz.py`.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aiopt_hooks.baseline.dialects.registry import DIALECTS
from aiopt_hooks.baseline.files import iter_rows
from aiopt_hooks.baseline.model import BaselineSummary
from aiopt_hooks.baseline.read import summarize_baseline
from aiopt_hooks.config import Config, decode_text
from aiopt_hooks.errors import AioptError
from aiopt_hooks.extract.base import Extractor
from aiopt_hooks.extract.diffing import Tree, derive_changes
from aiopt_hooks.extract.registry import EXTRACTORS
from aiopt_hooks.records import CallSpec, Change
from aiopt_hooks.repo.git import FileChange
from tests.baseline.test_dialects import CASES, LOGS

EXAMPLES = int(os.environ.get("AIOPT_FUZZ_EXAMPLES", "40"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize="AIOPT_FUZZ_EXAMPLES" not in os.environ,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)
CONFIGS = Path(__file__).parent / "data" / "configs"
THRESHOLDS = (200_000,)

# -- hostile values and byte-level mutations -----------------------------------------------------

HOSTILE_SCALARS = st.one_of(
    st.sampled_from(
        [
            "lots",
            "",
            " ",
            "-1",
            "1e400",
            "NaN",
            "inf",
            "0x10",
            "１２",
            "${OPENAI_MODEL}",
            "os.environ/KEY",
            "gpt-4o",
            "sk-" + "a" * 40,
            "2026-13-45T99:99:99Z",
            "\x00",
            "\u202e",
        ]
    ),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.text(max_size=12),
)
HOSTILE = st.recursive(
    HOSTILE_SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


@st.composite
def mangled(draw: st.DrawFn, data: bytes) -> bytes:
    """`data` truncated, with line endings mixed, a BOM, stray non-UTF-8 bytes or a duplicated line."""
    out = data
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["truncate", "crlf", "cr", "bom", "bytes", "duplicate", "nul"]))
        if kind == "truncate" and out:
            out = out[: draw(st.integers(0, len(out)))]
        elif kind == "crlf":
            out = out.replace(b"\n", b"\r\n", draw(st.integers(1, 5)))
        elif kind == "cr":
            out = out.replace(b"\n", b"\r", draw(st.integers(1, 3)))
        elif kind == "bom":
            out = draw(st.sampled_from([b"\xef\xbb\xbf", b"\xff\xfe", b"\xef\xbb\xbf\xef\xbb\xbf"])) + out
        elif kind == "bytes" and out:
            at = draw(st.integers(0, len(out)))
            out = out[:at] + draw(st.binary(min_size=1, max_size=4)) + out[at:]
        elif kind == "duplicate" and b"\n" in out:
            lines = out.split(b"\n")
            line = lines[draw(st.integers(0, len(lines) - 1))]
            out = out + b"\n" + line + b"\n"
        elif kind == "nul":
            out = out.replace(b":", b":\x00", 1)
    return out


def _leaf_paths(node: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    paths = [at] if at else []
    if isinstance(node, dict):
        for key, value in node.items():
            paths += _leaf_paths(value, at + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            paths += _leaf_paths(value, at + (i,))
    return paths


@st.composite
def mutated(draw: st.DrawFn, document: Any) -> Any:
    """`document` with 1-3 values replaced by hostile ones (wrong types, huge numbers) or removed."""
    doc = copy.deepcopy(document)
    paths = _leaf_paths(doc)
    for _ in range(draw(st.integers(1, 3))):
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        holder = doc
        for step in path[:-1]:
            holder = holder[step]
        if isinstance(holder, dict) and draw(st.booleans()) and path[-1] in holder:
            del holder[path[-1]]
            paths = _leaf_paths(doc)
            continue
        try:
            holder[path[-1]] = draw(HOSTILE)
        except (IndexError, KeyError, TypeError):
            pass
        paths = _leaf_paths(doc)
    return doc


def deep(kind: str, depth: int) -> str:
    if kind == "json":
        return "[" * depth + "]" * depth
    if kind == "toml":
        return "a = " + "[" * depth + "]" * depth + "\n"
    return "".join(f"{'  ' * i}k{i}:\n" for i in range(depth)) + "  " * depth + "model: x\n"


# -- config extractors -------------------------------------------------------------------------

# extractor name -> (path it reads, a real file of that format from tests/data/configs, or None)
EXTRACTOR_FILES: dict[str, tuple[str, str | None]] = {
    "Prompty": ("prompts/chat.prompty", "prompty__Azure-Samples_contoso-chat__chat.prompty"),
    "dotprompt": ("prompts/hello.prompt", "dotprompt__google_dotprompt__02-schema-and-config.prompt"),
    "aider config": (".aider.model.settings.yml", "app-config-aider__KostaPo_aider-config__aider.model.settings.yml"),
    "promptfoo config": ("promptfooconfig.yaml", "promptfoo__ChunkyTortoise_docextract__promptfooconfig.yaml"),
    "LiteLLM proxy config": ("litellm/config.yaml", "litellm__CIRISAI_CIRISProxy__litellm_config.yaml"),
    "Semantic Kernel prompt config": (
        "skills/Joke/config.json",
        "semantic-kernel__microsoft_semantic-kernel__Joke.config.json",
    ),
    "continue config": (".continue/config.yaml", "app-config-continue__continuedev_continue__agent.yaml"),
    "OpenManus TOML config": (
        "config/config.toml",
        "app-config-openmanus__FoundationAgents_OpenManus__config.example.toml",
    ),
    ".env file": (".env.example", "dotenv__getzep_graphiti__env.example"),
    "CrewAI agents/tasks": ("config/agents.yaml", "crewai__crewAIInc_crewAI-examples__agents.at-3daae31c.yaml"),
    "prompt text": ("prompts/summarize.txt", None),
    "structured config": ("config/llm.yaml", None),
    "Python source": ("app/llm.py", "../source/fasrc_User_Codes__claude_quickstart.py"),
    "TypeScript/JavaScript source": ("web/llm.ts", "../source/vercel_ai__generate-text_anthropic-reasoning.ts"),
}
SOURCE_EXTRACTORS = ("Python source", "TypeScript/JavaScript source")  # not YAML documents
STRUCTURED_PATHS = ("config/llm.yaml", "config/llm.json", "config/llm.toml")
SAMPLE_LLM_YAML = (Path(__file__).parent.parent / "sample_repo" / "config" / "llm.yaml").read_text()


def extractors() -> list[Extractor]:
    table = list(EXTRACTORS)
    assert {e.name for e in table} <= set(EXTRACTOR_FILES), "a new extractor needs an entry in EXTRACTOR_FILES"
    return table


def _seed(name: str) -> bytes:
    real = EXTRACTOR_FILES[name][1]
    if real:
        layouts = CONFIGS.parent / "layouts" / real  # the layouts teams use, beside the dedicated formats
        return (CONFIGS / real if (CONFIGS / real).exists() else layouts).read_bytes()
    return SAMPLE_LLM_YAML.encode() if name == "structured config" else b"You are a helpful {{role}}.\n"


def assert_extracts_or_fails_cleanly(extract: Callable[[str, str], list[CallSpec]], path: str, data: bytes) -> None:
    """The one outcome contract of a config reader: call specs, or an AioptError with file and line."""
    try:
        specs = extract(path, decode_text(data, path))
    except AioptError as exc:
        assert exc.file == path, f"error without the file: {exc}"
        assert isinstance(exc.line, int) and exc.line >= 1, f"error without a line: {exc}"
        assert "\n" not in str(exc).strip() or "invalid" in str(exc)
        return
    assert isinstance(specs, list) and all(isinstance(s, CallSpec) for s in specs)
    for spec in specs:
        for field in ("max_output_tokens", "retries", "n", "thinking_budget"):
            value = spec.fields.get(field)
            assert value is None or (isinstance(value, int) and 0 <= value <= 10**12), (field, value)
        assert all(isinstance(v, (str, int, float, tuple)) for v in spec.fields.values()), spec.fields


def _paths_for(extractor: Extractor) -> tuple[str, ...]:
    return STRUCTURED_PATHS if extractor.name == "structured config" else (EXTRACTOR_FILES[extractor.name][0],)


@pytest.mark.parametrize("extractor", extractors(), ids=lambda e: e.name)
@FUZZ
@given(data=st.binary(max_size=400), which=st.integers(0, 2))
def test_extractor_arbitrary_bytes(extractor: Extractor, data: bytes, which: int) -> None:
    paths = _paths_for(extractor)
    assert_extracts_or_fails_cleanly(extractor.extract, paths[which % len(paths)], data)


@pytest.mark.parametrize("extractor", extractors(), ids=lambda e: e.name)
@FUZZ
@given(st.data())
def test_extractor_mangled_real_file(extractor: Extractor, data: st.DataObject) -> None:
    seed = _seed(extractor.name)
    path = _paths_for(extractor)[0]
    assert_extracts_or_fails_cleanly(extractor.extract, path, data.draw(mangled(seed)))


def _as_yaml_document(seed: bytes) -> Any:
    """The YAML/JSON part of a seed file (front matter for Prompty/dotprompt), parsed."""
    text = seed.decode()
    if text.lstrip().startswith("---"):
        text = text.split("---", 2)[1]
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:  # dotprompt's schema DSL is not YAML: its config block stands in
        return {"model": "googleai/gemini-2.5-flash", "config": {"maxOutputTokens": 400, "temperature": 0.2}}


@pytest.mark.parametrize(
    "extractor",
    [e for e in extractors() if e.name not in ("prompt text", "OpenManus TOML config", *SOURCE_EXTRACTORS)],
    ids=lambda e: e.name,
)
@FUZZ
@given(st.data())
def test_extractor_wrong_types(extractor: Extractor, data: st.DataObject) -> None:
    """The format's real document with values replaced: `max_tokens: "lots"`, `model: 42`, `model: null`..."""
    seed = _seed(extractor.name)
    document = data.draw(mutated(_as_yaml_document(seed)))
    path = _paths_for(extractor)[0]
    if path.endswith(".json"):
        text = json.dumps(document, default=str)
    else:
        text = yaml.safe_dump(document, allow_unicode=True)
        if path.endswith((".prompty", ".prompt")):
            text = f"---\n{text}---\nHello {{{{name}}}}\n"
    assert_extracts_or_fails_cleanly(extractor.extract, path, text.encode("utf-8", "surrogatepass"))


ENTRY_KEYS = [
    "model",
    "max_tokens",
    "max_output_tokens",
    "provider",
    "retries",
    "max_retries",
    "fallbacks",
    "n",
    "reasoning_effort",
    "thinking",
    "prompt",
    "system_prompt",
    "litellm_params",
    "parameters",
    "features",
    "agents",
    "model_list",
    "model_name",
    "name",
    "api_key",
    "sample_rate",
    "enabled",
]


@FUZZ
@given(
    document=st.recursive(
        HOSTILE_SCALARS,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(ENTRY_KEYS), inner, max_size=4),
        max_leaves=12,
    ),
    path=st.sampled_from(["config/llm.yaml", "config/llm.json"]),
)
def test_structured_generated_documents(document: Any, path: str) -> None:
    text = json.dumps(document, default=str) if path.endswith(".json") else yaml.safe_dump(document)
    for extractor in extractors():
        if extractor.matches(path):
            assert_extracts_or_fails_cleanly(extractor.extract, path, text.encode("utf-8", "surrogatepass"))


@pytest.mark.parametrize("path", ["config/llm.yaml", "config/llm.json", "config/llm.toml", "p.prompty"])
@pytest.mark.parametrize("depth", [50, 3000])
def test_deep_nesting(path: str, depth: int) -> None:
    kind = path.rsplit(".", 1)[-1]
    text = deep("yaml" if kind == "prompty" else kind, depth)
    if kind == "prompty":
        text = f"---\nmodel:\n{deep('yaml', depth)}---\nbody\n"
    for extractor in extractors():
        if extractor.matches(path):
            assert_extracts_or_fails_cleanly(extractor.extract, path, text.encode())


@pytest.mark.parametrize(
    ("path", "text"),
    [
        pytest.param("config/llm.yaml", "features:\n  a:\n    model: gpt-4o\n    model: gpt-4o-mini\n", id="yaml"),
        pytest.param("config/llm.json", '{"a": {"model": "gpt-4o", "model": "gpt-4o-mini"}}', id="json"),
        pytest.param("config/llm.toml", '[a]\nmodel = "gpt-4o"\nmodel = "gpt-4o-mini"\n', id="toml"),
    ],
)
def test_duplicate_keys(path: str, text: str) -> None:
    for extractor in extractors():
        if extractor.matches(path):
            assert_extracts_or_fails_cleanly(extractor.extract, path, text.encode())


def _tree(texts: dict[str, str]) -> Tree:
    files = {p: "0" * 40 for p in texts}
    return Tree(Path("."), "x", reader=None, config=Config(), _files=files, _texts=dict(texts))  # type: ignore[arg-type]


@FUZZ
@given(st.data())
def test_diff_of_two_mangled_versions(data: st.DataObject) -> None:
    """Past the extractors: two hostile versions of a watched file still diff into changes or one error."""
    path = "config/llm.yaml"
    new = data.draw(mutated(yaml.safe_load(SAMPLE_LLM_YAML)))
    texts = {"old": SAMPLE_LLM_YAML, "new": yaml.safe_dump(new)}
    change = FileChange("M", path, path, "1" * 40, "2" * 40)
    try:
        changes, _ = derive_changes([change], _tree({path: texts["old"]}), _tree({path: texts["new"]}), Config())
    except AioptError as exc:
        assert exc.file == path
        return
    assert all(isinstance(c, Change) for c in changes)


# -- log readers ---------------------------------------------------------------------------------

DIALECT_NAMES = [d.name for d in DIALECTS]
# Seed records per dialect: the hand-written records of tests/baseline/test_dialects.py, plus these.
SEED_RECORDS: dict[str, list[dict[str, Any]]] = {
    "writeup": [
        {
            "timestamp": "2026-03-01T10:00:00Z",
            "model_id": "gpt-4o",
            "prompt_tokens": 1200,
            "response_tokens": 300,
            "total_tokens": 1500,
            "cost": 0.006,
            "endpoint": "/summarize",
            "user_id": "u-17",
        }
    ],
}
for _case in CASES:
    SEED_RECORDS.setdefault(_case.values[0], []).append(_case.values[1])
# The provider and gateway exports: their first records in tests/data/logs (see SOURCES.md).
_EXPORT_SAMPLES = {
    "openai-usage": (
        "openai-usage-api__documented-shape.json",
        "openai-usage-dashboard__xavierjflanagan_Guardian__model-usage.csv",
    ),
    "anthropic-usage": ("anthropic-usage-report__documented-shape.json",),
    "anthropic-batch": ("anthropic-batch-results__documented-shape.jsonl",),
    "openrouter": (
        "openrouter-generations__documented-shape.jsonl",
        "openrouter-activity-api__documented-shape.json",
        "openrouter-activity-csv__documented-columns.csv",
    ),
    "bedrock": ("bedrock-invocation-log__documented-shape.jsonl",),
    "portkey": ("portkey-logs-export__documented-shape.jsonl",),
    "langsmith": ("langsmith-runs__documented-shape.jsonl",),
    "openinference": ("phoenix-spans__documented-shape.jsonl",),
    "langfuse-blob": ("langfuse-blob-export__documented-shape.jsonl",),
}
for _dialect, _names in _EXPORT_SAMPLES.items():
    for _name in _names:
        _rows = [row for _, row in iter_rows(Path(__file__).parent / "data" / "logs" / _name) if row is not None]
        SEED_RECORDS.setdefault(_dialect, []).extend(_rows[:2])


def test_every_log_dialect_is_fuzzed() -> None:
    missing = set(DIALECT_NAMES) - set(SEED_RECORDS)
    assert not missing, f"add seed records for {sorted(missing)} to SEED_RECORDS in tests/test_fuzz.py"


def assert_summarizes_or_fails_cleanly(path: Path, forced: str | None = None) -> BaselineSummary | None:
    """The one outcome contract of a log reader: a summary, or an AioptError naming the file."""
    try:
        summary = summarize_baseline([path], THRESHOLDS, forced)
    except AioptError as exc:
        assert exc.file and path.name in exc.file, f"error without the file: {exc}"
        return None
    assert summary.requests >= 1
    assert summary.bad_rows >= 0 and len(summary.bad_lines) <= 5
    for group in summary.groups.values():
        for key, values in group.cells.items():
            assert all(math.isfinite(v) and v >= 0 for v in values), (key, values)
            assert 0 <= key[1] < 10**9
    if summary.first_ts is not None:
        assert summary.last_ts is not None and summary.first_ts <= summary.last_ts
    return summary


@FUZZ
@given(
    data=st.binary(max_size=600),
    name=st.sampled_from(["usage.jsonl", "usage.csv", "usage.json", "usage.jsonl.gz"]),
    forced=st.sampled_from([None, *DIALECT_NAMES]),
)
def test_log_arbitrary_bytes(
    tmp_path_factory: pytest.TempPathFactory, data: bytes, name: str, forced: str | None
) -> None:
    path = tmp_path_factory.mktemp("log") / name
    path.write_bytes(data)
    assert_summarizes_or_fails_cleanly(path, forced)


@pytest.mark.parametrize("dialect", sorted(SEED_RECORDS))
@FUZZ
@given(st.data())
def test_log_rows_with_wrong_types(tmp_path_factory: pytest.TempPathFactory, dialect: str, data: st.DataObject) -> None:
    """Real records of each dialect with values replaced (strings for counts, negatives, 1e30, null,
    nested objects), mixed with intact ones, mangled line endings and truncation."""
    seeds = SEED_RECORDS[dialect]
    rows = [
        data.draw(mutated(seed)) if data.draw(st.booleans()) else seed
        for seed in data.draw(st.lists(st.sampled_from(seeds), min_size=1, max_size=6))
    ]
    text = "".join(json.dumps(row, default=str) + "\n" for row in rows)
    path = tmp_path_factory.mktemp("log") / "usage.jsonl"
    path.write_bytes(data.draw(mangled(text.encode())) if data.draw(st.booleans()) else text.encode())
    assert_summarizes_or_fails_cleanly(path, data.draw(st.sampled_from([None, dialect])))


def _csv_text(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=sorted({k for r in rows for k in r}))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


@FUZZ
@given(st.data())
def test_csv_logs(tmp_path_factory: pytest.TempPathFactory, data: st.DataObject) -> None:
    real = (LOGS / "helicone-export__hand-written.csv").read_bytes()
    flat = [{k: v for k, v in r.items() if not isinstance(v, (dict, list))} for r in SEED_RECORDS["aiopt"]]
    generated = _csv_text([data.draw(mutated(r)) for r in flat * 3]).encode("utf-8", "surrogatepass")
    path = tmp_path_factory.mktemp("log") / "usage.csv"
    path.write_bytes(data.draw(mangled(data.draw(st.sampled_from([real, generated])))))
    assert_summarizes_or_fails_cleanly(path)


@pytest.mark.parametrize("name", ["usage.jsonl", "usage.json", "usage.csv"])
def test_log_deep_nesting(tmp_path: Path, name: str) -> None:
    good = json.dumps(SEED_RECORDS["aiopt"][0])
    path = tmp_path / name
    path.write_text(good + "\n" + deep("json", 100_000) + "\n" + '{"a":' * 50_000 + "\n")
    assert_summarizes_or_fails_cleanly(path)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b'"aiopt_summary"', id="summary-marker-in-a-string"),
        pytest.param(b'{"aiopt_summary": 3, "paths": 5}', id="summary-wrong-types"),
        pytest.param(b"\xff\xfe{\x00}\x00", id="utf16"),
        pytest.param(b"[" * 100_000, id="deep-document"),
    ],
)
def test_log_regressions(tmp_path: Path, data: bytes) -> None:
    """Inputs the fuzzer found (or that once escaped as another exception)."""
    path = tmp_path / "usage.json"
    path.write_bytes(data)
    assert assert_summarizes_or_fails_cleanly(path) is None


@pytest.mark.parametrize(
    ("path", "data"),
    [
        pytest.param("config/llm.yaml", b"\x00", id="yaml-nul"),
        pytest.param("config/llm.yaml", b"model: gpt-4o\x07\n", id="yaml-control-character"),
        pytest.param("config/llm.toml", b"[", id="toml-at-end"),
        pytest.param("config/llm.toml", b"a = " + b"[" * 5000, id="toml-deep"),
        pytest.param("chat.prompty", b"---\nmodel: x\x00\n---\nhi\n", id="prompty-nul"),
    ],
)
def test_config_regressions(path: str, data: bytes) -> None:
    for extractor in extractors():
        if extractor.matches(path):
            assert_extracts_or_fails_cleanly(extractor.extract, path, data)
