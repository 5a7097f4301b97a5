"""The DAG file around the tasks: imports, constants, params and schedule."""

from __future__ import annotations

import importlib.resources
from typing import Any

import jinja2
from flowc.backends.airflow.literal import py_block, py_literal, py_text_lines
from flowc.backends.airflow.operator_args import environment, needs_k8s_models, secret_environment
from flowc.backends.airflow.plan import Plan, Relay, RunTask, SplitsTask, SwitchTask
from flowc.backends.airflow.project import branch, branch_environment, dag_id, project_name, upstream_assets
from flowc.backends.airflow.support import Settings
from flowc.backends.airflow.triggers import (
    EVENT_ASSET_PREFIX,
    events_constant,
    schedule_expression,
    trigger_events,
)
from flowc.backends.base import CompileOptions
from flowc.backends.cron import five_field_cron
from flowc.transpile.ir import Flow, Parameter, ParamType, StepKind, Value

#: JSON-schema type of each parameter type in Airflow's ``Param`` (JSON parameters take any value).
PARAM_TYPES = {
    ParamType.STR: "string",
    ParamType.INT: "integer",
    ParamType.FLOAT: "number",
    ParamType.BOOL: "boolean",
    ParamType.FILE: "string",
}


def param_source(parameter: Parameter) -> str:
    """``Param(...)`` for one flow parameter, typed, required ones without a default."""
    kind = PARAM_TYPES.get(parameter.type)
    description = parameter.help or ""
    args: list[str] = []
    schema: Value = kind
    if parameter.default is not None:
        args.append(py_literal(parameter.default))
    elif not parameter.required:
        args.append("None")
        schema = ["null", kind] if kind else None
    if schema is not None:
        args.append(f"type={py_literal(schema)}")
    if description:
        args.append(f"description={py_literal(description)}")
    return f"Param({', '.join(args)})"


def params_source(flow: Flow) -> str:
    """The ``params={...}`` dict of the DAG."""
    if not flow.parameters:
        return "{}"
    lines = [f"        {py_literal(p.name)}: {param_source(p)}," for p in flow.parameters]
    return "{\n" + "\n".join(lines) + "\n    }"


def schedule_source(flow: Flow, options: CompileOptions) -> tuple[str, str]:
    """The ``schedule=`` value and the time zone of ``start_date``."""
    schedule = flow.decorator("schedule")
    if schedule is not None:
        zone = schedule.get("timezone") or "UTC"
        cron = schedule.get("cron")
        if isinstance(cron, str):  # six AWS fields become five (support.py refuses the rest)
            return py_literal(five_field_cron(cron)), py_literal(zone)
        for key in ("hourly", "weekly", "daily"):
            if schedule.get(key):
                return py_literal("@" + key), py_literal(zone)
        return py_literal("@daily"), py_literal(zone)
    events, _ = trigger_events(flow)
    if events:
        return schedule_expression(events), py_literal("UTC")
    if flow.decorator("trigger_on_finish") is not None:
        assets = ", ".join(f"Asset({py_literal(a)})" for a in upstream_assets(flow, options)[0])
        return f"[{assets}]", py_literal("UTC")
    return "None", py_literal("UTC")


def imports_source(plan: Plan, settings: Settings, flow: Flow) -> str:
    """The import block, with only what the file uses."""
    local = settings.operator == "local"
    runs = [n for n in plan.nodes if isinstance(n, RunTask)]
    steps = {n.step for n in runs}
    timed = any(flow.step(s).decorator(d) for s in steps for d in ("retry", "timeout"))
    stdlib = ["import json"] + (["import os"] if local else []) + ["import re"]
    stdlib += ["import subprocess", "import sys"] if local else []
    stdlib += ["from datetime import timedelta"] if timed else []
    stdlib += ["from typing import Any"]
    sdk = ["DAG", "Asset"] + (["Param"] if flow.parameters else [])
    if any(n.trigger_rule for n in runs):
        sdk.append("TriggerRule")
    sdk += ["get_current_context"] + ([] if local else ["literal"]) + ["task"]
    third = ["import pendulum"]
    if not local:
        third.append("from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator")
    if any(isinstance(n, Relay) for n in plan.nodes):
        third.append("from airflow.providers.standard.operators.empty import EmptyOperator")
    third.append(f"from airflow.sdk import {', '.join(sdk)}")
    if local and flow.exit_hooks:
        third.append("from airflow.sdk.exceptions import AirflowSkipException")
    if not local and any(needs_k8s_models(flow.step(s), settings.secrets) for s in steps):
        third.append("from kubernetes.client import models as k8s")
    return "from __future__ import annotations\n\n" + "\n".join(stdlib) + "\n\n" + "\n".join(third)


