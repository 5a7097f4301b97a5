"""Checking ``--param`` values against the flow's IR before a local run starts."""

from __future__ import annotations

import os

from flowc.runtime_shim.errors import TaskUsageError
from flowc.runtime_shim.params import convert, include_path
from flowc.transpile.ir import Flow, ParamType


def parse_pairs(pairs: tuple[str, ...] | list[str]) -> dict[str, str]:
    """``NAME=VALUE`` strings → dict; ``ValueError`` naming a malformed one."""
    found: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise ValueError(f"--param {pair!r} is not NAME=VALUE")
        found[name] = value
    return found


def validate(flow: Flow, flow_file: str, given: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """The raw values to pass to the start task, and every problem found.

    Values are converted as the shim will convert them, so a bad value is
    reported before any task runs.  ``IncludeFile`` paths are resolved
    (current directory, then the flow file's directory) and passed on as
    absolute paths.
    """
    problems: list[str] = []
    known = {p.name: p for p in flow.parameters}
    for name in sorted(set(given) - set(known)):
        problems.append(f"unknown parameter {name!r} (known: {', '.join(sorted(known)) or 'none'})")
    values: dict[str, str] = {}
    flow_dir = os.path.dirname(os.path.abspath(flow_file))
    for name, param in known.items():
        raw = given.get(name)
        if param.type is ParamType.FILE:
            path = raw if raw is not None else param.default
            if path is None:
                if param.required:
                    problems.append(f"parameter {name!r} is required")
                continue
            found = include_path(str(path), flow_dir)
            if found is None:
                problems.append(f"parameter {name!r}: file {path!r} not found (looked in . and {flow_dir})")
            else:
                values[name] = found
            continue
        if raw is None:
            if param.required and param.default is None:
                problems.append(f"parameter {name!r} is required")
            continue
        try:
            convert(raw, param.type.value, name)
        except TaskUsageError as exc:
            problems.append(str(exc))
        values[name] = raw
    return values, problems
