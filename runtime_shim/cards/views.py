"""Type-appropriate HTML views of artifact values, escaped and truncated.

Every piece of user data goes through :func:`html.escape`, so an artifact
holding ``<script>`` shows as text.  Views never raise on odd objects: a
``repr`` that fails is shown as such.
"""

from __future__ import annotations

import itertools
import re
import reprlib
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from flowc.runtime_shim.cards.charts import is_number, line_chart


@dataclass(frozen=True)
class Limits:
    """How much of a value a card shows (``@card(options=...)`` can change them)."""

    #: Rows of a list, dict or table shown before truncating.
    max_rows: int = 20
    #: Columns of a table of records.
    max_columns: int = 12
    #: Characters of a long string or ``repr``.
    max_chars: int = 2000
    #: Strings up to this length, without newlines, are shown inline.
    inline_chars: int = 120

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> Limits:
        """Limits from ``@card(options={"max_rows": 50, ...})``; bad values are ignored."""
        fields = {}
        for name in ("max_rows", "max_columns", "max_chars", "inline_chars"):
            value = options.get(name)
            if isinstance(value, int) and not isinstance(value, bool) and value > 0:
                fields[name] = value
        return cls(**fields)


_ADDRESS = re.compile(r" (?:object )?at 0x[0-9a-fA-F]+>")


