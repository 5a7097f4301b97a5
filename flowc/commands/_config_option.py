"""``--config NAME=FILE``: the option ``flowc run`` and ``flowc compile`` share.

The file replaces the default of the flow's ``Config`` called NAME.  The
analyzer reads it, so decorators and parameter defaults written with the
config take its values, and records the value in the graph JSON every task
of the run (or of the deployment) receives.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import click

from flowc.commands._common import fail, print_problems

if TYPE_CHECKING:
    from flowc.transpile import Flow

config_option = click.option(
    "--config",
    "configs",
    multiple=True,
    metavar="NAME=FILE",
    help="Read config NAME from FILE instead of its default (repeatable).",
)


def config_files(pairs: Iterable[str]) -> dict[str, str]:
    """``NAME=FILE`` pairs as a dict; a malformed or repeated pair is a usage error."""
    found: dict[str, str] = {}
    for pair in pairs:
        name, sep, path = pair.partition("=")
        if not sep or not name or not path:
            raise click.BadParameter(f"expected NAME=FILE, got {pair!r}", param_hint="--config")
        if name in found:
            raise click.BadParameter(f"config {name!r} is given twice", param_hint="--config")
        found[name] = path
    return found


def load_with_configs(path: str, flow_name: str | None, pairs: Iterable[str]) -> Flow:
    """The flow at ``path`` with ``--config`` files applied, or print its problems and exit 1."""
    from flowc.transpile import analyze_file

    analysis = analyze_file(path, flow_name, config_files(pairs))
    if analysis.errors or analysis.flow is None:
        fail(analysis.problems)
    warnings = [p for p in analysis.problems if p.severity.value == "warning"]
    if warnings:
        print_problems(warnings)
    return analysis.flow
