"""Evaluating references to configs: ``config.a.b``, ``config["a"]``, ``config_expr("config.a")``.

Python evaluates a step's decorators and a parameter's default inside the
class body, where a config is the class attribute bound above them.  A flow
decorator is evaluated before the class exists: there only
``config_expr("name.key")`` works, which names configs by their *name*
(Metaflow evaluates the string with the configs bound to their names).
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, NoReturn

import libcst as cst
from flowc.transpile.context import Context, NotLiteral, did_you_mean
from flowc.transpile.ir import Span, Value
from flowc.transpile.literals import Reported, evaluate
from libcst.metadata import MetadataWrapper, PositionProvider

if TYPE_CHECKING:
    from flowc.transpile.configs import Declared

#: One step down a reference: ``("attr", name node)`` or ``("item", key expression)``.
_Access = tuple[str, cst.BaseExpression]


class _Text:
    """The ``config_expr`` string being evaluated, to place problems inside it."""

    # A plain class: a dataclass costs ~0.3 ms of import time (exec of its methods).
    __slots__ = ("expr", "outer", "shift", "string")

    def __init__(
        self, string: cst.BaseExpression, expr: cst.BaseExpression, shift: int | None, outer: _Text | None
    ) -> None:
        #: The string literal in the source.
        self.string = string
        #: Its text, parsed.
        self.expr = expr
        #: Column of the expression's first character after the literal's (``None``: escapes, so unknown).
        self.shift = shift
        #: The ``config_expr`` string this one is written in, if any.
        self.outer = outer


class ConfigRefs:
    """The ``refs`` callable of :func:`~flowc.transpile.literals.evaluate` for one flow.

    The analyzer calls :meth:`enter` before each statement it reads, so a
    reference knows its scope (class body or module) and where it is.
    """

    def __init__(self, ctx: Context, declared: list[Declared]) -> None:
        self.root = self.ctx = ctx
        self.by_name = {d.config.name: d for d in declared}
        self.by_attr = {(id(d.cls), d.config.attr): d for d in declared}
        self.cls: cst.ClassDef | None = None
        self.owner: cst.CSTNode | None = None
        self.line = 0
        self.text: _Text | None = None
        self.parsed: dict[str, cst.BaseExpression] = {}

    def enter(self, cls: cst.ClassDef | None, owner: cst.CSTNode, ctx: Context | None = None) -> None:
        """References that follow are in ``cls``'s body (``None``: module scope) at ``owner``.

        ``ctx`` is the context of the file they are written in (a base class may
        come from another module); by default the flow file's.
        """
        self.ctx = ctx or self.root
        self.cls, self.owner = cls, owner
        self.line = self.ctx.locator.statement_span(owner).line

    def __call__(self, node: cst.BaseExpression, operand: bool = False) -> Value:
        root, accesses = _chain(node)
        declared, value = self._root(root)
        if declared is not None and declared.broken:
            raise Reported
        if operand and self.text is None:
            written = cst.Module([]).code_for_node(node)
            self.ctx.report(
                "FLC504",
                self._span(node),
                None,
                f"Metaflow cannot compute with {written!r} outside config_expr()",
                "write the whole expression as config_expr('...'), with configs by name",
            )
        return copy.deepcopy(self._walk(declared, value, accesses))

    # -- the root of a reference ---------------------------------------------------

    def _root(self, root: cst.BaseExpression) -> tuple[Declared | None, Value]:
        if isinstance(root, cst.Call) and self.ctx.imports.resolve(root.func) == "config_expr":
            return None, self._expr(root)
        if not isinstance(root, cst.Name):
            raise NotLiteral(root)
        name = root.value
        if self.text is not None:
            return self._named(root)
        if self.cls is None:
            if name in self.ctx.constants or not any(d.config.attr == name for d in self.by_name.values()):
                raise NotLiteral(root)
            self._report(
                "FLC504",
                root,
                f"config attribute {name!r} does not exist yet where flow decorators are evaluated",
                f"write config_expr('{self._name_of(name)}.key') instead",
            )
        declared = self.by_attr.get((id(self.cls), name))
        if declared is None:
            raise NotLiteral(root)
        if declared.config.span.line > self.line:
            self._report(
                "FLC504",
                root,
                f"config {name!r} is used before it is declared (line {declared.config.span.line})",
                "declare the Config above its first use, or use config_expr()",
            )
        return declared, declared.config.value

    def _name_of(self, attr: str) -> str:
        return next(name for name, d in self.by_name.items() if d.config.attr == attr)

    def _named(self, root: cst.Name) -> tuple[Declared | None, Value]:
        """A name inside a ``config_expr`` string: a config's name, else a module constant."""
        declared = self.by_name.get(root.value)
        if declared is not None:
            return declared, declared.config.value
        if root.value in self.ctx.constants or root.value in ("True", "False", "None"):
            raise NotLiteral(root)
        self._report(
            "FLC503",
            root,
            f"config_expr() names no config {root.value!r}{did_you_mean(root.value, self.by_name)}",
            "configs here: " + (", ".join(sorted(self.by_name)) or "none"),
        )

    def _expr(self, call: cst.Call) -> Value:
        """The value of ``config_expr("...")``: the string parsed and evaluated statically."""
        args = list(call.args)
        text = _literal_text(self.ctx, args[0].value) if len(args) == 1 and args[0].keyword is None else None
        if text is None:
            self._report(
                "FLC504", call, "config_expr() takes one literal string", "write config_expr('config.key')"
            )
        try:
            expr = self.parsed.get(text) or cst.parse_expression(text.strip())
            self.parsed[text] = expr  # the same expression is often written on many steps
        except cst.ParserSyntaxError:
            self._report(
                "FLC504",
                args[0].value,
                f"config_expr({text!r}) is not a Python expression",
                "write config_expr('config.key')",
            )
        outer = self.text
        self.text = _Text(args[0].value, expr, _shift(args[0].value, text), outer)
        try:
            return evaluate(expr, self.ctx.constants, self)
        except NotLiteral as exc:
            shown = cst.Module([]).code_for_node(exc.node)
            self._report(
                "FLC504",
                exc.node,
                f"flowc cannot evaluate {shown!r} in config_expr({text!r}) when compiling",
                "use config names, keys, literals and arithmetic (no calls or methods)",
            )
        finally:
            self.text = outer

    # -- walking keys ----------------------------------------------------------------

    def _walk(self, declared: Declared | None, value: Value, accesses: list[_Access]) -> Value:
        label = declared.config.name if declared is not None else "config_expr()"
        if declared is not None and value is None and accesses:
            self._report(
                "FLC503",
                accesses[0][1],
                f"config {label!r} has no value",
                f"pass --config {label}=FILE or give the Config a default",
            )
        for kind, node in accesses:
            key: Value = node.value if kind == "attr" and isinstance(node, cst.Name) else self._key(node)
            found = _item(value, key)
            if found is not None:
                value = found[0]
            else:
                near = did_you_mean(key, value) if isinstance(value, dict) and isinstance(key, str) else ""
                known = ", ".join(sorted(value)) if isinstance(value, dict) else f"a {type(value).__name__}"
                self._report(
                    "FLC503",
                    node,
                    f"config {label} has no key {key!r}{near}",
                    f"at this point the config holds: {known}",
                )
            label += f".{key}" if kind == "attr" else f"[{key!r}]"
        return value

    def _key(self, node: cst.BaseExpression) -> Value:
        try:
            return evaluate(node, self.ctx.constants, self)
        except NotLiteral as exc:
            self._report(
                "FLC504", exc.node, "a config key must be a literal", "write config['key'] or config.key"
            )

    # -- positions ---------------------------------------------------------------------

    def _span(self, node: cst.CSTNode, text: _Text | None = None) -> Span:
        """Where ``node`` is, computed only when a problem is reported (positions are costly)."""
        text = text or self.text
        assert self.owner is not None
        if text is None:
            return self.ctx.span(node, self.owner)
        base = self._span(text.string, text.outer) if text.outer else self.ctx.span(text.string, self.owner)
        if text.shift is None:
            return base
        module = cst.Module([cst.SimpleStatementLine([cst.Expr(text.expr)])])
        where = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider).get(node)
        if where is None:
            return base
        return Span(base.path, base.line, base.column + text.shift + where.start.column)

    def _report(self, rule: str, node: cst.CSTNode, message: str, hint: str) -> NoReturn:
        self.ctx.report(rule, self._span(node), None, message, hint)
        raise Reported


