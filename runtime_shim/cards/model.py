"""The value :func:`flowc.runtime_shim.cards.render_task_cards` returns."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RenderedCard:
    """One rendered card: ``card.html`` or ``card["html"]`` both work."""

    #: ``"default"``, ``"blank"`` or ``"html"``, as given to ``@card(type=...)``.
    type: str
    #: The ``id=`` given to ``@card``, or ``None``.
    id: str | None
    #: The complete, self-contained HTML page.
    html: str
    #: Why rendering failed (the HTML then shows the error), else ``None``.
    error: str | None = None

    def __getitem__(self, key: str) -> str | None:
        if key not in ("type", "id", "html", "error"):
            raise KeyError(key)
        value: str | None = getattr(self, key)
        return value

    def to_dict(self) -> dict[str, str | None]:
        """The card as a plain dict (``type``, ``id``, ``html``, ``error``)."""
        return {"type": self.type, "id": self.id, "html": self.html, "error": self.error}
