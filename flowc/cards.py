"""Card components for ``current.card.append(...)``: ``from flowc.cards import Markdown``.

They live in the runtime shim (:mod:`flowc.runtime_shim.cards.components`)
so that tasks can render them where only the shim is installed.
"""

from flowc.runtime_shim.cards.components import Artifact, BarChart, Image, LineChart, Markdown, Table

__all__ = ["Artifact", "BarChart", "Image", "LineChart", "Markdown", "Table"]
