"""Project modules next to the flow file, read (never imported) when a class needs them.

A flow often takes its base class or a mixin from a module of its own
project: ``from base_flows import BaseFlow``.  When the flow runs, Python
finds that module on ``sys.path[0]``, the flow file's folder, and the code
package ships every ``.py`` of that folder.  The analyzer resolves the same
way, but only there: a module in the flow's folder or a package below it is
parsed with libcst, each at most once, when a base class is looked up in it.
"""

from __future__ import annotations

import io
import os
import tokenize
from collections.abc import Sequence

import libcst as cst
from flowc.transpile.compat import check_metaflow_names
from flowc.transpile.context import Context, collect_imports
from flowc.transpile.ir import Span, Value
from flowc.transpile.literals import module_constants
from flowc.transpile.problems import Problem
from flowc.transpile.source import parse


class Bindings:
    """What a module's imports bind, for any module (not only the authoring API).

    ``names`` maps a local name to ``(module, name)`` (``from a.b import C as D``
    → ``{"D": ("a.b", "C")}``); ``modules`` maps a local dotted name to the
    module it is (``import a.b`` → ``{"a.b": "a.b"}``, ``import a as x`` →
    ``{"x": "a"}``); ``stars`` lists modules imported with ``*``.  Relative
    imports are made absolute; those that leave the flow's folder are dropped.
    """

    # A plain class: a dataclass costs ~0.3 ms of import time (exec of its methods).
    __slots__ = ("modules", "names", "stars", "statement_nodes")

    def __init__(self) -> None:
        self.names: dict[str, tuple[str, str]] = {}
        self.modules: dict[str, str] = {}
        self.stars: list[str] = []
        #: The import statement that bound each local name (rendered only to quote it).
        self.statement_nodes: dict[str, cst.CSTNode] = {}

    def statement(self, name: str) -> str:
        """The import statement that bound ``name``, as written, to quote in problems (``""``: none)."""
        node = self.statement_nodes.get(name)
        return _code(node) if node is not None else ""


class SourceModule:
    """A parsed module: the flow file itself or a project module it imports."""

    __slots__ = ("bindings", "classes", "ctx", "name")

    def __init__(self, name: str, ctx: Context, classes: dict[str, cst.ClassDef], bindings: Bindings) -> None:
        #: Dotted name relative to the flow's folder (``""`` for the flow file).
        self.name = name
        #: Its analysis context (problems go to the flow's list).
        self.ctx = ctx
        #: Top-level classes by name (the last definition wins, as in Python).
        self.classes = classes
        #: What its imports bind.
        self.bindings = bindings


def _code(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node).strip()


def _dotted(expr: cst.BaseExpression) -> str:
    if isinstance(expr, cst.Name):
        return expr.value
    if isinstance(expr, cst.Attribute):
        return f"{_dotted(expr.value)}.{expr.attr.value}"
    return ""


def _absolute(stmt: cst.ImportFrom, package: str | None) -> str | None:
    """The absolute module of ``from ... import``; ``None`` when a relative one cannot be placed."""
    written = _dotted(stmt.module) if stmt.module is not None else ""
    level = len(stmt.relative)
    if level == 0:
        return written
    if package is None:
        return None
    parts = package.split(".") if package else []
    if level - 1 > len(parts):
        return None
    base = parts[: len(parts) - (level - 1)]
    return ".".join([*base, written] if written else base) or None


def collect_bindings(module: cst.Module, package: str | None) -> Bindings:
    """The top-level imports of ``module``; ``package`` places relative imports (``None``: a script)."""
    found = Bindings()
    for line in module.body:
        if not isinstance(line, cst.SimpleStatementLine):
            continue
        for stmt in line.body:
            if isinstance(stmt, cst.ImportFrom):
                source = _absolute(stmt, package)
                if source is None:
                    continue
                if isinstance(stmt.names, cst.ImportStar):
                    found.stars.append(source)
                    continue
                for alias in stmt.names:
                    local = alias.asname.name if alias.asname else alias.name
                    if isinstance(local, cst.Name):
                        found.names[local.value] = (source, _dotted(alias.name))
                        found.statement_nodes[local.value] = stmt
            elif isinstance(stmt, cst.Import):
                for alias in stmt.names:
                    name = _dotted(alias.name)
                    if alias.asname and isinstance(alias.asname.name, cst.Name):
                        found.modules[alias.asname.name.value] = name
                    else:
                        found.modules[name] = name
                    found.statement_nodes[name.split(".")[0]] = stmt
    return found