def command_source(command: list[str]) -> str:
    """The bootstrap command's parts, one ``literal(...)`` per line; the snippet line by line."""
    parts = []
    for part in command:
        if "\n" in part:
            parts.append("    literal" + py_text_lines(part, "    ") + ",")
        else:
            parts.append(f"    literal({py_literal(part)}),")
    return "\n".join(parts)


def template_values(
    flow: Flow, options: CompileOptions, settings: Settings, plan: Plan, command: list[str], body: str
) -> dict[str, Any]:
    """Everything the DAG template fills in, already as Python source."""
    local = settings.operator == "local"
    schedule, zone = schedule_source(flow, options)
    tags: list[Value] = ["flowc"]
    if flow.decorator("project") is not None:
        tags += [f"project:{project_name(flow)}", f"branch:{branch(flow, options)}"]
    shared = branch_environment(flow, options)
    env = {s.name: {**environment(s), **secret_environment(s), **shared} for s in flow.steps}
    events = events_constant(trigger_events(flow)[0])
    return {
        "flow_name": flow.name,
        "flow_name_literal": py_literal(flow.name),
        "dag_id_literal": py_literal(dag_id(flow, options)),
        "flow_file_literal": py_literal(options.flow_file),
        "operator_note": (
            "local (each task runs the flowc shim on the Airflow worker)"
            if local
            else "kubernetes (each task is a KubernetesPodOperator pod running the flowc shim)"
        ),
        "imports": imports_source(plan, settings, flow),
        "local": local,
        "start_literal": py_literal(flow.start),
        "end_literal": py_literal(flow.end),
        "exit_hooks": bool(flow.exit_hooks),
        "datastore": py_literal(options.datastore),
        "package_url": py_literal(options.package_url),
        "package_sha256": py_literal(options.package_sha256),
        "max_map_length": settings.max_map_length,
        "python": py_literal(settings.python),
        "parameters": py_block({p.name: p.type.value for p in flow.parameters}),
        "inputs": py_block({k: list(v) for k, v in plan.inputs.items()}),
        "loops": py_block({k: list(v) for k, v in plan.loops.items()}),
        "loop_levels": py_block(dict(plan.loop_levels)),
        "loop_inputs": py_block({k: list(v) for k, v in plan.loop_inputs.items()})
        if plan.loop_inputs
        else "",
        # "" leaves the guard code out of flows that need none
        "guards": py_block({k: [m, [list(e) for e in es]] for k, (m, es) in plan.guards.items()})
        if plan.guards
        else "",
        "has_splits": any(isinstance(n, SplitsTask) for n in plan.nodes),
        "has_switches": any(isinstance(n, SwitchTask) for n in plan.nodes),
        "switches": py_literal([s.name for s in flow.steps if s.kind is StepKind.SWITCH]),
        "environment": py_block({k: dict(v) for k, v in env.items() if v}),
        # "" leaves the event code out of flows without @trigger
        "events": py_block(events) if events else "",
        "event_asset_prefix": py_literal(EVENT_ASSET_PREFIX),
        "command": command_source(command),
        "description": py_literal(f"flowc flow {flow.name} ({options.flow_file})"),
        "doc_md": py_literal(flow.docstring) if flow.docstring else "None",
        "schedule": schedule,
        "start_date": ", ".join(str(n) for n in settings.start_date),
        "timezone": zone,
        "tags": py_literal(tags),
        "params": params_source(flow),
        "body": body.rstrip("\n"),
    }


def render_file(values: dict[str, Any]) -> str:
    """The DAG file's text."""
    source = (
        importlib.resources.files("flowc.backends.airflow").joinpath("dag_template.txt").read_text("utf-8")
    )
    environment_ = jinja2.Environment(keep_trailing_newline=True, undefined=jinja2.StrictUndefined)
    text = environment_.from_string(source).render(values)
    return text.rstrip("\n") + "\n"
