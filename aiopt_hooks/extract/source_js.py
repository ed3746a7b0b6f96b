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
from aiopt_hooks.extract.base import Extractor
from aiopt_hooks.extract.source_calls import (
    NOT_STATIC,
    CallValue,
    FoundCall,
    Value,
    declaration_spec,
    is_source,
    reads_llm_settings,
    sdk_of,
    setting_field,
    specs_of,
)
from aiopt_hooks.records import CallSpec

SUFFIXES = (".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs")
MAX_DEPTH = 12
FUNCTIONS = ("function_declaration", "generator_function_declaration", "method_definition", "arrow_function",
             "function_expression", "function")
WRAPPERS = ("as_expression", "satisfies_expression", "non_null_expression", "parenthesized_expression",
            "await_expression", "type_assertion")
SPREAD = "..."   # the key under which an object keeps a spread it cannot see into
Node = Any   # tree_sitter.Node (the package ships no type stubs for mypy)


def matches(path: str) -> bool:
    return path.lower().endswith(SUFFIXES) and is_source(path)


@functools.cache
def _parser(kind: str) -> Any:
    try:
        import tree_sitter
        if kind == "javascript":
            import tree_sitter_javascript

            language = tree_sitter_javascript.language()
        else:
            import tree_sitter_typescript

            language = (tree_sitter_typescript.language_tsx() if kind == "tsx"
                        else tree_sitter_typescript.language_typescript())
    except ImportError as exc:
        raise AioptError(f"cannot read TypeScript/JavaScript: {exc}",
                         hint="install the parser: pip install tree-sitter tree-sitter-typescript "
                              "tree-sitter-javascript (or set `code: false` in .aiopt.yaml)") from None
    return tree_sitter.Parser(tree_sitter.Language(language))


def _kind(path: str) -> str:
    lower = path.lower()
    if lower.endswith(".tsx"):
        return "tsx"
    return "typescript" if lower.endswith((".ts", ".mts", ".cts")) else "javascript"


def _text(node: Node) -> str:
    return bytes(node.text).decode("utf-8", "replace")


def _string(node: Node) -> str:
    """A string literal's value (escapes other than the common ones kept as written)."""
    raw = _text(node)[1:-1]
    return raw.replace("\\n", "\n").replace("\\t", "\t").replace("\\'", "'").replace('\\"', '"')


def _declarators(node: Node) -> list[tuple[str, Node]]:
    out = []
    for child in node.named_children:
        if child.type == "variable_declarator":
            name, value = child.child_by_field_name("name"), child.child_by_field_name("value")
            if name is not None and name.type == "identifier" and value is not None:
                out.append((_text(name), value))
    return out


class _File:
    def __init__(self, root: Node) -> None:
        self.imports: dict[str, str] = {}
        self.constants: dict[str, list[Node]] = {}
        for stmt in root.named_children:
            if stmt.type == "export_statement" and stmt.child_by_field_name("declaration") is not None:
                stmt = stmt.child_by_field_name("declaration")
            if stmt.type == "import_statement":
                self._import(stmt)
            elif stmt.type in ("lexical_declaration", "variable_declaration"):
                for child in stmt.named_children:
                    self._require(child)
                for name, value in _declarators(stmt):
                    self.constants.setdefault(name, []).append(value)

    def _import(self, stmt: Node) -> None:
        source = stmt.child_by_field_name("source")
        clause = next((c for c in stmt.named_children if c.type == "import_clause"), None)
        if source is None or clause is None:
            return
        module = _string(source)
        for part in clause.named_children:
            if part.type == "identifier":                 # import OpenAI from "openai"
                self.imports[_text(part)] = f"{module}.default"
            elif part.type == "namespace_import":         # import * as ai from "ai"
                self.imports[_text(part.named_children[0])] = module
            elif part.type == "named_imports":            # import { openai as o } from "@ai-sdk/openai"
                for spec in part.named_children:
                    name, alias = spec.child_by_field_name("name"), spec.child_by_field_name("alias")
                    if name is not None:
                        self.imports[_text(alias or name)] = f"{module}.{_text(name)}"

    def _require(self, declarator: Node) -> None:
        """const { ChatOpenAI } = require("@langchain/openai"); const OpenAI = require("openai")."""
        name, value = declarator.child_by_field_name("name"), declarator.child_by_field_name("value")
        if name is None or value is None or value.type != "call_expression":
            return
        func, args = value.child_by_field_name("function"), value.child_by_field_name("arguments")
        if func is None or _text(func) != "require" or args is None or not args.named_children \
                or args.named_children[0].type != "string":
            return
        module = _string(args.named_children[0])
        if name.type == "identifier":
            self.imports[_text(name)] = module
        for prop in name.named_children if name.type == "object_pattern" else ():
            if prop.type == "shorthand_property_identifier_pattern":
                self.imports[_text(prop)] = f"{module}.{_text(prop)}"

    def qualified(self, node: Node) -> str:
        parts: list[str] = []
        while node.type in ("member_expression", *WRAPPERS):
            if node.type == "member_expression":
                prop = node.child_by_field_name("property")
                parts.append(_text(prop) if prop is not None else "?")
                node = node.child_by_field_name("object")
            else:
                node = node.named_children[0]
        if node.type in ("call_expression", "new_expression"):
            func = node.child_by_field_name("function") or node.child_by_field_name("constructor")
            parts.append((self.qualified(func) if func is not None else "?") + "()")
        elif node.type in ("identifier", "this"):
            parts.append(self.imports.get(_text(node), _text(node)))
        else:
            parts.append("?")
        return ".".join(reversed(parts))


