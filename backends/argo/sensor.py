"""``@trigger`` / ``@trigger_on_finish`` → an Argo Events Sensor.

The Sensor listens on one event source (``--set event_source=...``, event
``--set event_name=...``) for JSON bodies ``{"name": ..., "payload": {...}}``
and submits the WorkflowTemplate when every named event has arrived.  A
finished run is announced as ``flowc.flow.<identity>.finished``, the identity
being the flow's deployed name: ``<project>.<branch>.<Flow>`` with
``@project``, else ``<Flow>`` (:func:`flowc.backends.argo.documents.base_name`).

An upstream of ``@trigger_on_finish`` resolves to an identity as Metaflow
resolves it (and the Airflow and SFN targets): ``"Up"`` lives in this flow's
project and branch when it has ``@project``, ``"proj.branch.Up"`` names both
(the branch may contain dots), and ``{"name": ..., "project": ...,
"project_branch": ...}`` gives what it gives, the rest from this flow.
"""

from __future__ import annotations

from flowc.backends.argo.documents import API_VERSION, branch, metadata
from flowc.backends.base import CompileOptions
from flowc.transpile.ir import Flow, Span, Value

#: Default Argo Events EventSource and event the Sensor listens on and the
#: exit hook (events.py) publishes to.
DEFAULT_EVENT_SOURCE = "flowc"
DEFAULT_EVENT_NAME = "flowc"


class SensorError(ValueError):
    """A trigger the Sensor cannot express (``span``: where it is written, if known)."""

    def __init__(self, what: str, hint: str = "name every event", span: Span | None = None) -> None:
        super().__init__(what)
        self.hint = hint
        self.span = span


def event_address(options: CompileOptions) -> tuple[str, str]:
    """(EventSource name, event name): ``--set event_source=`` / ``event_name=``."""
    return (
        options.setting("event_source", DEFAULT_EVENT_SOURCE),
        options.setting("event_name", DEFAULT_EVENT_NAME),
    )


def finished_event(identity: str) -> str:
    """The event a finished run of the flow deployed as ``identity`` is announced with."""
    return f"flowc.flow.{identity}.finished"


def upstream_identity(flow: Flow, options: CompileOptions, item: Value, span: Span) -> str:
    """The deployed identity of the ``@trigger_on_finish`` upstream ``item`` of ``flow``."""
    if isinstance(item, str):
        name, project, branch_ = _split(item)
    elif isinstance(item, dict) and isinstance(item.get("name"), str):
        name, project, branch_ = (str(item.get(k) or "") for k in ("name", "project", "project_branch"))
    else:
        raise SensorError(
            f"the @trigger_on_finish flow {item!r} without a name", "name the flow: flow='UpstreamFlow'", span
        )
    if "." in name:
        hint = "write 'Flow' or 'project.branch.Flow'"
        raise SensorError(f"the @trigger_on_finish flow {item!r} (one dot is neither form)", hint, span)
    own = flow.decorator("project")
    project = project or (str(own.get("name") or "") if own is not None else "")
    branch_ = branch_ or branch(flow, options)
    if bool(project) != bool(branch_):
        what = f"the @trigger_on_finish flow {item!r} with only one of project and branch"
        raise SensorError(
            what, "give both 'project' and 'project_branch', or add @project to this flow", span
        )
    return ".".join(part for part in (project, branch_, name) if part)


def _split(text: str) -> tuple[str, str, str]:
    """``proj.branch.Flow`` → (Flow, proj, branch); anything with fewer dots is a name."""
    if text.count(".") < 2:
        return text, "", ""
    project, tail = text.split(".", 1)
    branch_, name = tail.rsplit(".", 1)
    return name, project, branch_


def _events(flow: Flow, options: CompileOptions) -> list[tuple[str, dict[str, str]]]:
    """(event name, parameter → payload field) for every event the flow waits for."""
    found: list[tuple[str, dict[str, str]]] = []
    trigger = flow.decorator("trigger")
    if trigger is not None:
        items = [trigger.get("event")] if trigger.get("event") else _as_list(trigger.get("events"))
        found += [_event(item) for item in items]
    finish = flow.decorator("trigger_on_finish")
    if finish is not None:
        flows = [finish.get("flow")] if finish.get("flow") else _as_list(finish.get("flows"))
        for item in flows:
            found.append((finished_event(upstream_identity(flow, options, item, finish.span)), {}))
    return found


def _as_list(value: Value) -> list[Value]:
    return list(value) if isinstance(value, list) else []


def _event(item: Value) -> tuple[str, dict[str, str]]:
    if isinstance(item, str):
        return item, {}
    if not isinstance(item, dict) or not isinstance(item.get("name"), str):
        raise SensorError(f"@trigger event {item!r} has no name")
    raw = item.get("parameters") or {}
    mapping: dict[str, str] = {}
    if isinstance(raw, list):
        mapping = {str(p): str(p) for p in raw}
    elif isinstance(raw, dict):
        mapping = {str(k): str(v) for k, v in raw.items()}
    name = item["name"]
    assert isinstance(name, str)
    return name, mapping


def sensor(flow: Flow, options: CompileOptions, name: str, template_name: str) -> dict[str, object] | None:
    """The Sensor document, or ``None`` when the flow has no trigger."""
    events = _events(flow, options)
    if not events:
        return None
    source, event_name = event_address(options)
    dependencies = []
    parameters: list[dict[str, object]] = []
    workflow_params: list[dict[str, str]] = []
    for index, (event, mapping) in enumerate(events):
        dep = f"event-{index}"
        dependencies.append(
            {
                "name": dep,
                "eventSourceName": source,
                "eventName": event_name,
                "filters": {"data": [{"path": "body.name", "type": "string", "value": [event]}]},
            }
        )
        for param in sorted(mapping):
            dest = f"spec.arguments.parameters.{len(workflow_params)}.value"
            workflow_params.append({"name": param})
            src = {"dependencyName": dep, "dataKey": f"body.payload.{mapping[param]}"}
            parameters.append({"src": src, "dest": dest})
    spec: dict[str, object] = {"workflowTemplateRef": {"name": template_name}}
    if workflow_params:
        spec["arguments"] = {"parameters": workflow_params}
    resource = {
        "apiVersion": API_VERSION,
        "kind": "Workflow",
        "metadata": {"generateName": f"{template_name}-"},
        "spec": spec,
    }
    argo_workflow: dict[str, object] = {"operation": "submit", "source": {"resource": resource}}
    if parameters:
        argo_workflow["parameters"] = parameters
    sensor_spec: dict[str, object] = {}
    account = options.setting("sensor_service_account", options.setting("service_account", ""))
    if account:
        sensor_spec["template"] = {"serviceAccountName": account}
    sensor_spec["dependencies"] = dependencies
    sensor_spec["triggers"] = [{"template": {"name": "submit", "argoWorkflow": argo_workflow}}]
    return {
        "apiVersion": API_VERSION,
        "kind": "Sensor",
        "metadata": metadata(name, flow, options),
        "spec": sensor_spec,
    }
