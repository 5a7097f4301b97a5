"""Metaflow compatibility: which of Metaflow's names a flow may use.

Tasks run a Metaflow flow unchanged because ``metaflow`` resolves to an alias
of flowc's runtime shim there.  A Metaflow name the shim does not provide
would pass ``flowc check`` and then fail in every task when the flow file is
imported, so this check refuses it where it is written (FLC309) and says what
to do instead.  It reads the standard ``ast`` tree the locator already holds:
imports may sit anywhere (inside steps too), and the walk is iterative so a
deeply nested expression cannot overflow the stack.
"""

from __future__ import annotations

import ast

from flowc.transpile.context import Context, did_you_mean
from flowc.transpile.ir import Span
from flowc.transpile.metaflow_names import (
    CARD_COLLECTOR_INSTEAD,
    CARD_COMPONENTS,
    CARD_INSTEAD,
    CURRENT_INSTEAD,
    FLOWC_CLIENT,
    METAFLOW_INSTEAD,
    MODULE_INSTEAD,
    PROVIDED,
)

_CATCHES_IMPORT_ERROR = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})


class _Found:
    """What the walk saw: imports of ``metaflow`` and attribute uses to check."""

    __slots__ = ("attributes", "imports")

    def __init__(self) -> None:
        self.imports: list[ast.Import | ast.ImportFrom] = []
        self.attributes: list[ast.Attribute] = []


def check_metaflow_names(ctx: Context) -> None:
    """Report every Metaflow name the flow uses that flowc does not provide (FLC309)."""
    tree, lines = ctx.locator.tree, ctx.locator.lines
    modules: set[str] = set()  # local names bound to the ``metaflow`` module
    cards: set[str] = set()  # local names bound to ``metaflow.cards``
    marked = _lines_with(lines, ("metaflow", "flowc"))
    for node in _walk(_roots(tree.body, marked)).imports if marked[-1] else ():
        if isinstance(node, ast.ImportFrom):
            _check_import_from(ctx, node, cards)
        else:
            _check_import(ctx, node, modules, cards)
    current = {local for local, name in ctx.imports.names.items() if name == "current"}
    if ctx.imports.star:
        current.add("current")
    heads = modules | cards | current
    if not heads:
        return
    marked = _lines_with(lines, tuple(f"{head}." for head in heads))
    for attr in _walk(_roots(tree.body, marked)).attributes:
        _check_attribute(ctx, attr, modules, cards, current)


def _check_attribute(
    ctx: Context, attr: ast.Attribute, modules: set[str], cards: set[str], current: set[str]
) -> None:
    head = attr.value
    if (
        isinstance(head, ast.Subscript)
        and isinstance(head.value, ast.Attribute)
        and head.value.attr == "card"
    ):
        head = head.value  # current.card["id"].refresh()
    base = head.value if isinstance(head, ast.Attribute) else head
    base_name = base.id if isinstance(base, ast.Name) else None
    if isinstance(head, ast.Name):
        if head.id in modules:
            _check_name(ctx, attr, "metaflow", attr.attr)
        elif head.id in cards:
            _check_name(ctx, attr, "metaflow.cards", attr.attr)
        elif head.id in current and attr.attr in CURRENT_INSTEAD:
            _refuse(ctx, attr, f"current.{attr.attr}", CURRENT_INSTEAD[attr.attr])
    elif isinstance(head, ast.Attribute) and base_name is not None:
        if head.attr == "cards" and base_name in modules:
            _check_name(ctx, attr, "metaflow.cards", attr.attr)
        elif head.attr == "card" and base_name in current and attr.attr in CARD_COLLECTOR_INSTEAD:
            _refuse(ctx, attr, f"current.card.{attr.attr}", CARD_COLLECTOR_INSTEAD[attr.attr])


def _lines_with(lines: list[str], words: tuple[str, ...]) -> list[int]:
    """``marked[n]``: how many of lines 1 to ``n`` hold any of ``words``; only statements there are walked."""
    marked = [0]
    for text in lines:
        marked.append(marked[-1] + any(w in text for w in words))
    return marked


def _roots(body: list[ast.stmt], marked: list[int]) -> list[ast.AST]:
    """The statements of ``body`` that span a marked line, descending into classes.

    A 1000-step flow is one class: walking only the steps that mention a
    name keeps the check cheap.
    """
    roots: list[ast.AST] = []
    for stmt in body:
        first = min([stmt.lineno, *(d.lineno for d in getattr(stmt, "decorator_list", []))])
        last = min(stmt.end_lineno or stmt.lineno, len(marked) - 1)
        if marked[last] == marked[first - 1]:
            continue
        if isinstance(stmt, ast.ClassDef):
            roots += [*stmt.decorator_list, *stmt.bases, *stmt.keywords]
            roots += _roots(stmt.body, marked)
        else:
            roots.append(stmt)
    return roots


