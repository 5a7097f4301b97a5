"""Reading ``Parameter(...)`` and ``IncludeFile(...)`` class attributes."""

from __future__ import annotations

import json

import libcst as cst
from flowc.transpile.context import Context, NotLiteral, did_you_mean
from flowc.transpile.environ import deploy_literal
from flowc.transpile.ir import Parameter, ParamType, Value
from flowc.transpile.problems import Severity
from flowc.transpile.specs import (
    INCLUDE_FILE_ARGS,
    PARAMETER_ARGS,
    RESERVED_ATTRIBUTES,
    RESERVED_PARAMETER_NAMES,
)

_BUILTIN_TYPES = {
    "str": ParamType.STR,
    "int": ParamType.INT,
    "float": ParamType.FLOAT,
    "bool": ParamType.BOOL,
}


def parameter_call(ctx: Context, stmt: cst.BaseSmallStatement) -> tuple[str, cst.Call, str] | None:
    """``(attribute, call, kind)`` when ``stmt`` binds a Parameter or IncludeFile."""
    target: cst.BaseExpression | None = None
    value: cst.BaseExpression | None = None
    if isinstance(stmt, cst.Assign) and len(stmt.targets) == 1:
        target, value = stmt.targets[0].target, stmt.value
    elif isinstance(stmt, cst.AnnAssign):
        target, value = stmt.target, stmt.value
    if not isinstance(target, cst.Name) or not isinstance(value, cst.Call):
        return None
    kind = ctx.imports.resolve(value.func)
    if kind not in ("Parameter", "IncludeFile"):
        return None
    return target.value, value, kind


def read_parameter(
    ctx: Context, attr: str, call: cst.Call, kind: str, owner: cst.CSTNode
) -> Parameter | None:
    """The parameter bound to ``attr``; problems go to ``ctx``."""
    allowed = PARAMETER_ARGS if kind == "Parameter" else INCLUDE_FILE_ARGS
    values: dict[str, Value] = {}
    raw_type: cst.BaseExpression | None = None
    positional = [a for a in call.args if a.keyword is None]
    for index, arg in enumerate(positional):
        if index == 0 and not arg.star:
            _literal_into(ctx, values, "name", arg, owner, kind)
        else:
            ctx.report(
                "FLC206",
                arg,
                owner,
                f"{kind}() takes the name as its only positional argument",
                "pass the other arguments by keyword",
            )
    for arg in call.args:
        if arg.keyword is None:
            continue
        key = arg.keyword.value
        if key not in allowed:
            ctx.report(
                "FLC206",
                arg,
                owner,
                f"{kind}() has no argument {key!r}{did_you_mean(key, allowed)}",
                "known arguments: " + ", ".join(sorted(allowed)),
            )
        elif key == "type":
            raw_type = arg.value
        else:
            _literal_into(ctx, values, key, arg, owner, kind)
    name = values.get("name")
    span = ctx.span(call, owner)
    if not isinstance(name, str) or not name:
        ctx.report(
            "FLC207",
            call,
            owner,
            f"{kind}() bound to {attr!r} has no literal name",
            f"write {attr} = {kind}({attr!r}, ...)",
        )
        return None
    _check_names(ctx, attr, name, call, owner)
    ptype = (
        ParamType.FILE if kind == "IncludeFile" else _param_type(ctx, raw_type, values.get("default"), owner)
    )
    if ptype is None:
        return None
    if values.get("separator") is not None and ptype is not ParamType.STR:
        ctx.report(
            "FLC208",
            call,
            owner,
            f"separator= splits text, but parameter {name!r} is of type {ptype.value}",
            "use type=str with separator=, or drop separator=",
        )
    default = _check_default(ctx, name, ptype, values.get("default"), call, owner)
    required = values.get("required") is True
    help_text = values.get("help")
    return Parameter(
        name=name,
        attr=attr,
        type=ptype,
        default=default,
        required=required,
        help=help_text if isinstance(help_text, str) else None,
        span=span,
        is_text=values.get("is_text") is not False,
        encoding=str(values.get("encoding") or "utf-8"),
    )


