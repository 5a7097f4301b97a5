"""Helpers shared by commands: the two error kinds, printing problems, loading flows, writing files."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable

TYPE_CHECKING = False  # as in flowc/__init__.py: typing stays unimported at start-up
if TYPE_CHECKING:
    from flowc.transpile import Flow, Problem

#: Exit codes, as black and ruff use them.
EXIT_OK, EXIT_USER_ERROR, EXIT_USAGE = 0, 1, 2


class UserError(Exception):
    """The flow, a file or the data is wrong: ``flowc`` prints the problems or ``Error: MESSAGE``, exits 1."""

    def __init__(self, message: str = "", problems: Iterable[Problem] = ()) -> None:
        super().__init__(message)
        #: Problems to print (file:line:col, rule id) instead of, or before, the message.
        self.problems = list(problems)


class UsageError(Exception):
    """The command line is wrong: ``flowc`` prints the command's usage and ``error: MESSAGE``, exits 2."""


def print_problems(problems: Iterable[Problem], fmt: str = "text") -> None:
    """Print problems to stderr (text) or stdout (json)."""
    problems = list(problems)
    if fmt == "json":
        import json

        print(json.dumps([p.to_json() for p in problems], indent=2))
        return
    for problem in problems:
        print(problem.format(), file=sys.stderr)
    errors = sum(1 for p in problems if p.severity.value == "error")
    if errors:
        print(f"Found {errors} error{'s' if errors != 1 else ''}.", file=sys.stderr)


def load_or_exit(path: str, flow_name: str | None, configs: dict[str, str] | None = None) -> Flow:
    """The flow at ``path`` (with config files applied); its errors raise :class:`UserError`.

    Warnings are printed and the flow is returned.
    """
    from flowc.transpile import analyze_file

    analysis = analyze_file(path, flow_name, configs)
    if analysis.errors or analysis.flow is None:
        raise UserError(problems=analysis.problems)
    warnings = [p for p in analysis.problems if p.severity.value == "warning"]
    if warnings:
        print_problems(warnings)
    return analysis.flow


def write_atomic(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old or the new file, never half.

    The bytes go to a temporary file beside ``path`` (created with the umask's
    permissions, unlike ``tempfile.mkstemp``'s 0600) that is renamed over it.
    There is no fsync: the rename is atomic against an interrupted or crashing
    ``flowc``, and what it writes can be generated again from the source.
    """
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    tmp = os.path.join(directory, f".{os.path.basename(path)}.{os.getpid()}.flowc-tmp")
    try:
        with open(_create_new(tmp), "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _create_new(path: str) -> int:
    """A new file's descriptor; a leftover of an earlier process with our pid is replaced."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    try:
        return os.open(path, flags, 0o666)
    except FileExistsError:
        os.unlink(path)
        return os.open(path, flags, 0o666)
