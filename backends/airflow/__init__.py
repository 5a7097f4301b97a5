"""The Airflow target: one DAG file per flow for Airflow 3.

``emit`` checks what Airflow cannot express (``FLC401``), its naming limits
(``FLC402``) and the ``--set`` settings (``FLC403``), lays the steps out as
tasks (:mod:`.plan`) and writes them as readable Python (:mod:`.render`,
:mod:`.dagfile`).  Design notes: ``docs/airflow.md``.
"""

from __future__ import annotations

import re

from flowc.backends.airflow.dagfile import render_file, template_values
from flowc.backends.airflow.guards import compute_guards
from flowc.backends.airflow.limits import check_key, check_width
from flowc.backends.airflow.plan import Plan, RunTask, SplitsTask, SwitchTask, build_plan
from flowc.backends.airflow.project import branch_environment, dag_id, flow_asset, upstream_assets
from flowc.backends.airflow.render import Renderer
from flowc.backends.airflow.support import Settings, loop_problems, parse_settings, unsupported_constructs
from flowc.backends.base import CompileError, CompileOptions, Document
from flowc.transpile.ir import Flow
from flowc.transpile.problems import Problem


def emit(flow: Flow, options: CompileOptions) -> list[Document]:
    """The DAG file for ``flow``: ``<flow_snake>_dag.py``."""
    settings, problems = parse_settings(flow, options)
    loops = loop_problems(flow)
    problems += unsupported_constructs(flow, settings) + upstream_assets(flow, options)[1] + loops
    if loops:  # the plan can only lay out the loops it supports
        raise CompileError(problems)
    kubernetes = settings.operator == "kubernetes"
    guards = compute_guards(flow)
    plan = build_plan(flow, settings.max_iterations, kubernetes, guards)
    problems += limit_problems(flow, plan, settings, dag_id(flow, options))
    if problems:
        raise CompileError(problems)
    shared = (
        settings.namespace,
        settings.secrets,
        flow_asset(flow, options),
        branch_environment(flow, options),
    )
    body = Renderer(flow, plan, kubernetes, options.image, *shared).body()
    if flow.exit_hooks:
        body += _hooks_body(flow, kubernetes, options.image, settings, shared[3])
    values = template_values(flow, options, settings, plan, _command(options, bool(plan.guards)), body)
    return [Document(dag_filename(flow), render_file(values))]


def _hooks_body(flow: Flow, kubernetes: bool, image: str, settings: Settings, env: dict[str, str]) -> str:
    """The ``@exit_hook`` tasks, indented for the ``with DAG(...)`` block (exithooks.py)."""
    from flowc.backends.airflow.exithooks import hook_statements

    text = hook_statements(flow, kubernetes, image, settings.namespace, settings.secrets, env)
    return "".join(f"    {line}\n" if line else "\n" for line in text.splitlines())


def dag_filename(flow: Flow) -> str:
    """``ForeachTuningFlow`` → ``foreach_tuning_flow_dag.py``."""
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", flow.name).lower()
    return f"{snake}_dag.py"


def limit_problems(flow: Flow, plan: Plan, settings: Settings, dag: str) -> list[Problem]:
    """``FLC402`` problems: ids Airflow would refuse (``dag``: the DAG id), fan-outs wider than it maps."""
    found = [check_key("dag_id", dag, flow.span)]
    for node in plan.nodes:
        span = flow.step(node.step).span if isinstance(node, (RunTask, SplitsTask, SwitchTask)) else flow.span
        found.append(check_key("task_id", node.task_id, span))
        if isinstance(node, RunTask) and settings.operator == "kubernetes":
            found.append(check_key("task_id", node.task_id + "-args", span))
    if flow.exit_hooks:
        from flowc.backends.airflow.exithooks import hook_tasks

        for task_id, _, _ in hook_tasks(flow):
            found.append(check_key("task_id", task_id, flow.span))
            if settings.operator == "kubernetes":
                found.append(check_key("task_id", task_id + "-args", flow.span))
    for step in flow.steps:
        if step.num_parallel is not None:
            found.append(check_width(step.name, step.num_parallel, settings.max_map_length, step.span))
    return [p for p in found if p is not None]


#: Run before the bootstrap in pods of flows with guards: an inactive task only
#: pushes its marker (the last argument) as its XCom.
INACTIVE_PREFIX = """\
import sys
if sys.argv[-2:-1] == ["--flowc-airflow-inactive"]:
    import os
    os.makedirs("/airflow/xcom", exist_ok=True)
    with open("/airflow/xcom/return.json", "w") as handle:
        handle.write(sys.argv[-1])
    sys.exit(0)
"""


def _command(options: CompileOptions, guarded: bool) -> list[str]:
    """The bootstrap part of the pod command (without the shim arguments)."""
    from flowc.runtime_shim.bootstrap import bootstrap_command

    command = bootstrap_command(options.package_url, options.package_sha256, ["task"])[:-1]
    assert command[1] == "-c", command
    if guarded:
        command[2] = INACTIVE_PREFIX + command[2]
    return command


__all__ = ["emit"]
