"""The analyzer: a flow file in, a :class:`~flowc.transpile.ir.Flow` out.

The file is parsed, never imported or run.  Every problem is collected so
the user sees them all at once.
"""

from __future__ import annotations

import inspect
import io
import re
import tokenize
from collections.abc import Mapping
from dataclasses import dataclass

import libcst as cst
from flowc.transpile.compat import check_metaflow_names
from flowc.transpile.config_refs import ConfigRefs
from flowc.transpile.configs import check_config_names, read_configs
from flowc.transpile.context import Context, collect_imports
from flowc.transpile.decorators import read_decorators
from flowc.transpile.graph import analyse_graph
from flowc.transpile.ir import Flow, Parameter, Span, Step
from flowc.transpile.literals import module_constants
from flowc.transpile.parameters import parameter_call, read_parameter
from flowc.transpile.problems import FlowError, Problem, Severity, sort_problems
from flowc.transpile.source import parse
from flowc.transpile.specs import RESERVED_STEP_NAMES
from flowc.transpile.steps import RawStep, read_step

_STEP_NAME = re.compile(r"^[a-z0-9][a-z0-9_]*$")


@dataclass(frozen=True)
class Analysis:
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
        ctx.constants.update(module_constants(module))
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


def _flow_classes(ctx: Context, module: cst.Module) -> dict[str, cst.ClassDef]:
    """Module-level classes that are flows (directly or through a local base)."""
    classes = {s.name.value: s for s in module.body if isinstance(s, cst.ClassDef)}
    flows: dict[str, cst.ClassDef] = {}
    changed = True
    while changed:
        changed = False
        for name, node in classes.items():
            if name in flows:
                continue
            for base in node.bases:
                local = base.value.value if isinstance(base.value, cst.Name) else None
                if ctx.imports.resolve(base.value) == "FlowSpec" or (local in flows):
                    flows[name] = node
                    changed = True
                    break
    return flows


def _local_bases(node: cst.ClassDef, flows: dict[str, cst.ClassDef]) -> list[cst.ClassDef]:
    """Local flow base classes of ``node``, most basic first."""
    chain: list[cst.ClassDef] = []
    for base in node.bases:
        if isinstance(base.value, cst.Name) and base.value.value in flows:
            parent = flows[base.value.value]
            for ancestor in [*_local_bases(parent, flows), parent]:
                if ancestor not in chain:
                    chain.append(ancestor)
    return chain


def _pick_flow(
    ctx: Context, module: cst.Module, flow_name: str | None
) -> tuple[cst.ClassDef, list[cst.ClassDef]] | None:
    flows = _flow_classes(ctx, module)
    bases = {b.value.value for n in flows.values() for b in n.bases if isinstance(b.value, cst.Name)}
    leaves = {n: c for n, c in flows.items() if n not in bases}
    where = Span(ctx.path, 1, 1)
    if flow_name is not None:
        if flow_name not in flows:
            known = ", ".join(sorted(flows)) or "none"
            ctx.report(
                "FLC003",
                where,
                None,
                f"no flow class named {flow_name!r} in this file",
                f"flow classes here: {known}",
            )
            return None
        chosen = flows[flow_name]
    elif not flows:
        ctx.report(
            "FLC002",
            where,
            None,
            "this file defines no FlowSpec subclass",
            "define class MyFlow(FlowSpec) with 'from flowc import FlowSpec' (or metaflow)",
        )
        return None
    elif len(leaves) != 1:
        names = ", ".join(sorted(leaves or flows))
        ctx.report(
            "FLC003", where, None, f"this file defines several flows: {names}", "pick one with --flow NAME"
        )
        return None
    else:
        chosen = next(iter(leaves.values()))
    return chosen, _local_bases(chosen, flows)


def _analyze_module(
    ctx: Context, module: cst.Module, flow_name: str | None, overrides: Mapping[str, str]
) -> Flow | None:
    picked = _pick_flow(ctx, module, flow_name)
    if picked is None:
        return None
    node, bases = picked
    declared = read_configs(ctx, [*bases, node], overrides, ctx.span(node, node))
    refs = ConfigRefs(ctx, declared)
    ctx.refs = refs
    steps: dict[str, RawStep] = {}
    params: dict[str, Parameter] = {}
    for cls in [*bases, node]:
        own_steps, own_params = _read_class(ctx, cls, refs)
        steps.update(own_steps)
        params.update(own_params)
    refs.enter(None, node)
    flow_decorators, _ = read_decorators(ctx, node, "flow")
    configs = tuple(d.config for d in declared)
    check_config_names(ctx, configs, params, steps)
    _check_parameters(ctx, params, steps)
    start, end = _start_and_end(ctx, node, steps)
    _check_step_names(ctx, steps)
    structure = analyse_graph(ctx, steps, start, end)
    doc = node.get_docstring(clean=True) or ""
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
        for raw in sorted(steps.values(), key=lambda r: (r.span.line, r.span.column))
    )
    return Flow(
        name=node.name.value,
        path=ctx.path,
        docstring=inspect.cleandoc(doc) if doc else "",
        parameters=tuple(sorted(params.values(), key=lambda p: (p.span.line, p.span.column))),
        decorators=tuple(flow_decorators),
        steps=built,
        span=ctx.span(node, node),
        start=start or "start",
        end=end or "end",
        configs=configs,
    )


def _read_class(
    ctx: Context, cls: cst.ClassDef, refs: ConfigRefs
) -> tuple[dict[str, RawStep], dict[str, Parameter]]:
    body = cls.body.body
    cls_ast = ctx.locator.ast_node(cls)
    if cls_ast is not None:
        ctx.locator.anchor_block(body, getattr(cls_ast, "body", []))
    steps: dict[str, RawStep] = {}
    params: dict[str, Parameter] = {}
    for stmt in body:
        refs.enter(cls, stmt)
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
    return steps, params


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
        elif not _STEP_NAME.fullmatch(raw.name):
            ctx.report(
                "FLC105",
                raw.span,
                None,
                f"step name {raw.name!r} is not valid",
                "use lower-case letters, digits and '_', not starting with '_'",
            )


__all__ = ["Analysis", "analyze_file", "analyze_source", "load_flow"]
