"""TypeScript and JavaScript source files: LLM calls read with tree-sitter (see `source_calls`).

The grammars come as wheels (`tree-sitter-typescript`, `tree-sitter-javascript`), imported only
when such a file changed.  Arguments are followed within the file as in Python: literals,
template strings, `+`, module and function-local `const`s, `process.env.X ?? "default"` (a
default, said), a parameter's default; an options object (`create({ model, max_tokens })`) is
read as keyword arguments.
"""

from __future__ import annotations

import functools
from typing import Any

from aiopt_hooks.errors import AioptError
from aiopt_hooks.extract.source_calls import (
    CallValue,
    FoundCall,
    declaration_spec,
    sdk_of,
    setting_field,
    specs_of,
    too_deep,
)
from aiopt_hooks.extract.source_js_values import JsFile, JsReader, JsScope, Node, node_text
from aiopt_hooks.records import CallSpec

FUNCTIONS = (
    "function_declaration",
    "generator_function_declaration",
    "method_definition",
    "arrow_function",
    "function_expression",
    "function",
)


@functools.cache
def _parser(kind: str) -> Any:
    try:
        import tree_sitter

        if kind == "javascript":
            import tree_sitter_javascript

            language = tree_sitter_javascript.language()
        else:
            import tree_sitter_typescript

            language = (
                tree_sitter_typescript.language_tsx() if kind == "tsx" else tree_sitter_typescript.language_typescript()
            )
    except ImportError as exc:
        raise AioptError(
            f"cannot read TypeScript/JavaScript: {exc}",
            hint="install the parser: pip install tree-sitter tree-sitter-typescript "
            "tree-sitter-javascript (or set `code: false` in .aiopt.yaml)",
        ) from None
    return tree_sitter.Parser(tree_sitter.Language(language))


def _kind(path: str) -> str:
    lower = path.lower()
    if lower.endswith(".tsx"):
        return "tsx"
    return "typescript" if lower.endswith((".ts", ".mts", ".cts")) else "javascript"


def _name_of(node: Node) -> str:
    name = node.child_by_field_name("name")
    if name is not None:
        return node_text(name)
    parent = node.parent  # const summarize = async () => ...; { summarize: () => ... }
    if parent is not None and parent.type == "variable_declarator":
        name = parent.child_by_field_name("name")
    elif parent is not None and parent.type == "pair":
        name = parent.child_by_field_name("key")
    return node_text(name) if name is not None else ""


def _walk(
    node: Node,
    file: JsFile,
    reader: JsReader,
    out: list[FoundCall],
    names: tuple[str, ...],
    feature: str,
    scope: JsScope,
    target: str,
) -> None:
    for child in node.named_children:
        kind = child.type
        if kind in FUNCTIONS:
            own = _name_of(child)
            if own == "constructor":
                own = names[-1] if names else own
            inner = (*names, own) if own else names
            _walk(child, file, reader, out, inner, own or feature, JsScope(child), "")
            continue
        if kind in ("class_declaration", "class"):
            own = _name_of(child)
            _walk(child, file, reader, out, (*names, own) if own else names, feature, scope, "")
            continue
        assigned = target
        if not feature and kind in ("variable_declarator", "public_field_definition", "field_definition"):
            name = child.child_by_field_name("name") or child.child_by_field_name("property")
            assigned = (
                node_text(name) if name is not None and name.type in ("identifier", "property_identifier") else target
            )
        if kind in ("call_expression", "new_expression"):
            func = child.child_by_field_name("function") or child.child_by_field_name("constructor")
            if func is not None and sdk_of(file.qualified(func)) is not None:
                value = reader.call(child, scope, 0)
                assert isinstance(value.value, CallValue)
                out.append(FoundCall(value.value, value.line, ".".join(names) or assigned, feature or assigned))
        _walk(child, file, reader, out, names, feature, scope, assigned)


def extract(path: str, text: str) -> list[CallSpec]:
    tree = _parser(_kind(path)).parse(text.removeprefix("\ufeff").encode("utf-8"))
    root = tree.root_node
    if root.has_error:
        error = _first_error(root)
        raise AioptError(
            "invalid TypeScript/JavaScript (the parser stops here)",
            file=path,
            line=error.start_point[0] + 1 if error is not None else 1,
            hint="fix the syntax, or unstage the file",
        )
    file = JsFile(root)
    calls: list[FoundCall] = []
    reader = JsReader(file)
    try:
        _walk(root, file, reader, calls, (), "", JsScope(None), "")
    except RecursionError:
        raise too_deep(path) from None
    declared = [
        declaration_spec(path, name, reader.value(values[0], JsScope(None)), _runtime_ok(values[0]))
        for name, values in file.constants.items()
        if name not in reader.used and len(values) == 1 and setting_field(name)
    ]
    return specs_of(path, calls) + [spec for spec in declared if spec is not None]


def _runtime_ok(node: Node) -> bool:
    """A value a setting is read from at run time: a call, a member, the environment (not a function)."""
    while node.type in ("await_expression", "as_expression", "non_null_expression") and node.named_children:
        node = node.named_children[0]
    return node.type in ("call_expression", "member_expression", "subscript_expression", "binary_expression")


def _first_error(node: Node) -> Node | None:
    if node.type == "ERROR" or node.is_missing:
        return node
    for child in node.children:
        if child.has_error or child.is_missing:
            return _first_error(child)
    return None
