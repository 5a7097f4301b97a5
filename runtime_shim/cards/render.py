"""Assemble whole cards from the task facts, the decorators and user components."""

from __future__ import annotations

import os
import re
import string
import traceback
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from flowc.runtime_shim.cards import sections
from flowc.runtime_shim.cards.model import RenderedCard
from flowc.runtime_shim.cards.sections import TaskFacts
from flowc.runtime_shim.cards.views import Limits

_HERE = os.path.dirname(os.path.abspath(__file__))
_FACT_FIELDS = TaskFacts.__dataclass_fields__


def _asset(name: str) -> str:
    with open(os.path.join(_HERE, name), encoding="utf-8") as handle:
        return handle.read()


def _facts(kwargs: Mapping[str, Any]) -> TaskFacts:
    """The known keyword arguments, with ``None`` treated as absent."""
    given = {k: v for k, v in kwargs.items() if k in _FACT_FIELDS and v is not None}
    for key in ("flow_name", "run_id", "step_name", "task_id", "flow_doc", "step_doc"):
        if key in given:
            given[key] = str(given[key])
    if "attempt" in given:
        given["attempt"] = int(given["attempt"])
    return TaskFacts(**given)


def page(facts: TaskFacts, card_type: str, card_id: str | None, body: str) -> str:
    """A complete card page around ``body``."""
    template = string.Template(_asset("card.html"))
    suffix = f" · {card_id}" if card_id else ""
    return template.substitute(
        card_type=escape(card_type, quote=True),
        card_id=escape(card_id or "", quote=True),
        run_id=escape(facts.run_id, quote=True),
        title=escape(f"{facts.flow_name} · {facts.step_name}{suffix}"),
        heading=escape(f"{facts.flow_name} · step {facts.step_name}{suffix}"),
        pathspec=escape(facts.pathspec),
        style=_asset("card.css"),
        script=_asset("card.js"),
        body=body,
    )


def _default_body(facts: TaskFacts, options: Mapping[str, Any], components: Sequence[object]) -> str:
    limits = Limits.from_options(options)
    only = options.get("artifacts")
    only_names = [str(n) for n in only] if isinstance(only, (list, tuple)) else None
    return "".join(
        [
            sections.graph_section(facts),
            sections.task_section(facts),
            sections.docs_section(facts),
            sections.parameters_section(facts, limits),
            sections.components_section(components),
            sections.artifacts_section(facts, limits, only_names),
        ]
    )


def render_card(facts: TaskFacts, decorator: Mapping[str, Any], components: Sequence[object]) -> RenderedCard:
    """One card; a failure gives a card that records the error."""
    card_type = str(decorator.get("type") or "default")
    card_id = None if decorator.get("id") is None else str(decorator.get("id"))
    try:
        options = decorator.get("options") or {}
        if not isinstance(options, Mapping):
            raise TypeError(f"@card options must be a dict, got {type(options).__name__}")
        if card_type == "blank":
            body = sections.components_section(components) or '<p class="muted">This card is empty.</p>'
        elif card_type == "default":
            body = _default_body(facts, options, components)
        elif card_type == "html":
            body = _html_body(facts, options)
        else:
            raise ValueError(f"unknown card type {card_type!r} (use 'default', 'blank' or 'html')")
        return RenderedCard(card_type, card_id, page(facts, card_type, card_id, body))
    except Exception as exc:
        return error_card(facts, card_type, card_id, exc)


def _html_body(facts: TaskFacts, options: Mapping[str, Any]) -> str:
    """The ``html`` card: the step's own HTML, from the artifact ``options["attribute"]`` (``html``)."""
    name = str(options.get("attribute") or "html")
    value = facts.artifacts.get(name)
    if not isinstance(value, str):
        found = "was not set" if value is None else f"is a {type(value).__name__}"
        raise ValueError(f"the html card shows the text artifact {name!r}, which {found} in this step")
    return value


def error_card(facts: TaskFacts, card_type: str, card_id: str | None, exc: BaseException) -> RenderedCard:
    """A card that says why rendering failed (the step itself succeeded)."""
    detail = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    message = f"{type(exc).__name__}: {exc}"
    body = (
        '<section id="card-error" class="error-box"><h2>This card could not be rendered</h2>'
        f'<p class="error">{escape(message)}</p><pre>{escape(detail)}</pre>'
        "<p>The step itself succeeded; only its card failed.</p></section>"
    )
    try:
        html_text = page(facts, card_type, card_id, body)
    except Exception:  # even the page template failed: emit the bare minimum
        html_text = f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>card error</title></head><body>{body}</body></html>"
    return RenderedCard(card_type, card_id, html_text, error=message)


def assign_components(
    decorators: Sequence[Mapping[str, Any]], components: Mapping[Any, Sequence[object]]
) -> list[list[object]]:
    """Which user components go on which card.

    ``current.card.append`` (key ``None``) fills the only card, or else the
    first card without an id; ``current.card["x"]`` fills the card ``id="x"``.
    Components with no card to go to are listed on the first card with a note.
    """
    placed: list[list[object]] = [[] for _ in decorators]
    ids = [d.get("id") for d in decorators]
    for key, items in components.items():
        if key is None:
            target = 0 if len(decorators) == 1 else next((i for i, x in enumerate(ids) if x is None), -1)
        else:
            target = ids.index(key) if key in ids else -1
        if target >= 0:
            placed[target].extend(items)
        elif placed:
            from flowc.runtime_shim.cards.components import Markdown

            note = Markdown(
                f"*{len(items)} component(s) were appended to card {key!r}, which this step does not have.*"
            )
            placed[0].extend([note, *items])
    return placed


def render_all(kwargs: Mapping[str, Any]) -> list[RenderedCard]:
    """One card per ``@card`` decorator in ``kwargs['card_decorators']``; never raises."""
    try:
        facts = _facts(kwargs)
    except Exception as exc:
        return [error_card(TaskFacts(), "default", None, exc)]
    decorators = [d if isinstance(d, Mapping) else {} for d in kwargs.get("card_decorators") or [{}]]
    try:
        placed = assign_components(decorators, kwargs.get("components") or {})
    except Exception as exc:
        return [error_card(facts, str(d.get("type") or "default"), d.get("id"), exc) for d in decorators]
    return [render_card(facts, d, items) for d, items in zip(decorators, placed, strict=True)]


_VOLATILE = re.compile(r'<span class="volatile">.*?</span>', re.DOTALL)
_RUN_ID = re.compile(r'data-run-id="([^"]*)"')


def normalize(card_html: str) -> str:
    """The card with run ids and clock readings blanked, to compare two runs' cards."""
    match = _RUN_ID.search(card_html)
    text = _VOLATILE.sub('<span class="volatile">…</span>', card_html)
    if match and match.group(1):
        text = text.replace(match.group(1), "RUN")
    return text
