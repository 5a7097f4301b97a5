"""Module-level names the flow file binds itself: the user's own decorators.

A step decorator that is not flowc's may still be a perfectly good Python
decorator defined or imported by the flow (``@logged`` above ``@step``).
Python applies it inside the task; the orchestrator never sees it.  This
module finds such names from the standard ``ast`` tree the locator holds.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from flowc.transpile.context import Imports
from flowc.transpile.specs import API_MODULES, API_NAMES, FLOW_DECORATORS, STEP_DECORATORS


@dataclass(frozen=True)
class Binding:
    """Where and how the flow file first binds a name."""

    #: ``"def"``, ``"class"``, ``"assignment"``, ``"import"`` or ``"import from mod"``.
    how: str
    #: The line of the binding statement.
    line: int
    #: The statement itself.
    node: ast.stmt

    def applies_api(self, imports: Imports) -> str | None:
        """The flowc decorator this binding stands for or applies inside (``retries = retry``).

        flowc reads decorators where they are written, so it would not see it.
        """
        if self.how not in ("def", "class", "assignment"):
            return None
        return _api_reference(self.node, imports)

    def hides_step(self, called: bool) -> bool:
        """A ``def`` decorator whose wrapper does not copy the step's attributes.

        ``called`` is ``@deco(...)`` (``deco`` makes the decorator) rather
        than ``@deco``.  The wrapper would lack the marks ``@step`` puts on
        the function, and the task could not find the step.  Only the plain
        shape is judged (a nested ``def`` returned by name); any mention of
        ``wraps``, ``update_wrapper``, ``__dict__`` or ``__wrapped__`` in the
        decorator counts as copying.
        """
        func: ast.AST | None = self.node
        if called:
            func = _returned_def(func)
        wrapper = _returned_def(func)
        if func is None or wrapper is None:
            return False
        return not any(_word(node) in _COPIES_ATTRIBUTES for node in ast.walk(self.node))


_COPIES_ATTRIBUTES = frozenset({"wraps", "update_wrapper", "__dict__", "__wrapped__"})
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def _word(node: ast.AST) -> str:
    return node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""


def _returned_def(func: ast.AST | None) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The nested ``def`` that ``func`` always returns by name, if that is what it does."""
    if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    nested = {s.name: s for s in func.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))}
    returned: set[str] = set()
    stack: list[ast.AST] = list(func.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Return):
            if not (isinstance(node.value, ast.Name) and node.value.id in nested):
                return None
            returned.add(node.value.id)
        elif not isinstance(node, _FUNCTIONS):
            stack.extend(ast.iter_child_nodes(node))
    return nested[returned.pop()] if len(returned) == 1 else None


def collect_bindings(tree: ast.Module, imports: Imports) -> dict[str, Binding]:
    """The user's module-level names in ``tree`` (also under ``if``/``try``), first binding each."""
    found: dict[str, Binding] = {}
    for stmt in _statements(tree.body):
        for name, how in _bound_names(stmt):
            if name not in imports.names and name not in found:
                found[name] = Binding(how, stmt.lineno, stmt)
    return found


def _statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    for stmt in body:
        yield stmt
        if isinstance(stmt, ast.If):
            yield from _statements(stmt.body)
            yield from _statements(stmt.orelse)
        elif isinstance(stmt, ast.Try):
            for block in (stmt.body, stmt.orelse, stmt.finalbody, *(h.body for h in stmt.handlers)):
                yield from _statements(block)


def _bound_names(stmt: ast.stmt) -> Iterator[tuple[str, str]]:
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
        yield stmt.name, "def"
    elif isinstance(stmt, ast.ClassDef):
        yield stmt.name, "class"
    elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        for target in targets:
            for node in ast.walk(target):
                if isinstance(node, ast.Name):
                    yield node.id, "assignment"
    elif isinstance(stmt, ast.ImportFrom) and (stmt.module or "").split(".")[0] not in API_MODULES:
        for alias in stmt.names:
            if alias.name != "*":
                yield alias.asname or alias.name, f"import from {'.' * stmt.level}{stmt.module or ''}"
    elif isinstance(stmt, ast.Import):
        for alias in stmt.names:
            if alias.name.split(".")[0] not in API_MODULES:
                yield alias.asname or alias.name.split(".")[0], "import"


def _api_reference(stmt: ast.stmt, imports: Imports) -> str | None:
    """The first flowc decorator ``stmt`` refers to, if any (``@step`` included)."""
    decorators = {"step", *STEP_DECORATORS, *FLOW_DECORATORS}
    for node in ast.walk(stmt):
        name: str | None = None
        if isinstance(node, ast.Name):
            name = imports.names.get(node.id) or (node.id if imports.star and node.id in API_NAMES else None)
        elif isinstance(node, ast.Attribute) and _dotted(node.value) in imports.modules:
            name = node.attr
        if name in decorators:
            return name
    return None


def _dotted(expr: ast.expr) -> str | None:
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Attribute):
        head = _dotted(expr.value)
        return f"{head}.{expr.attr}" if head else None
    return None
