"""Components users append to a card with ``current.card.append(...)``.

Each component keeps its data and renders it with :meth:`to_html` when the
card is built, after the step succeeded.  All text is escaped.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from flowc.runtime_shim.cards import charts, markdown
from flowc.runtime_shim.cards.views import Limits, artifact_view, safe_repr

_IMAGE_TYPES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


class Component:
    """Base of all card components."""

    def to_html(self) -> str:
        """The component's HTML fragment."""
        raise NotImplementedError


class Markdown(Component):
    """Text written in a small Markdown subset (headings, lists, emphasis, code, links)."""

    def __init__(self, text: str) -> None:
        self.text = str(text)

    def to_html(self) -> str:
        return f'<div class="md">{markdown.to_html(self.text)}</div>'


class Table(Component):
    """A table: ``Table([[1, "a"], [2, "b"]], headers=["n", "letter"])``.

    Cells may be plain values or other components.  At most ``max_rows``
    rows are shown, with a note giving the total.
    """

    def __init__(
        self, data: Sequence[Sequence[Any]], headers: Sequence[str] | None = None, max_rows: int = 1000
    ) -> None:
        self.data = [list(row) for row in data]
        self.headers = [str(h) for h in headers] if headers else []
        self.max_rows = max_rows

    @classmethod
    def from_records(cls, records: Sequence[Mapping[str, Any]], max_rows: int = 1000) -> Table:
        """A table with one column per key found in ``records``."""
        headers: list[str] = []
        for record in records:
            headers.extend(str(k) for k in record if str(k) not in headers)
        rows = [[record.get(h, "") for h in headers] for record in records]
        return cls(rows, headers, max_rows)

    def to_html(self) -> str:
        head = "".join(f"<th>{escape(h)}</th>" for h in self.headers)
        rows = "".join(
            "<tr>" + "".join(f"<td>{_cell(cell)}</td>" for cell in row) + "</tr>"
            for row in self.data[: self.max_rows]
        )
        more = ""
        if len(self.data) > self.max_rows:
            more = f'<p class="more">showing {self.max_rows:,} of {len(self.data):,} rows</p>'
        return f'<table class="user">{f"<tr>{head}</tr>" if head else ""}{rows}</table>{more}'


class Image(Component):
    """An image from PNG (or JPEG/GIF) bytes, embedded as a ``data:`` URI."""

    def __init__(self, data: bytes, label: str | None = None) -> None:
        if not isinstance(data, (bytes, bytearray)):
            raise TypeError(f"Image needs bytes, got {type(data).__name__}")
        self.data = bytes(data)
        self.label = label

    def to_html(self) -> str:
        mime = next((m for magic, m in _IMAGE_TYPES if self.data.startswith(magic)), None)
        caption = f"<figcaption>{escape(self.label)}</figcaption>" if self.label else ""
        if mime is None:
            return f'<p class="error">Image: {len(self.data):,} bytes that are not PNG, JPEG or GIF.</p>'
        encoded = base64.b64encode(self.data).decode("ascii")
        alt = escape(self.label or "image", quote=True)
        return f'<figure><img alt="{alt}" src="data:{mime};base64,{encoded}"/>{caption}</figure>'


class LineChart(Component):
    """A line chart of a numeric sequence against its index."""

    def __init__(self, values: Sequence[float], title: str = "") -> None:
        self.values = [float(v) for v in values]
        self.title = title

    def to_html(self) -> str:
        caption = f"<figcaption>{escape(self.title)}</figcaption>" if self.title else ""
        return f"<figure>{charts.line_chart(self.values, self.title)}{caption}</figure>"


class BarChart(Component):
    """A bar chart: ``BarChart({"a": 3, "b": 5})`` or ``BarChart(labels, values)``."""

    def __init__(
        self,
        data: Mapping[str, float] | Sequence[str],
        values: Sequence[float] | None = None,
        title: str = "",
    ) -> None:
        if isinstance(data, Mapping):
            self.labels, self.values = [str(k) for k in data], [float(v) for v in data.values()]
        else:
            self.labels, self.values = [str(k) for k in data], [float(v) for v in values or []]
        self.title = title

    def to_html(self) -> str:
        caption = f"<figcaption>{escape(self.title)}</figcaption>" if self.title else ""
        return f"<figure>{charts.bar_chart(self.labels, self.values, self.title)}{caption}</figure>"


class Artifact(Component):
    """Any value, shown the way the default card shows artifacts."""

    def __init__(self, value: Any, name: str | None = None) -> None:
        self.value = value
        self.name = name

    def to_html(self) -> str:
        title = f"<h3>{escape(self.name)}</h3>" if self.name else ""
        return title + artifact_view(self.value, Limits())


def _cell(value: object) -> str:
    """A table cell: components render, plain values show as text."""
    if isinstance(value, Component):
        return render_component(value)
    return escape(safe_repr(value, 500))


def render_component(component: object) -> str:
    """HTML for a component or a plain value; a failing component shows its error."""
    try:
        if isinstance(component, Component) or callable(getattr(component, "to_html", None)):
            return str(component.to_html())  # type: ignore[attr-defined]
        if isinstance(component, str):
            return f'<p class="text">{escape(component)}</p>'
        return artifact_view(component, Limits())
    except Exception as exc:  # one broken component must not lose the card
        return f'<p class="error">{escape(type(component).__name__)} failed to render: {escape(safe_repr(exc, 500))}</p>'


__all__ = ["Artifact", "BarChart", "Component", "Image", "LineChart", "Markdown", "Table", "render_component"]
