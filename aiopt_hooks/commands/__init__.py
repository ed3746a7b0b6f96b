"""Subcommands of `aiopt`: one module each, with `configure(parser)` and `run(args, settings) -> int`.

The table in `aiopt_hooks.cli.COMMANDS` names them; only the module of the command being run
is imported (the hook's hot path imports `check` alone).
"""
