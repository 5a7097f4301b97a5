"""The analyzer: a flow file in, a :class:`~flowc.transpile.ir.Flow` out.

The file is parsed, never imported or run.  Every problem is collected so
the user sees them all at once.
"""

from __future__ import annotations

import inspect
import io
import tokenize
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple

import libcst as cst
from flowc.transpile.classes import ClassRef, Hierarchy, pick_flow
from flowc.transpile.compat import check_metaflow_names
from flowc.transpile.context import Context, collect_imports
from flowc.transpile.decorators import read_decorators
from flowc.transpile.graph import analyse_graph
from flowc.transpile.ir import Config, Decorator, ExitHook, Flow, Parameter, Span, Step
from flowc.transpile.literals import docstring
from flowc.transpile.modules import Modules
from flowc.transpile.parameters import parameter_call, read_parameter
from flowc.transpile.problems import FlowError, Problem, Severity, sort_problems
from flowc.transpile.source import parse, small_statements
from flowc.transpile.specs import REPEATABLE, RESERVED_STEP_NAMES
from flowc.transpile.steps import RawStep, read_step

if TYPE_CHECKING:
    from flowc.transpile.config_refs import ConfigRefs

#: What a step name may hold; it must not start with ``_``.
_STEP_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")


class Analysis(NamedTuple):
    """The result of analysing one file: the flow (if one was found) and problems."""

    #: The flow, or ``None`` when the file holds no usable flow class.
    flow: Flow | None
    #: Every problem found, in reading order.
    problems: tuple[Problem, ...]

    @property
    def errors(self) -> tuple[Problem, ...]:
        """The problems that stop compilation."""
        return tuple(p for p in self.problems if p.severity is Severity.ERROR)


