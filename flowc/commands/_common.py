"""Helpers shared by commands: loading flows and printing problems."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, NoReturn

import click

if TYPE_CHECKING:
    from flowc.transpile import Flow, Problem

#: Exit codes, as black and ruff use them.
EXIT_OK, EXIT_USER_ERROR, EXIT_USAGE = 0, 1, 2


def print_problems(problems: Iterable[Problem], fmt: str = "text") -> None:
    """Print problems to stderr (text) or stdout (json)."""
    problems = list(problems)
    if fmt == "json":
        click.echo(json.dumps([p.to_json() for p in problems], indent=2))
        return
    for problem in problems:
        click.echo(problem.format(), err=True)
    errors = sum(1 for p in problems if p.severity.value == "error")
    if errors:
        click.echo(f"Found {errors} error{'s' if errors != 1 else ''}.", err=True)


def fail(problems: Iterable[Problem]) -> NoReturn:
    """Print problems and exit 1."""
    print_problems(problems)
    sys.exit(EXIT_USER_ERROR)


def load_or_exit(path: str, flow_name: str | None) -> Flow:
    """The flow at ``path``, or print its problems and exit 1."""
    from flowc.transpile import analyze_file

    analysis = analyze_file(path, flow_name)
    warnings = [p for p in analysis.problems if p.severity.value == "warning"]
    if analysis.errors or analysis.flow is None:
        fail(analysis.problems)
    if warnings:
        print_problems(warnings)
    return analysis.flow


def write_atomic(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old or the new file, never half."""
    import tempfile

    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".flowc-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


flow_option = click.option(
    "--flow", "flow_name", metavar="NAME", help="Flow class to use when the file defines several."
)
