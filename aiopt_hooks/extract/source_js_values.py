"""TypeScript/JavaScript values: what a tree-sitter syntax tree says about a name (imports, module and
function-local constants, parameter defaults) and an argument's value (`Value`), for `source_js`.

Stage: file text -> call specs (the reading half of `source_js`).
"""

from __future__ import annotations

from typing import Any

from aiopt_hooks.extract.source_calls import NOT_STATIC, CallValue, Value, name_value

MAX_DEPTH = 12
WRAPPERS = (
    "as_expression",
    "satisfies_expression",
    "non_null_expression",
    "parenthesized_expression",
    "await_expression",
    "type_assertion",
)
FUNCTION_NODES = (
    "function_declaration",
    "arrow_function",
    "function_expression",
    "method_definition",
    "generator_function_declaration",
)
SPREAD = "..."  # the key under which an object keeps a spread it cannot see into
Node = Any  # tree_sitter.Node (the package ships no type stubs for mypy)


def node_text(node: Node) -> str:
    return bytes(node.text).decode("utf-8", "replace")


def _string(node: Node) -> str:
    """A string literal's value (escapes other than the common ones kept as written)."""
    raw = node_text(node)[1:-1]
    return raw.replace("\\n", "\n").replace("\\t", "\t").replace("\\'", "'").replace('\\"', '"')


def _declarators(node: Node) -> list[tuple[str, Node]]:
    out = []
    for child in node.named_children:
        if child.type == "variable_declarator":
            name, value = child.child_by_field_name("name"), child.child_by_field_name("value")
            if name is not None and name.type == "identifier" and value is not None:
                out.append((node_text(name), value))
    return out


class JsFile:
    def __init__(self, root: Node) -> None:
        self.imports: dict[str, str] = {}
        self.constants: dict[str, list[Node]] = {}
        self.functions: dict[str, Node] = {}
        for stmt in root.named_children:
            if stmt.type == "export_statement" and stmt.child_by_field_name("declaration") is not None:
                stmt = stmt.child_by_field_name("declaration")
            if stmt.type == "function_declaration" and stmt.child_by_field_name("name") is not None:
                self.functions[node_text(stmt.child_by_field_name("name"))] = stmt
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
            if part.type == "identifier":  # import OpenAI from "openai"
                self.imports[node_text(part)] = f"{module}.default"
            elif part.type == "namespace_import":  # import * as ai from "ai"
                self.imports[node_text(part.named_children[0])] = module
            elif part.type == "named_imports":  # import { openai as o } from "@ai-sdk/openai"
                for spec in part.named_children:
                    name, alias = spec.child_by_field_name("name"), spec.child_by_field_name("alias")
                    if name is not None:
                        self.imports[node_text(alias or name)] = f"{module}.{node_text(name)}"

    def _require(self, declarator: Node) -> None:
        """const { ChatOpenAI } = require("@langchain/openai"); const OpenAI = require("openai")."""
        name, value = declarator.child_by_field_name("name"), declarator.child_by_field_name("value")
        if name is None or value is None or value.type != "call_expression":
            return
        func, args = value.child_by_field_name("function"), value.child_by_field_name("arguments")
        if (
            func is None
            or node_text(func) != "require"
            or args is None
            or not args.named_children
            or args.named_children[0].type != "string"
        ):
            return
        module = _string(args.named_children[0])
        if name.type == "identifier":
            self.imports[node_text(name)] = module
        for prop in name.named_children if name.type == "object_pattern" else ():
            if prop.type == "shorthand_property_identifier_pattern":
                self.imports[node_text(prop)] = f"{module}.{node_text(prop)}"

    def qualified(self, node: Node) -> str:
        parts: list[str] = []
        while node.type in ("member_expression", *WRAPPERS):
            if node.type == "member_expression":
                prop = node.child_by_field_name("property")
                parts.append(node_text(prop) if prop is not None else "?")
                node = node.child_by_field_name("object")
            else:
                node = node.named_children[0]
        if node.type in ("call_expression", "new_expression"):
            func = node.child_by_field_name("function") or node.child_by_field_name("constructor")
            parts.append((self.qualified(func) if func is not None else "?") + "()")
        elif node.type in ("identifier", "this"):
            parts.append(self.imports.get(node_text(node), node_text(node)))
        else:
            parts.append("?")
        return ".".join(reversed(parts))


class JsScope:
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
                self.params[node_text(pattern)] = default
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
                    self.locals.setdefault(node_text(left), []).extend([node, node])  # reassigned: not static
            stack.extend(node.named_children)


