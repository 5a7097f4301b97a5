"""Reading and checking decorators on steps and on the flow class."""

from __future__ import annotations

import os
import types
from collections.abc import Mapping

import libcst as cst
from flowc.transpile.context import Context, NotLiteral, did_you_mean, dotted_name
from flowc.transpile.environ import converted_read, deploy_literal
from flowc.transpile.ir import Decorator, Value
from flowc.transpile.problems import Severity
from flowc.transpile.specs import (
    FLOW_DECORATORS,
    REPEATABLE,
    STEP_ARGS,
    STEP_DECORATORS,
    Checker,
    DecoratorSpec,
)


def _call_parts(
    decorator: cst.Decorator,
) -> tuple[cst.BaseExpression, tuple[cst.Arg, ...]]:
    expr = decorator.decorator
    if isinstance(expr, cst.Call):
        return expr.func, tuple(expr.args)
    return expr, ()


def read_arguments(
    ctx: Context,
    label: str,
    args: tuple[cst.Arg, ...],
    known: Mapping[str, Checker],
    owner: cst.CSTNode,
) -> dict[str, Value]:
    """Evaluate keyword arguments of ``label``.

    Unknown, non-literal and wrongly typed arguments are reported and left
    out of the result, so later checks only see values of the right type.
    """
    values: dict[str, Value] = {}
    for arg in args:
        if arg.keyword is None:
            ctx.report(
                "FLC302",
                arg,
                owner,
                f"{label} takes keyword arguments only",
                "write each argument as name=value",
            )
            continue
        key = arg.keyword.value
        if key not in known:
            ctx.report(
                "FLC302",
                arg,
                owner,
                f"{label} has no argument {key!r}{did_you_mean(key, known)}",
                "known arguments: " + (", ".join(sorted(known)) or "none"),
            )
            continue
        try:
            value = deploy_literal(ctx, arg.value, owner, label)
        except NotLiteral as exc:
            if key == "python":  # only @pypi/@conda(_base) have it; tasks cannot switch interpreters
                _computed_python(ctx, exc.node, owner, label)
                continue
            converted = converted_read(ctx, exc.node)
            ctx.report(
                "FLC304",
                exc.node,
                owner,
                f"argument {key!r} of {label} is not a literal value",
                f"flowc reads the environment but does not run {converted}() on it: drop {converted}() "
                "where the argument takes text (memory=os.getenv('MEM', '4096')), or use a literal"
                if converted
                else "flowc reads flows without running them: use a literal, or a module-level constant",
            )
            continue
        expected = None if value is None else known[key](value)
        if expected:
            ctx.report(
                "FLC303",
                arg.value,
                owner,
                f"argument {key!r} of {label} should be {expected}, got {value!r}",
                f"pass {key}= as {expected}",
            )
            continue
        values[key] = value
    return values


def _computed_python(ctx: Context, node: cst.CSTNode, owner: cst.CSTNode, label: str) -> None:
    ctx.report(
        "FLC315",
        node,
        owner,
        f"argument 'python' of {label} is computed and flowc does not run code: the pin is ignored "
        "and tasks run on their image's Python",
        "write the version as a literal (python='3.11') to have it checked at task start, or remove it",
        Severity.WARNING,
    )


def read_decorators(
    ctx: Context, node: cst.FunctionDef | cst.ClassDef, level: str
) -> tuple[list[Decorator], dict[str, Value] | None]:
    """The decorators of ``node`` (``level`` is ``"step"`` or ``"flow"``).

    Returns the decorators other than ``@step`` and, for steps, the
    arguments of ``@step`` itself (``None`` when ``@step`` is absent).
    """
    found: list[Decorator] = []
    step_args: dict[str, Value] | None = None
    seen: set[str] = set()
    decorators = list(node.decorators)
    for position, decorator in enumerate(decorators):
        func, args = _call_parts(decorator)
        name = ctx.imports.resolve(func)
        if name == "step":
            if level == "step":
                step_args = read_arguments(ctx, "@step", args, STEP_ARGS, node)
                if position != len(decorators) - 1:
                    ctx.report(
                        "FLC308",
                        decorator,
                        node,
                        f"@step must be the decorator closest to 'def {node.name.value}'",
                        "move @step below the other decorators",
                    )
            continue
        if level == "step" and not _is_step(ctx, decorators):
            continue
        spec = _spec_for(ctx, name, func, decorator, node, level)
        if spec is None or name is None:
            continue
        if name in seen and name not in REPEATABLE:
            ctx.report(
                "FLC306",
                decorator,
                node,
                f"@{name} is applied twice",
                "keep one and merge their arguments",
            )
            continue
        seen.add(name)
        if name == "exit_hook":  # its arguments are functions, not literals
            from flowc.transpile.exit_hooks import read_exit_hook

            values = read_exit_hook(ctx, args, decorator, node)
        else:
            values = read_arguments(ctx, f"@{name}", args, spec.args, node)
        _check_semantics(ctx, name, values, decorator, node)
        span = ctx.span(decorator, node)
        found.append(Decorator(name, types.MappingProxyType(values), span))
    _check_exclusive(ctx, found)
    return found, step_args


