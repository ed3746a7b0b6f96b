"""`yamlio.load_yaml`: LibYAML's parser (when PyYAML has it) gives the very values and lines of the
pure-Python one on every real YAML file of tests/data; documents it refuses are reported as before."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from aiopt_hooks import yamlio
from aiopt_hooks.errors import AioptError

DATA = Path(__file__).parent / "data"
FILES = sorted(p for p in DATA.rglob("*") if p.suffix in (".yaml", ".yml"))


def _lines(value: Any) -> Any:
    """The value with each mapping's recorded lines next to it."""
    if isinstance(value, dict):
        return {"lines": getattr(value, "lines", None), "items": {k: _lines(v) for k, v in value.items()}}
    if isinstance(value, list):
        return [_lines(v) for v in value]
    return value


def _pure(text: str, path: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr(yamlio, "_FastLoader", yamlio._Loader)
    try:
        return yamlio.load_yaml(text, path)
    finally:
        monkeypatch.undo()


def test_pyyaml_has_libyaml() -> None:
    """PyYAML's wheels ship LibYAML; without it the pure parser still works, only slower."""
    assert yaml.__with_libyaml__ and yamlio._FastLoader is not yamlio._Loader


def _outcome(load: Any) -> Any:
    try:
        return _lines(load())
    except AioptError as exc:  # e.g. a Python tag safe loading refuses (mkdocs' emoji extension)
        return ("error", exc.file, exc.line, str(exc))


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_both_parsers_read_real_files_alike(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = path.read_text(encoding="utf-8")
    fast = _outcome(lambda: yamlio.load_yaml(text, path.name))
    assert fast == _outcome(lambda: _pure(text, path.name, monkeypatch))


@pytest.mark.parametrize(
    "text, line",
    [
        pytest.param("model: [unclosed\n", 2, id="unclosed-flow"),
        pytest.param("a: 1\nb: : 2\n", 2, id="bad-mapping"),
        pytest.param("a: 1\n\tb: 2\n", 2, id="tab-indent"),
        pytest.param("a: 1\nb: \x00\n", 2, id="nul-character"),
        pytest.param("a: &x [1]\nb: *y\n", 2, id="unknown-alias"),
        pytest.param("a: 1\nb: \ud800\n", 2, id="lone-surrogate-libyaml-cannot-encode"),
    ],
)
def test_errors_keep_the_pure_parsers_line(text: str, line: int, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(AioptError) as fast:
        yamlio.load_yaml(text, "c.yaml")
    with pytest.raises(AioptError) as pure:
        _pure(text, "c.yaml", monkeypatch)
    assert (fast.value.file, fast.value.line, str(fast.value)) == ("c.yaml", line, str(pure.value))


def test_an_alias_bomb_is_refused_by_the_fast_parser_too() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(6)
    )
    with pytest.raises(AioptError, match="alias bomb|nodes") as raised:
        yamlio.load_yaml(bomb, "bomb.yaml")
    assert raised.value.file == "bomb.yaml"
