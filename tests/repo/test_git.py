"""Tests for aiopt_hooks.repo.git: staged and ranged changes read from git objects, never the work tree."""

from __future__ import annotations

from pathlib import Path

import pytest

from aiopt_hooks.errors import AioptError
from aiopt_hooks.repo.git import (
    BlobReader,
    FileChange,
    list_range_changes,
    list_staged_changes,
    list_tree_files,
    merge_base,
    repo_paths,
    resolve_ref,
)
from tests.support.repos import GitRepo

LLM_V1 = "features:\n  summarize:\n    model: gpt-4o-mini\n    max_tokens: 512\n"
LLM_V2 = "features:\n  summarize:\n    model: gpt-4o\n    max_tokens: 512\n"
PROMPT = "".join(f"Line {i}: summarize the document faithfully and briefly.\n" for i in range(40))


def blob_sha(repo: GitRepo, spec: str) -> str:
    """The blob id git itself reports for `HEAD:path` or `:path` (the index)."""
    return repo.git("rev-parse", spec).strip()


def read_blob(root: Path, sha: str | None) -> bytes:
    assert sha is not None
    reader = BlobReader(root)
    try:
        data = reader.read(sha)
    finally:
        reader.close()
    assert data is not None
    return data


def staged(root: Path) -> list[FileChange]:
    """The staged changes against HEAD as the hook sees them (HEAD is None before the first commit)."""
    return list_staged_changes(root, resolve_ref(root, "HEAD"))


def by_path(changes: list[FileChange]) -> dict[str, FileChange]:
    paths = [c.path for c in changes]
    assert len(paths) == len(set(paths)), paths
    return {c.path: c for c in changes}


@pytest.fixture
def based(repo: GitRepo) -> GitRepo:
    """A repo with one commit holding a config, a prompt and a README."""
    repo.write("config/llm.yaml", LLM_V1)
    repo.write("prompts/summarize.txt", PROMPT)
    repo.write("README.md", "# app\n")
    repo.stage()
    repo.commit("base")
    return repo


# -- repository discovery ----------------------------------------------------------------------


def test_repo_paths_from_a_subdirectory(based: GitRepo) -> None:
    root, gitdir, head = repo_paths(based.path / "config")
    assert root == based.path.resolve()
    assert gitdir == (based.path / ".git").resolve()
    assert head == based.git("rev-parse", "HEAD").strip()


def test_repo_paths_before_the_first_commit(repo: GitRepo) -> None:
    root, gitdir, head = repo_paths(repo.path)
    assert (root, gitdir, head) == (repo.path.resolve(), (repo.path / ".git").resolve(), None)


def test_repo_paths_outside_a_repository_is_an_aiopt_error(tmp_path: Path) -> None:
    outside = tmp_path / "not-a-repo"
    outside.mkdir()
    with pytest.raises(AioptError) as info:
        repo_paths(outside)
    assert info.value.file == str(outside)
    assert "not inside a git repository" in str(info.value)


def test_resolve_ref(based: GitRepo) -> None:
    assert resolve_ref(based.path, "HEAD") == based.git("rev-parse", "HEAD").strip()
    assert resolve_ref(based.path, "no-such-branch") is None


# -- staged changes ----------------------------------------------------------------------------


def test_no_commit_yet_everything_staged_is_added(repo: GitRepo) -> None:
    repo.write("config/llm.yaml", LLM_V1)
    repo.write("prompts/summarize.txt", PROMPT)
    repo.stage()
    assert resolve_ref(repo.path, "HEAD") is None

    changes = by_path(staged(repo.path))

    assert set(changes) == {"config/llm.yaml", "prompts/summarize.txt"}
    for path, text in (("config/llm.yaml", LLM_V1), ("prompts/summarize.txt", PROMPT)):
        change = changes[path]
        assert (change.status, change.old_path, change.old_sha) == ("A", None, None)
        assert change.new_sha == blob_sha(repo, f":{path}")
        assert read_blob(repo.path, change.new_sha) == text.encode()


