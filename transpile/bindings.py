"""Module-level names the flow file binds itself: the user's own decorators.

A step decorator that is not flowc's may still be a perfectly good Python
decorator defined or imported by the flow (``@logged`` above ``@step``).
Python applies it inside the task; the orchestrator never sees it.  This
module finds such names from the standard ``ast`` tree the locator holds.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field

from flowc.transpile.context import Imports
from flowc.transpile.specs import API_MODULES, API_NAMES, FLOW_DECORATORS, STEP_DECORATORS


@dataclass
class Bindings:
    """Names bound at module level other than by importing flowc's API."""

    #: Local name → how it is bound (``"def"``, ``"class"``, ``"assignment"``,
    #: ``"import from mod"``).
    user: dict[str, str] = field(default_factory=dict)
    #: Local name → the API name it stands for or applies (``retries = retry``,
    #: a ``def`` calling ``retry(...)``): flowc cannot follow those.
    aliases: dict[str, str] = field(default_factory=dict)


def collect_bindings(tree: ast.Module, imports: Imports) -> Bindings:
    """The user's module-level names in ``tree`` (also under ``if``/``try``)."""
    found = Bindings()
    for stmt in _statements(tree.body):
        for name, how in _bound_names(stmt):
            if name in imports.names:
                continue
            found.user[name] = how
            api = _api_reference(stmt, imports)
            if api is not None and how in ("def", "class", "assignment"):
                found.aliases[name] = api
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
