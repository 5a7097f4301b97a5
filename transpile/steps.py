"""Reading one ``@step`` method: its signature, decorators and transition."""

from __future__ import annotations

import ast
import inspect
from typing import TypeGuard

import libcst as cst
from flowc.transpile.artifact_names import check_artifact_names
from flowc.transpile.context import Context, NotLiteral
from flowc.transpile.decorators import read_decorators
from flowc.transpile.ir import Decorator, Span, Switch, Value
from flowc.transpile.literals import docstring
from flowc.transpile.problems import Severity


class RawStep:
    """A step as written, before the graph is known."""

    # A plain class: a dataclass costs ~0.3 ms of import time (exec of its methods).
    def __init__(
        self,
        name: str,
        node: cst.FunctionDef,
        span: Span,
        decorators: list[Decorator],
        docstring: str,
        num_args: int,
        is_start: bool = False,
        is_end: bool = False,
    ) -> None:
        self.name = name
        self.node = node
        self.span = span
        self.decorators = decorators
        self.docstring = docstring
        self.num_args = num_args
        self.is_start = is_start
        self.is_end = is_end
        #: The tail ``self.next(...)`` call, if the step has one.
        self.next_call: cst.Call | None = None
        self.next_span: Span | None = None
        self.targets: list[str] = []
        self.foreach: str | None = None
        self.num_parallel: int | None = None
        self.switch: Switch | None = None
        #: The transition was malformed (already reported).
        self.invalid_next = False


def read_step(ctx: Context, node: cst.FunctionDef) -> RawStep | None:
    """The step defined by ``node``, or ``None`` when it has no ``@step``."""
    decorators, step_args = read_decorators(ctx, node, "step")
    if step_args is None:
        return None
    doc = docstring(node) or ""
    raw = RawStep(
        name=node.name.value,
        node=node,
        span=ctx.span(node, node),
        decorators=decorators,
        docstring=inspect.cleandoc(doc) if doc else "",
        num_args=_check_signature(ctx, node),
        is_start=step_args.get("start") is True,
        is_end=step_args.get("end") is True,
    )
    _read_transition(ctx, raw)
    twin = ctx.locator.ast_node(node)
    if isinstance(twin, (ast.FunctionDef, ast.AsyncFunctionDef)):
        check_artifact_names(ctx, twin)
    return raw


def _check_signature(ctx: Context, node: cst.FunctionDef) -> int:
    params = node.params
    name = node.name.value
    extra = list(params.posonly_params) + list(params.kwonly_params)
    star = [p for p in (params.star_arg, params.star_kwarg) if isinstance(p, cst.Param)]
    for bad in extra + star:
        ctx.report(
            "FLC107",
            bad,
            node,
            f"step {name!r} takes an argument flowc cannot pass: {bad.name.value!r}",
            "steps take (self), joins take (self, inputs)",
        )
    for param in params.params:
        if param.default is not None:
            ctx.report(
                "FLC107",
                param,
                node,
                f"step {name!r} gives argument {param.name.value!r} a default value",
                "steps take (self), joins take (self, inputs)",
            )
    count = len(params.params)
    if count == 0:
        ctx.report("FLC107", node.name, node, f"step {name!r} is missing 'self'", f"write def {name}(self):")
    elif count > 2:
        ctx.report(
            "FLC107",
            params.params[2],
            node,
            f"step {name!r} takes {count} arguments",
            "steps take (self), joins take (self, inputs)",
        )
    elif count == 2 and params.params[1].name.value != "inputs":
        # Metaflow accepts any name; readers of the flow expect ``inputs``.
        ctx.report(
            "FLC107",
            params.params[1],
            node,
            f"join step {name!r} calls its inputs {params.params[1].name.value!r}",
            f"write def {name}(self, inputs):",
            Severity.WARNING,
        )
    if isinstance(node.asynchronous, cst.Asynchronous):
        ctx.report("FLC107", node.name, node, f"step {name!r} is async", "define steps with plain def")
    return count


def _early_next_calls(
    func: ast.FunctionDef | ast.AsyncFunctionDef, tail: ast.expr | None, lines: list[str]
) -> list[ast.Call]:
    """``self.next(...)`` calls in a step's body other than ``tail``, its last expression.

    A body whose text names ``next`` no more often than its tail call does
    holds no other call, and is not walked (only ASCII text: Python reads
    identifiers NFKC-normalised, so ``ｎｅｘｔ`` is ``next`` too).
    """
    text = lines[func.body[0].lineno - 1 : func.end_lineno]
    if sum(line.count("next") for line in text) <= _is_self_next(tail) and all(
        line.isascii() for line in text
    ):
        return []
    return [call for call in _next_calls(func) if call is not tail]


