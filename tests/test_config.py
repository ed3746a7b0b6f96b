"""`.aiopt.yaml` -> Config, and its cache under the git dir: used only for exactly the text it was made from."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from aiopt_hooks.config import Config, Policy, load_config

TEXT = "version: 1\npolicy:\n  block:\n    monthly_increase_usd: 50\n"


def _write(tmp_path: Path, text: str = TEXT) -> Path:
    path = tmp_path / ".aiopt.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_no_file_gives_the_defaults(tmp_path: Path) -> None:
    config = load_config(tmp_path / ".aiopt.yaml", tmp_path / "cache")
    assert config == Config()
    assert config.policy == Policy()
    assert config.sha256 == ""
    assert not (tmp_path / "cache").exists()


def test_the_cache_gives_the_same_config_and_hash(tmp_path: Path) -> None:
    path = _write(tmp_path)
    cache = tmp_path / "cache"

    parsed = load_config(path, cache)
    (entry,) = cache.glob("config-*.json")
    cached = load_config(path, cache)

    assert parsed == cached
    assert parsed.policy.block == {"monthly_increase_usd": 50.0}
    assert parsed.sha256 == cached.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert json.loads(entry.read_text("utf-8"))["text"] == TEXT


def test_without_a_cache_dir_nothing_is_written(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path))
    assert config.sha256 == hashlib.sha256(TEXT.encode()).hexdigest()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".aiopt.yaml"]


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda e: {**e, "text": e["text"] + "# edited\n"}, id="another-text-same-name"),
        pytest.param(lambda e: {k: v for k, v in e.items() if k != "text"}, id="no-text"),
        pytest.param(lambda e: {**e, "sha256": None}, id="no-hash"),
        pytest.param(lambda e: {**e, "config": {"polcy": {}}}, id="invalid-mapping"),
        pytest.param(lambda e: "garbage", id="not-a-mapping"),
    ],
)
def test_a_cache_not_made_from_this_text_is_never_used(tmp_path: Path, damage: object) -> None:
    """A stale cache (another config whose crc32 collides), or a damaged one, must not weaken the guard."""
    path = _write(tmp_path)
    cache = tmp_path / "cache"
    load_config(path, cache)
    (entry,) = cache.glob("config-*.json")
    weaker = json.loads(entry.read_text("utf-8"))
    weaker["config"]["policy"]["block"]["monthly_increase_usd"] = 1_000_000
    assert callable(damage)
    entry.write_text(json.dumps(damage(weaker)), encoding="utf-8")

    config = load_config(path, cache)

    assert config.policy.block == {"monthly_increase_usd": 50.0}
    assert json.loads(entry.read_text("utf-8"))["config"]["policy"]["block"]["monthly_increase_usd"] == 50


def test_an_unreadable_cache_entry_is_parsed_again(tmp_path: Path) -> None:
    path = _write(tmp_path)
    cache = tmp_path / "cache"
    load_config(path, cache)
    (entry,) = cache.glob("config-*.json")
    entry.write_bytes(b"\xff\xfe{not json")

    assert load_config(path, cache).policy.block == {"monthly_increase_usd": 50.0}


def test_each_config_has_its_own_entry(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = load_config(_write(tmp_path), cache)
    second = load_config(_write(tmp_path, TEXT.replace("50", "70")), cache)
    again = load_config(_write(tmp_path), cache)

    assert len(list(cache.glob("config-*.json"))) == 2
    assert (first.policy.block, second.policy.block) == ({"monthly_increase_usd": 50.0}, {"monthly_increase_usd": 70.0})
    assert again == first