class _Scope:
    def __init__(self, func: Node | None) -> None:
        self.params: dict[str, Node | None] = {}
        self.locals: dict[str, list[Node]] = {}
        if func is None:
            return
        params = func.child_by_field_name("parameters")
        for param in params.named_children if params is not None else ():
            pattern = param.child_by_field_name("pattern") or param.child_by_field_name("left") or param
            default = param.child_by_field_name("value") or param.child_by_field_name("right")
            if pattern.type == "identifier":
                self.params[_text(pattern)] = default
        body = func.child_by_field_name("body")
        stack = [body] if body is not None else []
        while stack:
            node = stack.pop()
            if node.type in ("lexical_declaration", "variable_declaration"):
                for name, value in _declarators(node):
                    self.locals.setdefault(name, []).append(value)
            elif node.type in ("assignment_expression", "augmented_assignment_expression"):
                left = node.child_by_field_name("left")
                if left is not None and left.type == "identifier":
                    self.locals.setdefault(_text(left), []).extend([node, node])   # reassigned: not static
            stack.extend(node.named_children)


class _Reader:
    def __init__(self, file: _File) -> None:
        self.file = file
        self.used: set[str] = set()   # module constants an SDK call's arguments read

    def value(self, node: Node, scope: _Scope, depth: int = 0) -> Value:
        line = node.start_point[0] + 1
        unknown = Value(NOT_STATIC, line, _text(node)[:120])
        kind = node.type
        if depth > MAX_DEPTH:
            return unknown
        if kind in WRAPPERS and node.named_children:
            return self.value(node.named_children[0], scope, depth + 1)
        if kind == "string":
            return Value(_string(node), line, _text(node))
        if kind == "template_string":
            return self._template(node, scope, depth)
        if kind == "number":
            try:
                number = float(_text(node).replace("_", ""))
            except ValueError:
                return unknown
            return Value(int(number) if number.is_integer() else number, line, _text(node))
        if kind in ("true", "false", "null", "undefined"):
            return Value({"true": True, "false": False}.get(kind), line, kind)
        if kind == "identifier":
            return self._name(_text(node), scope, depth) or unknown
        if kind == "binary_expression":
            return self._binary(node, scope, depth) or unknown
        if kind == "object":
            return Value(self._object(node, scope, depth), line, _text(node)[:120])
        if kind == "array":
            return Value([self.value(e, scope, depth + 1) for e in node.named_children if e.type != "comment"],
                         line, _text(node)[:120])
        if kind in ("call_expression", "new_expression"):
            return self.call(node, scope, depth)
        return unknown

    def _template(self, node: Node, scope: _Scope, depth: int) -> Value:
        text, runtime = [], 0
        for part in node.named_children:
            if part.type == "template_substitution":
                inner = self.value(part.named_children[0], scope, depth + 1) if part.named_children else None
                if inner is not None and isinstance(inner.value, str):
                    text.append(inner.value)
                    runtime += inner.runtime_parts
                else:
                    runtime += 1
            else:
                text.append(_text(part).replace("\\`", "`"))
        return Value("".join(text), node.start_point[0] + 1, _text(node)[:120], runtime_parts=runtime)

    def _binary(self, node: Node, scope: _Scope, depth: int) -> Value | None:
        op = node.child_by_field_name("operator")
        left_node, right_node = node.child_by_field_name("left"), node.child_by_field_name("right")
        operator = _text(op) if op is not None else ""
        if left_node is None or right_node is None:
            return None
        if operator in ("??", "||") and _text(left_node).startswith(("process.env.", "process.env[")):
            value = self.value(right_node, scope, depth + 1)
            name = _text(left_node).removeprefix("process.env").strip(".[]'\"")
            return Value(value.value, value.line, _text(node)[:120],
                         f"the default of environment variable {name} (the environment may set another value)",
                         value.runtime_parts)
        left, right = self.value(left_node, scope, depth + 1), self.value(right_node, scope, depth + 1)
        a, b = left.value, right.value
        if operator == "+" and isinstance(a, str) and isinstance(b, str):
            return Value(a + b, left.line, _text(node)[:120], left.note or right.note,
                         left.runtime_parts + right.runtime_parts)
        if operator == "+" and (isinstance(a, str) or isinstance(b, str)):
            return Value(a if isinstance(a, str) else b, left.line, _text(node)[:120], runtime_parts=1)
        if operator in ("+", "-", "*") and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                               for v in (a, b)):
            result = {"+": a + b, "-": a - b, "*": a * b}[operator]
            return Value(result, left.line, _text(node)[:120], left.note or right.note)
        return None

    def _object(self, node: Node, scope: _Scope, depth: int) -> dict[str, Value]:
        out: dict[str, Value] = {}
        for child in node.named_children:
            if child.type == "spread_element" and child.named_children:   # { ...BASE, model }
                spread = self.value(child.named_children[0], scope, depth + 1)
                if isinstance(spread.value, dict):
                    out.update(spread.value)
                else:
                    out[SPREAD] = Value(NOT_STATIC, child.start_point[0] + 1, _text(child)[:120])
            elif child.type == "pair":
                key, value = child.child_by_field_name("key"), child.child_by_field_name("value")
                if key is None or value is None:
                    continue
                name = _string(key) if key.type == "string" else _text(key)
                out[name] = self.value(value, scope, depth + 1)
            elif child.type == "shorthand_property_identifier":   # { model }
                name = _text(child)
                out[name] = self._name(name, scope, depth) or Value(NOT_STATIC, child.start_point[0] + 1, name)
        return out

    def _name(self, name: str, scope: _Scope, depth: int) -> Value | None:
        if name in scope.locals:
            found = scope.locals[name]
            return self.value(found[0], scope, depth + 1) if len(found) == 1 and name not in scope.params else None
        if name in scope.params:
            default = scope.params[name]
            if default is None:
                return None
            value = self.value(default, scope, depth + 1)
            return Value(value.value, value.line, value.expr,
                         f"the default of parameter `{name}` (a caller may pass another value)", value.runtime_parts)
        found = self.file.constants.get(name, [])
        self.used.add(name)
        return self.value(found[0], _Scope(None), depth + 1) if len(found) == 1 else None

    def call(self, node: Node, scope: _Scope, depth: int) -> Value:
        func = node.child_by_field_name("function") or node.child_by_field_name("constructor")
        args = node.child_by_field_name("arguments")
        values = tuple(self.value(a, scope, depth + 1) for a in (args.named_children if args is not None else ())
                       if a.type not in ("comment", "spread_element"))
        callee = self.file.qualified(func) if func is not None else "?"
        options = values[0].value if values and isinstance(values[0].value, dict) else {}
        spread = options[SPREAD].expr if SPREAD in options else ""
        if values and values[0].value is NOT_STATIC:   # create(params): options known only at run time
            spread = values[0].expr
        return Value(CallValue(callee, values, spread=spread), node.start_point[0] + 1, _text(node)[:120])