class JsReader:
    def __init__(self, file: JsFile) -> None:
        self.file = file
        self.used: set[str] = set()  # module constants an SDK call's arguments read

    def value(self, node: Node, scope: JsScope, depth: int = 0) -> Value:
        line = node.start_point[0] + 1
        unknown = Value(NOT_STATIC, line, node_text(node)[:120])
        kind = node.type
        if depth > MAX_DEPTH:
            return unknown
        if kind in WRAPPERS and node.named_children:
            return self.value(node.named_children[0], scope, depth + 1)
        if kind == "string":
            return Value(_string(node), line, node_text(node))
        if kind == "template_string":
            return self._template(node, scope, depth)
        if kind == "number":
            try:
                number = float(node_text(node).replace("_", ""))
            except ValueError:
                return unknown
            return Value(int(number) if number.is_integer() else number, line, node_text(node))
        if kind in ("true", "false", "null", "undefined"):
            return Value({"true": True, "false": False}.get(kind), line, kind)
        if kind == "identifier":
            return self._name(node_text(node), scope, depth) or unknown
        if kind == "binary_expression":
            return self._binary(node, scope, depth) or unknown
        if kind == "object":
            return Value(self._object(node, scope, depth), line, node_text(node)[:120])
        if kind == "array":
            return Value(
                [self.value(e, scope, depth + 1) for e in node.named_children if e.type != "comment"],
                line,
                node_text(node)[:120],
            )
        if kind in ("call_expression", "new_expression"):
            return self.call(node, scope, depth)
        return unknown

    def _template(self, node: Node, scope: JsScope, depth: int) -> Value:
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
                text.append(node_text(part).replace("\\`", "`"))
        return Value("".join(text), node.start_point[0] + 1, node_text(node)[:120], runtime_parts=runtime)

    def _binary(self, node: Node, scope: JsScope, depth: int) -> Value | None:
        op = node.child_by_field_name("operator")
        left_node, right_node = node.child_by_field_name("left"), node.child_by_field_name("right")
        operator = node_text(op) if op is not None else ""
        if left_node is None or right_node is None:
            return None
        if operator in ("??", "||") and node_text(left_node).startswith(("process.env.", "process.env[")):
            value = self.value(right_node, scope, depth + 1)
            name = node_text(left_node).removeprefix("process.env").strip(".[]'\"")
            return Value(
                value.value,
                value.line,
                node_text(node)[:120],
                f"the default of environment variable {name} (the environment may set another value)",
                value.runtime_parts,
            )
        left, right = self.value(left_node, scope, depth + 1), self.value(right_node, scope, depth + 1)
        a, b = left.value, right.value
        if operator == "+" and isinstance(a, str) and isinstance(b, str):
            return Value(
                a + b,
                left.line,
                node_text(node)[:120],
                left.note or right.note,
                left.runtime_parts + right.runtime_parts,
            )
        if operator == "+" and (isinstance(a, str) or isinstance(b, str)):
            return Value(a if isinstance(a, str) else b, left.line, node_text(node)[:120], runtime_parts=1)
        if operator in ("+", "-", "*") and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (a, b)):
            result = {"+": a + b, "-": a - b, "*": a * b}[operator]
            return Value(result, left.line, node_text(node)[:120], left.note or right.note)
        return None

    def _object(self, node: Node, scope: JsScope, depth: int) -> dict[str, Value]:
        out: dict[str, Value] = {}
        for child in node.named_children:
            if child.type == "spread_element" and child.named_children:  # { ...BASE, model }
                spread = self.value(child.named_children[0], scope, depth + 1)
                if isinstance(spread.value, dict):
                    out.update(spread.value)
                else:
                    out[SPREAD] = Value(NOT_STATIC, child.start_point[0] + 1, node_text(child)[:120])
            elif child.type == "pair":
                key, value = child.child_by_field_name("key"), child.child_by_field_name("value")
                if key is None or value is None:
                    continue
                name = _string(key) if key.type == "string" else node_text(key)
                out[name] = self.value(value, scope, depth + 1)
            elif child.type == "shorthand_property_identifier":  # { model }
                name = node_text(child)
                out[name] = self._name(name, scope, depth) or Value(NOT_STATIC, child.start_point[0] + 1, name)
        return out

    def _name(self, name: str, scope: JsScope, depth: int) -> Value | None:
        return name_value(
            name,
            scope.params,
            scope.locals,
            self.file.constants,
            lambda node: self.value(node, scope, depth + 1),
            lambda node: self.value(node, JsScope(None), depth + 1),
            self.used,
        )

    def _returned(self, func: Node, node: Node, depth: int) -> Value:
        """`model: defaultModel()`: what a function of this file returns, when every return gives one value."""
        body = func.child_by_field_name("body")
        returns: list[Node] = []
        stack = [body] if body is not None else []
        if body is not None and body.type != "statement_block":  # () => "gpt-4o"
            returns, stack = [body], []
        while stack:
            current = stack.pop()
            if current.type == "return_statement" and current.named_children:
                returns.append(current.named_children[0])
            elif current is body or current.type not in FUNCTION_NODES:
                stack.extend(current.named_children)
        values = [self.value(r, JsScope(func), depth + 1) for r in returns]
        args = node.child_by_field_name("arguments")
        if not values or len({repr(v.value) for v in values}) != 1 or (args is not None and args.named_children):
            return Value(NOT_STATIC, node.start_point[0] + 1, node_text(node)[:120])
        return values[0]

    def _function(self, func: Node | None) -> Node | None:
        """The function of this file a callee names: `function f() {}`, `const f = () => ...`."""
        if func is None or func.type != "identifier":
            return None
        name = node_text(func)
        if name in self.file.functions:
            return self.file.functions[name]
        found = self.file.constants.get(name, [])
        return found[0] if len(found) == 1 and found[0].type in ("arrow_function", "function_expression") else None

    def call(self, node: Node, scope: JsScope, depth: int) -> Value:
        func = node.child_by_field_name("function") or node.child_by_field_name("constructor")
        own = self._function(func) if node.type == "call_expression" else None
        if own is not None:
            return self._returned(own, node, depth)
        args = node.child_by_field_name("arguments")
        values = tuple(
            self.value(a, scope, depth + 1)
            for a in (args.named_children if args is not None else ())
            if a.type not in ("comment", "spread_element")
        )
        callee = self.file.qualified(func) if func is not None else "?"
        options = values[0].value if values and isinstance(values[0].value, dict) else {}
        spread = options[SPREAD].expr if SPREAD in options else ""
        if values and values[0].value is NOT_STATIC:  # create(params): options known only at run time
            spread = values[0].expr
        return Value(CallValue(callee, values, spread=spread), node.start_point[0] + 1, node_text(node)[:120])
