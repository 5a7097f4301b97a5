"""``@trigger``: the named events a flow waits for, as Airflow assets.

Every event ``E`` is the asset named ``flowc-event:E`` (its URI is the same
string).  The DAG is scheduled on all of them at once
(``Asset("flowc-event:a") & Asset("flowc-event:b")``), so Airflow starts a
run when every event has arrived, as Metaflow does.  An external system
sends an event by creating an asset event on that asset (Airflow's REST
API ``POST /api/v2/assets/events``) whose ``extra`` is the event's
payload; the start task maps payload fields to the run's parameters
(``EVENTS`` in the DAG file).  See docs/airflow.md, "Events".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flowc.backends.airflow.literal import py_literal
from flowc.transpile.ir import Flow, Value
from flowc.transpile.problems import Problem

#: Prefix of the asset standing for an event.
EVENT_ASSET_PREFIX = "flowc-event:"

#: Event names Airflow keeps unchanged as an asset URI: no ``/``, ``?`` or ``#``,
#: which its URI normalisation would rewrite.
_EVENT_NAME = re.compile(r"[A-Za-z0-9_.:@+-]{1,200}")


@dataclass(frozen=True, slots=True)
class Event:
    """One event of ``@trigger``."""

    #: The event's name.
    name: str
    #: (parameter, payload field) pairs, in the order written.
    parameters: tuple[tuple[str, str], ...]


def event_asset(event: str) -> str:
    """The name (and URI) of the asset standing for ``event``."""
    return EVENT_ASSET_PREFIX + event


def trigger_events(flow: Flow) -> tuple[list[Event], list[Problem]]:
    """The events of the flow's ``@trigger``, or ``FLC401`` problems for what Airflow cannot map."""
    decorator = flow.decorator("trigger")
    if decorator is None:
        return [], []
    problems: list[Problem] = []

    def bad(what: str, hint: str) -> None:
        problems.append(Problem("FLC401", decorator.span, f"Airflow cannot express {what}", hint))

    event = decorator.get("event")
    items = [event] if event is not None else decorator.get("events")
    events: list[Event] = []
    for item in items if isinstance(items, list) else []:
        parsed = _event(item, bad)
        if parsed is not None and parsed.name not in {e.name for e in events}:
            events.append(parsed)
    if not events and not problems:
        bad("@trigger without events", "name the events: @trigger(event='data_ready')")
    known = {p.name for p in flow.parameters}
    for parsed in events:
        for parameter, _ in parsed.parameters:
            if parameter not in known:
                bad(
                    f"@trigger event {parsed.name!r} setting {parameter!r}, which is not a parameter",
                    "parameters of the flow: " + (", ".join(sorted(known)) or "none"),
                )
    return events, problems


def _event(item: Value, bad: object) -> Event | None:
    """One ``event=`` entry: a name, or ``{"name": ..., "parameters": ...}``."""
    assert callable(bad)
    name = item.get("name") if isinstance(item, dict) else item
    if not isinstance(name, str) or not _EVENT_NAME.fullmatch(name):
        bad(
            f"the @trigger event {name!r} as an asset",
            "name events with letters, digits and _ . : @ + - (at most 200)",
        )
        return None
    raw = item.get("parameters") if isinstance(item, dict) else None
    pairs = _pairs(raw)
    if pairs is None:
        bad(
            f"the parameters {raw!r} of @trigger event {name!r}",
            'map parameters to payload fields: {"param": "field"} or ["param", ...]',
        )
        return None
    return Event(name, pairs)


def _pairs(raw: Value) -> tuple[tuple[str, str], ...] | None:
    """(parameter, field) pairs from a dict or a list of names or pairs; ``None`` if malformed."""
    if raw is None:
        return ()
    if isinstance(raw, dict):
        if all(isinstance(v, str) for v in raw.values()):
            return tuple((k, str(v)) for k, v in raw.items())
        return None
    if not isinstance(raw, list):
        return None
    pairs = []
    for entry in raw:
        if isinstance(entry, str):
            pairs.append((entry, entry))
        elif isinstance(entry, list) and len(entry) == 2 and all(isinstance(e, str) for e in entry):
            pairs.append((str(entry[0]), str(entry[1])))
        else:
            return None
    return tuple(pairs)


def schedule_expression(events: list[Event]) -> str:
    """``schedule=`` source: the assets of all events, joined with ``&`` (all must arrive)."""
    return " & ".join(f"Asset({py_literal(event_asset(e.name))})" for e in events)


def events_constant(events: list[Event]) -> dict[str, Value]:
    """``EVENTS`` of the DAG file: event → {parameter: payload field}."""
    return {e.name: {p: f for p, f in e.parameters} for e in events}
