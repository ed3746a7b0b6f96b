"""The explicit tables: every cost field has a change-kind handler, every format and dialect is listed once."""
from __future__ import annotations

import pkgutil

import aiopt_hooks.baseline.dialects as dialect_pkg
import aiopt_hooks.extract as extract_pkg
from aiopt_hooks.baseline.dialects.registry import DIALECTS
from aiopt_hooks.extract.registry import EXTRACTORS
from aiopt_hooks.pricing.change_kinds import HANDLERS
from aiopt_hooks.records import COST_FIELDS


def test_every_cost_field_has_a_handler() -> None:
    assert set(COST_FIELDS) - set(HANDLERS) == set()
    assert set(HANDLERS) - set(COST_FIELDS) == set()


def test_every_dialect_module_is_registered_once() -> None:
    modules = {m.name for m in pkgutil.iter_modules(dialect_pkg.__path__)} - {"base", "registry", "fields", "signatures"}
    names = [d.name for d in DIALECTS]
    assert len(names) == len(set(names))
    assert len(DIALECTS) == len(modules)


def test_every_extractor_module_is_registered_once() -> None:
    helpers = {"base", "registry", "fields", "frontmatter", "diffing", "tokens", "inventory"}
    modules = {m.name for m in pkgutil.iter_modules(extract_pkg.__path__)} - helpers
    names = [e.name for e in EXTRACTORS]
    assert len(names) == len(set(names))
    assert len(EXTRACTORS) == len(modules)
