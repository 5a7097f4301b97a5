"""Reading ``Config(...)`` class attributes: their documents are read when compiling.

A config is data, not code, so the analyzer reads it: the file named by
``default=`` (relative to the flow file), the ``--config NAME=FILE`` override
(relative to where flowc runs), or the literal ``default_value=``.  The text
is parsed as JSON, as TOML with ``parser="tomllib.loads"`` or as YAML with
``parser="yaml.safe_load"`` (see :mod:`flowc.transpile.config_formats`, imported
only when a config is parsed); any other parser would be code flowc cannot
run, and is refused.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

import libcst as cst
from flowc.transpile.context import Context, NotLiteral, did_you_mean
from flowc.transpile.ir import Config, Parameter, Span, Value
from flowc.transpile.literals import evaluate
from flowc.transpile.source import small_statements
from flowc.transpile.specs import RESERVED_ATTRIBUTES

#: Keyword arguments of ``Config(...)`` flowc understands.
CONFIG_ARGS = frozenset(
    {"name", "default", "default_value", "help", "required", "parser", "plain", "show_default"}
)
_NAME = r"[A-Za-z][A-Za-z0-9_]*"


class Declared:
    """A config as declared: the IR node, its class and whether its value is usable."""

    # A plain class: a dataclass costs ~0.3 ms of import time (exec of its methods).
    __slots__ = ("broken", "cls", "config")

    def __init__(self, config: Config, cls: cst.ClassDef, broken: bool) -> None:
        #: The config, with its value read.
        self.config = config
        #: The class whose body declares it.
        self.cls = cls
        #: The value could not be read (a problem was reported); references stay quiet.
        self.broken = broken


def config_call(ctx: Context, stmt: cst.CSTNode) -> tuple[str, cst.Call] | None:
    """``(attribute, call)`` when ``stmt`` binds a ``Config(...)``."""
    target: cst.BaseExpression | None = None
    value: cst.BaseExpression | None = None
    if isinstance(stmt, cst.Assign) and len(stmt.targets) == 1:
        target, value = stmt.targets[0].target, stmt.value
    elif isinstance(stmt, cst.AnnAssign):
        target, value = stmt.target, stmt.value
    if (
        isinstance(target, cst.Name)
        and isinstance(value, cst.Call)
        and ctx.imports.resolve(value.func) == "Config"
    ):
        return target.value, value
    return None


def read_configs(
    ctx: Context,
    classes: list[tuple[Context, cst.ClassDef]],
    overrides: Mapping[str, str],
    where: Span,
) -> list[Declared]:
    """Every config of the flow, values read; ``classes`` pairs each class (base classes
    first) with the context of its file; files are found next to the flow file (``ctx``)."""
    flow_dir = os.path.dirname(os.path.abspath(ctx.path))
    found: dict[str, Declared] = {}
    for file_ctx, cls in classes:
        cls_ast = file_ctx.locator.ast_node(cls)
        if cls_ast is not None:
            file_ctx.locator.anchor_block(cls.body.body, getattr(cls_ast, "body", []))
        for small, line in small_statements(cls.body.body):
            bound = config_call(file_ctx, small)
            if bound is None:
                continue
            declared = _read_config(file_ctx, cls, bound, line, flow_dir, overrides)
            name = declared.config.name
            twin = next((d for a, d in found.items() if d.config.name == name and a != bound[0]), None)
            if twin is not None:
                file_ctx.report(
                    "FLC502",
                    declared.config.span,
                    None,
                    f"config {name!r} is declared twice (first on line {twin.config.span.line})",
                    "remove or rename one of them",
                )
                continue
            found[bound[0]] = declared
    names = {d.config.name for d in found.values()}
    for name in sorted(set(overrides) - names):
        ctx.report(
            "FLC501",
            where,
            None,
            f"--config {name}=... names no config of this flow{did_you_mean(name, names)}",
            "configs here: " + (", ".join(sorted(names)) or "none"),
        )
    files = {path: rank for rank, path in enumerate(dict.fromkeys(c.path for c, _ in classes))}
    return sorted(
        found.values(),
        key=lambda d: (files.get(d.config.span.path, 0), d.config.span.line, d.config.span.column),
    )


def _read_config(
    ctx: Context,
    cls: cst.ClassDef,
    bound: tuple[str, cst.Call],
    owner: cst.CSTNode,
    flow_dir: str,
    overrides: Mapping[str, str],
) -> Declared:
    attr, call = bound
    args = _arguments(ctx, call, owner)
    span = ctx.span(call, owner)
    text = _name(ctx, attr, call, args.get("name"), owner)
    options = _options(ctx, args, owner)
    if text is None or options is None:
        # Still declared, so references to it stay quiet instead of repeating the problem.
        return Declared(Config(text or attr, attr, None, None, None, "json", span), cls, broken=True)
    parser, plain, required = options
    reader = _Reader(ctx, text, parser, plain, owner)
    override = overrides.get(text)
    default = _plain(ctx, args["default"]) if "default" in args else None
    if override is not None:
        value = reader.override(call, override)
    else:
        value = reader.default(args, flow_dir, required)
    default_file = default if isinstance(default, str) else None
    config = Config(text, attr, value, default_file, override, parser, span, plain)
    return Declared(config, cls, reader.broken)


def _name(
    ctx: Context, attr: str, call: cst.Call, node: cst.BaseExpression | None, owner: cst.CSTNode
) -> str | None:
    """The config's name, if it is a valid literal."""
    text = None if node is None else _plain(ctx, node)
    if not isinstance(text, str):
        where = call if node is None else node
        hint = f"write {attr} = Config({attr!r}, ...)"
        ctx.report("FLC502", where, owner, f"Config() bound to {attr!r} has no literal name", hint)
        return None
    if not re.fullmatch(_NAME, text):
        ctx.report(
            "FLC502",
            node or call,
            owner,
            f"config name {text!r} is not valid",
            "start with a letter; use letters, digits and '_' (config_expr() refers to configs by name)",
        )
        return None
    return text