class Modules:
    """The flow file and the project modules read so far, by dotted name."""

    def __init__(self, ctx: Context, module: cst.Module) -> None:
        # Source given as text (no file) has no folder to read modules from.
        self.root_dir = os.path.dirname(ctx.path) if os.path.isfile(ctx.path) else None
        self._located: dict[str, str | None] = {}
        self.root = SourceModule("", ctx, _classes(module.body), collect_bindings(module, None))
        self._by_path: dict[str, SourceModule | None] = {os.path.abspath(ctx.path): self.root}
        #: Every module's context, so the analyzer can give them all the config resolver.
        self.contexts: list[Context] = [ctx]
        ctx.constants.update(module_constants(module, self._imported(self.root.bindings)))

    def _imported(self, bindings: Bindings) -> dict[str, Value]:
        """The literals a module imports from project modules (``from settings import RETRIES``)."""
        found: dict[str, Value] = {}
        for local, (source, original) in bindings.names.items():
            target = self.load(source) if self.locate(source) is not None else None
            if target is not None and original in target.ctx.constants:
                found[local] = target.ctx.constants[original]
        return found

    def locate(self, dotted: str) -> str | None:
        """The file of module ``dotted`` in the flow's folder, or ``None``."""
        if dotted not in self._located:  # ``from m import a, b, c`` asks three times
            self._located[dotted] = self._find(dotted)
        return self._located[dotted]

    def _find(self, dotted: str) -> str | None:
        if self.root_dir is None or not dotted or any(not part.isidentifier() for part in dotted.split(".")):
            return None
        stem = os.path.join(self.root_dir, *dotted.split("."))
        for path in (stem + ".py", os.path.join(stem, "__init__.py")):
            if os.path.isfile(path):
                return path
        return None

    def load(self, dotted: str) -> SourceModule | None:
        """Module ``dotted``, parsed on first use; ``None`` when it is not a readable project file."""
        path = self.locate(dotted)
        if path is None:
            return None
        key = os.path.abspath(path)
        if key not in self._by_path:
            self._by_path[key] = None  # a cycle of imports stops here
            self._by_path[key] = self._read(dotted, path)
        return self._by_path[key]

    def _read(self, dotted: str, path: str) -> SourceModule | None:
        problems = self.root.ctx.problems
        try:
            with open(path, "rb") as handle:
                data = handle.read()
            encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
            text = data.decode(encoding).removeprefix("\ufeff")
            module, locator = parse(path, text)
        except (OSError, UnicodeDecodeError, LookupError, ValueError, RecursionError, MemoryError) as exc:
            problems.append(_unreadable(path, 1, 1, f"cannot read module {dotted!r}: {exc}"))
            return None
        except SyntaxError as exc:
            problems.append(_unreadable(path, exc.lineno or 1, exc.offset or 1, f"syntax error: {exc.msg}"))
            return None
        except cst.ParserSyntaxError as exc:
            problems.append(
                _unreadable(path, exc.raw_line, exc.raw_column + 1, f"syntax error: {exc.message}")
            )
            return None
        package = dotted if path.endswith("__init__.py") else dotted.rpartition(".")[0]
        ctx = Context(path, locator, collect_imports(module), {}, problems)
        check_metaflow_names(ctx)
        self.contexts.append(ctx)
        bindings = collect_bindings(module, package)
        ctx.constants.update(module_constants(module, self._imported(bindings)))
        return SourceModule(dotted, ctx, _classes(module.body), bindings)


def _classes(body: Sequence[cst.BaseStatement]) -> dict[str, cst.ClassDef]:
    return {s.name.value: s for s in body if isinstance(s, cst.ClassDef)}


def _unreadable(path: str, line: int, column: int, message: str) -> Problem:
    hint = "fix this module: the flow imports it when it runs"
    return Problem("FLC001", Span(path, line, column), message, hint)
