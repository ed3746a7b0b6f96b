"""The explicit tables: every cost field has a change-kind handler, every format and dialect is listed once."""

from __future__ import annotations

import importlib
import json
import pkgutil

import aiopt_hooks.baseline.dialects as dialect_pkg
import aiopt_hooks.extract as extract_pkg
from aiopt_hooks.baseline.dialects.registry import DIALECTS, MODULES
from aiopt_hooks.extract.registry import EXTRACTORS
from aiopt_hooks.pricing.estimate import Estimator
from aiopt_hooks.records import COST_FIELDS
from tests.support.cli import warm_probe
from tests.support.repos import GitRepo, swap_model


def test_every_cost_field_has_a_handler() -> None:
    assert set(COST_FIELDS) - set(Estimator.handlers) == set()
    assert set(Estimator.handlers) - set(COST_FIELDS) == set()


def test_every_dialect_module_is_registered_once() -> None:
    modules = {m.name for m in pkgutil.iter_modules(dialect_pkg.__path__)} - {
        "base",
        "registry",
        "fields",
        "signatures",
    }
    names = [d.name for d in DIALECTS]
    assert len(names) == len(set(names))
    assert len(MODULES) == len(set(MODULES)) and set(MODULES) == modules


def test_every_extractor_module_is_registered_once() -> None:
    helpers = {
        "base",
        "registry",
        "formats",
        "fields",
        "frontmatter",
        "diffing",
        "tokens",
        "inventory",
        "pairing",
        "changesets",
        "logera",
        "env_yaml",
        "source_notes",
        "source_watch",
        "speccache",
        "source_calls",
        "source_python_values",
        "source_js_values",
        "envvars",
    }
    modules = {m.name for m in pkgutil.iter_modules(extract_pkg.__path__)} - helpers
    assert len({(e.name, e.module, e.matches, e.sniff) for e in EXTRACTORS}) == len(EXTRACTORS)
    assert {e.module for e in EXTRACTORS} == modules
    for module in modules:  # each reads its format with `extract(path, text)`, imported when used
        assert callable(importlib.import_module(f"aiopt_hooks.extract.{module}").extract)


def test_the_hot_path_knows_the_source_suffixes() -> None:
    from aiopt_hooks import pipeline
    from aiopt_hooks.extract import source_watch

    assert pipeline.SOURCE_SUFFIXES == source_watch.SOURCE_SUFFIXES


def test_a_warm_check_loads_only_the_readers_it_reads_with(app: GitRepo) -> None:
    """A YAML model swap checked again (its summary cached): at most the structured reader, no log dialect."""
    swap_model(app)
    probe = (
        "import json, sys\nfrom aiopt_hooks.cli import main\ncode = main(['check', '--format', 'json'])\n"
        "print(json.dumps([code, sorted(m for m in sys.modules if m.startswith('aiopt_hooks.'))]))\n"
    )
    last = warm_probe(app, probe)
    code, loaded = json.loads(last)
    others = {e.module for e in EXTRACTORS} - {"structured", "crewai"}  # structured uses crewai's defaults
    unused = {f"aiopt_hooks.extract.{m}" for m in [*others, "tokens"]}
    unused |= {f"aiopt_hooks.baseline.dialects.{m}" for m in MODULES}
    assert code == 1 and unused.isdisjoint(loaded)
