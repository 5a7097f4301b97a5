"""Static evaluation of literal expressions, without executing anything.

Accepted: numbers, strings (including implicit concatenation and f-strings
without placeholders), ``True``/``False``/``None``, lists, tuples, sets and
dicts of literals, unary ``-``/``+``, arithmetic between numbers, and names
bound once at module level to such a literal (``RETRIES = 3``).
"""

from __future__ import annotations

import inspect
import math
import operator
from collections.abc import Callable, Mapping
from typing import Protocol, cast

import libcst as cst
from flowc.transpile.ir import Value


class NotLiteral(Exception):
    """The expression cannot be evaluated statically; ``node`` says where."""

    def __init__(self, node: cst.CSTNode) -> None:
        super().__init__("not a literal")
        self.node = node


_BINARY: dict[type[cst.BaseBinaryOp], Callable[[object, object], object]] = {
    cst.Add: operator.add,
    cst.Subtract: operator.sub,
    cst.Multiply: operator.mul,
    cst.Divide: operator.truediv,
    cst.FloorDivide: operator.floordiv,
    cst.Modulo: operator.mod,
    cst.Power: operator.pow,
}

_NAMED = {"True": True, "False": False, "None": None}


class Reported(Exception):
    """A reference was wrong and its problem is already reported: stop without another one."""


class Refs(Protocol):
    """Evaluates what plain literals cannot: references to the flow's configs.

    ``operand`` is true when the value is an operand of ``+``, ``-``...
    (Metaflow cannot compute with a config outside ``config_expr``).  Raises
    :class:`NotLiteral` for anything that is not a reference, :class:`Reported`
    for a wrong one.
    """

    def __call__(self, node: cst.BaseExpression, operand: bool = False) -> Value: ...


def evaluate(
    node: cst.BaseExpression,
    constants: Mapping[str, Value] | None = None,
    refs: Refs | None = None,
    operand: bool = False,
) -> Value:
    """The value of ``node``; raises :class:`NotLiteral` naming the culprit.

    ``refs`` is asked first about names, attributes, subscripts and calls;
    ``operand`` says ``node`` is an operand of an arithmetic operator.
    """
    constants = constants or {}
    if refs is not None and isinstance(node, (cst.Name, cst.Attribute, cst.Subscript, cst.Call)):
        try:
            return refs(node, operand)
        except NotLiteral:
            pass
    if isinstance(node, (cst.Integer, cst.Float)):
        # The parser has checked the token: int() and float() read it as Python
        # would, without ast.literal_eval parsing it again.
        digits = node.value.replace("_", "")
        try:
            number = int(digits, 0) if isinstance(node, cst.Integer) else float(digits)
        except ValueError:  # more digits than int() converts (sys.get_int_max_str_digits())
            raise NotLiteral(node) from None
        if not _reasonable(number):
            raise NotLiteral(node)
        return number
    if isinstance(node, cst.Imaginary):
        raise NotLiteral(node)
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        value = string_value(node)
        if isinstance(value, bytes):
            raise NotLiteral(node)
        if value is None:
            raise NotLiteral(node)
        return value
    if isinstance(node, cst.FormattedString):
        if any(isinstance(part, cst.FormattedStringExpression) for part in node.parts):
            raise NotLiteral(node)
        return "".join(cast(cst.FormattedStringText, p).value for p in node.parts)
    if isinstance(node, cst.Name):
        if node.value in _NAMED:
            return _NAMED[node.value]
        if node.value in constants:
            return constants[node.value]
        raise NotLiteral(node)
    if isinstance(node, cst.UnaryOperation):
        inner = evaluate(node.expression, constants, refs, operand=True)
        if isinstance(inner, (int, float)) and not isinstance(inner, bool):
            if isinstance(node.operator, cst.Minus):
                return -inner
            if isinstance(node.operator, cst.Plus):
                return inner
        raise NotLiteral(node)
    if isinstance(node, cst.BinaryOperation):
        return _binary(node, constants, refs)
    if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
        return [_element(e, constants, refs) for e in node.elements]
    if isinstance(node, cst.Dict):
        return _dict(node, constants, refs)
    raise NotLiteral(node)


