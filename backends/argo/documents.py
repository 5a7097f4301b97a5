"""The documents a deploy needs: WorkflowTemplate, CronWorkflow and Sensor."""

from __future__ import annotations

import json

from flowc.backends.argo.decorators import image_pull_secrets, workflow_namespace
from flowc.backends.argo.escape import DEFAULT_SENTINEL, argo_inert, kube_escape
from flowc.backends.argo.limits import MAX_CRON_NAME, label_value, object_name, parameter_name
from flowc.backends.base import CompileOptions
from flowc.transpile.ir import Flow, Parameter, ParamType, Value

API_VERSION = "argoproj.io/v1alpha1"
#: Cron expressions for Metaflow's ``@schedule(daily/hourly/weekly=True)``.
_SCHEDULE_FLAGS = (("hourly", "0 * * * *"), ("daily", "0 0 * * *"), ("weekly", "0 0 * * 0"))


def base_name(flow: Flow, options: CompileOptions) -> str:
    """The deployed identity: ``<project>.<branch>.<Flow>`` with ``@project``, else the flow name.

    Object names kebab-case it (limits.object_name); the finished-run event
    (sensor.finished_event) carries it as it is.
    """
    project = flow.decorator("project")
    if project is None:
        return flow.name
    return f"{project.get('name')}.{branch(flow, options)}.{flow.name}"


def branch(flow: Flow, options: CompileOptions) -> str:
    """The ``@project`` branch: ``--set branch=...``, the decorator's, ``prod`` or ``main``."""
    project = flow.decorator("project")
    if project is None:
        return ""
    if project.get("production"):
        return "prod"
    return options.setting("branch", str(project.get("branch") or "main"))


def branch_override(flow: Flow, options: CompileOptions) -> str:
    """The branch ``--set branch=...`` puts in place of the decorator's, or ``""`` when it does not.

    Tasks then need it in ``FLOWC_PROJECT_BRANCH`` to report the branch the
    workflow is named after (``current.branch_name``); with
    ``production=True`` the branch is ``prod`` either way.
    """
    project = flow.decorator("project")
    if project is None or project.get("production"):
        return ""
    chosen = branch(flow, options)
    return "" if chosen == str(project.get("branch") or "main") else chosen


def labels(flow: Flow, options: CompileOptions) -> dict[str, str]:
    """Labels on every document and on the workflows they start."""
    out = {"app.kubernetes.io/managed-by": "flowc", "flowc.dev/flow": label_value(flow.name)}
    project = flow.decorator("project")
    if project is not None:
        out["flowc.dev/project"] = label_value(str(project.get("name")))
        out["flowc.dev/branch"] = label_value(branch(flow, options))
    return out


def metadata(
    name: str, flow: Flow, options: CompileOptions, annotations: dict[str, str] | None = None
) -> dict[str, object]:
    """``metadata`` of a document: name, namespace (see :func:`workflow_namespace`), labels, annotations."""
    meta: dict[str, object] = {"name": name}
    namespace = workflow_namespace(flow, options.setting("namespace", ""))
    if namespace:
        meta["namespace"] = namespace
    meta["labels"] = labels(flow, options)
    if annotations:
        meta["annotations"] = annotations
    return meta


def parameter_text(param: Parameter) -> str | None:
    """The default as the raw string the shim converts with the parameter's type."""
    value: Value = param.default
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if param.type is ParamType.JSON or isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def arguments(flow: Flow) -> list[dict[str, str]]:
    """``spec.arguments.parameters``: defaults written as kubelet text (see escape.py)."""
    out = []
    for param in flow.parameters:
        entry = {"name": parameter_name(param.name)}
        text = parameter_text(param)
        if text is not None:
            entry["value"] = kube_escape(text)
        elif not param.required:
            entry["value"] = DEFAULT_SENTINEL
        if param.help and argo_inert(param.help):
            entry["description"] = param.help
        out.append(entry)
    return out


def workflow_template(
    flow: Flow,
    options: CompileOptions,
    name: str,
    templates: list[dict[str, object]],
    on_exit: str = "",
) -> dict[str, object]:
    """The WorkflowTemplate holding the whole flow (``on_exit``: the exit hook's template)."""
    annotations = {
        "flowc.dev/flow-file": options.flow_file,
        "flowc.dev/package-sha256": options.package_sha256,
        "flowc.dev/package-url": options.package_url,
    }
    if flow.docstring:
        annotations["workflows.argoproj.io/description"] = flow.docstring
    spec: dict[str, object] = {"entrypoint": "main"}
    if on_exit:
        spec["onExit"] = on_exit
    params = arguments(flow)
    if params:
        spec["arguments"] = {"parameters": params}
    account = options.setting("service_account", "")
    if account:
        spec["serviceAccountName"] = account
    pull_secrets = image_pull_secrets(flow)
    if pull_secrets:
        spec["imagePullSecrets"] = [{"name": secret} for secret in pull_secrets]
    spec["workflowMetadata"] = {"labels": labels(flow, options)}
    spec["templates"] = templates
    return {
        "apiVersion": API_VERSION,
        "kind": "WorkflowTemplate",
        "metadata": metadata(name, flow, options, annotations),
        "spec": spec,
    }


def schedule_cron(flow: Flow) -> str | None:
    """The cron expression of ``@schedule``, if any."""
    deco = flow.decorator("schedule")
    if deco is None:
        return None
    cron = deco.get("cron")
    if isinstance(cron, str):
        return cron
    for flag, expression in _SCHEDULE_FLAGS:
        if deco.get(flag):
            return expression
    return None


def cron_workflow(flow: Flow, options: CompileOptions, template_name: str, cron: str) -> dict[str, object]:
    """The CronWorkflow that submits the template on ``@schedule``."""
    deco = flow.decorator("schedule")
    spec: dict[str, object] = {"schedules": [cron]}
    zone = deco.get("timezone") if deco else None
    if isinstance(zone, str) and zone:
        spec["timezone"] = zone
    spec["concurrencyPolicy"] = "Allow"
    spec["workflowSpec"] = {"workflowTemplateRef": {"name": template_name}}
    name = object_name(base_name(flow, options), MAX_CRON_NAME)
    return {
        "apiVersion": API_VERSION,
        "kind": "CronWorkflow",
        "metadata": metadata(name, flow, options),
        "spec": spec,
    }
