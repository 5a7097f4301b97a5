"""The value :func:`flowc.runtime_shim.cards.render_task_cards` returns."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RenderedCard:
    """One rendered card: ``card.html`` or ``card["html"]`` both work."""

    #: ``"default"`` or ``"blank"`` (or ``"error"`` when rendering failed).
    type: str
    #: The ``id=`` given to ``@card``, or ``None``.
    id: str | None
    #: The complete, self-contained HTML page.
    html: str

    def __getitem__(self, key: str) -> str | None:
        if key not in ("type", "id", "html"):
            raise KeyError(key)
        value: str | None = getattr(self, key)
        return value

    def to_dict(self) -> dict[str, str | None]:
        """The card as a plain dict (``type``, ``id``, ``html``)."""
        return {"type": self.type, "id": self.id, "html": self.html}
