"""The call-spec cache: a file version's specs read back equal to what was extracted, type for type, and a
second derivation of the same staged change reads no blob."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from aiopt_hooks.config import Config
from aiopt_hooks.extract import speccache
from aiopt_hooks.extract.diffing import Tree, derive_changes
from aiopt_hooks.extract.registry import extract_call_specs
from aiopt_hooks.records import CallSpec
from aiopt_hooks.repo.git import BlobReader, list_staged_changes
from tests.extract.test_formats import CONFIGS, FORMATS
from tests.support.repos import GitRepo

LLM_YAML = """features:
  summarize:
    provider: openai
    model: gpt-4o-mini
    max_tokens: 512
    fallbacks: [gpt-4.1-mini, gpt-4.1-nano]
  classify:
    model: gpt-4.1-nano
    prompt: prompts/classify.txt
"""
SHA = "0" * 40


def test_stored_specs_read_back_equal(tmp_path: Path) -> None:
    specs = extract_call_specs("config/llm.yaml", LLM_YAML)
    speccache.store(tmp_path, "config/llm.yaml", SHA, 1000, specs)
    assert speccache.load(tmp_path, "config/llm.yaml", SHA, 1000) == specs


@pytest.mark.parametrize(("name", "repo_path"), [pytest.param(*p.values[:2], id=p.id) for p in FORMATS])
def test_every_format_reads_back_type_for_type(tmp_path: Path, name: str, repo_path: str) -> None:
    specs = extract_call_specs(repo_path, (CONFIGS / name).read_text(encoding="utf-8"))
    speccache.store(tmp_path, repo_path, SHA, 1000, specs)
    assert repr(speccache.load(tmp_path, repo_path, SHA, 1000)) == repr(specs)


@pytest.mark.parametrize(
    ("path", "sha", "limit"),
    [
        pytest.param("config/other.yaml", SHA, 1000, id="another-path"),
        pytest.param("config/llm.yaml", "1" * 40, 1000, id="another-blob"),
        pytest.param("config/llm.yaml", SHA, 10, id="another-size-limit"),
    ],
)
def test_an_entry_serves_only_its_file_version(tmp_path: Path, path: str, sha: str, limit: int) -> None:
    speccache.store(tmp_path, "config/llm.yaml", SHA, 1000, extract_call_specs("config/llm.yaml", LLM_YAML))
    assert speccache.load(tmp_path, path, sha, limit) is None


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(("gpt-4o", "gpt-4.1"), id="tuple"),
        pytest.param([{"model": ("a", ["b", 2, 2.5, None, True])}], id="nested"),
        pytest.param(float("inf"), id="infinity"),
    ],
)
def test_values_read_back_type_for_type(tmp_path: Path, value: Any) -> None:
    spec = CallSpec(file="config/llm.yaml", feature="summarize", fields={"fallbacks": value})
    speccache.store(tmp_path, "config/llm.yaml", SHA, 1000, [spec])
    [back] = speccache.load(tmp_path, "config/llm.yaml", SHA, 1000) or []
    assert repr(back) == repr(spec)


@pytest.mark.parametrize(
    "value",
    [
        pytest.param({1: "gpt-4o"}, id="int-key"),
        pytest.param({"__tuple__": [1]}, id="the-tuple-marker"),
        pytest.param({"__tuple__": [1], "other": 2}, id="a-mapping-with-the-tuple-marker"),
        pytest.param({"gpt-4o"}, id="set"),
        pytest.param(Path("prompts/a.txt"), id="path"),
    ],
)
def test_values_json_would_change_are_not_stored(tmp_path: Path, value: Any) -> None:
    spec = CallSpec(file="config/llm.yaml", feature="summarize", fields={"fallbacks": value})
    speccache.store(tmp_path, "config/llm.yaml", SHA, 1000, [spec])
    assert speccache.load(tmp_path, "config/llm.yaml", SHA, 1000) is None


def test_a_corrupt_entry_is_a_miss(tmp_path: Path) -> None:
    speccache.store(tmp_path, "config/llm.yaml", SHA, 1000, extract_call_specs("config/llm.yaml", LLM_YAML))
    [entry] = tmp_path.glob("specs-*.json")
    entry.write_text('{"specs": [{"file": "config/llm.yaml"}]')
    assert speccache.load(tmp_path, "config/llm.yaml", SHA, 1000) is None


def test_the_newest_entries_are_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(speccache, "MAX_ENTRIES", 3)
    for n in range(5):
        speccache.store(tmp_path, f"config/llm{n}.yaml", SHA, 1000, [])
    assert len(list(tmp_path.glob("specs-*.json"))) == 3


class _NoReads(BlobReader):
    def read(self, sha: str, max_bytes: int | None = None) -> bytes | None:
        raise AssertionError(f"read blob {sha} although its call specs are cached")


def _derive(repo: GitRepo, cache_dir: Path, reader: BlobReader) -> list[tuple[Any, ...]]:
    head = repo.git("rev-parse", "HEAD").strip()
    config = Config()
    try:
        changes, findings = derive_changes(
            list_staged_changes(repo.path, head),
            Tree(repo.path, head, reader, config, cache_dir),
            Tree(repo.path, None, reader, config, cache_dir),
            config,
        )
    finally:
        reader.close()
    return [(c.feature, c.field, c.old, c.new, c.line) for c in changes] + [tuple(f) for f in findings]


def test_a_second_derivation_reads_no_blob(repo: GitRepo, tmp_path: Path) -> None:
    repo.write("config/llm.yaml", LLM_YAML)
    repo.stage()
    repo.commit("app")
    repo.write("config/llm.yaml", LLM_YAML.replace("max_tokens: 512", "max_tokens: 2048"))
    repo.stage()
    cache_dir = tmp_path / "aiopt"
    first = _derive(repo, cache_dir, BlobReader(repo.path))
    assert ("summarize", "max_output_tokens", 512, 2048, 5) in first
    assert _derive(repo, cache_dir, _NoReads(repo.path)) == first


def test_a_repeated_check_reads_its_file_versions_from_the_cache(
    app: GitRepo, run: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the pipeline: the first check stores both sides' call specs; checking the same staged
    change again extracts nothing and gives the same report."""
    from aiopt_hooks.extract import registry
    from tests.support.repos import swap_model

    swap_model(app)
    first = run("check", "--format", "json").json()
    assert len(list((app.path / ".git" / "aiopt").glob("specs-*.json"))) >= 2

    def no_extraction(path: str, text: str) -> list[CallSpec]:
        raise AssertionError(f"{path} was extracted again")

    monkeypatch.setattr(registry, "extract_call_specs", no_extraction)
    monkeypatch.setattr("aiopt_hooks.extract.diffing.extract_call_specs", no_extraction)
    again = run("check", "--format", "json").json()
    assert again["delta"] == first["delta"] and again["verdict"] == first["verdict"]


def test_an_upgraded_parsing_library_gets_fresh_entries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The key covers the libraries extractors parse with (found on the path, never imported)."""
    lib = tmp_path / "site" / "fakeparser"
    lib.mkdir(parents=True)
    (lib / "__init__.py").write_text("VERSION = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.setattr(speccache, "LIBRARIES", ("fakeparser",))
    speccache._code_stamp.cache_clear()
    before = speccache._code_stamp()
    (lib / "__init__.py").write_text("VERSION = 2  # another release\n")
    speccache._code_stamp.cache_clear()
    after = speccache._code_stamp()
    speccache._code_stamp.cache_clear()
    assert before is not None and after is not None and before != after
    import sys

    assert "fakeparser" not in sys.modules
