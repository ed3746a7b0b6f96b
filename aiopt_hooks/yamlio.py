"""YAML loading for configs: `safe_load` semantics, line numbers kept, alias expansion bounded."""

from __future__ import annotations

from typing import Any

import yaml

from aiopt_hooks.errors import AioptError

MAX_NODES = 200_000  # refuses "billion laughs" documents whose aliases expand past this


class LineDict(dict[Any, Any]):
    """A mapping that remembers the 1-based line of each key's value."""

    lines: dict[Any, int]


class _Loader(yaml.SafeLoader):
    pass


# LibYAML's parser when PyYAML was built with it (its wheels are): the same nodes and line marks,
# several times faster on a large config, with the same safe constructor.  A document it refuses is
# parsed again by the pure-Python parser, whose error (and line) is the one reported.
class _FastLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    pass


def _construct_map(loader: _Loader, node: yaml.MappingNode) -> Any:
    data = LineDict()
    data.lines = {}
    yield data
    loader.flatten_mapping(node)
    data.update(loader.construct_mapping(node))
    for key_node, value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode):
            data.lines[loader.construct_object(key_node)] = value_node.start_mark.line + 1


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_FastLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)


def _count_nodes(node: yaml.Node, budget: list[int]) -> None:
    stack = [node]
    while stack:
        current = stack.pop()
        budget[0] -= 1
        if budget[0] < 0:
            raise AioptError(
                f"expands to more than {MAX_NODES:,} nodes (YAML aliases)",
                line=current.start_mark.line + 1,
                hint="this looks like an alias bomb; simplify the file",
            )
        if isinstance(current, yaml.MappingNode):
            for k, v in current.value:
                stack.extend((k, v))
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)


def load_yaml(text: str, path: str) -> Any:
    """Parse one YAML document safely; errors carry the file and line."""
    if _FastLoader is not _Loader:
        fast = None
        try:
            fast = _FastLoader(text)
            return _construct(fast)
        except AioptError as exc:  # an alias bomb: refused alike by either parser
            exc.file = path
            raise
        except (yaml.YAMLError, RecursionError, ValueError):  # ValueError: text LibYAML cannot encode
            pass  # refused: the pure-Python parser below says why, at its line
        finally:
            if fast is not None:
                fast.dispose()
    try:
        loader = _Loader(text)
    except yaml.reader.ReaderError as exc:  # a control character (NUL...) that YAML forbids
        raise _reader_error(exc, text, path) from None
    try:
        return _construct(loader)
    except AioptError as exc:
        exc.file = path
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problem = exc.problem or exc.context or "invalid YAML"
        raise AioptError(
            f"invalid YAML: {problem}", file=path, line=line, hint="fix the syntax, or unstage the file"
        ) from None
    except yaml.reader.ReaderError as exc:
        raise _reader_error(exc, text, path) from None
    except yaml.YAMLError as exc:
        raise AioptError(f"invalid YAML: {exc}", file=path, line=1) from None
    except RecursionError:
        raise AioptError("invalid YAML: nested too deeply", file=path, line=1) from None
    finally:
        loader.dispose()


def _construct(loader: Any) -> Any:
    node = loader.get_single_node()
    if node is None:
        return None
    _count_nodes(node, [MAX_NODES])
    return loader.construct_document(node)


def _reader_error(exc: yaml.reader.ReaderError, text: str, path: str) -> AioptError:
    return AioptError(
        f"invalid YAML: character #x{exc.character:04x} is not allowed",
        file=path,
        line=text[: exc.position].count("\n") + 1,
        hint="remove it, or unstage the file",
    )
