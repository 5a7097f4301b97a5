"""Python literals for generated DAG files.

Every value that came from the user's flow (names, defaults, help texts,
decorator arguments) reaches the DAG file through :func:`py_literal`, so
importing the file evaluates plain constants and never runs user text.
"""

from __future__ import annotations

import math

from flowc.transpile.ir import Value


def py_literal(value: Value) -> str:
    """``value`` as Python source that evaluates back to an equal value.

    Strings are double-quoted ASCII with Python escapes; containers are
    written on one line.
    """
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return f"float({str(value)!r})"
        return repr(value)
    if isinstance(value, str):
        return py_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(py_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        items = (f"{py_literal(k)}: {py_literal(v)}" for k, v in value.items())
        return "{" + ", ".join(items) + "}"
    raise TypeError(f"not a JSON-like value: {type(value).__name__}")


_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def py_string(text: str) -> str:
    """A double-quoted, ASCII-only Python string literal for ``text``.

    (``json.dumps`` would not do: it writes astral characters as surrogate
    pairs, which Python reads back as two characters.)
    """
    out = []
    for char in text:
        code = ord(char)
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif 0x20 <= code < 0x7F:
            out.append(char)
        elif code <= 0xFF:
            out.append(f"\\x{code:02x}")
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return '"' + "".join(out) + '"'


def py_block(value: dict[str, Value], indent: str = "") -> str:
    """A dict literal with one key per line, for long constants that reviewers read."""
    if not value:
        return "{}"
    lines = [f"{indent}    {py_literal(k)}: {py_literal(v)}," for k, v in value.items()]
    return "{\n" + "\n".join(lines) + f"\n{indent}}}"


def py_text_lines(text: str, indent: str) -> str:
    """A long string as implicitly concatenated literals, one source line per text line."""
    parts = text.splitlines(keepends=True) or [""]
    return "(\n" + "".join(f"{indent}    {py_literal(p)}\n" for p in parts) + f"{indent})"
