"""The documents besides the state machine: EventBridge Scheduler schedule
(``@schedule``) and EventBridge rules (``@trigger`` / ``@trigger_on_finish``).

Both are the request bodies of the AWS APIs that create them
(``scheduler:CreateSchedule``; ``events:PutRule`` plus ``events:PutTargets``),
so ``aws ... --cli-input-json file://...`` deploys them as they are.
"""

from __future__ import annotations

import re

from flowc.backends.base import Document, unsupported
from flowc.backends.sfn import gate, limits
from flowc.backends.sfn.batch import dump
from flowc.backends.sfn.compute import TARGET
from flowc.backends.sfn.settings import Settings
from flowc.runtime_shim.branch import project_branch as branch_rule
from flowc.transpile.ir import Decorator, Flow, Value
from flowc.transpile.problems import Problem

_FIELD = re.compile(r"^[A-Za-z0-9_]+$")


def machine_name(flow: Flow, settings: Settings) -> str:
    """The state machine's name: the setting, else ``<project>-<branch>-<Flow>`` with
    ``@project`` (so branches deploy side by side), else the flow name."""
    if settings.state_machine_name:
        return limits.safe_name(settings.state_machine_name)
    project = flow.decorator("project")
    if project is None or not project.get("name"):
        return limits.safe_name(flow.name)
    return _deployed_name(str(project.get("name")), project_branch(flow, settings), flow.name)


def project_branch(flow: Flow, settings: Settings) -> str:
    """The ``@project`` branch (``--set branch=...``, else the decorator's, else ``main``;
    ``prod`` with ``production=True``): the shim's rule for ``current.branch_name``."""
    project = flow.decorator("project")
    return branch_rule(dict(project.args) if project else {}, settings.branch)


def _deployed_name(project: str, branch: str, flow_name: str) -> str:
    return limits.safe_name(f"{project}-{branch}-{flow_name}")


def schedule_document(flow: Flow, name: str, settings: Settings, problems: list[Problem]) -> Document | None:
    """A CreateSchedule request for ``@schedule`` (time zone kept), or ``None``."""
    deco = flow.decorator("schedule")
    if deco is None:
        return None
    try:
        expression = aws_cron(deco)
    except ValueError as exc:
        problems.append(unsupported(TARGET, None, flow, f"@schedule(cron={deco.get('cron')!r})", str(exc)))
        return None
    body: dict[str, object] = {
        "Name": limits.shorten(name, limits.MAX_EVENT_NAME),
        "Description": f"Runs {flow.name} on its @schedule (flowc)",
        "ScheduleExpression": f"cron({expression})",
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "State": "ENABLED",
        "Target": {"Arn": settings.state_machine_arn(name), "RoleArn": settings.events_role, "Input": "{}"},
    }
    zone = deco.get("timezone")
    if zone:
        body["ScheduleExpressionTimezone"] = str(zone)
    return Document("schedule.json", dump(body))


def aws_cron(deco: Decorator) -> str:
    """The six-field AWS cron expression for a ``@schedule`` decorator.

    ``ValueError`` (its text a hint) when a five-field cron has no AWS equivalent.
    """
    cron = deco.get("cron")
    if isinstance(cron, str):
        fields = cron.split()
        if len(fields) == 6:
            return cron.strip()  # already AWS syntax (Metaflow passes it through too)
        minute, hour, day, month, weekday = fields
        if weekday in ("*", "?"):
            return f"{minute} {hour} {day} {month} ? *"
        if day not in ("*", "?"):
            # cron runs when EITHER field matches; AWS takes only one of them.
            raise ValueError(
                "AWS cron takes a day of the month or a day of the week, not both "
                "(cron runs when either matches): write * in one of them, or use two flows"
            )
        return f"{minute} {hour} ? {month} {_aws_weekdays(weekday)} *"
    if deco.get("hourly"):
        return "0 * * * ? *"
    if deco.get("weekly"):
        return "0 0 ? * SUN *"
    return "0 0 * * ? *"


_WEEKDAY_ITEM = re.compile(r"(\d)(?:-(\d))?(/\d+)?")


