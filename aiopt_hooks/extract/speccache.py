"""Call specs of a file version, cached under the git dir (`.git/aiopt/`): a file version (its path and
blob id) always holds the same call specs, so checking the same staged change again reads no blob and
parses nothing (no git process, no YAML import).

Stage: file text -> call specs, in front of `registry.extract_call_specs`.  Keyed by the path, the blob
id, `max_file_bytes` (a file too large is never read, so never cached) and the code that reads it (the
size and mtime of this package's extract modules, of the modules they build on and of the parsing
libraries (PyYAML, tree-sitter, the tokenizer), and Python's version: an upgrade or an edit reads
again).  Only specs made of plain values (str, int, float, bool, None, lists, tuples, string-keyed
mappings) are stored, so what is read back equals what was extracted, type for
type.  A missing or corrupt entry is read again from git; writes are atomic; the newest MAX_ENTRIES
are kept.  Never written inside the working tree.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any

from aiopt_hooks.config import keep_newest, write_atomic
from aiopt_hooks.records import CallSpec

ENTRY_VERSION = 1
MAX_ENTRIES = 256
PACKAGE = Path(__file__).resolve().parent.parent
READ_WITH = ("config.py", "records.py", "yamlio.py", "errors.py")  # beside extract/*.py
# The libraries extractors parse with: an upgrade of one (another release's files) gets fresh entries.
LIBRARIES = ("yaml", "_yaml", "tree_sitter", "tree_sitter_javascript", "tree_sitter_typescript", "bpe_openai")
TUPLE = "__tuple__"


@functools.cache
def _code_stamp() -> str | None:
    """What identifies the code that extracts (a release or an edited module gets fresh entries); None
    when it cannot be told (the package is not plain files): nothing is cached then."""
    parts = [f"v{ENTRY_VERSION}", sys.version]
    try:
        files = sorted(e.path for e in os.scandir(PACKAGE / "extract") if e.name.endswith(".py"))
        for path in files + [str(PACKAGE / name) for name in READ_WITH] + _library_files():
            stat = os.stat(path)
            parts.append(f"{os.path.basename(path)}:{stat.st_size}:{stat.st_mtime_ns}")
    except OSError:
        return None
    return "\0".join(parts)


def _library_files() -> list[str]:
    """The files of LIBRARIES found on the path, located without importing them."""
    from importlib.machinery import PathFinder

    found = []
    for name in LIBRARIES:
        try:
            spec = PathFinder.find_spec(name)
        except (ImportError, ValueError):  # an unreadable path entry: that library counts as absent
            spec = None
        if spec is not None and spec.origin and os.path.isfile(spec.origin):
            found.append(spec.origin)
    return found


def _target(cache_dir: Path, path: str, sha: str, max_bytes: int | None) -> Path | None:
    stamp = _code_stamp()
    if stamp is None:
        return None
    key = hashlib.sha256("\0".join([stamp, path, sha, str(max_bytes)]).encode("utf-8", "surrogateescape"))
    return cache_dir / f"specs-{key.hexdigest()[:32]}.json"


def _encode(value: Any) -> Any:
    """`value` as JSON gives it back exactly (a tuple as {TUPLE: [...]}); ValueError for anything else."""
    if value is None or type(value) in (str, int, float, bool):
        return value
    if type(value) is list:
        return [_encode(v) for v in value]
    if type(value) is tuple:
        return {TUPLE: [_encode(v) for v in value]}
    if type(value) is dict and all(type(k) is str for k in value) and TUPLE not in value:
        return {k: _encode(v) for k, v in value.items()}
    raise ValueError(f"a {type(value).__name__} is not stored")


def _decode(mapping: dict[str, Any]) -> Any:
    return tuple(mapping[TUPLE]) if mapping.keys() == {TUPLE} else mapping


def load(cache_dir: Path, path: str, sha: str, max_bytes: int | None) -> list[CallSpec] | None:
    """The call specs stored for this file version, or None (not stored, or unreadable)."""
    target = _target(cache_dir, path, sha, max_bytes)
    if target is None:
        return None
    try:
        data = json.loads(target.read_bytes(), object_hook=_decode)
        return [CallSpec(**spec) for spec in data["specs"]]
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        return None  # corrupt: extracted again and overwritten


def store(cache_dir: Path, path: str, sha: str, max_bytes: int | None, specs: list[CallSpec]) -> None:
    """Store the specs when JSON keeps them exactly; a cache that cannot be written is skipped."""
    target = _target(cache_dir, path, sha, max_bytes)
    try:
        found = _encode([spec._asdict() for spec in specs])
    except ValueError:
        return
    if target is None:
        return
    write_atomic(target, json.dumps({"specs": found}).encode())
    keep_newest(cache_dir, "specs-*.json", MAX_ENTRIES)
