"""Typing parameter values: raw strings from the command line → Python values.

The same conversion serves the shim (which knows the flow's ``Parameter``
objects) and the local runner (which validates against the IR's parameter
kinds before anything runs), so both agree on what a valid value is.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from typing import Any, NamedTuple

from flowc.runtime_shim import api
from flowc.runtime_shim.errors import TaskUsageError


class ParameterContext(NamedTuple):
    """What a callable ``Parameter`` default is called with (Metaflow's fields)."""

    flow_name: str
    user_name: str | None
    parameter_name: str
    logger: Callable[..., None]
    ds_type: str
    configs: Any = None


_TRUE = {"true", "1", "yes", "y", "on", "t"}
_FALSE = {"false", "0", "no", "n", "off", "f"}


def convert(raw: str, kind: str, name: str) -> Any:
    """``raw`` as a value of ``kind`` (``str``/``int``/``float``/``bool``/``json``).

    Raises :class:`TaskUsageError` naming the parameter on a bad value.
    """
    try:
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
        if kind == "json":
            return json.loads(raw)
    except ValueError as exc:
        raise TaskUsageError(f"parameter {name!r}: {raw!r} is not a valid {kind} ({exc})") from None
    if kind == "bool":
        if raw.strip().lower() in _TRUE:
            return True
        if raw.strip().lower() in _FALSE:
            return False
        raise TaskUsageError(f"parameter {name!r}: {raw!r} is not a valid bool (use true or false)")
    return raw


def kind_of(param: api.Parameter) -> str:
    """The conversion kind of a flow's ``Parameter`` (explicit type, else its default's)."""
    if isinstance(param, api.IncludeFile):
        return "file"
    kind = param.type
    if kind is None and param.default is not None and not _is_computed(param.default):
        kind = type(param.default)
    if kind is api.JSONType or isinstance(kind, api.JSONType) or kind in (dict, list):
        return "json"
    for builtin in (bool, int, float, str):
        if kind is builtin:
            return str(builtin.__name__)
    return "str" if kind is None else "callable"


def parameter_value(
    param: api.Parameter, raw: str | None, flow_dir: str, context: ParameterContext | None = None
) -> Any:
    """The typed value of ``param`` given ``raw`` (``None`` when not given).

    A callable default (``default=lambda ctx: ...``) is called with
    ``context`` when no value is given, as Metaflow calls it when a run
    starts.  A text value of a parameter with ``separator=`` becomes the
    list of its parts, as in Metaflow (an empty text stays as it is).
    """
    value = _typed_value(param, raw, flow_dir, context)
    separator = getattr(param, "separator", None)
    if separator and isinstance(value, str) and value:
        return value.split(separator)
    return value


def _typed_value(
    param: api.Parameter, raw: str | None, flow_dir: str, context: ParameterContext | None
) -> Any:
    kind = kind_of(param)
    if raw is None:
        default = param.default
        if _is_computed(default):
            default = _computed_default(param, default, context)
            if isinstance(default, str) and kind in ("int", "float", "bool"):
                return convert(default, kind, param.name)
        if param.required and default is None:
            raise TaskUsageError(f"parameter {param.name!r} is required")
        if kind == "file" and default is not None:
            return read_include_file(param, str(default), flow_dir)
        if kind == "json" and isinstance(default, str):
            return convert(default, "json", param.name)
        if kind == "float" and isinstance(default, int) and not isinstance(default, bool):
            return float(default)  # Metaflow's float type gives 1.0 for default=1
        return default
    if kind == "file":
        return read_include_file(param, raw, flow_dir)
    if kind == "callable":
        try:
            return param.type(raw)
        except Exception as exc:
            raise TaskUsageError(f"parameter {param.name!r}: {raw!r} is not valid ({exc})") from None
    return convert(raw, kind, param.name)


def _is_computed(default: Any) -> bool:
    """A default that is a function to call, not a value (types are values here)."""
    return callable(default) and not isinstance(default, type)


def _computed_default(
    param: api.Parameter, function: Callable[..., Any], context: ParameterContext | None
) -> Any:
    """Call a default function as Metaflow does: ``f(ctx, deploy_time)`` or ``f(ctx)``."""
    ctx = (context or ParameterContext("", None, "", _log, "local"))._replace(parameter_name=param.name)
    try:
        try:
            return function(ctx, False)
        except TypeError:
            return function(ctx)
    except Exception as exc:
        raise TaskUsageError(
            f"parameter {param.name!r}: its default function failed: {type(exc).__name__}: {exc}"
        ) from None


def _log(*parts: Any, **_: Any) -> None:
    print(*parts, file=sys.stderr)


def include_path(path: str, flow_dir: str) -> str | None:
    """Where an ``IncludeFile`` path points: as given, else next to the flow file."""
    for candidate in (path, os.path.join(flow_dir, path)):
        if os.path.isfile(candidate):
            return os.path.abspath(candidate)
    return None


def read_include_file(param: api.Parameter, path: str, flow_dir: str) -> Any:
    """The content of an ``IncludeFile``: text or bytes as the parameter asks."""
    found = include_path(path, flow_dir)
    if found is None:
        raise TaskUsageError(
            f"parameter {param.name!r}: file {path!r} not found (looked in . and {flow_dir})"
        )
    with open(found, "rb") as handle:
        data = handle.read()
    if getattr(param, "is_text", True):
        return data.decode(getattr(param, "encoding", "utf-8"))
    return data