def _item(value: Value, key: Value) -> tuple[Value] | None:
    """``(value[key],)`` for a key of an object or an index of a list, else ``None``."""
    if isinstance(value, dict) and isinstance(key, str) and key in value:
        return (value[key],)
    if isinstance(value, list) and isinstance(key, int) and not isinstance(key, bool):
        return (value[key],) if -len(value) <= key < len(value) else None
    return None


def _chain(node: cst.BaseExpression) -> tuple[cst.BaseExpression, list[_Access]]:
    """``config.a["b"]`` → ``(config, [("attr", a), ("item", "b")])``."""
    accesses: list[_Access] = []
    while True:
        if isinstance(node, cst.Attribute):
            accesses.append(("attr", node.attr))
            node = node.value
        elif (
            isinstance(node, cst.Subscript)
            and len(node.slice) == 1
            and isinstance(node.slice[0].slice, cst.Index)
        ):
            accesses.append(("item", node.slice[0].slice.value))
            node = node.value
        else:
            return node, accesses[::-1]


def _literal_text(ctx: Context, node: cst.BaseExpression) -> str | None:
    try:
        value = evaluate(node, ctx.constants)
    except NotLiteral:
        return None
    return value if isinstance(value, str) else None


def _shift(string: cst.BaseExpression, text: str) -> int | None:
    """Columns from a string literal's start to its text, when the source shows the text as is."""
    if not isinstance(string, cst.SimpleString):
        return None
    opening = len(string.prefix) + len(string.quote)
    inner = string.value[opening : len(string.value) - len(string.quote)]
    if inner != text or "\\" in inner or "\n" in inner:
        return None
    return opening + (len(text) - len(text.lstrip()))
