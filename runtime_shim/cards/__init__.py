"""Cards: self-contained HTML pages documenting one task of a run.

The shim calls :func:`render_task_cards` after a step decorated with
``@card`` succeeds.  Everything here uses the standard library only
(``string.Template`` and ``html.escape`` over templates shipped beside this
file), because it runs inside slim task images.  A card needs no network
when viewed: CSS, JavaScript and SVG are inline.

The user components (:class:`Markdown`, :class:`Table`, :class:`Image`,
:class:`LineChart`, :class:`BarChart`, :class:`Artifact`) are re-exported
here, which is what ``metaflow.cards`` resolves to inside a task.
"""

from __future__ import annotations

from typing import Any

from flowc.runtime_shim.cards.components import Artifact, BarChart, Image, LineChart, Markdown, Table
from flowc.runtime_shim.cards.model import RenderedCard
from flowc.runtime_shim.cards.render import normalize


def render_task_cards(**kwargs: Any) -> list[RenderedCard]:
    """Render every ``@card`` of one successful task; never raises.

    Keyword arguments (unknown ones are ignored, missing ones default):

    - ``flow_name``, ``run_id``, ``step_name``, ``task_id`` (str), ``attempt`` (int);
    - ``card_decorators``: one dict per ``@card`` on the step, its arguments as
      written (``type`` ``"default"``/``"blank"``/``"html"``, ``id``, ``options``...);
    - ``artifacts``: artifact name → value after the step ran;
    - ``parameters``: parameter name → value;
    - ``graph``: the ``flowc graph --format json`` document, or ``None``;
    - ``flow_doc``, ``step_doc``: docstrings (``""`` when absent);
    - ``started_at``, ``finished_at``: epoch seconds (float) or ``None``;
    - ``components``: card id (``None`` for ``current.card.append``) → list of
      user components, in the order they were appended.

    Returns one :class:`RenderedCard` per decorator, in decorator order; a
    card whose rendering failed records the error in its HTML instead.
    """
    from flowc.runtime_shim.cards.render import render_all

    return render_all(kwargs)


__all__ = [
    "Artifact",
    "BarChart",
    "Image",
    "LineChart",
    "Markdown",
    "RenderedCard",
    "Table",
    "normalize",
    "render_task_cards",
]
