"""The sections of the default card, each a function returning an HTML fragment."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any

from flowc.runtime_shim.cards.components import render_component
from flowc.runtime_shim.cards.dag import graph_svg
from flowc.runtime_shim.cards.views import Limits, artifact_view, type_label


@dataclass(frozen=True)
class TaskFacts:
    """What the shim tells the card renderer about one task."""

    flow_name: str = ""
    run_id: str = ""
    step_name: str = ""
    task_id: str = ""
    attempt: int = 0
    artifacts: Mapping[str, Any] = field(default_factory=dict)
    parameters: Mapping[str, Any] = field(default_factory=dict)
    graph: Mapping[str, Any] | None = None
    flow_doc: str = ""
    step_doc: str = ""
    started_at: float | None = None
    finished_at: float | None = None

    @property
    def pathspec(self) -> str:
        """``Flow/run/step/task``."""
        return f"{self.flow_name}/{self.run_id}/{self.step_name}/{self.task_id}"


def _volatile(text: str) -> str:
    """Mark text that differs between two runs of the same flow (ids, clocks)."""
    return f'<span class="volatile">{escape(text)}</span>'


def _when(ts: float | None) -> str:
    if ts is None:
        return "unknown"
    moment = datetime.datetime.fromtimestamp(ts, tz=datetime.timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def graph_section(facts: TaskFacts) -> str:
    """The flow's graph with this task's step highlighted."""
    return f'<section id="graph"><h2>Flow graph</h2><div class="graph">{graph_svg(facts.graph, facts.step_name)}</div></section>'


def task_section(facts: TaskFacts) -> str:
    """Ids, attempt and timings."""
    duration = "unknown"
    if facts.started_at is not None and facts.finished_at is not None:
        duration = f"{facts.finished_at - facts.started_at:.3f} s"
    rows = [
        ("flow", escape(facts.flow_name)),
        ("run", _volatile(facts.run_id)),
        ("step", escape(facts.step_name)),
        ("task", escape(facts.task_id)),
        ("attempt", escape(str(facts.attempt))),
        ("started", _volatile(_when(facts.started_at))),
        ("finished", _volatile(_when(facts.finished_at))),
        ("duration", _volatile(duration)),
    ]
    body = "".join(f'<tr><th>{k}</th><td data-field="{k}">{v}</td></tr>' for k, v in rows)
    return f'<section id="task"><h2>Task</h2><table class="facts">{body}</table></section>'


def docs_section(facts: TaskFacts) -> str:
    """The flow's and the step's docstrings (omitted when both are empty)."""
    parts = [
        f'<h3>{label}</h3><p class="doc" data-doc="{key}">{escape(text)}</p>'
        for key, label, text in (
            ("flow", f"Flow {facts.flow_name}", facts.flow_doc),
            ("step", f"Step {facts.step_name}", facts.step_doc),
        )
        if text
    ]
    if not parts:
        return ""
    return '<section id="docs"><h2>Documentation</h2>' + "".join(parts) + "</section>"


def parameters_section(facts: TaskFacts, limits: Limits) -> str:
    """One row per parameter."""
    if not facts.parameters:
        return ""
    rows = "".join(
        f'<tr data-parameter="{escape(name, quote=True)}"><th>{escape(name)}</th><td>{artifact_view(value, limits)}</td></tr>'
        for name, value in sorted(facts.parameters.items())
    )
    return f'<section id="parameters"><h2>Parameters</h2><table class="params">{rows}</table></section>'


def components_section(components: Sequence[object], title: str = "Content") -> str:
    """What the step appended with ``current.card.append``."""
    if not components:
        return ""
    items = "".join(f'<div class="component">{render_component(c)}</div>' for c in components)
    return f'<section id="components"><h2>{escape(title)}</h2>{items}</section>'


def shown_artifacts(facts: TaskFacts, only: Sequence[str] | None = None) -> list[str]:
    """Names of the artifacts the card shows: public, not parameters, sorted."""
    names = [n for n in facts.artifacts if not n.startswith("_") and n not in facts.parameters]
    if only is not None:
        names = [n for n in names if n in only]
    return sorted(names)


def artifacts_section(facts: TaskFacts, limits: Limits, only: Sequence[str] | None = None) -> str:
    """Every shown artifact with a view suited to its type, and a name filter."""
    names = shown_artifacts(facts, only)
    if not names:
        return '<section id="artifacts"><h2>Artifacts</h2><p class="muted">This task stored no artifacts.</p></section>'
    items = []
    for name in names:
        value = facts.artifacts[name]
        attr = escape(name, quote=True)
        items.append(
            f'<div class="artifact" id="artifact-{attr}" data-artifact="{attr}">'
            f'<h3>{escape(name)}<span class="type">{escape(type_label(value))}</span></h3>'
            f"{artifact_view(value, limits)}</div>"
        )
    tools = (
        '<p><input id="artifact-filter" type="search" placeholder="Filter artifacts by name" aria-label="Filter artifacts">'
        f' <span id="artifact-count" class="muted">{len(names)} artifacts</span></p>'
    )
    return f'<section id="artifacts"><h2>Artifacts</h2>{tools}{"".join(items)}</section>'