def _next_calls(func: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.Call]:
    """``self.next(...)`` calls in a step's body, not in nested scopes.

    Walks the ``ast`` twin: libcst's visitor rebuilds every node it visits
    and would dominate the analysis time of large flows.
    """
    calls: list[ast.Call] = []
    stack: list[ast.AST] = list(func.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if _is_self_next(node):
            calls.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return sorted(calls, key=lambda c: (c.lineno, c.col_offset))


def _is_self_next(node: ast.AST | None) -> TypeGuard[ast.Call]:
    """Whether ``node`` is a call ``self.next(...)`` in the ``ast`` tree."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "next"
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "self"
    )


def is_self_next(node: cst.CSTNode) -> bool:
    """Whether ``node`` is a call ``self.next(...)``."""
    return (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value == "next"
        and isinstance(node.func.value, cst.Name)
        and node.func.value.value == "self"
    )


def _tail_statement(node: cst.FunctionDef) -> cst.CSTNode | None:
    body = node.body
    statements: list[cst.CSTNode] = []
    if isinstance(body, cst.IndentedBlock):
        for stmt in body.body:
            if isinstance(stmt, cst.SimpleStatementLine):
                statements.extend(stmt.body)
            else:
                statements.append(stmt)
    else:
        statements.extend(body.body)
    return statements[-1] if statements else None


def _read_transition(ctx: Context, raw: RawStep) -> None:
    node = raw.node
    twin = ctx.locator.ast_node(node)
    # Every def in a class body has its ast twin (see Locator.anchor_block).
    twin_def = twin if isinstance(twin, (ast.FunctionDef, ast.AsyncFunctionDef)) else None
    last = twin_def.body[-1] if twin_def else None
    ast_tail = last.value if isinstance(last, ast.Expr) else None
    for call in _early_next_calls(twin_def, ast_tail, ctx.locator.lines) if twin_def else []:
        ctx.report(
            "FLC109",
            ctx.locator.ast_span(call),
            None,
            f"step {raw.name!r} calls self.next() before its last statement",
            "call self.next() exactly once, as the last statement; use a switch for conditional transitions",
        )
        raw.invalid_next = True
    tail = _tail_statement(node)
    tail_call = tail.value if isinstance(tail, cst.Expr) and is_self_next(tail.value) else None
    if tail_call is None:
        return
    assert isinstance(tail_call, cst.Call)
    raw.next_call = tail_call
    raw.next_span = ctx.span(tail_call, node)
    _parse_next(ctx, raw, tail_call)


def _invalid(
    ctx: Context, raw: RawStep, node: cst.CSTNode, message: str, hint: str, rule: str = "FLC110"
) -> None:
    ctx.report(rule, node, raw.node, message, hint)
    raw.invalid_next = True


def _target(ctx: Context, raw: RawStep, expr: cst.BaseExpression) -> str | None:
    if isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name) and expr.value.value == "self":
        return expr.attr.value
    _invalid(
        ctx,
        raw,
        expr,
        "a self.next() target must be written self.<step>",
        "for example self.next(self.train)",
    )
    return None


def _parse_next(ctx: Context, raw: RawStep, call: cst.Call) -> None:
    positional = [a for a in call.args if a.keyword is None and not a.star]
    keywords = {a.keyword.value: a for a in call.args if a.keyword is not None}
    for arg in call.args:
        if arg.star:
            _invalid(
                ctx, raw, arg, "self.next() cannot take *args or **kwargs", "list the target steps explicitly"
            )
    unknown = sorted(set(keywords) - {"foreach", "num_parallel", "condition"})
    for key in unknown:
        _invalid(
            ctx,
            raw,
            keywords[key],
            f"self.next() has no argument {key!r}",
            "self.next() accepts foreach=, num_parallel= or condition=",
        )
    if "condition" in keywords or (len(positional) == 1 and isinstance(positional[0].value, cst.Dict)):
        _parse_switch(ctx, raw, call, positional, keywords.get("condition"))
        return
    if not positional:
        _invalid(ctx, raw, call, "self.next() names no step", "for example self.next(self.train)")
        return
    targets = [t for t in (_target(ctx, raw, a.value) for a in positional) if t]
    duplicates = sorted({t for t in targets if targets.count(t) > 1})
    if duplicates:
        _invalid(ctx, raw, call, f"self.next() names {duplicates[0]!r} twice", "name each branch once")
    raw.targets = list(dict.fromkeys(targets))
    if "foreach" in keywords and "num_parallel" in keywords:
        _invalid(ctx, raw, call, "self.next() takes foreach= or num_parallel=, not both", "keep one")
    elif "foreach" in keywords:
        _parse_foreach(ctx, raw, keywords["foreach"], len(positional))
    elif "num_parallel" in keywords:
        _parse_parallel(ctx, raw, keywords["num_parallel"], len(positional))


def _parse_foreach(ctx: Context, raw: RawStep, arg: cst.Arg, count: int) -> None:
    if count != 1:
        _invalid(
            ctx,
            raw,
            arg,
            "a foreach transition takes exactly one target step",
            "self.next(self.step, foreach='items')",
        )
    try:
        value: Value = ctx.literal(arg.value)
    except NotLiteral:
        value = None
    if not isinstance(value, str) or not value.isidentifier():
        _invalid(
            ctx,
            raw,
            arg.value,
            "foreach= must be a string naming an artifact of this step",
            "write foreach='items' after assigning self.items = [...]",
            rule="FLC123",
        )
        return
    raw.foreach = value


def _parse_parallel(ctx: Context, raw: RawStep, arg: cst.Arg, count: int) -> None:
    if count != 1:
        _invalid(
            ctx,
            raw,
            arg,
            "a num_parallel transition takes exactly one target step",
            "self.next(self.step, num_parallel=4)",
        )
    try:
        value: Value = ctx.literal(arg.value)
    except NotLiteral:
        value = None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        _invalid(
            ctx,
            raw,
            arg.value,
            "num_parallel= must be a positive whole number literal",
            "for example num_parallel=4",
        )
        return
    raw.num_parallel = value


def _parse_switch(
    ctx: Context, raw: RawStep, call: cst.Call, positional: list[cst.Arg], condition: cst.Arg | None
) -> None:
    hint = 'self.next({"a": self.step_a, "b": self.step_b}, condition="attr")'
    if len(positional) != 1 or not isinstance(positional[0].value, cst.Dict):
        _invalid(ctx, raw, call, "a switch takes one dict of cases", hint, rule="FLC121")
        return
    cases = _switch_cases(ctx, raw, positional[0].value, hint)
    cond = _switch_condition(ctx, raw, call, condition, hint)
    keys = [k for k, _ in cases]
    if len(set(keys)) != len(keys):
        _invalid(
            ctx, raw, call, "a switch repeats a case key", "give each case a distinct key", rule="FLC121"
        )
    if len(cases) < 2 and not raw.invalid_next:
        _invalid(
            ctx,
            raw,
            call,
            "a switch needs at least two cases",
            "use self.next(self.step) for one target",
            rule="FLC121",
        )
    # Kept even when invalid (already reported): the case targets are named,
    # so they are not reported as unreachable on top.
    raw.switch = Switch(condition=cond or "", cases=tuple(cases))
    raw.targets = list(dict.fromkeys(step for _, step in cases))


def _switch_cases(ctx: Context, raw: RawStep, cases_node: cst.Dict, hint: str) -> list[tuple[str, str]]:
    """The ``(key, step)`` cases; a case with a bad key keeps its step under ``""``."""
    cases: list[tuple[str, str]] = []
    for element in cases_node.elements:
        if not isinstance(element, cst.DictElement):
            _invalid(ctx, raw, element, "switch cases cannot be unpacked with **", hint, rule="FLC121")
            continue
        try:
            key = ctx.literal(element.key)
        except NotLiteral:
            key = None
        step = _target(ctx, raw, element.value)
        if not isinstance(key, (str, int, float)):
            _invalid(
                ctx,
                raw,
                element.key,
                "switch case keys must be literal strings or numbers",
                "the graph must be known before the flow runs",
                rule="FLC121",
            )
            key = ""
        if step:
            cases.append((str(key), step))
    return cases


def _switch_condition(
    ctx: Context, raw: RawStep, call: cst.Call, condition: cst.Arg | None, hint: str
) -> str | None:
    if condition is None:
        _invalid(ctx, raw, call, "a switch needs condition='<artifact name>'", hint, rule="FLC121")
        return None
    try:
        cond: Value = ctx.literal(condition.value)
    except NotLiteral:
        cond = None
    if not isinstance(cond, str) or not cond.isidentifier():
        _invalid(
            ctx, raw, condition.value, "condition= must be a string naming an artifact", hint, rule="FLC121"
        )
        return None
    return cond
