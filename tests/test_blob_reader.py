"""Blob contents through one `git cat-file --batch-command` process (`repo/git.py` BlobReader)."""
from __future__ import annotations

from pathlib import Path

import pytest
from conftest import GitRepo

from aiopt_hooks.errors import AioptError
from aiopt_hooks.repo.git import BlobReader


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
        first = reader._proc
        assert reader.read(shas["f3.yaml"], max_bytes=10) is None   # larger than the limit: not read
        assert reader.read(shas["f0.yaml"], max_bytes=256) == blobs["f0.yaml"]
        assert reader._proc is first, "one git process serves every blob"
    finally:
        reader.close()
    assert reader._proc is None


def test_a_missing_object_is_a_clear_error(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "r")
    reader = BlobReader(repo.path)
    try:
        with pytest.raises(AioptError, match="not a readable blob"):
            reader.read("0123456789abcdef0123456789abcdef01234567")
        sha = _blob(repo, "a.txt", b"abc")
        assert reader.read(sha) == b"abc"   # the process goes on after a missing object
    finally:
        reader.close()
