"""Python source files: LLM calls read with the standard `ast` (see `source_calls` for the SDK table).

Arguments are followed within the file: literals, module constants (`MODEL = "gpt-4o-mini"`),
names assigned once in the enclosing function, f-strings and `+` of those, `textwrap.dedent`;
defaults are followed and said: a parameter's default, a settings class field's default
(`class Settings(BaseSettings): model: str = "gpt-4o"`, `Field(default=...)`, used as
`settings.model`), `os.getenv("X", "gpt-4o")`.  Anything else is not statically known.
"""

from __future__ import annotations

import ast

from aiopt_hooks.errors import AioptError
from aiopt_hooks.extract.source_calls import (
    CallValue,
    FoundCall,
    Value,
    declaration_spec,
    sdk_of,
    setting_field,
    specs_of,
    too_deep,
)
from aiopt_hooks.extract.source_python_values import PyFile, PyReader, PyScope
from aiopt_hooks.records import CallSpec


def _walk(
    node: ast.AST,
    file: PyFile,
    reader: PyReader,
    out: list[FoundCall],
    names: tuple[str, ...],
    feature: str,
    scope: PyScope,
    target: str,
) -> None:
    """Find the SDK calls under `node`; `names` is the class/function path, `target` an assigned name."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
            own = child.name if not child.name.startswith("__") else (names[-1] if names else child.name.strip("_"))
            _walk(child, file, reader, out, (*names, child.name), own, PyScope(child), "")
            continue
        if isinstance(child, ast.ClassDef):
            _walk(child, file, reader, out, (*names, child.name), feature, scope, "")
            continue
        assigned = target
        if not feature and isinstance(child, (ast.Assign, ast.AnnAssign)):
            targets = child.targets if isinstance(child, ast.Assign) else [child.target]
            assigned = next(
                (
                    t.id if isinstance(t, ast.Name) else t.attr
                    for t in targets
                    if isinstance(t, (ast.Name, ast.Attribute))
                ),
                target,
            )
        if isinstance(child, ast.Call) and sdk_of(file.qualified(child.func)) is not None:
            value = reader.value(child, scope)
            assert isinstance(value.value, CallValue)
            path = ".".join(names) or assigned
            out.append(FoundCall(value.value, child.lineno, path, feature or assigned))
        _walk(child, file, reader, out, names, feature, scope, assigned)


def extract(path: str, text: str) -> list[CallSpec]:
    try:
        tree = ast.parse(text.removeprefix("\ufeff"), filename=path)
    except SyntaxError as exc:
        raise AioptError(
            f"invalid Python: {exc.msg}", file=path, line=exc.lineno or 1, hint="fix the syntax, or unstage the file"
        ) from None
    except (ValueError, RecursionError) as exc:
        raise AioptError(
            f"cannot parse as Python: {exc}", file=path, line=1, hint="fix the file, or unstage it"
        ) from None
    file = PyFile(tree, text)
    calls: list[FoundCall] = []
    reader = PyReader(file)
    try:
        _walk(tree, file, reader, calls, (), "", PyScope(None), "")
    except RecursionError:
        raise too_deep(path) from None
    return specs_of(path, calls) + _declarations(path, file, reader)


def _declarations(path: str, file: PyFile, reader: PyReader) -> list[CallSpec]:
    """Model settings no call in this file reads: `OPENAI_MODEL = "gpt-4o"` in a settings module,
    a settings class field; their callers are in other files, so they are call specs of their own."""
    found: list[tuple[str, Value, bool]] = []
    for name, values in file.constants.items():
        if name not in reader.used and setting_field(name) and len(values) == 1:
            node = values[0]
            runtime_ok = isinstance(node, (ast.Call, ast.Attribute)) or (
                isinstance(node, ast.Subscript) and ast.unparse(node.value).endswith("environ")
            )
            found.append((name, reader.value(node, PyScope(None)), runtime_ok))
    for name, owners in file.fields.items():
        for owner, default in owners:
            selector = f"{owner}.{name}"
            if owner in file.settings_classes and selector not in reader.used and setting_field(name):
                value = reader.value(default, PyScope(None))
                note = value.note or f"the default of `{selector}` (the environment or a caller may override it)"
                found.append((selector, Value(value.value, value.line, value.expr, note, value.runtime_parts), False))
    return [
        spec
        for selector, value, runtime_ok in found
        if (spec := declaration_spec(path, selector, value, runtime_ok)) is not None
    ]