def test_no_commit_and_nothing_staged_is_empty(repo: GitRepo) -> None:
    repo.write("untracked.txt", "not staged\n")
    assert staged(repo.path) == []


def test_nothing_staged_after_a_commit_is_empty(based: GitRepo) -> None:
    assert staged(based.path) == []


def test_added_modified_deleted(based: GitRepo) -> None:
    old_llm = blob_sha(based, "HEAD:config/llm.yaml")
    old_readme = blob_sha(based, "HEAD:README.md")
    based.write("config/llm.yaml", LLM_V2)
    based.write("prompts/extract.txt", "Extract the fields.\n")
    (based.path / "README.md").unlink()
    based.stage()

    changes = by_path(staged(based.path))

    assert set(changes) == {"config/llm.yaml", "prompts/extract.txt", "README.md"}
    assert changes["config/llm.yaml"] == FileChange(
        "M", "config/llm.yaml", "config/llm.yaml", old_llm, blob_sha(based, ":config/llm.yaml")
    )
    assert changes["prompts/extract.txt"] == FileChange(
        "A", "prompts/extract.txt", None, None, blob_sha(based, ":prompts/extract.txt")
    )
    assert changes["README.md"] == FileChange("D", "README.md", "README.md", old_readme, None)
    assert read_blob(based.path, changes["config/llm.yaml"].old_sha) == LLM_V1.encode()
    assert read_blob(based.path, changes["config/llm.yaml"].new_sha) == LLM_V2.encode()
    assert read_blob(based.path, changes["README.md"].old_sha) == b"# app\n"


def test_staged_deletion_with_the_file_still_in_the_work_tree(based: GitRepo) -> None:
    based.git("rm", "-q", "--cached", "config/llm.yaml")
    assert (based.path / "config/llm.yaml").exists()

    changes = staged(based.path)

    assert [(c.status, c.path, c.new_sha) for c in changes] == [("D", "config/llm.yaml", None)]


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(False, id="pure-rename"),
        pytest.param(True, id="rename-with-edit"),
    ],
)
def test_renamed_file(based: GitRepo, edit: bool) -> None:
    old_sha = blob_sha(based, "HEAD:prompts/summarize.txt")
    based.git("mv", "prompts/summarize.txt", "prompts/summary.txt")
    new_text = PROMPT + ("One more line of instructions.\n" if edit else "")
    based.write("prompts/summary.txt", new_text)
    based.stage()

    changes = staged(based.path)

    assert len(changes) == 1
    change = changes[0]
    assert (change.status, change.path, change.old_path) == ("R", "prompts/summary.txt", "prompts/summarize.txt")
    assert change.old_sha == old_sha
    assert change.new_sha == blob_sha(based, ":prompts/summary.txt")
    assert (change.old_sha == change.new_sha) is (not edit)
    assert read_blob(based.path, change.old_sha) == PROMPT.encode()
    assert read_blob(based.path, change.new_sha) == new_text.encode()


def test_unstaged_edits_do_not_count_the_index_does(based: GitRepo) -> None:
    based.write("config/llm.yaml", LLM_V2)
    based.stage()
    staged_sha = blob_sha(based, ":config/llm.yaml")
    based.write("config/llm.yaml", LLM_V2.replace("gpt-4o", "o1-pro"))  # not staged
    based.write("prompts/summarize.txt", "edited but never staged\n")  # not staged
    based.write("prompts/new.txt", "untracked\n")  # not staged

    changes = staged(based.path)

    assert [(c.status, c.path, c.new_sha) for c in changes] == [("M", "config/llm.yaml", staged_sha)]
    assert read_blob(based.path, changes[0].new_sha) == LLM_V2.encode()


