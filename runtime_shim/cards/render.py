"""Assemble cards (first cut: a minimal page; the full layout follows)."""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

from flowc.runtime_shim.cards.model import RenderedCard


def render_all(kwargs: Mapping[str, Any]) -> list[RenderedCard]:
    """One card per ``@card`` decorator in ``kwargs['card_decorators']``."""
    decorators = list(kwargs.get("card_decorators") or [{}])
    title = html.escape(f"{kwargs.get('flow_name')}/{kwargs.get('run_id')}/{kwargs.get('step_name')}/{kwargs.get('task_id')}")
    page = f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title></head><body><h1>{title}</h1></body></html>"
    return [RenderedCard(str(d.get("type") or "default"), d.get("id"), page) for d in decorators]