def _literal_into(
    ctx: Context, values: dict[str, Value], key: str, arg: cst.Arg, owner: cst.CSTNode, kind: str
) -> None:
    try:
        values[key] = deploy_literal(ctx, arg.value, owner, f"{kind}({key}=...)")
    except NotLiteral as exc:
        if key == "default":
            # Metaflow computes such defaults when the flow runs; so does the shim.
            ctx.report(
                "FLC205",
                exc.node,
                owner,
                f"the default of {kind}() is computed when the flow runs, so flowc cannot check or show it",
                "use a literal default to see it in deploy documents; tasks still use the computed one",
                Severity.WARNING,
            )
            return
        ctx.report(
            "FLC205",
            exc.node,
            owner,
            f"argument {key!r} of {kind}() is not a literal value",
            "flowc reads flows without running them: use a literal, or a module-level constant",
        )


def _check_names(ctx: Context, attr: str, name: str, call: cst.Call, owner: cst.CSTNode) -> None:
    if attr in RESERVED_ATTRIBUTES:
        ctx.report(
            "FLC201",
            owner,
            owner,
            f"a parameter cannot be bound to the reserved attribute {attr!r}",
            f"rename the attribute, for example {attr}_ = Parameter({name!r}, ...)",
        )
    reported = attr in RESERVED_ATTRIBUTES and name == attr
    if (name in RESERVED_PARAMETER_NAMES or name in RESERVED_ATTRIBUTES) and not reported:
        ctx.report(
            "FLC201", call, owner, f"parameter name {name!r} is reserved", "choose another parameter name"
        )
    if not all(c.isalnum() or c in "_-" for c in name) or not name[0].isalpha():
        ctx.report(
            "FLC207",
            call,
            owner,
            f"parameter name {name!r} is not valid",
            "start with a letter; use letters, digits, '_' or '-'",
        )


def _param_type(
    ctx: Context, raw: cst.BaseExpression | None, default: Value, owner: cst.CSTNode
) -> ParamType | None:
    if raw is None:
        return _infer_type(default)
    if isinstance(raw, cst.Name) and raw.value in _BUILTIN_TYPES:
        return _BUILTIN_TYPES[raw.value]
    if ctx.imports.resolve(raw) == "JSONType":
        return ParamType.JSON
    ctx.report(
        "FLC208",
        raw,
        owner,
        "unsupported parameter type",
        "use type=str, int, float, bool or JSONType",
    )
    return None


def _infer_type(default: Value) -> ParamType:
    if isinstance(default, bool):
        return ParamType.BOOL
    if isinstance(default, int):
        return ParamType.INT
    if isinstance(default, float):
        return ParamType.FLOAT
    if isinstance(default, (dict, list)):
        return ParamType.JSON
    return ParamType.STR


def _check_default(
    ctx: Context, name: str, ptype: ParamType, default: Value, call: cst.Call, owner: cst.CSTNode
) -> Value:
    if default is None:
        return None
    fits = {
        ParamType.STR: isinstance(default, str),
        ParamType.INT: isinstance(default, int) and not isinstance(default, bool),
        ParamType.FLOAT: isinstance(default, (int, float)) and not isinstance(default, bool),
        ParamType.BOOL: isinstance(default, bool),
        ParamType.FILE: isinstance(default, str),
        ParamType.JSON: True,
    }[ptype]
    if ptype is ParamType.JSON and isinstance(default, str):
        try:
            return json.loads(default)  # type: ignore[no-any-return]
        except ValueError:
            fits = False
    if not fits:
        ctx.report(
            "FLC204",
            call,
            owner,
            f"default {default!r} of parameter {name!r} is not "
            + ("valid JSON" if ptype is ParamType.JSON else f"of type {ptype.value}"),
            f"give a default of type {ptype.value} or change type=",
        )
        return None
    if ptype is ParamType.FLOAT and isinstance(default, int):
        return float(default)
    return default
