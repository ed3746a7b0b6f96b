"""Blob contents through long-lived `git cat-file --batch` / `--batch-check` processes (`repo/git.py`
BlobReader): one process of each kind serves every blob of a check, whatever git version (>= 1.8)."""

from __future__ import annotations

from pathlib import Path

import pytest

from aiopt_hooks.errors import AioptError
from aiopt_hooks.repo.git import BlobReader
from tests.support.repos import GitRepo


def _blob(repo: GitRepo, rel: str, data: bytes) -> str:
    repo.write(rel, data)
    repo.stage(rel)
    return repo.git("rev-parse", f":{rel}").strip()


def test_many_blobs_through_one_process(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "r")
    blobs = {f"f{i}.yaml": (b"model: gpt-4o\n" * i) + bytes(range(256)) for i in range(30)}
    shas = {rel: _blob(repo, rel, data) for rel, data in blobs.items()}
    empty = _blob(repo, "empty.txt", b"")
    reader = BlobReader(repo.path)
    try:
        for rel, sha in reversed(list(shas.items())):
            assert reader.read(sha) == blobs[rel]
        assert reader.read(empty) == b""
        assert reader.read(shas["f3.yaml"], max_bytes=10) is None  # larger than the limit: not read
        first = dict(reader._procs)
        assert reader.read(shas["f0.yaml"], max_bytes=256) == blobs["f0.yaml"]
        assert reader.read(shas["f5.yaml"], max_bytes=10_000) == blobs["f5.yaml"]
        assert reader._procs == first and set(first) == {"batch", "batch-check"}, "one process of each kind"
    finally:
        reader.close()
    assert reader._procs == {}


def test_a_missing_object_is_a_clear_error(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "r")
    reader = BlobReader(repo.path)
    try:
        with pytest.raises(AioptError, match="is not a blob in this repository"):
            reader.read("0123456789abcdef0123456789abcdef01234567")
        sha = _blob(repo, "a.txt", b"abc")
        assert reader.read(sha) == b"abc"  # the process goes on after a missing object
    finally:
        reader.close()
