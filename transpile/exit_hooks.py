"""``@exit_hook``: reading the functions a flow calls once a run has ended.

Metaflow (>= 2.16) takes ``on_success=[...]`` and ``on_error=[...]`` lists
of functions, or strings naming them, and calls each in a process of its
own after the run.  flowc never imports the flow, so it checks what it can
read: a name must be a function the flow's module defines or imports at
module level (above the flow class), a string either such a name or
``"module.function"`` (checked when the module is a file next to the flow;
an installed module is imported by the hook's process, as Metaflow does).
Loaded only for flows that use the decorator.
"""

from __future__ import annotations

import ast
import os
import types
from collections.abc import Sequence

import libcst as cst
from flowc.transpile.context import Context, NotLiteral, did_you_mean
from flowc.transpile.ir import Decorator, ExitHook, Value
from flowc.transpile.source import parse_python

#: The keyword arguments of ``@exit_hook``.
_ARGUMENTS = ("on_success", "on_error", "options")
_RULE = "FLC312"


def read_exit_hook(
    ctx: Context, args: tuple[cst.Arg, ...], decorator: cst.Decorator, owner: cst.CSTNode
) -> dict[str, Value]:
    """The arguments of one ``@exit_hook``: hook names as lists of strings, ``options`` as written."""
    values: dict[str, Value] = {}
    written = False  # a function (even a wrong one, reported) is named: no FLC307 on top
    for arg in args:
        key = arg.keyword.value if arg.keyword is not None else None
        if key not in _ARGUMENTS:
            what = (
                f"has no argument {key!r}{did_you_mean(key, _ARGUMENTS)}"
                if key
                else "takes keyword arguments only"
            )
            ctx.report(
                "FLC302",
                arg,
                owner,
                f"@exit_hook {what}",
                "write on_success=[...], on_error=[...], options={...}",
            )
        elif key == "options":
            _read_options(ctx, arg, owner, values)
        else:
            values[key] = _read_hooks(ctx, key, arg.value, owner)
            node = arg.value
            written = written or not isinstance(node, (cst.List, cst.Tuple)) or bool(node.elements)
    if not written:
        ctx.report(
            "FLC307",
            decorator,
            owner,
            "@exit_hook names no function to call",
            "give on_success=[function, ...] or on_error=[function, ...] (Metaflow refuses it too)",
        )
    return values


def _read_options(ctx: Context, arg: cst.Arg, owner: cst.CSTNode, values: dict[str, Value]) -> None:
    try:
        value = ctx.literal(arg.value)
    except NotLiteral as exc:
        ctx.report(
            "FLC304",
            exc.node,
            owner,
            "argument 'options' of @exit_hook is not a literal value",
            "use a literal dict, or a module-level constant",
        )
        return
    if value is not None and not isinstance(value, dict):
        ctx.report(
            "FLC303",
            arg.value,
            owner,
            f"argument 'options' of @exit_hook should be a dict, got {value!r}",
            "pass options= as a dict",
        )
        return
    values["options"] = value


def _read_hooks(ctx: Context, key: str, node: cst.BaseExpression, owner: cst.CSTNode) -> list[Value]:
    """The names of the functions in ``on_success=`` / ``on_error=``; problems reported."""
    if not isinstance(node, (cst.List, cst.Tuple)):
        ctx.report(
            "FLC303",
            node,
            owner,
            f"argument {key!r} of @exit_hook should be a list of functions",
            f"write {key}=[function, ...]",
        )
        return []
    names: list[Value] = []
    for element in node.elements:
        if isinstance(element, cst.StarredElement):
            _bad(ctx, element, owner, f"{key}= unpacks a list flowc cannot read")
            continue
        name = _hook_name(ctx, element.value, owner)
        if name is not None:
            names.append(name)
    return names


