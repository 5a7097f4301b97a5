"""Checking ``--param`` values against the flow's IR before a local run starts."""

from __future__ import annotations

import os

from flowc.runtime_shim.errors import TaskUsageError
from flowc.runtime_shim.params import convert, include_path
from flowc.transpile.ir import Flow, Parameter, ParamType
from flowc.transpile.problems import Problem

#: Rule of every problem with a ``--param`` value.
RULE = "FLC404"


def parse_pairs(pairs: tuple[str, ...] | list[str]) -> dict[str, str]:
    """``NAME=VALUE`` strings → dict; ``ValueError`` naming a malformed one."""
    found: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise ValueError(f"--param {pair!r} is not NAME=VALUE")
        found[name] = value
    return found


def validate(flow: Flow, flow_file: str, given: dict[str, str]) -> tuple[dict[str, str], list[Problem]]:
    """The raw values to pass to the start task, and every problem found.

    Values are converted as the shim will convert them, so a bad value is
    reported before any task runs, at the line declaring the parameter.
    ``IncludeFile`` paths are resolved (current directory, then the flow
    file's directory) and passed on as absolute paths.
    """
    problems: list[Problem] = []
    known = {p.name: p for p in flow.parameters}
    for name in sorted(set(given) - set(known)):
        choices = ", ".join(sorted(known)) or "none"
        problems.append(
            Problem(
                RULE,
                flow.span,
                f"--param {name}=...: the flow has no parameter {name!r}",
                f"known: {choices}",
            )
        )
    values: dict[str, str] = {}
    flow_dir = os.path.dirname(os.path.abspath(flow_file))
    for name, param in known.items():
        raw = given.get(name)
        if param.type is ParamType.FILE:
            path = raw if raw is not None else param.default
            found = include_path(str(path), flow_dir) if path is not None else None
            if found is not None:
                values[name] = found
            elif path is not None:
                problems.append(_problem(param, f"file {path!r} not found (looked in . and {flow_dir})"))
            elif param.required:
                problems.append(_problem(param, "is required"))
            continue
        if raw is None:
            if param.required and param.default is None:
                problems.append(_problem(param, "is required"))
            continue
        try:
            convert(raw, param.type.value, name)
        except TaskUsageError as exc:
            problems.append(_problem(param, str(exc).removeprefix(f"parameter {name!r}: ")))
        values[name] = raw
    return values, problems


def _problem(param: Parameter, what: str) -> Problem:
    """A problem with the value of ``param``, shown where the parameter is declared."""
    return Problem(
        RULE,
        param.span,
        f"parameter {param.name!r} {what}" if what.startswith("is ") else f"parameter {param.name!r}: {what}",
        f"pass a valid value: flowc run FLOW --param {param.name}=VALUE",
    )