def analyze_file(
    path: str, flow_name: str | None = None, configs: Mapping[str, str] | None = None
) -> Analysis:
    """Read and analyse the flow file at ``path``.

    The file is decoded as Python would: UTF-8 unless a byte-order mark or
    a PEP 263 ``coding:`` comment says otherwise.  ``configs`` maps config
    names to files read instead of their defaults (``--config NAME=FILE``).
    """
    try:
        with open(path, "rb") as handle:
            data = handle.read()
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        text = data.decode(encoding)
    except (OSError, SyntaxError, UnicodeDecodeError, LookupError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        problem = Problem(
            "FLC004",
            Span(path, 1, 1),
            f"cannot read {path}: {reason}",
            "check the path and that the file is UTF-8 text",
        )
        return Analysis(None, (problem,))
    return analyze_source(text, path, flow_name, configs)


def analyze_source(
    text: str, path: str = "<flow>", flow_name: str | None = None, configs: Mapping[str, str] | None = None
) -> Analysis:
    """Analyse flow source ``text`` as if read from ``path`` (``configs`` as for :func:`analyze_file`)."""
    text = text.removeprefix("\ufeff")
    hint = "fix the Python syntax; the file must parse before it can be analysed"
    try:
        module, locator = parse(path, text)
    except SyntaxError as exc:
        problem = Problem(
            "FLC001", Span(path, exc.lineno or 1, exc.offset or 1), f"syntax error: {exc.msg}", hint
        )
        return Analysis(None, (problem,))
    except cst.ParserSyntaxError as exc:
        span = Span(path, exc.raw_line, exc.raw_column + 1)
        return Analysis(None, (Problem("FLC001", span, f"syntax error: {exc.message}", hint),))
    except (ValueError, RecursionError, MemoryError) as exc:
        message = f"the file cannot be parsed: {exc}"
        return Analysis(None, (Problem("FLC001", Span(path, 1, 1), message, hint),))
    ctx = Context(path, locator, collect_imports(module), {})
    check_metaflow_names(ctx)
    try:
        flow = _analyze_module(ctx, module, flow_name, configs or {})
    except RecursionError:
        # Python parses expressions nested a few hundred deep that no flow
        # needs; walking them recursively would overflow the stack.
        ctx.report("FLC001", Span(path, 1, 1), None, "an expression is nested too deeply to analyse", hint)
        flow = None
    return Analysis(flow, tuple(sort_problems(ctx.problems)))


def load_flow(path: str, flow_name: str | None = None, configs: Mapping[str, str] | None = None) -> Flow:
    """The flow in ``path``; raises :class:`FlowError` if it has errors."""
    analysis = analyze_file(path, flow_name, configs)
    if analysis.errors or analysis.flow is None:
        raise FlowError(analysis.errors or analysis.problems)
    return analysis.flow


def _analyze_module(
    ctx: Context, module: cst.Module, flow_name: str | None, overrides: Mapping[str, str]
) -> Flow | None:
    hierarchy = Hierarchy(Modules(ctx, module))
    picked = pick_flow(hierarchy, flow_name)
    if picked is None:
        return None
    chosen, mro = picked
    node = chosen.node
    classes = mro[::-1]  # most basic first: later definitions override earlier ones
    configs, refs = _read_configs(ctx, hierarchy, classes, overrides, ctx.span(node, node))
    steps, params = _read_classes(classes, refs)
    flow_decorators = _flow_decorators(hierarchy, mro, refs)
    exit_hooks: tuple[ExitHook, ...] = ()
    if any(d.name == "exit_hook" for d in flow_decorators):
        from flowc.transpile.exit_hooks import split_exit_hooks

        flow_decorators, exit_hooks = split_exit_hooks(flow_decorators)
    if configs:
        from flowc.transpile.configs import check_config_names

        check_config_names(ctx, configs, params, steps)
    _check_parameters(ctx, params, steps)
    start, end = _start_and_end(ctx, node, steps)
    _check_step_names(ctx, steps)
    structure = analyse_graph(ctx, steps, start, end)
    doc = docstring(node) or ""
    files = {path: rank for rank, path in enumerate(dict.fromkeys(c.ctx.path for c in classes))}

    def order(span: Span) -> tuple[int, int, int]:
        return files.get(span.path, 0), span.line, span.column

    built = tuple(
        Step(
            name=raw.name,
            kind=structure.kinds[raw.name],
            next=tuple(raw.targets),
            is_join=raw.num_args == 2,
            decorators=tuple(raw.decorators),
            docstring=raw.docstring,
            span=raw.span,
            foreach=raw.foreach,
            num_parallel=raw.num_parallel,
            switch=raw.switch,
            previous=structure.previous.get(raw.name, ()),
            split_parents=structure.split_parents.get(raw.name, ()),
            matching_join=structure.matching_join.get(raw.name),
        )
        for raw in sorted(steps.values(), key=lambda r: order(r.span))
    )
    return Flow(
        name=node.name.value,
        path=ctx.path,
        docstring=inspect.cleandoc(doc) if doc else "",
        parameters=tuple(sorted(params.values(), key=lambda p: order(p.span))),
        decorators=tuple(flow_decorators),
        steps=built,
        span=ctx.span(node, node),
        start=start or "start",
        end=end or "end",
        configs=configs,
        exit_hooks=exit_hooks,
    )


def _read_configs(
    ctx: Context, hierarchy: Hierarchy, classes: list[ClassRef], overrides: Mapping[str, str], where: Span
) -> tuple[tuple[Config, ...], ConfigRefs | None]:
    """The flow's configs, and what resolves references to them in literals.

    ``None`` when no file of the flow imports ``Config`` or ``config_expr``:
    then nothing can refer to a config, and the config machinery stays unloaded.
    """
    if not overrides and not any(
        c.imports.reaches("Config", "config_expr") for c in hierarchy.modules.contexts
    ):
        return (), None
    from flowc.transpile.config_refs import ConfigRefs
    from flowc.transpile.configs import read_configs

    declared = read_configs(ctx, [(c.ctx, c.node) for c in classes], overrides, where)
    refs = ConfigRefs(ctx, declared)
    for each in hierarchy.modules.contexts:
        each.refs = refs
    return tuple(d.config for d in declared), refs


def _read_classes(
    classes: list[ClassRef], refs: ConfigRefs | None
) -> tuple[dict[str, RawStep], dict[str, Parameter]]:
    """Steps and parameters of the classes (most basic first), overridden as Python looks names up."""
    steps: dict[str, RawStep] = {}
    params: dict[str, Parameter] = {}
    for cls in classes:
        own_steps, own_params, names = _read_class(cls.ctx, cls.node, refs)
        for name in names:
            steps.pop(name, None)
            params.pop(name, None)
        for param in own_params.values():
            twin = next((p for p in params.values() if p.name == param.name), None)
            if twin is not None:
                cls.ctx.report(
                    "FLC203",
                    param.span,
                    None,
                    f"parameter {param.name!r} is declared twice (also at {twin.span})",
                    "remove or rename one of them",
                )
                continue
            params[param.attr] = param
        steps.update(own_steps)
    return steps, params


def _flow_decorators(hierarchy: Hierarchy, mro: list[ClassRef], refs: ConfigRefs | None) -> list[Decorator]:
    """The flow's decorators: its bases' (nearest first), then its own, as Metaflow merges them."""
    found: list[Decorator] = []
    inherited = [c for c in mro[1:] if hierarchy.is_flow(c)]
    for cls in [*inherited, mro[0]]:
        if refs is not None:
            refs.enter(None, cls.node, cls.ctx)
        own, _ = read_decorators(cls.ctx, cls.node, "flow")
        for decorator in own:
            twin = next((d for d in found if d.name == decorator.name), None)
            if twin is not None and decorator.name not in REPEATABLE:
                cls.ctx.report(
                    "FLC306",
                    decorator.span,
                    None,
                    f"@{decorator.name} is applied to this flow and to its base class (at {twin.span})",
                    "keep one of them; Metaflow refuses a flow decorator applied twice",
                )
                continue
            found.append(decorator)
    return found


def _read_class(
    ctx: Context, cls: cst.ClassDef, refs: ConfigRefs | None
) -> tuple[dict[str, RawStep], dict[str, Parameter], set[str]]:
    """The steps and parameters ``cls`` defines, and every name its body binds."""
    body = cls.body.body
    cls_ast = ctx.locator.ast_node(cls)
    if cls_ast is not None:
        ctx.locator.anchor_block(body, getattr(cls_ast, "body", []))
    steps: dict[str, RawStep] = {}
    params: dict[str, Parameter] = {}
    names = _bound_names(body)
    for stmt in body:
        if refs is not None:
            refs.enter(cls, stmt, ctx)
        if isinstance(stmt, cst.FunctionDef):
            raw = read_step(ctx, stmt)
            if raw is None:
                continue
            if raw.name in steps:
                first = steps[raw.name].span.line
                ctx.report(
                    "FLC104",
                    raw.span,
                    None,
                    f"step {raw.name!r} is defined twice (first on line {first})",
                    "rename one of them; Python would silently keep only the last",
                )
                continue
            steps[raw.name] = raw
        elif isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                found = parameter_call(ctx, small)
                if found is None:
                    continue
                attr, call, kind = found
                param = read_parameter(ctx, attr, call, kind, stmt)
                if param is None:
                    continue
                if any(p.name == param.name for p in params.values() if p.attr != attr) or attr in params:
                    ctx.report(
                        "FLC203",
                        param.span,
                        None,
                        f"parameter {param.name!r} is declared twice",
                        "remove or rename one of them",
                    )
                    continue
                params[attr] = param
    return steps, params, names


def _bound_names(body: Sequence[cst.BaseStatement] | Sequence[cst.BaseSmallStatement]) -> set[str]:
    """Names a class body binds with ``def``, ``class`` or a plain assignment."""
    names: set[str] = set()
    for small, _ in small_statements(body):
        if isinstance(small, (cst.FunctionDef, cst.ClassDef)):
            names.add(small.name.value)
        targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else []
        if isinstance(small, cst.AnnAssign) and small.value is not None:
            targets.append(small.target)
        names.update(t.value for t in targets if isinstance(t, cst.Name))
    return names


def _check_parameters(ctx: Context, params: dict[str, Parameter], steps: dict[str, RawStep]) -> None:
    for param in params.values():
        for label in {param.attr, param.name}:
            if label in steps:
                ctx.report(
                    "FLC202",
                    param.span,
                    None,
                    f"parameter {label!r} has the same name as a step",
                    "rename the parameter or the step",
                )


def _start_and_end(
    ctx: Context, node: cst.ClassDef, steps: dict[str, RawStep]
) -> tuple[str | None, str | None]:
    where = ctx.span(node, node)
    if len(steps) == 1:
        only = next(iter(steps))
        return only, only
    found: list[str | None] = []
    for role, flag in (("start", "is_start"), ("end", "is_end")):
        rule = "FLC101" if role == "start" else "FLC102"
        marked = [s for s in steps.values() if getattr(s, flag)]
        if len(marked) > 1:
            ctx.report(
                rule,
                marked[1].span,
                None,
                f"several steps are marked @step({role}=True): {', '.join(s.name for s in marked)}",
                f"mark exactly one step {role}=True",
            )
            found.append(None)
        elif marked:
            if role in steps and marked[0].name != role:
                ctx.report(
                    "FLC103",
                    steps[role].span,
                    None,
                    f"step {marked[0].name!r} is marked {role}=True but a step named {role!r} also exists",
                    f"rename step {role!r} or drop {role}=True",
                )
            found.append(marked[0].name)
        elif role in steps:
            found.append(role)
        else:
            ctx.report(
                rule,
                where,
                None,
                f"the flow has no {role} step",
                f"name a step {role!r} or mark one with @step({role}=True)",
            )
            found.append(None)
    return found[0], found[1]


def _check_step_names(ctx: Context, steps: dict[str, RawStep]) -> None:
    for raw in steps.values():
        if raw.name in RESERVED_STEP_NAMES:
            ctx.report(
                "FLC106",
                raw.span,
                None,
                f"{raw.name!r} is reserved and cannot name a step",
                "choose another step name",
            )
        elif raw.name.startswith("_") or not set(raw.name) <= _STEP_NAME_CHARS:
            ctx.report(
                "FLC105",
                raw.span,
                None,
                f"step name {raw.name!r} is not valid",
                "use lower-case letters, digits and '_', not starting with '_'",
            )


__all__ = ["Analysis", "analyze_file", "analyze_source", "load_flow"]
