"""aiopt_hooks.repo.globs: the literal runs turn paths away exactly when the regex would (the glob table
itself is in tests/extract/test_extract.py)."""

from __future__ import annotations

import re
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiopt_hooks.config import DEFAULT_WATCH
from aiopt_hooks.repo import globs


@pytest.mark.parametrize(
    ("pattern", "runs"),
    [
        pytest.param("**/*llm*.y*ml", ("llm", ".y", "ml"), id="stars"),
        pytest.param("prompts/**", ("prompts/",), id="folder"),
        pytest.param("a/**/d.json", ("a/", "d.json"), id="double-star-inside"),
        pytest.param("x.[!t]xt", ("x.", "xt"), id="set"),
        pytest.param("a[b", ("a[b",), id="unclosed-bracket-is-literal"),
        pytest.param("dir/", ("dir/",), id="trailing-slash"),
        pytest.param("[]x]", (), id="a-leading-close-bracket-is-a-member"),
        pytest.param("[!]x]", (), id="negated-leading-close-bracket"),
        pytest.param("a[]", ("a[]",), id="empty-brackets-are-literal"),
    ],
)
def test_literal_runs(pattern: str, runs: tuple[str, ...]) -> None:
    assert globs._translate(pattern)[1] == runs


def test_a_path_no_watch_glob_can_match_compiles_no_regex() -> None:
    globs._compile.cache_clear()
    assert not globs.match_any("README.md", DEFAULT_WATCH)
    assert globs._compile.cache_info().currsize == 0
    assert globs.match_any("config/llm.yaml", DEFAULT_WATCH)


GLOB_CHARS = "ab/.*?[]!^\\-"


@settings(max_examples=400, deadline=None)
@given(st.text(GLOB_CHARS, min_size=1, max_size=9), st.lists(st.text("ab/.[]!^\\-", max_size=10), max_size=12))
def test_the_runs_never_turn_away_a_path_the_regex_matches(pattern: str, paths: list[str]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # "possible nested set": what the glob means
        regex = re.compile(globs._translate(pattern)[0])  # every glob is a valid regex
    for path in paths:
        assert globs.match_path(path, pattern) is (regex.match(path) is not None)


@pytest.mark.parametrize(
    ("pattern", "name"),
    [
        ("[]", "[]"),
        ("[!]", "[!]"),
        ("[]]", "]"),
        ("[!]]", "a"),
        ("x[!]]y", "xay"),
        ("[z-a]x", "zx"),
        ("[a-c].yaml", "b.yaml"),
        ("[!.]*.env", ".x.env"),
        ("a[bc", "a[bc"),
        ("[\\]x", "\\x"),
    ],
)
def test_bracket_sets_mean_what_fnmatch_says(pattern: str, name: str) -> None:
    """Sets are read as `fnmatch` reads them (a file name, no folder): `[]` and `[!]` were once an
    invalid regex, an internal error on every commit."""
    import fnmatch

    assert globs.match_path(name, pattern) is fnmatch.fnmatchcase(name, pattern)
    assert globs.match_path(f"deep/dir/{name}", pattern) is fnmatch.fnmatchcase(name, pattern)