def _aws_weekdays(field: str) -> str:
    """Unix weekdays (0 or 7 = Sunday) → AWS (1 = Sunday); names and ``*`` stay as they are."""
    items = []
    for item in field.split(","):
        match = _WEEKDAY_ITEM.fullmatch(item)
        if match is None:
            items.append(item)
            continue
        first, last, step = int(match[1]), match[2], match[3]
        if last is None and step is None:
            items.append(str(first % 7 + 1))
            continue
        if last is not None and int(last) < 7 and step is None:
            items.append(f"{first + 1}-{int(last) + 1}")
            continue
        # A range (with a step) as the days it names: AWS ranges do not wrap past Saturday.
        end = 7 if last is None else int(last)
        days = sorted({day % 7 + 1 for day in range(first, end + 1, int(step[1:]) if step else 1)})
        items.append(",".join(map(str, days)))
    return ",".join(items)


def rule_documents(
    flow: Flow, name: str, settings: Settings, datastore: tuple[str, str], problems: list[Problem]
) -> list[Document]:
    """EventBridge rules (and a trigger gate) for ``@trigger`` / ``@trigger_on_finish``.

    One event or upstream flow: ``event-rule.json``, a rule starting the flow.
    Several: one rule per event into the trigger gate (:mod:`gate`), which
    starts the flow once all of them have arrived.
    """
    arrivals = _arrivals(flow, settings, problems)
    if not arrivals:
        return []
    if len(arrivals) > 1:
        return gate.documents(flow, name, settings, datastore, arrivals)
    (arrival,) = arrivals
    target: dict[str, object] = {
        "Id": "flowc",
        "Arn": settings.state_machine_arn(name),
        "RoleArn": settings.events_role,
    }
    target |= gate.target_input(arrival.mapping, None)
    rule_name = limits.shorten(f"{name}-trigger", limits.MAX_EVENT_NAME)
    rule = gate.rule(rule_name, f"Starts {flow.name} {arrival.what} (flowc)", arrival.pattern, target)
    return [Document("event-rule.json", dump(rule))]


def _arrivals(flow: Flow, settings: Settings, problems: list[Problem]) -> list[gate.Arrival]:
    """What the trigger decorator waits for: one arrival per event or upstream flow."""
    finish = flow.decorator("trigger_on_finish")
    trigger = flow.decorator("trigger")
    if finish is not None:
        out = []
        for upstream in _items(flow, finish, ("flow", "flows"), problems):
            upstream_name = _upstream_machine(flow, settings, upstream)
            pattern: dict[str, object] = {
                "source": ["aws.states"],
                "detail-type": ["Step Functions Execution Status Change"],
                "detail": {
                    "status": ["SUCCEEDED"],
                    "stateMachineArn": [settings.state_machine_arn(upstream_name)],
                },
            }
            out.append(gate.Arrival(upstream_name, pattern, {}, f"when {upstream_name} succeeds"))
        return out
    if trigger is None:
        return []
    out = []
    for event in _items(flow, trigger, ("event", "events"), problems):
        event_name, mapping = _event(flow, trigger, event, problems)
        out.append(gate.Arrival(event_name, {"detail-type": [event_name]}, mapping, f"on event {event_name}"))
    return out


def _items(flow: Flow, deco: Decorator, keys: tuple[str, str], problems: list[Problem]) -> list[Value]:
    """The events or flows a trigger names (``event=`` / ``events=[...]``); FLC401 for none."""
    one, many = deco.get(keys[0]), deco.get(keys[1])
    items: list[Value] = [one] if one is not None else list(many) if isinstance(many, list) else []
    if not items:
        problems.append(
            unsupported(
                TARGET, None, flow, f"@{deco.name} without {keys[1]}", f"name the {keys[1]} to wait for"
            )
        )
    return items


def _upstream_machine(flow: Flow, settings: Settings, upstream: Value) -> str:
    """The state machine name of an upstream flow: ``{"name", "project", "project_branch"}``
    or ``"project.branch.Flow"``; what is not given is this flow's project and branch, as
    in Metaflow (the branch ``main`` when this flow has no ``@project``)."""
    own = flow.decorator("project")
    project: Value = own.get("name") if own else None
    branch: Value = project_branch(flow, settings)
    if isinstance(upstream, dict):
        name = str(upstream.get("name", ""))
        project = upstream.get("project") or project
        branch = upstream.get("project_branch") or branch
    else:
        name = str(upstream)
        if name.count(".") >= 2:
            project, rest = name.split(".", 1)
            branch, name = rest.rsplit(".", 1)
    if not project:
        return limits.safe_name(name)
    return _deployed_name(str(project), str(branch), name)


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