def _walk(roots: list[ast.AST]) -> _Found:
    """Imports and ``x.y`` attributes that run when a task imports the flow file."""
    found = _Found()
    stack: list[tuple[ast.AST, bool]] = [(root, False) for root in roots]
    while stack:
        node, guarded = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            if not guarded and _imports_api(node):
                found.imports.append(node)
            continue
        if isinstance(node, ast.Attribute) and isinstance(
            node.value, (ast.Name, ast.Attribute, ast.Subscript)
        ):
            found.attributes.append(node)
        if isinstance(node, ast.If) and _is_main_guard(node.test):
            stack.extend((child, guarded) for child in node.orelse)
            continue
        if isinstance(node, ast.Try) and _catches_import_error(node):
            stack.extend((child, True) for child in node.body)
            rest = [*node.handlers, *node.orelse, *node.finalbody]
            stack.extend((child, guarded) for child in rest)
            continue
        stack.extend((child, guarded) for child in ast.iter_child_nodes(node))
    return found


def _imports_api(node: ast.Import | ast.ImportFrom) -> bool:
    """An import from ``metaflow`` (any form) or ``from flowc[.cards] import ...``."""
    if isinstance(node, ast.ImportFrom):
        module = node.module or ""
        return node.level == 0 and (module.split(".")[0] == "metaflow" or module in ("flowc", "flowc.cards"))
    return any(alias.name.split(".")[0] == "metaflow" for alias in node.names)


def _is_main_guard(test: ast.expr) -> bool:
    """``if __name__ == "__main__":`` — tasks import the flow under another name."""
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
        and len(test.comparators) == 1
        and isinstance(test.comparators[0], ast.Constant)
        and test.comparators[0].value == "__main__"
    )


def _catches_import_error(node: ast.Try) -> bool:
    """A ``try`` whose failed import the flow handles itself."""
    for handler in node.handlers:
        if handler.type is None:
            return True
        types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
        if any(isinstance(t, ast.Name) and t.id in _CATCHES_IMPORT_ERROR for t in types):
            return True
    return False


def _check_import_from(ctx: Context, node: ast.ImportFrom, cards: set[str]) -> None:
    module = node.module or "metaflow"
    if module in ("flowc", "flowc.cards"):
        for alias in node.names:
            if alias.name != "*":
                _check_name(ctx, alias, module, alias.name)
    elif module == "metaflow":
        for alias in node.names:
            if alias.name == "cards":
                cards.add(alias.asname or alias.name)
            elif alias.name != "*":
                _check_name(ctx, alias, module, alias.name)
    elif module == "metaflow.cards":
        for alias in node.names:
            if alias.name != "*":
                _check_name(ctx, alias, module, alias.name)
    else:
        _refuse_module(ctx, node, module)


def _check_import(ctx: Context, node: ast.Import, modules: set[str], cards: set[str]) -> None:
    for alias in node.names:
        if alias.name == "metaflow":
            modules.add(alias.asname or "metaflow")
        elif alias.name == "metaflow.cards":
            if alias.asname:
                cards.add(alias.asname)
            else:
                modules.add("metaflow")
        elif alias.name.split(".")[0] == "metaflow":
            _refuse_module(ctx, alias, alias.name)


def _check_name(ctx: Context, node: ast.alias | ast.Attribute, module: str, name: str) -> None:
    """Refuse ``module.name`` unless the shim provides it."""
    if module.endswith(".cards"):
        if name in CARD_COMPONENTS:
            return
        instead = CARD_INSTEAD.get(name) or "flowc's card components: " + ", ".join(sorted(CARD_COMPONENTS))
    else:
        if name in PROVIDED or (module == "flowc" and name in FLOWC_CLIENT):
            return
        instead = METAFLOW_INSTEAD.get(name) or _generic_hint(name)
    _refuse(ctx, node, f"{module}.{name}", instead)


def _refuse(ctx: Context, node: ast.alias | ast.Attribute, what: str, instead: str) -> None:
    ctx.report(
        "FLC309", _span(ctx, node), None, f"flowc does not provide {what}: the flow would fail on it", instead
    )


def _refuse_module(ctx: Context, node: ast.alias | ast.ImportFrom, module: str) -> None:
    instead = next(
        (
            hint
            for prefix, hint in MODULE_INSTEAD.items()
            if module == prefix or module.startswith(prefix + ".")
        ),
        "import from 'metaflow' or 'metaflow.cards' only, the parts of Metaflow flowc provides",
    )
    ctx.report(
        "FLC309",
        _span(ctx, node),
        None,
        f"flowc does not provide module {module}: the flow would fail importing it",
        instead,
    )


def _generic_hint(name: str) -> str:
    close = did_you_mean(name, PROVIDED)
    if close:
        return "check the spelling" + close
    return "flowc provides FlowSpec, step, Parameter, JSONType, IncludeFile, current, profile, cards and the decorators `flowc check` knows"


def _span(ctx: Context, node: ast.alias | ast.Attribute | ast.ImportFrom) -> Span:
    return Span(ctx.path, node.lineno, ctx.locator.char_column(node.lineno, node.col_offset) + 1)
