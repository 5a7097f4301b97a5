"""Runs nobody submits by hand (``@schedule``, ``@trigger``, ``@trigger_on_finish``) need every value.

A required parameter without a default can only come from the trigger's
event payload; otherwise every scheduled or triggered run would fail, so
targets refuse such a flow at compile time (``FLC401`` at the parameter).
"""

from __future__ import annotations

from flowc.transpile.ir import Flow, Value
from flowc.transpile.problems import Problem


def event_parameters(flow: Flow) -> set[str]:
    """Parameters that ``@trigger`` events map payload fields to."""
    trigger = flow.decorator("trigger")
    if trigger is None:
        return set()
    one, many = trigger.get("event"), trigger.get("events")
    events: list[Value] = [one] if one is not None else list(many) if isinstance(many, list) else []
    found: set[str] = set()
    for event in events:
        mapping = event.get("parameters") if isinstance(event, dict) else None
        if isinstance(mapping, dict):
            found.update(str(k) for k in mapping)
        elif isinstance(mapping, list):
            found.update(str(p) for p in mapping)
    return found


def unattended_problems(flow: Flow, target: str) -> list[Problem]:
    """``FLC401`` for each required parameter a scheduled or triggered run cannot get."""
    scheduled = flow.decorator("schedule") is not None
    triggered = flow.decorator("trigger") is not None or flow.decorator("trigger_on_finish") is not None
    if not scheduled and not triggered:
        return []
    given = set() if scheduled else event_parameters(flow)
    starter = "a scheduled" if scheduled else "a triggered"
    hint = "give the parameter a default" + ("" if scheduled else ", or map it from the trigger's event")
    return [
        Problem(
            "FLC401",
            param.span,
            f"{target} cannot start {starter} run without a value for the required parameter {param.name!r}",
            hint,
        )
        for param in flow.parameters
        if param.required and param.default is None and param.name not in given
    ]