def test_unstaged_revert_of_a_staged_edit_still_counts(based: GitRepo) -> None:
    based.write("config/llm.yaml", LLM_V2)
    based.stage()
    based.write("config/llm.yaml", LLM_V1)  # the work tree is back to HEAD, the index is not

    changes = staged(based.path)

    assert [c.path for c in changes] == ["config/llm.yaml"]
    assert read_blob(based.path, changes[0].new_sha) == LLM_V2.encode()


def test_git_index_file_alternate_index(based: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    alt = str(tmp_path / "alt-index")
    env = {"GIT_INDEX_FILE": alt}
    based.git("read-tree", "HEAD", env=env)
    based.write("config/llm.yaml", LLM_V2)
    based.git("add", "config/llm.yaml", env=env)
    based.write("prompts/extract.txt", "Extract the fields.\n")
    sha = based.git("hash-object", "-w", "prompts/extract.txt").strip()
    based.git("update-index", "--add", "--cacheinfo", f"100644,{sha},prompts/extract.txt", env=env)
    based.git("checkout", "--", "config/llm.yaml")  # the work tree and the default index stay at HEAD
    (based.path / "prompts/extract.txt").unlink()

    monkeypatch.delenv("GIT_INDEX_FILE", raising=False)
    assert staged(based.path) == []
    assert "prompts/extract.txt" not in list_tree_files(based.path, None)

    monkeypatch.setenv("GIT_INDEX_FILE", alt)
    changes = by_path(staged(based.path))
    assert {p: c.status for p, c in changes.items()} == {"config/llm.yaml": "M", "prompts/extract.txt": "A"}
    assert read_blob(based.path, changes["config/llm.yaml"].new_sha) == LLM_V2.encode()
    assert changes["prompts/extract.txt"].new_sha == sha
    index = list_tree_files(based.path, None)
    assert index["prompts/extract.txt"] == sha
    assert index["config/llm.yaml"] == changes["config/llm.yaml"].new_sha


# -- ref ranges --------------------------------------------------------------------------------


@pytest.fixture
def diverged(based: GitRepo) -> GitRepo:
    """main: base -> main-only edit; feature (from base): model swap + new prompt."""
    based.git("checkout", "-q", "-b", "feature")
    based.write("config/llm.yaml", LLM_V2)
    based.write("prompts/extract.txt", "Extract the fields.\n")
    based.stage()
    based.commit("swap model")
    based.git("checkout", "-q", "main")
    based.write("prompts/summarize.txt", PROMPT + "A main-only line.\n")
    based.write("config/other-llm.yaml", "features:\n  x:\n    model: gpt-4o\n")
    based.stage()
    based.commit("main moves on")
    return based


def test_range_changes_start_at_the_merge_base(diverged: GitRepo) -> None:
    base = diverged.git("merge-base", "main", "feature").strip()
    assert merge_base(diverged.path, "main", "feature") == base

    changes = by_path(list_range_changes(diverged.path, "main", "feature"))

    # Only what the branch adds: main's later edits must not show up (not even reversed).
    assert set(changes) == {"config/llm.yaml", "prompts/extract.txt"}
    llm = changes["config/llm.yaml"]
    assert llm.status == "M"
    assert llm.old_sha == blob_sha(diverged, f"{base}:config/llm.yaml")
    assert llm.new_sha == blob_sha(diverged, "feature:config/llm.yaml")
    assert read_blob(diverged.path, llm.new_sha) == LLM_V2.encode()
    assert changes["prompts/extract.txt"].status == "A"


def test_range_changes_the_other_way(diverged: GitRepo) -> None:
    changes = by_path(list_range_changes(diverged.path, "feature", "main"))
    assert {p: c.status for p, c in changes.items()} == {"prompts/summarize.txt": "M", "config/other-llm.yaml": "A"}


def test_range_of_the_same_ref_is_empty(diverged: GitRepo) -> None:
    assert list_range_changes(diverged.path, "feature", "feature") == []


def test_range_with_an_unknown_ref_is_an_aiopt_error(diverged: GitRepo) -> None:
    with pytest.raises(AioptError, match="no-such-ref"):
        list_range_changes(diverged.path, "no-such-ref", "feature")


def test_range_over_unrelated_histories_compares_the_tips(diverged: GitRepo) -> None:
    diverged.git("checkout", "-q", "--orphan", "island")
    diverged.git("rm", "-q", "-rf", ".")
    diverged.write("prompts/alone.txt", "Alone.\n")
    diverged.stage()
    diverged.commit("island")

    changes = by_path(list_range_changes(diverged.path, "main", "island"))

    assert changes["prompts/alone.txt"].status == "A"
    assert changes["README.md"].status == "D"


# -- trees -------------------------------------------------------------------------------------


def test_list_tree_files_for_a_ref_and_for_the_index(based: GitRepo) -> None:
    head_tree = list_tree_files(based.path, "HEAD")
    assert head_tree == {
        "config/llm.yaml": blob_sha(based, "HEAD:config/llm.yaml"),
        "prompts/summarize.txt": blob_sha(based, "HEAD:prompts/summarize.txt"),
        "README.md": blob_sha(based, "HEAD:README.md"),
    }

    based.write("config/llm.yaml", LLM_V2)
    based.write("prompts/extract.txt", "Extract.\n")
    based.git("rm", "-q", "README.md")
    based.stage()
    based.write("prompts/unstaged.txt", "never added\n")

    index = list_tree_files(based.path, None)
    assert index == {
        "config/llm.yaml": blob_sha(based, ":config/llm.yaml"),
        "prompts/summarize.txt": head_tree["prompts/summarize.txt"],
        "prompts/extract.txt": blob_sha(based, ":prompts/extract.txt"),
    }
    assert list_tree_files(based.path, "HEAD") == head_tree  # the ref does not move


def test_list_tree_files_from_a_subdirectory_root_still_lists_everything(based: GitRepo) -> None:
    assert set(list_tree_files(based.path / "config", "HEAD")) == {
        "config/llm.yaml",
        "prompts/summarize.txt",
        "README.md",
    }


# -- blob reading ------------------------------------------------------------------------------


def test_blob_reader_size_limit(based: GitRepo) -> None:
    sha = blob_sha(based, "HEAD:prompts/summarize.txt")
    reader = BlobReader(based.path)
    try:
        assert reader.read(sha, max_bytes=10) is None
        assert reader.read(sha, max_bytes=len(PROMPT)) == PROMPT.encode()
        assert reader.read(sha) == PROMPT.encode()
    finally:
        reader.close()


# -- awkward file names ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("prompts/sum marize v2.txt", id="spaces"),
        pytest.param("prompts/résumé ✓.txt", id="unicode"),
        pytest.param("config/日本語 llm.yaml", id="cjk-and-space"),
        pytest.param('prompts/quote"tab\there.txt', id="quote-and-tab"),
    ],
)
def test_awkward_file_names(based: GitRepo, path: str) -> None:
    based.write(path, "v1\n")
    based.stage()
    added = staged(based.path)
    assert [(c.status, c.path) for c in added] == [("A", path)]
    assert read_blob(based.path, added[0].new_sha) == b"v1\n"
    assert path in list_tree_files(based.path, None)

    based.commit("add")
    assert path in list_tree_files(based.path, "HEAD")
    based.write(path, "v2\n")
    based.stage()
    modified = staged(based.path)
    assert [(c.status, c.path, c.old_path) for c in modified] == [("M", path, path)]
    assert read_blob(based.path, modified[0].old_sha) == b"v1\n"
    assert read_blob(based.path, modified[0].new_sha) == b"v2\n"

    based.commit("edit")
    renamed = path.replace(".", " renamed.", 1)
    based.git("mv", path, renamed)
    moved = staged(based.path)
    assert [(c.status, c.path, c.old_path) for c in moved] == [("R", renamed, path)]
