"""``emit(flow, options)``: the Argo documents for a flow."""

from __future__ import annotations

import json

from flowc.backends.argo.containers import TemplateKey, container_template, limit_template
from flowc.backends.argo.dag import DagBuilder, ShapeError
from flowc.backends.argo.decorators import TARGET, Profile, Unsupported, check_supported, profile
from flowc.backends.argo.documents import base_name, cron_workflow, schedule_cron, workflow_template
from flowc.backends.argo.escape import argo_inert
from flowc.backends.argo.events import EXIT_TEMPLATE, EventsError, exit_templates
from flowc.backends.argo.limits import LimitError, object_name
from flowc.backends.argo.scopes import layout
from flowc.backends.argo.sensor import SensorError, sensor
from flowc.backends.argo.settings import max_recursion, settings_problems
from flowc.backends.argo.yamlout import dump_document
from flowc.backends.base import CompileError, CompileOptions, Document, over_limit, unsupported
from flowc.backends.unattended import unattended_problems
from flowc.transpile.ir import Flow, StepKind
from flowc.transpile.problems import Problem

#: ``-o DIR`` file names, in output order.
FILENAMES = {
    "WorkflowTemplate": "workflow-template.yaml",
    "CronWorkflow": "cron-workflow.yaml",
    "Sensor": "sensor.yaml",
}


def emit(flow: Flow, options: CompileOptions) -> list[Document]:
    """The WorkflowTemplate, and a CronWorkflow / Sensor when the flow asks for them."""
    try:
        trees = _documents(flow, options)
    except ShapeError as exc:
        step = flow.step(exc.step) if flow.has_step(exc.step) else None
        raise CompileError([unsupported(TARGET, step, flow, exc.what, exc.hint)]) from None
    except Unsupported as exc:
        raise CompileError(
            [Problem("FLC401", exc.decorator.span, f"{TARGET} cannot express {exc.what}", exc.hint)]
        ) from None
    except SensorError as exc:
        span = exc.span or flow.span
        raise CompileError([Problem("FLC401", span, f"{TARGET} cannot express {exc}", exc.hint)]) from None
    except LimitError as exc:
        raise CompileError([over_limit(flow.span, str(exc), "shorten or rename it")]) from None
    except EventsError as exc:
        raise CompileError([Problem("FLC403", flow.span, str(exc), exc.hint)]) from None
    return [Document(FILENAMES[str(tree["kind"])], dump_document(tree)) for tree in trees]


def _options_problems(flow: Flow, options: CompileOptions) -> list[Problem]:
    problems = []
    if not argo_inert(options.flow_file):
        problems.append(
            Problem(
                "FLC403",
                flow.span,
                f"the flow file name {options.flow_file!r} contains '{{{{'",
                "rename the file",
            )
        )
    return problems + settings_problems(flow, options) + unattended_problems(flow, TARGET)


def _tags(flow: Flow, options: CompileOptions) -> list[str]:
    raw = options.setting("tags", "")
    if not raw:
        return []
    try:
        tags = json.loads(raw)
    except ValueError:
        tags = None
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise CompileError(
            [
                Problem(
                    "FLC403",
                    flow.span,
                    "--set tags=... must be a JSON list of strings",
                    "--set 'tags=[\"nightly\"]'",
                )
            ]
        )
    return list(tags)


def _keys(flow: Flow, options: CompileOptions) -> tuple[dict[str, TemplateKey], dict[TemplateKey, Profile]]:
    """Each step's container template key, and the profile of each key."""
    profiles: dict[Profile, int] = {Profile(image=options.image): 0}
    keys: dict[str, TemplateKey] = {}
    chosen: dict[TemplateKey, Profile] = {}
    for step in flow.steps:
        check_supported(flow, step)
        prof = profile(step, options.image)
        number = profiles.setdefault(prof, len(profiles))
        output = {StepKind.FOREACH: "cardinality", StepKind.SWITCH: "switch"}.get(step.kind, "")
        key = TemplateKey(step.name == flow.start, number, len(flow.foreach_stack(step.name)), output)
        keys[step.name] = key
        chosen[key] = prof
    return keys, chosen


def _documents(flow: Flow, options: CompileOptions) -> list[dict[str, object]]:
    problems = _options_problems(flow, options)
    if problems:
        raise CompileError(problems)
    tags = _tags(flow, options)
    bound = max_recursion(options)
    try:
        lay = layout(flow)
    except ValueError as exc:
        raise ShapeError(flow.start, str(exc), "nest loops and foreach bodies inside each other") from None
    keys, chosen = _keys(flow, options)
    dags = DagBuilder(flow, lay, keys, options.flow_file, bound).templates()
    containers = [
        container_template(flow, options, key, chosen[key], tags) for key in sorted(chosen, key=_key_order)
    ]
    extra = [limit_template(options.image, bound)] if lay.back_edges else []
    hook = exit_templates(flow, options, _hook_tasks(flow, keys, options))
    name = object_name(base_name(flow, options))
    on_exit = EXIT_TEMPLATE if hook else ""
    trees = [workflow_template(flow, options, name, [*dags, *containers, *extra, *hook], on_exit)]
    cron = schedule_cron(flow)
    if cron is not None:
        trees.append(_cron_workflow(flow, options, name, cron))
    trigger = sensor(flow, options, name, name)
    if trigger is not None:
        trees.append(trigger)
    return trees


def _hook_tasks(flow: Flow, keys: dict[str, TemplateKey], options: CompileOptions) -> list[dict[str, object]]:
    """The exit handler's ``@exit_hook`` tasks (the module loads only for flows with hooks)."""
    if not flow.exit_hooks:
        return []
    from flowc.backends.argo.exithooks import hook_tasks

    return hook_tasks(flow, keys[flow.end], options.flow_file)


def _cron_workflow(flow: Flow, options: CompileOptions, name: str, cron: str) -> dict[str, object]:
    """The CronWorkflow of a ``@schedule``d flow (the cron rules load only for such flows)."""
    from flowc.backends.cron import CronError, five_field_cron

    try:
        return cron_workflow(flow, options, name, five_field_cron(cron))
    except CronError as exc:
        deco = flow.decorator("schedule")
        span = deco.span if deco is not None else flow.span
        hint = "write a five-field cron: minute hour day month weekday"
        raise CompileError([Problem("FLC401", span, f"{TARGET} cannot express {exc}", hint)]) from None


def _key_order(key: TemplateKey) -> tuple[bool, int, int, str]:
    return (not key.start, key.profile, key.depth, key.output)
