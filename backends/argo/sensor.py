"""``@trigger`` / ``@trigger_on_finish`` → an Argo Events Sensor.

The Sensor listens on one event source (``--set event_source=...``, event
``--set event_name=...``) for JSON bodies ``{"name": ..., "payload": {...}}``
and submits the WorkflowTemplate when every named event has arrived.  A
finished flow is announced as ``flowc.flow.<FlowName>.finished``.
"""

from __future__ import annotations

from flowc.backends.argo.documents import API_VERSION, metadata
from flowc.backends.base import CompileOptions
from flowc.transpile.ir import Flow, Value

#: Default Argo Events EventSource and event the Sensor listens on and the
#: exit hook (events.py) publishes to.
DEFAULT_EVENT_SOURCE = "flowc"
DEFAULT_EVENT_NAME = "flowc"


class SensorError(ValueError):
    """A trigger the Sensor cannot express."""


def event_address(options: CompileOptions) -> tuple[str, str]:
    """(EventSource name, event name): ``--set event_source=`` / ``event_name=``."""
    return (
        options.setting("event_source", DEFAULT_EVENT_SOURCE),
        options.setting("event_name", DEFAULT_EVENT_NAME),
    )


def finished_event(flow_name: str) -> str:
    """The event a finished run of ``flow_name`` is announced with."""
    return f"flowc.flow.{flow_name}.finished"


def _events(flow: Flow) -> list[tuple[str, dict[str, str]]]:
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
            name = item.get("name") if isinstance(item, dict) else item
            if not isinstance(name, str):
                raise SensorError(f"@trigger_on_finish flow {item!r} has no name")
            found.append((finished_event(name), {}))
    return found


def event_parameters(flow: Flow) -> set[str] | None:
    """Parameters the trigger events give values to; ``None`` when the flow has no trigger."""
    events = _events(flow)
    if not events:
        return None
    return {param for _, mapping in events for param in mapping}


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
    events = _events(flow)
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