class _BoundedRepr(reprlib.Repr):
    """A ``repr`` that looks at no more of a container than a card can show."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.maxlevel = 3
        self.maxlist = self.maxtuple = self.maxset = self.maxfrozenset = 12
        self.maxdict = self.maxdeque = self.maxarray = 12
        self.maxstring = self.maxother = self.maxlong = max(limit, 8)

    def repr_instance(self, obj: Any, level: int) -> str:
        try:
            text = repr(obj)
        except Exception as exc:  # a user's __repr__ may fail; the card must not
            return f"<repr failed: {type(exc).__name__}>"
        return text if len(text) <= self.maxother else text[: self.maxother] + "…"


def safe_repr(value: object, limit: int) -> str:
    """A ``repr`` of ``value`` cut to ``limit`` characters (strings as they are); never raises.

    Containers are walked only as far as shown, so a cell holding a list of
    millions of items costs no more than one holding three.  Memory addresses
    (``<X object at 0x7f...>``) are dropped: two runs' cards stay comparable.
    """
    try:
        text = value if isinstance(value, str) else _ADDRESS.sub(">", _BoundedRepr(limit).repr(value))
    except Exception as exc:  # a user's __repr__ may fail; the card must not
        text = f"<repr failed: {type(exc).__name__}>"
    return text if len(text) <= limit else text[:limit] + "…"


def type_label(value: object) -> str:
    """A short type description: ``list[30]``, ``dict[4]``, ``str[120]``, ``float``."""
    name = type(value).__name__
    if isinstance(value, (str, bytes, bytearray, Mapping, list, tuple, set, frozenset)):
        return f"{name}[{len(value)}]"
    return name


def _more(shown: int, total: int, noun: str) -> str:
    if shown >= total:
        return ""
    return f'<p class="more">showing {shown:,} of {total:,} {noun}</p>'


def _cell(value: object, limits: Limits) -> str:
    return f"<td>{escape(safe_repr(value, limits.inline_chars))}</td>"


def _inline(value: object) -> str:
    return f'<code class="scalar">{escape(safe_repr(value, 200))}</code>'


def _string(value: str, limits: Limits) -> str:
    if len(value) <= limits.inline_chars and "\n" not in value:
        return f'<code class="scalar">{escape(value)}</code>'
    shown = value[: limits.max_chars]
    return f'<pre class="text">{escape(shown)}</pre>' + _more(len(shown), len(value), "characters")


def _bytes(value: bytes | bytearray) -> str:
    preview = bytes(value[:32]).hex(" ")
    ellipsis = " …" if len(value) > 32 else ""
    return f'<p>{len(value):,} bytes</p><pre class="text">{escape(preview)}{ellipsis}</pre>'


def _mapping(value: Mapping[Any, Any], limits: Limits) -> str:
    shown = list(itertools.islice(value.items(), limits.max_rows))
    rows = "".join(
        f"<tr><th>{escape(safe_repr(k, limits.inline_chars))}</th>{_cell(v, limits)}</tr>" for k, v in shown
    )
    table = f'<table class="kv"><tr><th>key</th><th>value</th></tr>{rows}</table>'
    return table + _more(len(shown), len(value), "entries")


def _records(rows: Sequence[Mapping[Any, Any]], limits: Limits, total: int | None = None) -> str:
    columns: list[Any] = []
    for row in rows[: limits.max_rows]:
        columns.extend(k for k in row if k not in columns)
    shown_columns = columns[: limits.max_columns]
    head = "".join(f"<th>{escape(safe_repr(c, limits.inline_chars))}</th>" for c in shown_columns)
    body = "".join(
        "<tr>" + "".join(_cell(row.get(c, ""), limits) for c in shown_columns) + "</tr>"
        for row in rows[: limits.max_rows]
    )
    notes = _more(len(shown_columns), len(columns), "columns")
    return (
        f'<table class="records"><tr>{head}</tr>{body}</table>'
        + _more(min(len(rows), limits.max_rows), len(rows) if total is None else total, "rows")
        + notes
    )


def _numbers(values: Sequence[float], limits: Limits) -> str:
    stats = (
        f'<p class="stats">n={len(values):,} min={min(values):.6g} max={max(values):.6g} '
        f"mean={statistics.fmean(values):.6g}</p>"
    )
    return (
        line_chart(values)
        + stats
        + f"<details><summary>values</summary>{_sequence(values, limits)}</details>"
    )


def _sequence(values: Sequence[Any], limits: Limits) -> str:
    rows = "".join(
        f"<tr><th>{i}</th>{_cell(v, limits)}</tr>" for i, v in enumerate(values[: limits.max_rows])
    )
    table = f'<table class="list"><tr><th>#</th><th>value</th></tr>{rows}</table>'
    return table + _more(min(len(values), limits.max_rows), len(values), "items")


def _collection(value: Sequence[Any], limits: Limits) -> str:
    if len(value) >= 2 and all(is_number(v) for v in value):
        return _numbers(value, limits)
    if value and all(isinstance(v, Mapping) for v in value[: limits.max_rows]):
        return _records(value, limits)
    return _sequence(value, limits)


def _duck_typed(value: Any, limits: Limits) -> str | None:
    """Views of data frames and 1-D arrays, recognised by shape (no numpy or pandas import)."""
    shape = getattr(value, "shape", None)
    if not isinstance(shape, tuple):
        return None
    if (
        len(shape) == 2
        and callable(getattr(value, "head", None))
        and callable(getattr(value, "to_dict", None))
    ):
        records = value.head(limits.max_rows).to_dict(orient="records")
        note = f'<p class="stats">{shape[0]:,} rows × {shape[1]:,} columns</p>'
        return note + _records(records, limits, total=shape[0])
    if len(shape) == 1 and callable(getattr(value, "tolist", None)) and shape[0] <= 1_000_000:
        return _collection(value.tolist(), limits)
    return None


def artifact_view(value: object, limits: Limits) -> str:
    """The HTML view of one artifact value."""
    try:
        duck = _duck_typed(value, limits)
    except Exception:  # an odd object that only looks like a frame: fall back to repr
        duck = None
    if duck is not None:
        return duck
    if value is None or isinstance(value, (bool, int, float, complex)):
        return _inline(value)
    if isinstance(value, str):
        return _string(value, limits)
    if isinstance(value, (bytes, bytearray)):
        return _bytes(value)
    if isinstance(value, Mapping):
        return _mapping(value, limits)
    if isinstance(value, (list, tuple)):
        return _collection(value, limits)
    if isinstance(value, (set, frozenset)):
        return _sequence(sorted(value, key=lambda v: safe_repr(v, limits.inline_chars)), limits)
    return _string(safe_repr(value, limits.max_chars + 1), limits)
