"""Python values: what a module's syntax tree says about a name (imports, module constants, settings
fields, parameter defaults, same-file functions) and an argument's value (`Value`), for `source_python`.

Stage: file text -> call specs (the reading half of `source_python`).
"""

from __future__ import annotations

import ast
import textwrap
from typing import Any

from aiopt_hooks.extract.source_calls import NOT_STATIC, CallValue, Value, name_value

MAX_DEPTH = 12  # constants that name constants: a cycle or a deep chain is not followed further
ENV_GETTERS = ("os.getenv", "os.environ.get", "environ.get", "getenv")


class PyFile:
    """What the whole file tells about a name: imports, module constants, settings fields."""

    def __init__(self, tree: ast.Module, text: str) -> None:
        self.text = text
        self.imports: dict[str, str] = {}
        self.constants: dict[str, list[ast.expr]] = {}
        self.fields: dict[str, list[tuple[str, ast.expr]]] = {}
        self.settings_classes: set[str] = set()
        self.functions = {
            stmt.name: stmt for stmt in tree.body if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef))
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    self.imports[alias.asname or alias.name.split(".")[0]] = (
                        alias.name if alias.asname else alias.name.split(".")[0]
                    )
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for alias in node.names:
                    self.imports[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        rebound = {name for node in ast.walk(tree) if isinstance(node, ast.Global) for name in node.names}
        for stmt in tree.body:
            for name, value in _assigned(stmt):
                self.constants.setdefault(name, []).extend([value] * (2 if name in rebound else 1))
            if isinstance(stmt, ast.ClassDef):
                self.settings_classes.update(
                    [stmt.name] if any(ast.unparse(b).endswith("Settings") for b in stmt.bases) else []
                )
                for inner in stmt.body:
                    for name, value in _assigned(inner):
                        self.fields.setdefault(name, []).append((stmt.name, _field_default(value)))

    def qualified(self, node: ast.expr) -> str:
        """`ChatOpenAI` -> `langchain_openai.ChatOpenAI`; `client.chat.completions.create` as written."""
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if isinstance(node, ast.Call):  # `OpenAI().chat.completions.create`, `genai.Client().models...`
            parts.append(self.qualified(node.func) + "()")
        elif isinstance(node, ast.Name):
            parts.append(self.imports.get(node.id, node.id))
        else:
            parts.append("?")
        return ".".join(reversed(parts))


def _assigned(stmt: ast.stmt) -> list[tuple[str, ast.expr]]:
    if isinstance(stmt, ast.Assign):
        return [(t.id, stmt.value) for t in stmt.targets if isinstance(t, ast.Name)]
    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
        return [(stmt.target.id, stmt.value)]
    return []


def _field_default(value: ast.expr) -> ast.expr:
    """`Field(default="gpt-4o", ...)` or `Field("gpt-4o")` -> the default."""
    if (
        isinstance(value, ast.Call)
        and isinstance(value.func, (ast.Name, ast.Attribute))
        and (value.func.id if isinstance(value.func, ast.Name) else value.func.attr) in ("Field", "field")
    ):
        for keyword in value.keywords:
            if keyword.arg == "default":
                return keyword.value
        if value.args:
            return value.args[0]
    return value


class PyScope:
    """The enclosing function: its parameters' defaults and the names it assigns."""

    def __init__(self, func: ast.FunctionDef | ast.AsyncFunctionDef | None) -> None:
        self.params: dict[str, ast.expr | None] = {}
        self.locals: dict[str, list[ast.expr]] = {}
        if func is None:
            return
        args = func.args
        positional = [*args.posonlyargs, *args.args]
        defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
        self.params = {a.arg: d for a, d in zip(positional, defaults)}
        self.params.update((a.arg, d) for a, d in zip(args.kwonlyargs, args.kw_defaults))
        for extra in (args.vararg, args.kwarg):
            if extra is not None:
                self.params[extra.arg] = None
        for node in ast.walk(func):
            if isinstance(node, (ast.Assign, ast.AnnAssign)):
                for name, value in _assigned(node):
                    self.locals.setdefault(name, []).append(value)
            elif isinstance(node, (ast.AugAssign, ast.For, ast.With, ast.NamedExpr)):
                for target in ast.walk(node.target if not isinstance(node, ast.With) else node):
                    if isinstance(target, ast.Name) and isinstance(target.ctx, ast.Store):
                        self.locals.setdefault(target.id, []).extend([ast.Constant(None)] * 2)


class PyReader:
    def __init__(self, file: PyFile) -> None:
        self.file = file
        self.used: set[str] = set()  # constants and settings fields an SDK call's arguments read

    def expr(self, node: ast.expr) -> str:
        return ast.get_source_segment(self.file.text, node) or ast.unparse(node)

    def value(self, node: ast.expr, scope: PyScope, depth: int = 0) -> Value:
        line = getattr(node, "lineno", 1)
        unknown = Value(NOT_STATIC, line, self.expr(node))
        if depth > MAX_DEPTH:
            return unknown
        if isinstance(node, ast.Constant):
            return Value(node.value, line, self.expr(node))
        if isinstance(node, ast.JoinedStr):
            return self._fstring(node, scope, depth)
        if isinstance(node, ast.BinOp):
            return self._binop(node, scope, depth) or unknown
        if isinstance(node, ast.Name):
            return self._name(node, scope, depth) or unknown
        if isinstance(node, ast.Attribute):
            return self._attribute(node, depth) or unknown
        if isinstance(node, (ast.List, ast.Tuple)):
            return Value([self.value(e, scope, depth + 1) for e in node.elts], line, self.expr(node))
        if isinstance(node, ast.Dict):
            return Value(
                {
                    k.value: self.value(v, scope, depth + 1)
                    for k, v in zip(node.keys, node.values)
                    if isinstance(k, ast.Constant) and isinstance(k.value, str)
                },
                line,
                self.expr(node),
            )
        if isinstance(node, ast.Call):
            return self._call(node, scope, depth)
        return unknown

    def _fstring(self, node: ast.JoinedStr, scope: PyScope, depth: int) -> Value:
        text, runtime = [], 0
        for part in node.values:
            if isinstance(part, ast.Constant):
                text.append(str(part.value))
                continue
            formatted = isinstance(part, ast.FormattedValue) and part.format_spec is None
            inner = self.value(part.value, scope, depth + 1) if isinstance(part, ast.FormattedValue) else None
            if inner is not None and isinstance(inner.value, str) and formatted:
                text.append(inner.value)
                runtime += inner.runtime_parts
            else:
                runtime += 1
        return Value("".join(text), node.lineno, self.expr(node), runtime_parts=runtime)

    def _binop(self, node: ast.BinOp, scope: PyScope, depth: int) -> Value | None:
        left, right = self.value(node.left, scope, depth + 1), self.value(node.right, scope, depth + 1)
        a, b = left.value, right.value
        if isinstance(node.op, ast.Add) and isinstance(a, str) and isinstance(b, str):
            return Value(
                a + b, node.lineno, self.expr(node), left.note or right.note, left.runtime_parts + right.runtime_parts
            )
        if isinstance(node.op, ast.Add) and (isinstance(a, str) or isinstance(b, str)):
            known = a if isinstance(a, str) else b  # a prompt built from a run-time part
            return Value(known, node.lineno, self.expr(node), runtime_parts=1)
        numbers = (int, float)
        if isinstance(a, numbers) and isinstance(b, numbers) and not isinstance(a, bool) and not isinstance(b, bool):
            ops: dict[type[ast.operator], Any] = {ast.Add: a + b, ast.Sub: a - b, ast.Mult: a * b}
            if type(node.op) in ops:
                return Value(ops[type(node.op)], node.lineno, self.expr(node), left.note or right.note)
        return None

    def _name(self, node: ast.Name, scope: PyScope, depth: int) -> Value | None:
        name = node.id
        return name_value(
            name,
            scope.params,
            scope.locals,
            self.file.constants,
            lambda node: self.value(node, scope, depth + 1),
            lambda node: self.value(node, PyScope(None), depth + 1),
            self.used,
        )

    def _attribute(self, node: ast.Attribute, depth: int) -> Value | None:
        """`settings.model`, `self.config.model`, `Settings().model`: a settings class field's default."""
        head: ast.expr = node.value
        while isinstance(head, (ast.Attribute, ast.Call)):
            head = head.value if isinstance(head, ast.Attribute) else head.func
        if isinstance(head, ast.Name) and head.id in self.file.imports:
            return None  # a module's attribute: not this file's
        owners = self.file.fields.get(node.attr, [])
        self.used.update(f"{owner}.{node.attr}" for owner, _ in owners)
        values = [(owner, self.value(default, PyScope(None), depth + 1)) for owner, default in owners]
        known = {repr(v.value) for _, v in values}
        if (
            not values
            or len(known) != 1
            or isinstance(values[0][1].value, bool)
            or not isinstance(values[0][1].value, (str, int, float))
        ):
            return None  # no default, several, or not a value (`None`, a factory): not statically known
        owner, value = values[0]
        return Value(
            value.value,
            value.line,
            value.expr,
            f"the default of `{owner}.{node.attr}` (the environment or a caller may override it)",
            value.runtime_parts,
        )

    def _returned(self, func: ast.FunctionDef | ast.AsyncFunctionDef, node: ast.Call, depth: int) -> Value:
        """`model=default_model()`: what a function of this file returns, when every return gives one value."""
        returns = [r.value for r in ast.walk(func) if isinstance(r, ast.Return) and r.value is not None]
        values = [self.value(r, PyScope(func), depth + 1) for r in returns]
        if not values or len({repr(v.value) for v in values}) != 1 or node.args or node.keywords:
            return Value(NOT_STATIC, node.lineno, self.expr(node))
        return values[0]

    def _call(self, node: ast.Call, scope: PyScope, depth: int) -> Value:
        callee = self.file.qualified(node.func)
        line = node.lineno
        if callee in self.file.functions:
            return self._returned(self.file.functions[callee], node, depth)
        if (
            callee.split("()")[0].rpartition(".")[2] in ("getenv", "get")
            and callee.endswith(ENV_GETTERS)
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            default = (
                node.args[1]
                if len(node.args) > 1
                else next((k.value for k in node.keywords if k.arg == "default"), None)
            )
            if default is None:
                return Value(NOT_STATIC, line, self.expr(node))
            value = self.value(default, scope, depth + 1)
            return Value(
                value.value,
                value.line,
                self.expr(node),
                f"the default of environment variable {node.args[0].value!s} (the environment may set another value)",
                value.runtime_parts,
            )
        if callee in ("cast", "typing.cast") and len(node.args) == 2:  # cast('Model[Any]', model)
            return self.value(node.args[1], scope, depth + 1)
        if callee in ("int", "float") and len(node.args) == 1:  # int(os.getenv("MAX_TOKENS", "2048"))
            inner = self.value(node.args[0], scope, depth + 1)
            try:
                number = int(inner.value) if callee == "int" else float(inner.value)
            except (TypeError, ValueError):
                return Value(NOT_STATIC, line, self.expr(node))
            return Value(number, inner.line, self.expr(node), inner.note)
        if callee.endswith("dedent") and len(node.args) == 1:
            inner = self.value(node.args[0], scope, depth + 1)
            if isinstance(inner.value, str):
                return Value(textwrap.dedent(inner.value), inner.line, inner.expr, inner.note, inner.runtime_parts)
        kwargs: dict[str, Value] = {}
        spread = ""
        for keyword in node.keywords:
            value = self.value(keyword.value, scope, depth + 1)
            if keyword.arg:
                kwargs[keyword.arg] = value
            elif isinstance(value.value, dict):  # **{"model": ...}, **PARAMS
                kwargs.update(value.value)
            elif isinstance(value.value, CallValue) and value.value.callee == "dict":  # **dict(model=...)
                kwargs.update(value.value.kwargs)
                spread = spread or value.value.spread
            else:
                spread = spread or f"**{self.expr(keyword.value)}"
        args = tuple(self.value(a, scope, depth + 1) for a in node.args if not isinstance(a, ast.Starred))
        return Value(CallValue(callee, args, kwargs, spread), line, self.expr(node))
