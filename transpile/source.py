"""A parsed flow file and cheap, on-demand source positions.

libcst's ``PositionProvider`` computes a position for every node of a module,
which costs most of a second on a 1000-step file.  We only need positions
for the nodes we report, so the :class:`Locator` anchors each top-level
statement with the line numbers of the standard ``ast`` parse (C speed) and
computes libcst positions inside one statement at a time, only when asked.
libcst is also spared the middle of function bodies, which the analyzer
reads from ``ast`` only (see :func:`parse`).
"""

from __future__ import annotations

import ast
import warnings
from collections.abc import Iterator, Sequence

import libcst as cst
from flowc.transpile.ir import Span
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider


def small_statements(
    body: Sequence[cst.BaseStatement] | Sequence[cst.BaseSmallStatement],
) -> Iterator[tuple[cst.CSTNode, cst.CSTNode]]:
    """Yield ``(statement, line_statement)`` pairs in the order ``ast`` sees them.

    ``a = 1; b = 2`` is one libcst line holding two small statements but two
    ``ast`` statements; each small statement is paired with its line.
    """
    for stmt in body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                yield small, stmt
        else:
            yield stmt, stmt


def block_body(
    node: cst.ClassDef | cst.FunctionDef | cst.Module,
) -> Sequence[cst.BaseStatement] | Sequence[cst.BaseSmallStatement]:
    """The statements of a module, class or function body."""
    if isinstance(node, cst.Module):
        return node.body
    return node.body.body


