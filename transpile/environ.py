"""Reads of the environment in decorator and parameter arguments, made as Metaflow makes them.

Metaflow imports the flow file on the machine that runs or deploys it, so
``@environment(vars={"URI": os.getenv("URI", "http://127.0.0.1:5000")})``
takes that machine's value, and the deployed documents keep it.  flowc reads
the same expressions from its own environment while analysing:
``os.getenv(NAME[, DEFAULT])``, ``os.environ.get(NAME[, DEFAULT])`` and
``os.environ[NAME]``, with ``os`` bound by ``import os`` (or ``import os as
x``) and ``getenv``/``environ`` by ``from os import ...``; also a name bound
once at module level to an expression holding such reads.  ``NAME`` and
``DEFAULT`` are literals.  Every read is a warning (FLC313): the documents
depend on the machine that compiles them.  ``os.environ[NAME]`` with
``NAME`` unset is an error (FLC314), as Metaflow's import would fail.
"""

from __future__ import annotations

import os
import weakref
from typing import NamedTuple

import libcst as cst
from flowc.transpile.context import Context, dotted_name
from flowc.transpile.ir import Value
from flowc.transpile.literals import NotLiteral, Refs, Reported, evaluate
from flowc.transpile.problems import Severity


class _OsNames:
    """How one module reaches :mod:`os`, and the names it binds once at module level."""

    # A plain class: a dataclass costs ~0.3 ms of import time (exec of its methods).
    __slots__ = ("assigned", "environ", "getenv", "modules")

    def __init__(self) -> None:
        #: Local names of the ``os`` module (``import os``, ``import os as x``).
        self.modules: set[str] = set()
        #: Local names of ``os.getenv`` (``from os import getenv``).
        self.getenv: set[str] = set()
        #: Local names of ``os.environ`` (``from os import environ``).
        self.environ: set[str] = set()
        #: Names assigned exactly once by a top-level statement → ``(value, statement)``.
        self.assigned: dict[str, tuple[cst.BaseExpression, cst.BaseSmallStatement]] = {}


_SCANNED: weakref.WeakKeyDictionary[Context, _OsNames] = weakref.WeakKeyDictionary()


def _os_names(ctx: Context) -> _OsNames:
    """What ``ctx``'s module binds at its top level, read once per module."""
    found = _SCANNED.get(ctx)
    if found is None:
        found = _SCANNED[ctx] = _scan(ctx.locator.module)
    return found


def _scan(module: cst.Module) -> _OsNames:
    found = _OsNames()
    counts: dict[str, int] = {}
    for line in module.body:
        if not isinstance(line, cst.SimpleStatementLine):
            continue
        for stmt in line.body:
            if isinstance(stmt, cst.Import):
                for alias in stmt.names:
                    dotted = dotted_name(alias.name)
                    if alias.asname is None and dotted.split(".")[0] == "os":
                        found.modules.add("os")  # ``import os.path`` binds ``os`` too
                    elif dotted == "os" and alias.asname and isinstance(alias.asname.name, cst.Name):
                        found.modules.add(alias.asname.name.value)
            elif isinstance(stmt, cst.ImportFrom) and _is_os(stmt):
                for alias in stmt.names if not isinstance(stmt.names, cst.ImportStar) else ():
                    local = alias.asname.name if alias.asname else alias.name
                    if isinstance(local, cst.Name) and isinstance(alias.name, cst.Name):
                        bound = {"getenv": found.getenv, "environ": found.environ}.get(alias.name.value)
                        if bound is not None:
                            bound.add(local.value)
            for target, value in _assignments(stmt):
                counts[target] = counts.get(target, 0) + 1
                found.assigned[target] = (value, stmt)
    for name, count in counts.items():
        if count > 1:
            del found.assigned[name]
        found.modules.discard(name)  # ``os = ...`` rebinds it: no longer the module
        found.getenv.discard(name)
        found.environ.discard(name)
    return found


def _is_os(stmt: cst.ImportFrom) -> bool:
    return not stmt.relative and isinstance(stmt.module, cst.Name) and stmt.module.value == "os"


def _assignments(stmt: cst.BaseSmallStatement) -> list[tuple[str, cst.BaseExpression]]:
    if isinstance(stmt, cst.Assign):
        return [(t.target.value, stmt.value) for t in stmt.targets if isinstance(t.target, cst.Name)]
    if isinstance(stmt, cst.AnnAssign) and stmt.value is not None and isinstance(stmt.target, cst.Name):
        return [(stmt.target.value, stmt.value)]
    return []


def _is_read(func: cst.BaseExpression, names: _OsNames) -> bool:
    """``os.getenv``, ``getenv`` or ``os.environ.get`` (or ``environ.get``)."""
    if isinstance(func, cst.Name):
        return func.value in names.getenv
    if not isinstance(func, cst.Attribute):
        return False
    if func.attr.value == "getenv":
        return isinstance(func.value, cst.Name) and func.value.value in names.modules
    return func.attr.value == "get" and _is_environ(func.value, names)


def _is_environ(expr: cst.BaseExpression, names: _OsNames) -> bool:
    if isinstance(expr, cst.Name):
        return expr.value in names.environ
    return (
        isinstance(expr, cst.Attribute)
        and expr.attr.value == "environ"
        and isinstance(expr.value, cst.Name)
        and expr.value.value in names.modules
    )


