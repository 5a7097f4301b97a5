"""Building run-time values with ASL intrinsic functions, safely.

User text never enters intrinsic-function source: templates are flowc's own
text (step names, flags, separators) and are checked against a small
character set here; user values reach the state machine only as plain JSON
data (a key without the ``.$`` suffix) or through a JSONPath reference.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Characters allowed in template text: nothing that needs escaping in an
#: intrinsic string literal (``' { } \``) and nothing JSONPath-like.
_TEMPLATE_TEXT = re.compile(r"^[A-Za-z0-9_./,?*=+:-]*$")
#: JSONPaths flowc writes itself: ``$.a.b``, ``$$.Map.Item.Value``, ``$.params['x-y']``.
_PATH = re.compile(r"^\$\$?(\.[A-Za-z_][A-Za-z0-9_]*|\['[A-Za-z0-9_-]+'\])*$")


def check_template_text(text: str) -> str:
    """``text`` if it may appear in an intrinsic string literal; ``ValueError`` otherwise."""
    if not _TEMPLATE_TEXT.fullmatch(text):
        raise ValueError(f"unsafe text for an intrinsic template: {text!r}")
    return text


def check_path(path: str) -> str:
    """``path`` if it is a JSONPath of the shape flowc generates; ``ValueError`` otherwise."""
    if not _PATH.fullmatch(path) and not path.startswith("States."):
        raise ValueError(f"unexpected JSONPath or intrinsic: {path!r}")
    return path


def member(base: str, key: str) -> str:
    """The JSONPath of ``key`` under ``base``, bracketed when ``key`` is not an identifier."""
    if re.fullmatch(r"^[A-Za-z_][A-Za-z0-9_]*$", key):
        return f"{base}.{key}"
    if not re.fullmatch(r"^[A-Za-z0-9_-]+$", key):
        raise ValueError(f"key {key!r} cannot be addressed safely by JSONPath")
    return f"{base}['{key}']"


@dataclass(frozen=True, slots=True)
class Fmt:
    """A string built at run time: ``template`` with each ``{}`` filled from ``paths``.

    A ``Fmt`` without paths is plain text known at compile time.
    """

    #: flowc's own text with ``{}`` slots.
    template: str
    #: One JSONPath (or intrinsic) per slot, in order.
    paths: tuple[str, ...] = ()
    #: The template is a lone ``{}`` whose path already holds a string, so
    #: the path can be used as it is, without ``States.Format``.
    direct: bool = False

    def __post_init__(self) -> None:
        pieces = self.template.split("{}")
        if len(pieces) - 1 != len(self.paths):
            raise ValueError(f"{self.template!r} has {len(pieces) - 1} slots for {len(self.paths)} paths")
        for piece in pieces:
            check_template_text(piece)
        for path in self.paths:
            check_path(path)

    @staticmethod
    def text(value: str) -> Fmt:
        """Static text (checked like any template text)."""
        return Fmt(value)

    @staticmethod
    def of(path: str) -> Fmt:
        """The string value at ``path`` itself (``path`` must hold a string)."""
        return Fmt("{}", (path,), direct=True)

    @property
    def is_static(self) -> bool:
        """Whether the value is known at compile time."""
        return not self.paths

    def __add__(self, other: Fmt) -> Fmt:
        return Fmt(self.template + other.template, self.paths + other.paths)

    def expression(self) -> str:
        """The intrinsic (or bare path) computing the value as a string."""
        if self.is_static:
            raise ValueError("a static value needs no expression")
        if self.direct:
            return self.paths[0]
        return f"States.Format('{self.template}', {', '.join(self.paths)})"


def join(parts: list[Fmt], separator: str) -> Fmt:
    """``parts`` joined with ``separator`` (flowc's own text)."""
    out = Fmt("")
    for position, part in enumerate(parts):
        out = out + (Fmt(separator) if position else Fmt("")) + part
    return out


def put(target: dict[str, object], key: str, value: Fmt | str) -> None:
    """Set ``key`` in a Parameters/ItemSelector template to ``value``.

    Static text is stored as plain data; a run-time value as ``key.$``.
    """
    if isinstance(value, str):
        target[key] = value
    elif value.is_static:
        target[key] = value.template
    else:
        target[f"{key}.$"] = value.expression()
