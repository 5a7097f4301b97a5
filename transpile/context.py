"""Shared state while analysing one file: names in scope, problems found."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cached_property
from typing import TYPE_CHECKING

import libcst as cst
from flowc.transpile.ir import Span, Value
from flowc.transpile.literals import NotLiteral, Refs, Reported, evaluate
from flowc.transpile.problems import Problem, Severity
from flowc.transpile.source import Locator
from flowc.transpile.specs import API_MODULES, API_NAMES

if TYPE_CHECKING:
    from flowc.transpile.bindings import Binding


class Imports:
    """How the authoring API is reachable in a module.

    ``names`` maps a local name to the API name it stands for
    (``from flowc import step as s`` → ``{"s": "step"}``); ``modules`` holds
    local names of the API modules (``import metaflow as mf`` → ``{"mf"}``);
    ``star`` is set by ``from metaflow import *``.
    """

    # Plain classes here: a dataclass costs ~0.3 ms of import time (exec of its methods).
    __slots__ = ("modules", "names", "star")

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.modules: set[str] = set()
        self.star = False

    def reaches(self, *names: str) -> bool:
        """Whether any of the API ``names`` can be referred to through these imports."""
        return self.star or bool(self.modules) or not set(names).isdisjoint(self.names.values())

    def resolve(self, expr: cst.BaseExpression) -> str | None:
        """The API name ``expr`` refers to, or ``None`` if it is something else."""
        if isinstance(expr, cst.Name):
            if expr.value in self.names:
                return self.names[expr.value]
            if self.star and expr.value in API_NAMES:
                return expr.value
            return None
        if isinstance(expr, cst.Attribute) and _dotted(expr.value) in self.modules:
            return expr.attr.value
        return None


def _dotted(expr: cst.BaseExpression) -> str | None:
    if isinstance(expr, cst.Name):
        return expr.value
    if isinstance(expr, cst.Attribute):
        head = _dotted(expr.value)
        return f"{head}.{expr.attr.value}" if head else None
    return None


def dotted_name(expr: cst.BaseExpression) -> str:
    """``a.b.c`` for an attribute chain, else the expression's kind."""
    return _dotted(expr) or type(expr).__name__


def collect_imports(module: cst.Module) -> Imports:
    """Find the API imports anywhere at module level (also under ``if``/``try``)."""
    imports = Imports()
    for stmt in _module_statements(module.body):
        if isinstance(stmt, cst.ImportFrom) and stmt.module is not None:
            source = _dotted(stmt.module) or ""
            if source.split(".")[0] not in API_MODULES:
                continue
            if isinstance(stmt.names, cst.ImportStar):
                imports.star = True
                continue
            for alias in stmt.names:
                name = _dotted(alias.name) or ""
                local = alias.asname.name if alias.asname else alias.name
                if isinstance(local, cst.Name):
                    imports.names[local.value] = name
        elif isinstance(stmt, cst.Import):
            for alias in stmt.names:
                name = _dotted(alias.name) or ""
                if name.split(".")[0] not in API_MODULES:
                    continue
                if alias.asname and isinstance(alias.asname.name, cst.Name):
                    imports.modules.add(alias.asname.name.value)
                else:
                    imports.modules.add(name)
    return imports


def _module_statements(body: Sequence[cst.BaseStatement]) -> Iterable[cst.CSTNode]:
    for stmt in body:
        if isinstance(stmt, cst.SimpleStatementLine):
            yield from stmt.body
        elif isinstance(stmt, (cst.If, cst.Try)):
            blocks: list[cst.BaseSuite] = [stmt.body]
            if isinstance(stmt, cst.Try):
                blocks += [h.body for h in stmt.handlers]
            elif stmt.orelse is not None:
                blocks.append(stmt.orelse.body)
            for block in blocks:
                if isinstance(block, cst.IndentedBlock):
                    yield from _module_statements(block.body)


class Context:
    """Everything a check needs: the file, its names, and where problems go."""

    def __init__(
        self,
        path: str,
        locator: Locator,
        imports: Imports,
        constants: dict[str, Value],
        problems: list[Problem] | None = None,
    ) -> None:
        #: The file's path as given.
        self.path = path
        #: Positions in the file.
        self.locator = locator
        #: How the file reaches the authoring API.
        self.imports = imports
        #: Module-level names bound to literals.
        self.constants = constants
        #: Problems found so far (shared by every file of one analysis).
        self.problems: list[Problem] = [] if problems is None else problems
        #: Resolves references to the flow's configs inside literals, once they are read.
        self.refs: Refs | None = None

    def span(self, node: cst.CSTNode, owner: cst.CSTNode) -> Span:
        """Where ``node`` is; ``owner`` is its anchored statement."""
        return self.locator.span(node, owner)

    def report(
        self,
        rule: str,
        node: cst.CSTNode | Span,
        owner: cst.CSTNode | None,
        message: str,
        hint: str,
        severity: Severity = Severity.ERROR,
    ) -> None:
        """Record a problem at ``node``."""
        span = node if isinstance(node, Span) else self.span(node, owner if owner is not None else node)
        self.problems.append(Problem(rule, span, message, hint, severity))

    def literal(self, node: cst.BaseExpression) -> Value:
        """Evaluate ``node``; raises :class:`NotLiteral`."""
        try:
            return evaluate(node, self.constants, self.refs)
        except Reported:  # a wrong config reference, already reported: no second problem
            return None

    @cached_property
    def bindings(self) -> dict[str, Binding]:
        """Names the file binds itself (the user's own decorators), read on first use."""
        from flowc.transpile.bindings import collect_bindings

        return collect_bindings(self.locator.tree, self.imports)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` when a close match exists, else ``""``."""
    import difflib  # only a flow with a problem pays for it

    match = difflib.get_close_matches(word, sorted(choices), n=1)
    return f" (did you mean {match[0]!r}?)" if match else ""


__all__ = ["Context", "Imports", "NotLiteral", "collect_imports", "did_you_mean", "dotted_name"]
