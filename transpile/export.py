"""Text forms of the IR: the stable JSON graph contract, Mermaid and DOT."""

from __future__ import annotations

import json
from typing import Any

from flowc.transpile.ir import Flow, Step, StepKind

#: Flow decorators the runtime shim acts on, listed in the graph's top-level ``decorators``
#: (``project`` gives ``current.project_name`` and ``current.branch_name``).
TASK_FLOW_DECORATORS = ("pypi_base", "conda_base", "project")


def graph_json(flow: Flow) -> dict[str, Any]:
    """The ``flowc graph --format json`` document (a stable contract)."""
    doc: dict[str, Any] = {
        "flow": flow.name,
        "file": flow.path,
        "parameters": [
            {
                "name": p.name,
                "type": p.type.value,
                "default": p.default,
                "required": p.required,
                "help": p.help,
            }
            for p in flow.parameters
        ],
        "steps": [_step_json(s) for s in flow.steps],
    }
    if flow.configs:  # absent otherwise, so graphs of flows without configs stay byte for byte the same
        doc["configs"] = {c.name: c.value for c in flow.configs}
    bases = [d for d in flow.decorators if d.name in TASK_FLOW_DECORATORS]
    if bases:  # absent otherwise, so graphs of flows without one stay byte for byte the same
        doc["decorators"] = [{"name": d.name, "args": dict(d.args)} for d in bases]
    if flow.exit_hooks:  # absent otherwise, like configs and decorators
        doc["exit_hooks"] = [
            {"on_success": list(h.on_success), "on_error": list(h.on_error)} for h in flow.exit_hooks
        ]
    return doc


def _step_json(step: Step) -> dict[str, Any]:
    return {
        "name": step.name,
        "kind": step.kind.value,
        "next": list(step.next),
        "foreach": step.foreach,
        "switch": (
            {"condition": step.switch.condition, "cases": step.switch.case_map} if step.switch else None
        ),
        "join": step.is_join,
        "decorators": [{"name": d.name, "args": dict(d.args)} for d in step.decorators],
        "line": step.span.line,
    }


def dumps_json(flow: Flow) -> str:
    """The JSON graph as text, deterministic (stable key order, trailing newline)."""
    return json.dumps(graph_json(flow), indent=2, ensure_ascii=False) + "\n"


_MERMAID_SHAPES = {
    StepKind.FOREACH: ("[/", "/]"),
    StepKind.SWITCH: ("{{", "}}"),
    StepKind.JOIN: ("[[", "]]"),
    StepKind.START: ("([", "])"),
    StepKind.END: ("([", "])"),
}


def _label(text: str) -> str:
    return text.replace('"', "#quot;")


def mermaid(flow: Flow) -> str:
    """A Mermaid ``flowchart`` of the flow."""
    lines = ["flowchart TD"]
    for step in flow.steps:
        left, right = _MERMAID_SHAPES.get(step.kind, ("[", "]"))
        detail = f"{step.name}<br/><i>{step.kind.value}</i>"
        lines.append(f'    {step.name}{left}"{_label(detail)}"{right}')
    for step in flow.steps:
        lines.extend(f"    {step.name} {arrow} {target}" for arrow, target in _edges(step))
    return "\n".join(lines) + "\n"


def _edges(step: Step) -> list[tuple[str, str]]:
    if step.switch:
        return [(f'-- "{_label(key)}" -->', target) for key, target in step.switch.cases]
    if step.foreach:
        return [(f'-- "foreach {step.foreach}" -->', t) for t in step.next]
    return [("-->", t) for t in step.next]


_DOT_SHAPES = {
    StepKind.FOREACH: "parallelogram",
    StepKind.SWITCH: "hexagon",
    StepKind.JOIN: "invtrapezium",
    StepKind.BRANCH: "trapezium",
    StepKind.START: "oval",
    StepKind.END: "oval",
}


def _dot_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def dot(flow: Flow) -> str:
    """A Graphviz DOT digraph of the flow."""
    lines = [f"digraph {_dot_quote(flow.name)} {{", "  rankdir=TB;", '  node [fontname="Helvetica"];']
    for step in flow.steps:
        decos = ", ".join("@" + d.name for d in step.decorators)
        label = f"{step.name}\\n({step.kind.value})" + (f"\\n{decos}" if decos else "")
        shape = _DOT_SHAPES.get(step.kind, "box")
        lines.append(f'  {_dot_quote(step.name)} [shape={shape}, label="{label}"];')
    for step in flow.steps:
        for arrow, target in _edges(step):
            attrs = ""
            if step.switch or step.foreach:
                text = arrow.split('"')[1]
                attrs = f" [label={_dot_quote(text)}]"
            lines.append(f"  {_dot_quote(step.name)} -> {_dot_quote(target)}{attrs};")
    lines.append("}")
    return "\n".join(lines) + "\n"