#: Decorators that cannot be combined on one step (two ways to build its
#: environment).  ``@kubernetes`` with ``@batch`` is left to the backends,
#: which each reject the one they cannot run.
_EXCLUSIVE = (("pypi", "conda"),)


def _check_exclusive(ctx: Context, found: list[Decorator]) -> None:
    names = {d.name: d for d in found}
    for first, second in _EXCLUSIVE:
        if first in names and second in names:
            later = max(names[first], names[second], key=lambda d: (d.span.line, d.span.column))
            ctx.report(
                "FLC307",
                later.span,
                None,
                f"@{first} and @{second} cannot both apply to one step",
                f"keep either @{first} or @{second}",
            )


def _is_step(ctx: Context, decorators: list[cst.Decorator]) -> bool:
    return any(ctx.imports.resolve(_call_parts(d)[0]) == "step" for d in decorators)


def _spec_for(
    ctx: Context,
    name: str | None,
    func: cst.BaseExpression,
    decorator: cst.Decorator,
    owner: cst.CSTNode,
    level: str,
) -> DecoratorSpec | None:
    own = STEP_DECORATORS if level == "step" else FLOW_DECORATORS
    other = FLOW_DECORATORS if level == "step" else STEP_DECORATORS
    if name in own:
        return own[name]
    written = dotted_name(func)
    if name in other:
        where = "the flow class" if level == "step" else "steps"
        ctx.report(
            "FLC305",
            decorator,
            owner,
            f"@{name} belongs on {where}, not on {'a step' if level == 'step' else 'the flow class'}",
            f"move @{name} to {where}",
        )
        return None
    if name is None and _user_decorator(ctx, func, decorator, owner, level):
        return None
    ctx.report(
        "FLC301",
        decorator,
        owner,
        f"unknown {level} decorator @{written}{did_you_mean(written.split('.')[-1], own)}",
        f"{level} decorators flowc knows: " + ", ".join(sorted(own)),
    )
    return None


def _user_decorator(
    ctx: Context, func: cst.BaseExpression, decorator: cst.Decorator, owner: cst.CSTNode, level: str
) -> bool:
    """Report a decorator the flow file binds itself; ``False`` when it binds no such name.

    Python applies it inside the task (FLC310, a warning).  It stays an
    error when Python would not get that far (bound only after its use), when
    it stands for a flowc decorator flowc would not see (``retries = retry``),
    or when its wrapper would hide the step from the task (FLC311).
    """
    head = func
    while isinstance(head, cst.Attribute):
        head = head.value
    binding = ctx.bindings.get(head.value) if isinstance(head, cst.Name) else None
    if binding is None:
        return False
    written = dotted_name(func)
    span = ctx.span(decorator, owner)
    api = binding.applies_api(ctx.imports)
    if binding.line > span.line:
        ctx.report(
            "FLC301",
            span,
            None,
            f"@{written} is used before it is defined (line {binding.line})",
            f"define or import {dotted_name(head)} above the flow class",
        )
    elif api is not None:
        via = "an assignment" if binding.how == "assignment" else f"its {binding.how}"
        ctx.report(
            "FLC301",
            span,
            None,
            f"@{written} applies flowc's @{api} through {via}, which flowc does not follow",
            f"write @{api}(...) on the {level} itself",
        )
    elif level == "step" and binding.hides_step(isinstance(decorator.decorator, cst.Call)):
        ctx.report(
            "FLC311",
            span,
            None,
            f"@{written} replaces the step with a wrapper that does not carry @step's marks: "
            "the task would not find the step",
            "decorate the wrapper with @functools.wraps(func)",
        )
    else:
        ctx.report(
            "FLC310",
            span,
            None,
            f"@{written} is your own Python decorator ({binding.how}): it runs inside the task, "
            "and the orchestrator does not see it",
            "keep functools.wraps in it so the step stays a step; use flowc's decorators for retries, "
            "resources and timeouts",
            Severity.WARNING,
        )
    return True


