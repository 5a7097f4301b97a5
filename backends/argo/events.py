"""Announcing a finished run: the exit hook that ``@trigger_on_finish`` listens for.

Every WorkflowTemplate gets ``onExit: exit-hook``, a DAG template whose
first task runs only when the workflow succeeded and POSTs the event to an Argo
Events webhook EventSource through Argo's built-in ``http`` template (run
by the workflow agent, no image).  The body is the JSON the Sensor of a
downstream flow filters on (sensor.py):
``{"payload": {...}, "name": "flowc.flow.<identity>.finished"}``, the
identity being ``<project>.<branch>.<Flow>`` with ``@project``, else
``<Flow>`` -- what a downstream's ``@trigger_on_finish`` resolves it to.

The body is Argo template text (Argo substitutes ``{{workflow.name}}`` in
it) and no kubelet ever sees it, so escape.py's ``$`` trick does not apply:
user-derived values (project, branch, URL) must simply contain no ``{{``.
Keys are ordered so the body never holds ``}}`` outside the run-id tag.
"""

from __future__ import annotations

import json

from flowc.backends.argo.documents import base_name, branch
from flowc.backends.argo.escape import argo_inert
from flowc.backends.argo.sensor import event_address, finished_event
from flowc.backends.base import CompileOptions
from flowc.transpile.ir import Flow

#: The in-cluster service Argo Events creates for a webhook EventSource
#: (``<source>-eventsource-svc``) in namespace ``argo-events``, port 12000,
#: endpoint ``/<event>``; source and event default to the Sensor's
#: (``event_source`` / ``event_name``), so both ends agree (docs/argo.md).
DEFAULT_EVENTS_URL = "http://{source}-eventsource-svc.argo-events.svc:12000/{event}"
#: The DAG template ``onExit`` names, and the ``http`` template it calls.
EXIT_TEMPLATE = "exit-hook"
PUBLISH_TEMPLATE = "publish-finished"
#: Argo's condition for "the workflow succeeded", evaluated when it exits.
SUCCEEDED = "{{workflow.status}} == Succeeded"


class EventsError(ValueError):
    """A setting or user value the exit hook cannot carry safely."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.hint = hint


def enabled(options: CompileOptions) -> bool:
    """Whether the exit hook is emitted (``--set events=off`` removes it)."""
    return options.setting("events", "on") != "off"


def events_url(options: CompileOptions) -> str:
    """The webhook URL (``--set events_url=...``), checked."""
    source, event = event_address(options)
    url = options.setting("events_url", DEFAULT_EVENTS_URL.format(source=source, event=event))
    if not url.startswith(("http://", "https://")) or not argo_inert(url) or any(c.isspace() for c in url):
        raise EventsError(
            f"events_url={url!r} must be an http(s) URL without spaces or '{{{{'",
            "--set events_url=http://host:port/path or --set events=off",
        )
    return url


def payload(flow: Flow, options: CompileOptions) -> dict[str, str]:
    """The event payload: flow name, run id and the ``@project`` project and branch."""
    out = {"flow": flow.name, "run_id": "{{workflow.name}}"}
    project = flow.decorator("project")
    if project is not None:
        out["project"] = str(project.get("name"))
        out["branch"] = branch(flow, options)
    for key, what in (("project", "@project name"), ("branch", "@project branch")):
        if key in out and not argo_inert(out[key]):
            raise EventsError(f"the {what} {out[key]!r} contains '{{{{'", "remove '{{' or --set events=off")
    return out


def event_body(flow: Flow, options: CompileOptions) -> str:
    """The JSON body POSTed to the EventSource (``name`` last: see the module note)."""
    body = {"payload": payload(flow, options), "name": finished_event(base_name(flow, options))}
    return json.dumps(body, separators=(", ", ": "))


def exit_templates(
    flow: Flow, options: CompileOptions, hooks: list[dict[str, object]] | None = None
) -> list[dict[str, object]]:
    """The ``onExit`` DAG template and the ``http`` template publishing the event.

    ``hooks`` are the ``@exit_hook`` tasks (exithooks.py), run after the
    publish task; with ``--set events=off`` they are the handler's only tasks.
    """
    if not enabled(options):
        return [{"name": EXIT_TEMPLATE, "dag": {"tasks": hooks}}] if hooks else []
    publish = {"name": "publish", "template": PUBLISH_TEMPLATE, "when": SUCCEEDED}
    hook: dict[str, object] = {"name": EXIT_TEMPLATE, "dag": {"tasks": [publish, *(hooks or [])]}}
    http = {
        "method": "POST",
        "url": events_url(options),
        "headers": [{"name": "Content-Type", "value": "application/json"}],
        "body": event_body(flow, options),
        "timeoutSeconds": 30,
        "successCondition": "response.statusCode >= 200 && response.statusCode < 300",
    }
    return [hook, {"name": PUBLISH_TEMPLATE, "http": http}]
