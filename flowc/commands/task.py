"""``flowc task``: run one task, exactly as ``python -m flowc.runtime_shim task``."""

from __future__ import annotations

import sys

import click


@click.command(
    "task",
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []},
    add_help_option=False,
    epilog="See docs/task-contract.md for the arguments.",
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def command(args: tuple[str, ...]) -> None:
    """Run one task of a flow (the runtime shim's command line)."""
    from flowc.runtime_shim.cli import main

    sys.exit(main(["task", *args]))