def _hook_name(ctx: Context, node: cst.BaseExpression, owner: cst.CSTNode) -> str | None:
    if isinstance(node, cst.Name) and not isinstance(ctx.constants.get(node.value), str):
        return node.value if _module_function(ctx, node.value, node, owner) else None
    if isinstance(node, (cst.Name, cst.SimpleString, cst.ConcatenatedString)):  # a string, or a constant one
        text = _string(ctx, node)
        if text is None or not all(p.isidentifier() for p in text.split(".")):
            _bad(ctx, node, owner, f"{node_text(node)} is not the name of a function")
            return None
        if "." not in text:
            return text if _module_function(ctx, text, node, owner) else None
        return text if _path_function(ctx, text, node, owner) else None
    kind = "a lambda" if isinstance(node, cst.Lambda) else node_text(node)
    _bad(ctx, node, owner, f"an exit hook must name a module-level function, not {kind}")
    return None


def _string(ctx: Context, node: cst.BaseExpression) -> str | None:
    try:
        value = ctx.literal(node)
    except NotLiteral:
        return None
    return value if isinstance(value, str) else None


def _module_function(ctx: Context, name: str, node: cst.CSTNode, owner: cst.CSTNode) -> bool:
    """Whether the flow's module binds ``name`` to a function (a ``def`` or an import) before the class."""
    binding = ctx.bindings.get(name)
    line = ctx.span(owner, owner).line
    if binding is None:
        _bad(ctx, node, owner, f"{name!r} is not defined at module level{did_you_mean(name, ctx.bindings)}")
        return False
    if binding.how not in ("def",) and not binding.how.startswith("import from"):
        _bad(ctx, node, owner, f"{name!r} is bound by {_how(binding.how)}, not a function definition")
        return False
    if binding.line > line:
        _bad(ctx, node, owner, f"{name!r} is defined below the flow class (line {binding.line})")
        return False
    return True


def _how(how: str) -> str:
    return {"class": "a class", "assignment": "an assignment", "import": "an import of a module"}.get(
        how, how
    )


def _path_function(ctx: Context, path: str, node: cst.CSTNode, owner: cst.CSTNode) -> bool:
    """``"module.function"``: when the module is a file next to the flow, it must define the function."""
    module, _, function = path.rpartition(".")
    folder = os.path.dirname(ctx.path) if os.path.isfile(ctx.path) else None
    if folder is None:
        return True
    stem = os.path.join(folder, *module.split("."))
    for candidate in (stem + ".py", os.path.join(stem, "__init__.py")):
        if os.path.isfile(candidate):
            defined = _top_level_functions(candidate)
            if defined is not None and function not in defined:
                _bad(
                    ctx,
                    node,
                    owner,
                    f"{module} ({candidate}) defines no function {function!r}"
                    f"{did_you_mean(function, defined)}",
                )
                return False
            return True
    return True  # an installed module: the hook's process imports it


def _top_level_functions(path: str) -> set[str] | None:
    """Names bound at the top of the module file ``path`` (``None`` when it cannot be read)."""
    try:
        with open(path, "rb") as handle:
            tree = parse_python(handle.read(), path)
    except (OSError, SyntaxError, ValueError):
        return None
    names: set[str] = set()
    for stmt in tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(stmt.name)
        elif isinstance(stmt, ast.ImportFrom):
            names.update(a.asname or a.name for a in stmt.names)
    return names


def _bad(ctx: Context, node: cst.CSTNode, owner: cst.CSTNode, message: str) -> None:
    ctx.report(
        _RULE,
        node,
        owner,
        message,
        "define the function at module level above the flow class and pass it by name, "
        "or pass 'module.function' as a string",
    )


def node_text(node: cst.CSTNode) -> str:
    """The source text of ``node``, shortened to one line."""
    text = " ".join(cst.Module([]).code_for_node(node).split())
    return text if len(text) <= 40 else text[:37] + "..."


def split_exit_hooks(decorators: Sequence[Decorator]) -> tuple[list[Decorator], tuple[ExitHook, ...]]:
    """The flow's decorators without ``@exit_hook``, and the exit hooks."""
    rest = [d for d in decorators if d.name != "exit_hook"]
    hooks = tuple(
        ExitHook(
            on_success=tuple(str(n) for n in _names(d.get("on_success"))),
            on_error=tuple(str(n) for n in _names(d.get("on_error"))),
            options=types.MappingProxyType(dict(d.get("options") or {})),  # type: ignore[arg-type]
            span=d.span,
        )
        for d in decorators
        if d.name == "exit_hook"
    )
    return rest, hooks


def _names(value: Value) -> list[Value]:
    return value if isinstance(value, list) else []