class Locator:
    """Maps libcst nodes to file positions, lazily, one statement at a time."""

    def __init__(
        self,
        path: str,
        module: cst.Module,
        tree: ast.Module,
        lines: list[str],
        kept: dict[int, list[ast.stmt]] | None = None,
    ) -> None:
        #: The file's path as given.
        self.path = path
        #: Its libcst tree (with the middle of function bodies left out, see :func:`parse`).
        self.module = module
        #: Its standard ``ast`` tree (positions come from it where they can).
        self.tree = tree
        #: Its lines, without line ends.
        self.lines = lines
        #: The statements libcst parsed of each function body it saw only in part, by ``id`` of the ast def.
        self._kept = kept or {}
        self._anchors: dict[int, tuple[int, int]] = {}
        self._ranges: dict[int, dict[cst.CSTNode, CodeRange]] = {}
        self._ast_nodes: dict[int, ast.stmt] = {}

    def ast_node(self, stmt: cst.CSTNode) -> ast.stmt | None:
        """The ``ast`` twin of an anchored statement."""
        return self._ast_nodes.get(id(stmt))

    def anchor_block(self, cst_block: Sequence[cst.CSTNode], ast_block: Sequence[ast.stmt]) -> None:
        """Record where each statement of a block starts (pairs them by order)."""
        for (small, line_stmt), a in zip(small_statements(cst_block), ast_block, strict=False):  # type: ignore[arg-type]
            # Like libcst, ast puts a decorated def or class at its keyword.
            position = (a.lineno, self.char_column(a.lineno, a.col_offset))
            self._anchors.setdefault(id(line_stmt), position)
            self._anchors.setdefault(id(small), position)
            self._ast_nodes[id(small)] = a
            if isinstance(small, cst.Expr):
                self._anchors.setdefault(id(small.value), position)
            else:
                self._anchor_value(small, a)

    def _anchor_value(self, stmt: cst.CSTNode, twin: ast.stmt) -> None:
        """Anchor an assigned value (``x = Parameter(...)``) where ``ast`` puts it.

        That is where libcst's ``PositionProvider`` puts it too (both place
        ``(a)`` at ``a``), without a position pass over the statement.
        """
        if isinstance(stmt, (cst.Assign, cst.AnnAssign)) and isinstance(twin, (ast.Assign, ast.AnnAssign)):
            value, where = stmt.value, twin.value
            if value is not None and where is not None:
                position = (where.lineno, self.char_column(where.lineno, where.col_offset))
                self._anchors.setdefault(id(value), position)

    def char_column(self, line: int, byte_offset: int) -> int:
        """The 0-based character column of an ``ast`` offset (which counts UTF-8 bytes)."""
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        if text.isascii():
            return byte_offset
        return len(text.encode("utf-8")[:byte_offset].decode("utf-8", errors="replace"))

    def ast_span(self, node: ast.expr | ast.stmt) -> Span:
        """Where an ``ast`` node starts."""
        return Span(self.path, node.lineno, self.char_column(node.lineno, node.col_offset) + 1)

    def statement_span(self, stmt: cst.CSTNode) -> Span:
        """Where an anchored statement starts."""
        line, col = self._anchors.get(id(stmt), (1, 0))
        return Span(self.path, line, col + 1)

    def span(self, node: cst.CSTNode, owner: cst.CSTNode) -> Span:
        """Where ``node`` starts; ``owner`` is the anchored statement holding it."""
        if node is owner or id(node) in self._anchors:
            return self.statement_span(node)
        fast = self._fast_span(node, owner)
        if fast is not None:
            return fast
        ranges = self._ranges.get(id(owner))
        if ranges is None:
            sub = self.module.with_changes(body=[owner], header=[], footer=[])
            wrapper = MetadataWrapper(sub, unsafe_skip_copy=True)
            ranges = dict(wrapper.resolve(PositionProvider))
            self._ranges[id(owner)] = ranges
        node_range = ranges.get(node)
        owner_range = ranges.get(owner)
        if node_range is None or owner_range is None:
            return self.statement_span(owner)
        base_line, base_col = self._anchors.get(id(owner), (1, 0))
        line = base_line + node_range.start.line - owner_range.start.line
        return Span(self.path, line, self._column(node, line, node_range.start.column, base_col) + 1)

    def _fast_span(self, node: cst.CSTNode, owner: cst.CSTNode) -> Span | None:
        """Decorators and body statements of a def or class, straight from ``ast``."""
        twin = self._ast_nodes.get(id(owner))
        if not isinstance(owner, (cst.FunctionDef, cst.ClassDef)) or twin is None:
            return None
        assert isinstance(twin, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        for decorator, twin_decorator in zip(owner.decorators, twin.decorator_list, strict=False):
            if node is decorator:
                # ast points at the expression after "@".
                return Span(
                    self.path,
                    twin_decorator.lineno,
                    self.char_column(twin_decorator.lineno, twin_decorator.col_offset),
                )
        if id(owner.body) not in self._anchors and isinstance(owner.body, cst.IndentedBlock):
            self._anchors[id(owner.body)] = (twin.lineno, self.char_column(twin.lineno, twin.col_offset))
            self.anchor_block(owner.body.body, self._kept.get(id(twin), twin.body))
        if id(node) in self._anchors:
            return self.statement_span(node)
        return None

    def _column(self, node: cst.CSTNode, line: int, sub_col: int, indent: int) -> int:
        """The 0-based column of ``node`` on ``line`` of the real file.

        Inside the detached statement, lines that start with indentation are
        shifted left by the owner's indent, while continuation lines are not;
        the node's own text tells which.
        """
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        head = self.module.code_for_node(node).lstrip().split("\n", 1)[0][:20]
        for candidate in (sub_col + indent, sub_col):
            if head and text.startswith(head, candidate):
                return candidate
        found = text.find(head, sub_col) if head else -1
        return found if found >= 0 else sub_col + indent


def split_lines(text: str) -> list[str]:
    """``text`` split where Python ends a line: at ``\\r\\n``, ``\\r`` or ``\\n``.

    ``str.splitlines()`` also splits on form feeds and other characters that
    may sit inside a line.
    """
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def parse_python(text: str | bytes, path: str) -> ast.Module:
    """``ast.parse``, without the compiler's warnings about the user's code.

    Python prints ``SyntaxWarning``s (``"\\d"`` escapes, ``is`` with a literal...)
    while it parses; they are not flowc's to report and would break its
    one-problem-per-line output.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(text, filename=path)


def parse(path: str, text: str) -> tuple[cst.Module, Locator]:
    """Parse ``text`` with libcst and build its locator.

    libcst sees function bodies only in part (see :func:`_elided_bodies`).
    Raises ``SyntaxError`` (from ``ast``, with a line and column) or
    ``libcst.ParserSyntaxError`` when the file does not parse.
    """
    tree = parse_python(text, path)
    lines = split_lines(text)
    elided = _elided_bodies(tree)
    if elided:
        text = _blank(text, lines, [(low, high) for low, high, _ in elided.values()])
    module = cst.parse_module(text)
    locator = Locator(path, module, tree, lines, {key: kept for key, (_, _, kept) in elided.items()})
    locator.anchor_block(module.body, tree.body)
    return module, locator


def _elided_bodies(tree: ast.Module) -> dict[int, tuple[int, int, list[ast.stmt]]]:
    """The lines of function bodies libcst need not see, by ``id`` of the ast def.

    Of a function's body, the analyzer reads through libcst only the first
    statement (a docstring) and the last (the ``self.next()`` call); the
    rest is read from ``ast`` if at all.  Building libcst nodes is most of
    the analysis time, so the lines strictly between those two statements
    are emptied (kept as empty lines: positions stay those of the file).
    Each entry is ``(first line, last line, statements still parsed)``.
    """
    functions = [s for s in tree.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))]
    for cls in (s for s in tree.body if isinstance(s, ast.ClassDef)):
        functions += [s for s in cls.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))]
    elided: dict[int, tuple[int, int, list[ast.stmt]]] = {}
    for func in functions:
        body = func.body
        low, high = (body[0].end_lineno or body[0].lineno) + 1, _first_line(body[-1]) - 1
        kept = [s for s in body if (s.end_lineno or s.lineno) < low or _first_line(s) > high]
        if len(kept) < len(body):
            elided[id(func)] = (low, high, kept)
    return elided


def _first_line(stmt: ast.stmt) -> int:
    """The line a statement starts on, decorators included."""
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return min([stmt.lineno, *(d.lineno for d in stmt.decorator_list)])
    return stmt.lineno


def _blank(text: str, lines: list[str], spans: list[tuple[int, int]]) -> str:
    """``text`` with lines ``first`` to ``last`` of each span emptied, their line ends kept."""
    starts = [0]  # where each line starts in ``text``
    for line in lines[:-1]:
        end = starts[-1] + len(line)
        starts.append(end + (2 if text.startswith("\r\n", end) else 1))
    pieces: list[str] = []
    done = 0
    for first, last in sorted(spans):
        pieces.append(text[done : starts[first - 1]])
        pieces += [text[starts[n] + len(lines[n]) : starts[n + 1]] for n in range(first - 1, last)]
        done = starts[last]
    pieces.append(text[done:])
    return "".join(pieces)
