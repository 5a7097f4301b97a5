"""The documents besides the state machine: EventBridge Scheduler schedule
(``@schedule``) and EventBridge rule (``@trigger`` / ``@trigger_on_finish``).

Both are the request bodies of the AWS APIs that create them
(``scheduler:CreateSchedule``; ``events:PutRule`` plus ``events:PutTargets``),
so ``aws ... --cli-input-json file://...`` deploys them as they are.
"""

from __future__ import annotations

import json
import re

from flowc.backends.base import Document, unsupported
from flowc.backends.sfn import limits
from flowc.backends.sfn.batch import dump
from flowc.backends.sfn.compute import TARGET
from flowc.backends.sfn.settings import Settings
from flowc.transpile.ir import Decorator, Flow, Value
from flowc.transpile.problems import Problem

_FIELD = re.compile(r"^[A-Za-z0-9_]+$")


def machine_name(flow: Flow, settings: Settings) -> str:
    """The state machine's name: the setting, else ``<project>-<Flow>`` or the flow name."""
    if settings.state_machine_name:
        return limits.safe_name(settings.state_machine_name)
    return limits.safe_name(_deployed_name(flow.name, flow.decorator("project")))


def _deployed_name(flow_name: str, project: Decorator | None) -> str:
    if project is None or not project.get("name"):
        return flow_name
    return f"{project.get('name')}-{flow_name}"


def schedule_document(flow: Flow, name: str, settings: Settings) -> Document | None:
    """A CreateSchedule request for ``@schedule`` (time zone kept), or ``None``."""
    deco = flow.decorator("schedule")
    if deco is None:
        return None
    body: dict[str, object] = {
        "Name": limits.shorten(name, limits.MAX_EVENT_NAME),
        "Description": f"Runs {flow.name} on its @schedule (flowc)",
        "ScheduleExpression": f"cron({aws_cron(deco)})",
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "State": "ENABLED",
        "Target": {"Arn": settings.state_machine_arn(name), "RoleArn": settings.events_role, "Input": "{}"},
    }
    zone = deco.get("timezone")
    if zone:
        body["ScheduleExpressionTimezone"] = str(zone)
    return Document("schedule.json", dump(body))


def aws_cron(deco: Decorator) -> str:
    """The six-field AWS cron expression for a ``@schedule`` decorator."""
    cron = deco.get("cron")
    if isinstance(cron, str):
        fields = cron.split()
        if len(fields) == 6:
            return cron.strip()  # already AWS syntax (Metaflow passes it through too)
        minute, hour, day, month, weekday = fields
        if weekday in ("*", "?"):
            return f"{minute} {hour} {day} {month} ? *"
        return f"{minute} {hour} ? {month} {_aws_weekdays(weekday)} *"
    if deco.get("hourly"):
        return "0 * * * ? *"
    if deco.get("weekly"):
        return "0 0 ? * SUN *"
    return "0 0 * * ? *"


def _aws_weekdays(field: str) -> str:
    """Unix weekdays (0 or 7 = Sunday) → AWS (1 = Sunday); names stay as they are."""
    return re.sub(r"\d+", lambda m: str(int(m.group()) % 7 + 1), field)


def rule_document(flow: Flow, name: str, settings: Settings, problems: list[Problem]) -> Document | None:
    """PutRule + PutTargets requests for ``@trigger`` / ``@trigger_on_finish``, or ``None``."""
    finish = flow.decorator("trigger_on_finish")
    trigger = flow.decorator("trigger")
    if finish is None and trigger is None:
        return None
    target: dict[str, object] = {
        "Id": "flowc",
        "Arn": settings.state_machine_arn(name),
        "RoleArn": settings.events_role,
    }
    if finish is not None:
        upstream = _single(flow, finish, ("flow", "flows"), problems)
        if upstream is None:
            return None
        upstream_name = _upstream_machine(upstream)
        pattern: dict[str, object] = {
            "source": ["aws.states"],
            "detail-type": ["Step Functions Execution Status Change"],
            "detail": {
                "status": ["SUCCEEDED"],
                "stateMachineArn": [settings.state_machine_arn(upstream_name)],
            },
        }
        target["Input"] = "{}"
        what = f"when {upstream_name} succeeds"
    else:
        assert trigger is not None
        event = _single(flow, trigger, ("event", "events"), problems)
        if event is None:
            return None
        event_name, mapping = _event(flow, trigger, event, problems)
        pattern = {"detail-type": [event_name]}
        if mapping:
            keys = {param: f"p{n}" for n, param in enumerate(sorted(mapping))}
            target["InputTransformer"] = {
                "InputPathsMap": {keys[p]: f"$.detail.{mapping[p]}" for p in sorted(mapping)},
                "InputTemplate": "{"
                + ", ".join(f"{json.dumps(p)}: <{keys[p]}>" for p in sorted(mapping))
                + "}",
            }
        else:
            target["Input"] = "{}"
        what = f"on event {event_name}"
    rule_name = limits.shorten(f"{name}-trigger", limits.MAX_EVENT_NAME)
    body = {
        "Rule": {
            "Name": rule_name,
            "Description": f"Starts {flow.name} {what} (flowc)",
            "EventPattern": json.dumps(pattern, sort_keys=True),
            "State": "ENABLED",
        },
        "Targets": {"Rule": rule_name, "Targets": [target]},
    }
    return Document("event-rule.json", dump(body))


def _single(flow: Flow, deco: Decorator, keys: tuple[str, str], problems: list[Problem]) -> Value:
    """The one event or flow a trigger names; FLC401 for several (a rule fires on one event)."""
    one, many = deco.get(keys[0]), deco.get(keys[1])
    items = [one] if one is not None else list(many) if isinstance(many, list) else []
    if len(items) != 1:
        problems.append(
            unsupported(
                TARGET,
                None,
                flow,
                f"@{deco.name} with {len(items)} {keys[1]}",
                "an EventBridge rule starts a run on one event: name exactly one",
            )
        )
        return None
    return items[0]


def _upstream_machine(upstream: Value) -> str:
    if isinstance(upstream, dict):
        flow_name = str(upstream.get("name", ""))
        project = upstream.get("project")
        base = f"{project}-{flow_name}" if project else flow_name
    else:
        base = str(upstream)
    return limits.safe_name(base)


def _event(flow: Flow, deco: Decorator, event: Value, problems: list[Problem]) -> tuple[str, dict[str, str]]:
    """The event name and parameter → detail field mapping."""
    if not isinstance(event, dict):
        return str(event), {}
    params = event.get("parameters") or {}
    mapping: dict[str, str] = {}
    if isinstance(params, list):
        mapping = {str(p): str(p) for p in params}
    elif isinstance(params, dict):
        mapping = {str(k): str(v) for k, v in params.items()}
    known = {p.name for p in flow.parameters}
    for param, field in sorted(mapping.items()):
        if param not in known or not _FIELD.fullmatch(field):
            problems.append(
                unsupported(
                    TARGET,
                    None,
                    flow,
                    f"@{deco.name} parameter mapping {param!r} → {field!r}",
                    "map a declared parameter to an event field made of letters, digits and _",
                )
            )
    return str(event.get("name", "")), mapping
