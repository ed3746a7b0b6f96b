"""`.env` files and their committed templates: `.env`, `.env.example`, `.env.sample`, `.env.<stage>`,
`<name>.env`.

`KEY=value` lines (an `export ` prefix, single or double quotes and a trailing ` # comment` are
allowed; `#` lines are comments); the LLM settings among them are read by `envvars`.
"""

from __future__ import annotations

import re

from aiopt_hooks.extract.envvars import Variable, env_specs
from aiopt_hooks.extract.formats import BOM
from aiopt_hooks.records import CallSpec

LINE = re.compile(r"\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*)\Z")


QUOTED = re.compile(r"""\s*(["'])(.*?)\1\s*(?:#.*)?\Z""")


def _unquote(raw: str) -> str:
    quoted = QUOTED.match(raw)
    if quoted:
        return quoted.group(2)
    return re.split(r"\s+#", raw.strip(), maxsplit=1)[0].strip()


def read_variables(text: str) -> list[Variable]:
    variables = []
    for number, line in enumerate(text.removeprefix(BOM).splitlines(), 1):
        if line.lstrip().startswith("#"):
            continue
        found = LINE.match(line)
        if found:
            variables.append(Variable(found.group(1), _unquote(found.group(2)), number))
    return variables


def extract(path: str, text: str) -> list[CallSpec]:
    return env_specs(path, read_variables(text), "env")