def _name_of(node: Node) -> str:
    name = node.child_by_field_name("name")
    if name is not None:
        return _text(name)
    parent = node.parent   # const summarize = async () => ...; { summarize: () => ... }
    if parent is not None and parent.type == "variable_declarator":
        name = parent.child_by_field_name("name")
    elif parent is not None and parent.type == "pair":
        name = parent.child_by_field_name("key")
    return _text(name) if name is not None else ""


def _walk(node: Node, file: _File, reader: _Reader, out: list[FoundCall], names: tuple[str, ...],
          feature: str, scope: _Scope, target: str) -> None:
    for child in node.named_children:
        kind = child.type
        if kind in FUNCTIONS:
            own = _name_of(child)
            if own == "constructor":
                own = names[-1] if names else own
            inner = (*names, own) if own else names
            _walk(child, file, reader, out, inner, own or feature, _Scope(child), "")
            continue
        if kind in ("class_declaration", "class"):
            own = _name_of(child)
            _walk(child, file, reader, out, (*names, own) if own else names, feature, scope, "")
            continue
        assigned = target
        if not feature and kind in ("variable_declarator", "public_field_definition", "field_definition"):
            name = child.child_by_field_name("name") or child.child_by_field_name("property")
            assigned = _text(name) if name is not None and name.type in ("identifier", "property_identifier") \
                else target
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
        raise AioptError("invalid TypeScript/JavaScript (the parser stops here)", file=path,
                         line=error.start_point[0] + 1 if error is not None else 1,
                         hint="fix the syntax, or unstage the file")
    file = _File(root)
    calls: list[FoundCall] = []
    reader = _Reader(file)
    try:
        _walk(root, file, reader, calls, (), "", _Scope(None), "")
    except RecursionError:
        raise AioptError("nested too deeply to read", file=path, line=1,
                         hint="simplify the file, or set `code:` in .aiopt.yaml to leave it out") from None
    declared = [declaration_spec(path, name, reader.value(values[0], _Scope(None)))
                for name, values in file.constants.items()
                if name not in reader.used and len(values) == 1 and setting_field(name)]
    return specs_of(path, calls) + [spec for spec in declared if spec is not None]


def _first_error(node: Node) -> Node | None:
    if node.type == "ERROR" or node.is_missing:
        return node
    for child in node.children:
        if child.has_error or child.is_missing:
            return _first_error(child)
    return None


EXTRACTOR = Extractor("TypeScript/JavaScript source", matches, extract, reads_llm_settings)