_ALNUM = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
#: What a field of a cron expression may hold.
_CRON_CHARS = frozenset(_ALNUM + "*?/,-#")
#: What a part of an IANA time zone name (``America/Argentina/Buenos_Aires``) holds.
_ZONE_CHARS = frozenset(_ALNUM + "_+-")
#: Where zoneinfo looks for time zones by default (``sysconfig``'s TZPATH).
_ZONE_FOLDERS = ("/usr/share/zoneinfo", "/usr/lib/zoneinfo", "/usr/share/lib/zoneinfo", "/etc/zoneinfo")


def _check_semantics(
    ctx: Context, name: str, values: dict[str, Value], decorator: cst.CSTNode, owner: cst.CSTNode
) -> None:
    """Checks on values that have the right type but make no sense."""

    def bad(message: str, hint: str) -> None:
        ctx.report("FLC307", decorator, owner, message, hint)

    if name == "retry":
        times = values.get("times")
        if times is not None and int(str(times)) > 100:
            bad(f"@retry(times={times}) is more retries than any target allows", "use at most 100")
    elif name == "timeout":
        total = sum(
            int(str(values.get(k) or 0)) * m for k, m in (("seconds", 1), ("minutes", 60), ("hours", 3600))
        )
        if values and total <= 0:
            bad("@timeout adds up to zero seconds", "give seconds=, minutes= or hours= a positive value")
    elif name == "schedule":
        _check_schedule(values, bad)
    elif name == "environment":
        env = values.get("vars")
        if isinstance(env, dict):
            for key in env:
                if not (key.isascii() and key.isidentifier()):  # [A-Za-z_][A-Za-z0-9_]*
                    bad(f"{key!r} is not a valid environment variable name", "use letters, digits and _")
    elif name == "catch":
        var = values.get("var")
        if isinstance(var, str) and not var.isidentifier():
            bad(f"@catch(var={var!r}) is not a valid attribute name", "use a Python identifier")


def _check_schedule(values: dict[str, Value], bad: object) -> None:
    assert callable(bad)
    kinds = [k for k in ("cron", "hourly", "weekly") if values.get(k)]
    if len(kinds) > 1:
        bad(f"@schedule sets {' and '.join(kinds)}", "choose one of cron=, hourly=, weekly= or daily=")
    cron = values.get("cron")
    if isinstance(cron, str):
        fields = cron.split()
        if len(fields) not in (5, 6) or not all(set(f) <= _CRON_CHARS for f in fields):
            bad(
                f"@schedule(cron={cron!r}) is not a cron expression",
                "write five fields: minute hour day month weekday",
            )
    zone = values.get("timezone")
    if isinstance(zone, str) and not _is_time_zone(zone):
        bad(
            f"@schedule(timezone={zone!r}) is not an IANA time zone",
            "use a name such as 'Europe/Berlin' or 'UTC'",
        )


def _is_time_zone(zone: str) -> bool:
    """Whether ``zone`` names an IANA time zone, as ``zoneinfo.ZoneInfo`` decides.

    Importing zoneinfo costs milliseconds (it reads ``sysconfig``), so a
    plain name found as a TZif file in the usual folders is taken without it.
    """
    parts = zone.split("/")
    if "PYTHONTZPATH" not in os.environ and all(p and set(p) <= _ZONE_CHARS for p in parts):
        for folder in _ZONE_FOLDERS:
            try:
                with open(os.path.join(folder, *parts), "rb") as handle:
                    if handle.read(4) == b"TZif":
                        return True
            except OSError:
                continue
    import zoneinfo

    try:
        zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True