def _arguments(ctx: Context, call: cst.Call, owner: cst.CSTNode) -> dict[str, cst.BaseExpression]:
    """The argument expressions by keyword (the first positional one is ``name``)."""
    found: dict[str, cst.BaseExpression] = {}
    for index, arg in enumerate(call.args):
        key = (
            arg.keyword.value
            if arg.keyword is not None
            else ("name" if index == 0 and not arg.star else None)
        )
        if key is None or key not in CONFIG_ARGS:
            what = (
                f"no argument {key!r}{did_you_mean(key, CONFIG_ARGS)}" if key else "one positional argument"
            )
            ctx.report(
                "FLC502",
                arg,
                owner,
                f"Config() takes {what}" if not key else f"Config() has {what}",
                "known arguments: " + ", ".join(sorted(CONFIG_ARGS)),
            )
            continue
        found[key] = arg.value
    return found


def _plain(ctx: Context, node: cst.BaseExpression) -> Value | NotLiteral:
    """The literal value of ``node`` (configs cannot refer to configs), or the failure."""
    try:
        return evaluate(node, ctx.constants)
    except NotLiteral as exc:
        return exc


def _options(
    ctx: Context, args: dict[str, cst.BaseExpression], owner: cst.CSTNode
) -> tuple[str, bool, bool] | None:
    """``(format, plain, required)``; ``None`` when one of them cannot be used."""
    result: dict[str, Value] = {}
    fmt = _parser(ctx, args.get("parser"), owner)
    ok = fmt is not None
    for key in ("plain", "required"):
        node = args.get(key)
        value = None if node is None else _plain(ctx, node)
        if node is None or value is None:
            continue
        if not isinstance(value, bool):
            ctx.report(
                "FLC502",
                node,
                owner,
                f"argument {key!r} of Config() is not a literal bool",
                f"pass {key}=True or {key}=False",
            )
            ok = False
            continue
        result[key] = value
    if "default" in args and "default_value" in args:
        ctx.report(
            "FLC502",
            args["default_value"],
            owner,
            "Config() takes default= (a file) or default_value= (a value), not both",
            "keep one of them",
        )
        ok = False
    if not ok or fmt is None:
        return None
    return fmt, result.get("plain") is True, result.get("required") is True


def _parser(ctx: Context, node: cst.BaseExpression | None, owner: cst.CSTNode) -> str | None:
    """The format ``parser=`` names (a string or a callable such as ``yaml.safe_load``); ``None``: reported."""
    value = None if node is None else _plain(ctx, node)
    if node is None or value is None:
        return "json"
    from flowc.transpile.config_formats import PARSERS, REFUSED, SUPPORTED, callable_name, missing_library

    name = value if isinstance(value, str) else None
    if isinstance(value, NotLiteral):
        name = callable_name(node, ctx.locator.module)
    if name is None:
        hint = f"flowc reads configs when compiling and can apply only {SUPPORTED}"
        ctx.report("FLC502", node, owner, "argument 'parser' of Config() is not a literal str", hint)
        return None
    fmt = PARSERS.get(name)
    if fmt is None:
        why = f": {REFUSED[name]}" if name in REFUSED else " when compiling"
        ctx.report(
            "FLC502", node, owner, f"flowc cannot apply the config parser {name!r}{why}", f"use {SUPPORTED}"
        )
        return None
    if missing_library(fmt):
        ctx.report(
            "FLC502",
            node,
            owner,
            f"the config parser {name!r} needs PyYAML where flowc runs, and it is not installed",
            "pip install pyyaml next to flowc (it reads the file when compiling; tasks never need it)",
        )
        return None
    return fmt