def string_value(node: cst.SimpleString | cst.ConcatenatedString) -> str | bytes | None:
    """What libcst's ``evaluated_value`` gives, reading plain strings directly.

    ``evaluated_value`` parses every literal with ``ast.literal_eval``; a
    string without escapes or a bytes prefix is just the text between its
    quotes.
    """
    if isinstance(node, cst.SimpleString):
        text = node.raw_value
        if "b" not in node.prefix and "\\" not in text and "\r" not in text:
            return text
        return node.evaluated_value
    if isinstance(node.left, cst.FormattedString) or isinstance(node.right, cst.FormattedString):
        return None
    left, right = string_value(node.left), string_value(node.right)
    if isinstance(left, str) and isinstance(right, str):
        return left + right
    if isinstance(left, bytes) and isinstance(right, bytes):
        return left + right
    return None


def docstring(node: cst.FunctionDef | cst.ClassDef) -> str | None:
    """The docstring of ``node`` as libcst's ``get_docstring(clean=True)`` gives it."""
    first: cst.CSTNode = node.body
    while isinstance(first, (cst.BaseSuite, cst.SimpleStatementLine)):
        if not first.body:
            return None
        first = first.body[0]
    if not isinstance(first, cst.Expr) or not isinstance(
        first.value, (cst.SimpleString, cst.ConcatenatedString)
    ):
        return None
    value = string_value(first.value)
    return inspect.cleandoc(value) if isinstance(value, str) else None


def _binary(node: cst.BinaryOperation, constants: Mapping[str, Value], refs: Refs | None) -> Value:
    op = _BINARY.get(type(node.operator))
    left = evaluate(node.left, constants, refs, operand=True)
    right = evaluate(node.right, constants, refs, operand=True)
    if op is None:
        raise NotLiteral(node)
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (left, right))
    strings = isinstance(left, str) and isinstance(right, str) and op is operator.add
    if not (numbers or strings):
        raise NotLiteral(node)
    if op is operator.pow and _power_too_big(cast(float, left), cast(float, right)):
        raise NotLiteral(node)
    try:
        result = op(left, right)
    except (ArithmeticError, ValueError) as exc:
        raise NotLiteral(node) from exc
    if not _reasonable(result):
        raise NotLiteral(node)
    return cast(Value, result)


#: Arithmetic results beyond this many bits are refused, so a constant such
#: as ``10 ** 10 ** 10`` cannot make the analyzer hang or run out of memory.
_MAX_BITS = 4096


def _power_too_big(base: float, exponent: float) -> bool:
    if abs(base) <= 1:
        return False
    return math.log2(abs(base)) * abs(exponent) > _MAX_BITS


def _reasonable(result: object) -> bool:
    """Results a flow can hold: finite floats, bounded ints and strings (no complex)."""
    if isinstance(result, float):
        return math.isfinite(result)
    if isinstance(result, int):
        return result.bit_length() <= _MAX_BITS
    return isinstance(result, str)


def _element(element: cst.BaseElement, constants: Mapping[str, Value], refs: Refs | None) -> Value:
    if isinstance(element, cst.StarredElement):
        raise NotLiteral(element)
    return evaluate(element.value, constants, refs)


def _dict(node: cst.Dict, constants: Mapping[str, Value], refs: Refs | None) -> Value:
    result: dict[str, Value] = {}
    for element in node.elements:
        if not isinstance(element, cst.DictElement):
            raise NotLiteral(element)
        key = evaluate(element.key, constants, refs)
        if isinstance(key, (int, float, bool)) or key is None:
            key = str(key)
        if not isinstance(key, str):
            raise NotLiteral(element.key)
        result[key] = evaluate(element.value, constants, refs)
    return result


def module_constants(module: cst.Module, imported: Mapping[str, Value] | None = None) -> dict[str, Value]:
    """Names bound exactly once at module level to a literal.

    ``imported`` holds literals the module's imports bind (``from settings
    import RETRIES``): assignments may use them, and they stay constants
    unless the module assigns the name itself.
    """
    seen: dict[str, int] = {}
    values: dict[str, Value] = dict(imported or {})
    for stmt in module.body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            targets: list[cst.BaseExpression] = []
            value: cst.BaseExpression | None = None
            if isinstance(small, cst.Assign):
                targets = [t.target for t in small.targets]
                value = small.value
            elif isinstance(small, cst.AnnAssign) and small.value is not None:
                targets = [small.target]
                value = small.value
            for target in targets:
                if isinstance(target, cst.Name) and value is not None:
                    seen[target.value] = seen.get(target.value, 0) + 1
                    try:
                        values[target.value] = evaluate(value, values)
                    except (NotLiteral, RecursionError):
                        values.pop(target.value, None)
    return {k: v for k, v in values.items() if seen.get(k, 0) == 1 or k not in seen}
