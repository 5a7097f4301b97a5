"""A small, deterministic YAML writer for the documents flowc builds.

The documents are plain trees of dicts (written in insertion order), lists,
strings, ints and bools.  Writing them ourselves keeps the bytes identical
whatever PyYAML or libyaml version is installed, and is fast enough for a
thousand-step flow.  Strings are plain when that is unambiguous, a literal
block for readable multi-line text, and double-quoted otherwise.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence

#: Plain scalars we are sure every YAML 1.1/1.2 reader takes as the same string.
_PLAIN = re.compile(r"^[A-Za-z_/][A-Za-z0-9_./@-]*(?: [A-Za-z0-9_./@()-]+)*$")
#: Plain-looking words YAML 1.1 reads as booleans or null.
_SPECIAL = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"})
#: Characters that must be escaped inside a double-quoted YAML scalar.  Left to
#: ``re``'s own cache rather than compiled here: the class takes ~0.4 ms to
#: compile, and printable ASCII text (nearly all of it) never needs it.
_ESCAPE = "[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]"


def dump_document(tree: Mapping[str, object]) -> str:
    """One YAML document (no ``---``), ending with a newline."""
    lines: list[str] = []
    _mapping(tree, 0, lines)
    return "\n".join(lines) + "\n"


def _scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _string(value)
    raise TypeError(f"cannot write {type(value).__name__} as YAML")


def _string(text: str) -> str:
    if _PLAIN.fullmatch(text) and text.lower() not in _SPECIAL:
        return text
    quoted = json.dumps(text, ensure_ascii=False)
    if not _has_escapes(quoted):
        return quoted
    return re.sub(_ESCAPE, lambda m: f"\\u{ord(m.group()):04x}", quoted)


def _has_escapes(text: str) -> bool:
    """Whether ``text`` holds a character that needs escaping in YAML."""
    return not (text.isascii() and text.isprintable()) and re.search(_ESCAPE, text) is not None


def _literal_ok(text: str) -> bool:
    """Whether a literal block (``|``) holds ``text`` exactly."""
    if "\n" not in text or text.startswith((" ", "\n")) or _has_escapes(text.replace("\n", "")):
        return False
    body = text[:-1] if text.endswith("\n") else text
    return not body.endswith("\n") and all(line.strip() or not line for line in body.split("\n"))


def _literal(text: str, indent: int) -> list[str]:
    chomp = "" if text.endswith("\n") else "-"
    pad = " " * indent
    body = text[:-1] if text.endswith("\n") else text
    return [f"|{chomp}"] + [pad + line if line else "" for line in body.split("\n")]


def _is_block(value: object) -> bool:
    return isinstance(value, (Mapping, list, tuple)) and len(value) > 0


def _mapping(tree: Mapping[str, object], indent: int, lines: list[str], first: str | None = None) -> None:
    pad = " " * indent
    for index, (key, value) in enumerate(tree.items()):
        prefix = first if (first is not None and index == 0) else pad
        head = f"{prefix}{_string(key)}:"
        _value(head, value, indent, lines)


def _value(head: str, value: object, indent: int, lines: list[str]) -> None:
    if isinstance(value, Mapping):
        if value:
            lines.append(head)
            _mapping(value, indent + 2, lines)
        else:
            lines.append(head + " {}")
    elif isinstance(value, (list, tuple)):
        if value:
            lines.append(head)
            _sequence(value, indent, lines)
        else:
            lines.append(head + " []")
    elif isinstance(value, str) and _literal_ok(value):
        block = _literal(value, indent + 2)
        lines.append(f"{head} {block[0]}")
        lines.extend(block[1:])
    else:
        lines.append(f"{head} {_scalar(value)}")


def _sequence(items: Sequence[object], indent: int, lines: list[str]) -> None:
    pad = " " * indent
    for item in items:
        if isinstance(item, Mapping) and item:
            _mapping(item, indent + 2, lines, first=pad + "- ")
        elif _is_block(item):
            lines.append(pad + "-")
            assert isinstance(item, (list, tuple))
            _sequence(item, indent + 2, lines)
        elif isinstance(item, str) and _literal_ok(item):
            block = _literal(item, indent + 2)
            lines.append(f"{pad}- {block[0]}")
            lines.extend(block[1:])
        elif isinstance(item, Mapping):
            lines.append(pad + "- {}")
        elif isinstance(item, (list, tuple)):
            lines.append(pad + "- []")
        else:
            lines.append(f"{pad}- {_scalar(item)}")