class _Reader:
    """Reads and parses one config's document, reporting at the right place."""

    def __init__(self, ctx: Context, name: str, parser: str, plain: bool, owner: cst.CSTNode) -> None:
        self.ctx, self.name, self.parser, self.plain, self.owner = ctx, name, parser, plain, owner
        self.broken = False

    def fail(self, node: cst.CSTNode, message: str, hint: str, rule: str = "FLC501") -> None:
        self.ctx.report(rule, node, self.owner, message, hint)
        self.broken = True

    def override(self, call: cst.Call, path: str) -> Value:
        """The document of ``--config NAME=path``."""
        text = _read_text(path)
        if text is None:
            self.fail(call, f"config {self.name!r}: --config file {path!r} cannot be read", "check the path")
            return None
        return self.parse(call, text, f"--config file {path!r}")

    def default(self, args: dict[str, cst.BaseExpression], flow_dir: str, required: bool) -> Value:
        """The value from ``default=`` (a file) or ``default_value=``."""
        node = args.get("default")
        if node is not None:
            path = _plain(self.ctx, node)
            if not isinstance(path, str):
                self.fail(
                    node,
                    f"default= of config {self.name!r} is not a literal file name",
                    "flowc reads configs when compiling: write default='config.json'",
                    "FLC502",
                )
                return None
            text = _read_text(os.path.join(flow_dir, path))
            if text is not None:
                return self.parse(node, text, f"file {path!r}")
            full = os.path.join(flow_dir, path)
            if os.path.isfile(full):
                self.fail(
                    node,
                    f"config {self.name!r}: file {path!r} is not readable UTF-8 text",
                    "save it as UTF-8",
                )
                return None
            if "default_value" not in args:
                self.fail(
                    node,
                    f"config {self.name!r}: file {path!r} not found next to the flow file",
                    f"create {full} or pass --config {self.name}=FILE",
                )
                return None
        value_node = args.get("default_value")
        if value_node is not None:
            return self.literal(value_node)
        if required:
            self.fail(
                self.owner,
                f"config {self.name!r} is required and has no default",
                f"pass --config {self.name}=FILE, or give default='file.json'",
            )
        return None

    def literal(self, node: cst.BaseExpression) -> Value:
        """``default_value=``: a literal dict, or text to parse."""
        value = _plain(self.ctx, node)
        if isinstance(value, str):
            return self.parse(node, value, "default_value")
        if isinstance(value, NotLiteral) or (not isinstance(value, dict) and not self.plain):
            self.fail(
                node,
                f"default_value= of config {self.name!r} is not a literal dict or string",
                "write default_value={'key': 'value'} or a JSON string",
                "FLC502",
            )
            return None
        return value

    def parse(self, node: cst.CSTNode, text: str, what: str) -> Value:
        """Parse ``text``; a syntax error names its line and column in ``what``."""
        from flowc.transpile.config_formats import DocumentError, parse_document

        try:
            value = parse_document(self.parser, text)
        except DocumentError as exc:
            self.fail(node, f"config {self.name!r}: {what} {exc.detail}", exc.hint)
            return None
        if not isinstance(value, dict) and not self.plain:
            self.fail(
                node,
                f"config {self.name!r}: {what} holds a {type(value).__name__}, not an object",
                "a config is a JSON object ({...}); pass plain=True for any other value",
            )
            return None
        return value


def _read_text(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8-sig") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError):
        return None


def check_config_names(
    ctx: Context, configs: tuple[Config, ...], params: Mapping[str, Parameter], steps: Mapping[str, object]
) -> None:
    """A config shares no name with a step, a parameter or the FlowSpec API."""
    taken = set(steps) | set(params) | {p.name for p in params.values()}
    for config in configs:
        for label in dict.fromkeys((config.attr, config.name)):
            if label in taken or label in RESERVED_ATTRIBUTES:
                what = (
                    "a reserved FlowSpec attribute" if label in RESERVED_ATTRIBUTES else "a step or parameter"
                )
                ctx.report(
                    "FLC502",
                    config.span,
                    None,
                    f"config {label!r} has the same name as {what}",
                    "rename the config or its attribute",
                )