def converted_read(ctx: Context, node: cst.CSTNode) -> str | None:
    """``"int"`` when ``node`` is ``int(os.getenv(...))`` (or float, str, bool): flowc runs no such call."""
    if not (isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and len(node.args) == 1):
        return None
    if node.func.value not in ("int", "float", "str", "bool"):
        return None
    inner, names = node.args[0].value, _os_names(ctx)
    if isinstance(inner, cst.Call) and _is_read(inner.func, names):
        return node.func.value
    if isinstance(inner, cst.Subscript) and _is_environ(inner.value, names):
        return node.func.value
    return None


class _Read(NamedTuple):
    """One variable read from the environment, and where to report it."""

    variable: str
    node: cst.CSTNode
    owner: cst.CSTNode
    #: The module-level name the read happened in, if not directly in the argument.
    via: str | None


class EnvRefs:
    """The ``refs`` of :func:`~flowc.transpile.literals.evaluate` that reads the environment.

    Anything that is not a read of the environment goes to ``then`` (the
    config references), if given.  Reads are collected in :attr:`reads`.
    """

    def __init__(self, ctx: Context, owner: cst.CSTNode, then: Refs | None) -> None:
        self.ctx = ctx
        self.owner = owner
        self.then = then
        #: The reads evaluated so far.
        self.reads: list[_Read] = []
        self._resolving: list[str] = []

    def __call__(self, node: cst.BaseExpression, operand: bool = False) -> Value:
        try:
            return self._read(node)
        except NotLiteral:
            # Module-level names are evaluated outside the class: no config is in scope.
            if self.then is None or self._resolving:
                raise
            return self.then(node, operand)

    def _read(self, node: cst.BaseExpression) -> Value:
        names = _os_names(self.ctx)
        if isinstance(node, cst.Call) and _is_read(node.func, names):
            return self._call(node)
        if isinstance(node, cst.Subscript) and _is_environ(node.value, names):
            return self._item(node)
        if isinstance(node, cst.Name) and node.value not in self.ctx.constants:
            return self._constant(node, names)
        raise NotLiteral(node)

    def _call(self, call: cst.Call) -> Value:
        """``getenv(NAME[, DEFAULT])`` or ``environ.get(NAME[, DEFAULT])`` (``default=`` too)."""
        positional = [a for a in call.args if a.keyword is None and not a.star]
        keywords = [a for a in call.args if a.keyword is not None]
        shapes: tuple[tuple[int, list[str]], ...] = ((1, []), (2, []), (1, ["default"]))
        if (len(positional), [a.keyword.value for a in keywords if a.keyword]) not in shapes:
            raise NotLiteral(call)
        if len(positional) + len(keywords) != len(call.args):  # *args or **kwargs
            raise NotLiteral(call)
        variable = self._variable(positional[0].value)
        if variable is None:
            raise NotLiteral(call)
        given = [*positional[1:], *keywords]
        default = evaluate(given[0].value, self.ctx.constants, self) if given else None
        self.reads.append(_Read(variable, call, self.owner, None))
        found = os.environ.get(variable)
        return default if found is None else found

    def _item(self, node: cst.Subscript) -> Value:
        if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
            raise NotLiteral(node)
        variable = self._variable(node.slice[0].slice.value)
        if variable is None:
            raise NotLiteral(node)
        found = os.environ.get(variable)
        if found is None:
            self.ctx.report(
                "FLC314",
                node,
                self.owner,
                f"{variable} is not set in the environment of flowc, so os.environ[{variable!r}] fails "
                "as Metaflow imports the flow",
                f"set {variable} in the environment of flowc, or give a default",
            )
            raise Reported
        self.reads.append(_Read(variable, node, self.owner, None))
        return found

    def _variable(self, node: cst.BaseExpression) -> str | None:
        value = evaluate(node, self.ctx.constants)
        return value if isinstance(value, str) else None

    def _constant(self, node: cst.Name, names: _OsNames) -> Value:
        """A name bound once at module level to an expression that reads the environment."""
        name = node.value
        bound = names.assigned.get(name)
        if bound is None or name in self._resolving:
            raise NotLiteral(node)
        value_node, stmt = bound
        if self.ctx.locator.statement_span(stmt).line >= self.ctx.span(node, self.owner).line:
            raise NotLiteral(node)  # bound below its use: Python would not know it yet
        outer_owner, outer_reads = self.owner, self.reads
        self.owner, self.reads = stmt, []
        self._resolving.append(name)
        try:
            value = evaluate(value_node, self.ctx.constants, self)
            inner = self.reads
        finally:
            self.owner, self.reads = outer_owner, outer_reads
            self._resolving.pop()
        if not inner:  # reads nothing from the environment: not a constant flowc evaluates
            raise NotLiteral(node)
        self.reads += [_Read(r.variable, node, self.owner, name) for r in inner]
        return value


def deploy_literal(ctx: Context, node: cst.BaseExpression, owner: cst.CSTNode, label: str) -> Value:
    """:meth:`Context.literal` that also reads the environment, warning about each read (FLC313).

    ``owner`` is the statement holding ``node``; ``label`` names what the
    argument belongs to in the warning (``"@environment"``).  Raises
    :class:`NotLiteral`; a missing ``os.environ[NAME]`` is reported (FLC314)
    and gives ``None``.
    """
    refs = EnvRefs(ctx, owner, ctx.refs)
    try:
        value = evaluate(node, ctx.constants, refs)
    except Reported:
        return None
    for read in refs.reads:
        through = f" (through {read.via})" if read.via else ""
        ctx.report(
            "FLC313",
            read.node,
            read.owner,
            f"{label} reads {read.variable} from the environment at compile time{through}: "
            "the documents depend on it",
            "pass it with --set / flowc.toml, or accept that deploys differ by machine",
            Severity.WARNING,
        )
    return value
