"""``@exit_hook`` on Argo: one task per hook function in the workflow's exit handler.

Argo runs the ``onExit`` template once the workflow has ended (events.py
builds it).  Each ``on_success`` function gets a task there that runs when
``{{workflow.status}}`` is ``Succeeded``, each ``on_error`` one a task that
runs when it is ``Failed`` or ``Error``, as Metaflow's Argo deployer does.
A task calls the end step's shared container template with
``--step exit_hook:FN`` (docs/task-contract.md): the hook runs with the
end step's image, resources, environment and secrets, and no container
is copied per hook.
"""

from __future__ import annotations

import os

from flowc.backends.argo.containers import TemplateKey
from flowc.backends.argo.limits import field_name
from flowc.runtime_shim.exithook import hook_step
from flowc.transpile.ir import ExitHook, Flow

#: Argo's conditions for "the workflow succeeded" and "it failed", evaluated when it exits.
ON_SUCCESS = "{{workflow.status}} == Succeeded"
ON_ERROR = "{{workflow.status}} == Failed || {{workflow.status}} == Error"
#: The task id hook processes are given (hooks store nothing under it).
HOOK_TASK_ID = "exit-hook"


def hook_tasks(flow: Flow, key: TemplateKey, flow_file: str) -> list[dict[str, object]]:
    """The exit handler's DAG tasks calling ``flow``'s hooks through template ``key`` (the end step's)."""
    tasks: list[dict[str, object]] = []
    seen: set[str] = set()
    for hook in flow.exit_hooks:
        for outcome, names, when in (
            ("success", hook.on_success, ON_SUCCESS),
            ("error", hook.on_error, ON_ERROR),
        ):
            for function in names:
                name = _unique(field_name(f"{outcome}-{function.replace('.', '-')}"), seen)
                task: dict[str, object] = {"name": name, "template": key.name(), "when": when}
                task["arguments"] = {"parameters": _arguments(flow, hook, function, key, flow_file)}
                tasks.append(task)
    return tasks


def _arguments(
    flow: Flow, hook: ExitHook, function: str, key: TemplateKey, flow_file: str
) -> list[dict[str, str]]:
    params = [{"name": "step", "value": hook_step(function)}, {"name": "task-id", "value": HOOK_TASK_ID}]
    if not key.start:
        params.append({"name": "input-paths", "value": ""})
    params.append({"name": "source", "value": _source(flow, hook, flow_file)})
    return params


def _source(flow: Flow, hook: ExitHook, flow_file: str) -> str:
    """``file.py:LINE`` of the decorator (a base flow's file relative to the flow file's folder)."""
    path = hook.span.path
    if path != flow.span.path:
        folder = os.path.dirname(flow.span.path) or "."
        return f"{os.path.relpath(path, folder).replace(os.sep, '/')}:{hook.span.line}"
    return f"{flow_file}:{hook.span.line}"


def _unique(name: str, seen: set[str]) -> str:
    """``name``, or ``name-2``, ``name-3``... when a function is listed twice."""
    candidate, count = name, 1
    while candidate in seen:
        count += 1
        candidate = field_name(f"{name}-{count}")
    seen.add(candidate)
    return candidate
