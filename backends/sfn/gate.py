"""The trigger gate: start a flow once ALL of several events have arrived.

``@trigger(events=[a, b])`` and ``@trigger_on_finish(flows=[A, B])`` start a
run when every named event has arrived (as on Argo Events).  An EventBridge
rule fires once per event, so the AND is built here, without DynamoDB:

* one rule per event targets a small state machine, the *gate*, with the
  input ``{"trigger": KEY, "params": {...}}`` (``KEY`` names the event; the
  parameters are mapped from the event by the rule's InputTransformer);
* the gate records the arrival as the S3 object
  ``<prefix>/<Flow>/_triggers/<machine>/<KEY>`` (the parameters and the
  gate execution's name), lists that folder, and stops while an event is
  missing;
* once every event has arrived it reads the markers (parameters merged in
  the order the events are listed, later ones winning), deletes them and
  starts the flow's state machine.  The run id is derived from the ETags of
  the markers, so two gates that saw the same set of arrivals start the
  same execution once (``ExecutionAlreadyExists`` is a success).

docs/sfn.md describes the races this leaves.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from flowc.backends.base import Document
from flowc.backends.sfn import limits
from flowc.backends.sfn.batch import dump
from flowc.backends.sfn.intrinsic import Fmt
from flowc.backends.sfn.settings import Settings
from flowc.transpile.ir import Flow

State = dict[str, Any]
S3 = "arn:aws:states:::aws-sdk:s3:"
START_EXECUTION = "arn:aws:states:::states:startExecution"
#: Task retries for S3 calls (a marker that is gone is not retried).
_RETRY = {"ErrorEquals": ["States.ALL"], "MaxAttempts": 3, "IntervalSeconds": 2, "BackoffRate": 2.0}
_GONE = "S3.NoSuchKeyException"
_EXISTS = "StepFunctions.ExecutionAlreadyExistsException"


@dataclass(frozen=True)
class Arrival:
    """One event (or upstream flow) a trigger waits for."""

    #: The event name or upstream state machine name (people read it in the marker key).
    name: str
    #: The EventBridge event pattern matching it.
    pattern: dict[str, object]
    #: Flow parameter → field of the event's ``detail``.
    mapping: dict[str, str]
    #: "on event X" / "when X succeeds", for descriptions.
    what: str


def marker_key(position: int, arrival: Arrival) -> str:
    """The marker's file name: position in the list, then the (made safe) name."""
    return limits.safe_name(f"{position}-{arrival.name}", 60)


def marker_folder(flow: Flow, machine: str, prefix: str) -> str:
    """Where a flow's gate keeps its markers (with a trailing slash)."""
    root = f"{prefix}/" if prefix else ""
    return f"{root}{flow.name}/_triggers/{machine}/"


def gate_name(machine: str) -> str:
    """The gate state machine's name."""
    return limits.shorten(f"{machine}-gate", limits.MAX_NAME)


def rule(
    name: str, description: str, pattern: dict[str, object], target: dict[str, object]
) -> dict[str, Any]:
    """A ``{"Rule": PutRule, "Targets": PutTargets}`` request pair."""
    return {
        "Rule": {
            "Name": name,
            "Description": description,
            "EventPattern": json.dumps(pattern, sort_keys=True),
            "State": "ENABLED",
        },
        "Targets": {"Rule": name, "Targets": [target]},
    }


def target_input(mapping: dict[str, str], trigger: str | None) -> dict[str, object]:
    """The target's ``Input`` or ``InputTransformer``: mapped parameters, and for the
    gate, the object ``{"trigger": KEY, "params": ...}``."""
    keys = {param: f"p{n}" for n, param in enumerate(sorted(mapping))}
    params = "{" + ", ".join(f"{json.dumps(p)}: <{keys[p]}>" for p in sorted(mapping)) + "}"
    template = params if trigger is None else f'{{"params": {params}, "trigger": {json.dumps(trigger)}}}'
    if not mapping:
        return {"Input": template}
    return {
        "InputTransformer": {
            "InputPathsMap": {keys[p]: f"$.detail.{mapping[p]}" for p in sorted(mapping)},
            "InputTemplate": template,
        }
    }


def documents(
    flow: Flow, machine: str, settings: Settings, datastore: tuple[str, str], arrivals: list[Arrival]
) -> list[Document]:
    """``event-rules.json`` (one rule per arrival) and ``trigger-gate.json`` (the gate's ASL)."""
    gate = gate_name(machine)
    rules = []
    for position, arrival in enumerate(arrivals):
        name = limits.shorten(f"{machine}-trigger-{position}", limits.MAX_EVENT_NAME)
        target: dict[str, object] = {
            "Id": "flowc",
            "Arn": settings.state_machine_arn(gate),
            "RoleArn": settings.events_role,
        }
        target |= target_input(arrival.mapping, marker_key(position, arrival))
        description = f"Records {arrival.what} for {flow.name}'s trigger gate (flowc)"
        rules.append(rule(name, description, arrival.pattern, target))
    bucket, prefix = datastore
    folder = marker_folder(flow, machine, prefix)
    keys = [folder + marker_key(n, a) for n, a in enumerate(arrivals)]
    definition = {
        "Comment": f"Starts {machine} once all of {len(arrivals)} events have arrived (flowc trigger gate)",
        "StartAt": "arrived",
        "States": _states(bucket, folder, keys, settings.state_machine_arn(machine)),
    }
    return [Document("event-rules.json", dump(rules)), Document("trigger-gate.json", dump(definition))]


def _states(bucket: str, folder: str, keys: list[str], machine_arn: str) -> dict[str, State]:
    """Record, list, (when complete) read and merge, delete, start."""
    states: dict[str, State] = {
        "arrived": {
            "Type": "Pass",
            "Comment": "the marker: this event's parameters and this gate execution",
            "Parameters": {
                "trigger.$": "$.trigger",
                "marker": {"params.$": "$.params", "arrival.$": "$$.Execution.Name"},
                "acc": {"value": {}},
            },
            "Next": "record",
        },
        "record": _s3(
            "putObject",
            "record this arrival",
            {
                "Bucket": bucket,
                "Key.$": Fmt(folder + "{}", ("$.trigger",)).expression(),
                "Body.$": "States.JsonToString($.marker)",
            },
            "list",
        ),
        "list": _s3(
            "listObjectsV2", "the events that have arrived", {"Bucket": bucket, "Prefix": folder}, "complete"
        )
        | {
            "ResultSelector": {"count.$": "$.KeyCount", "tags.$": "$.Contents[*].ETag"},
            "ResultPath": "$.listed",
        },
        "complete": {
            "Type": "Choice",
            "Comment": "have all events arrived?",
            "Choices": [
                {"Variable": "$.listed.count", "NumericGreaterThanEquals": len(keys), "Next": "read-0"}
            ],
            "Default": "waiting",
        },
        "waiting": {"Type": "Succeed", "Comment": "an event is still missing"},
        "missing": {
            "Type": "Succeed",
            "Comment": "a marker is gone: an event is still to come, or a concurrent gate started the run",
        },
        "started": {"Type": "Succeed", "Comment": "a concurrent gate started this same run"},
    }
    for position, key in enumerate(keys):
        last = position == len(keys) - 1
        states[f"read-{position}"] = _s3(
            "getObject", f"marker {position}", {"Bucket": bucket, "Key": key}, f"merge-{position}"
        ) | {
            "ResultSelector": {"value.$": "States.StringToJson($.Body)"},
            "ResultPath": "$.got",
            "Retry": [{"ErrorEquals": [_GONE], "MaxAttempts": 0}, _RETRY],
            "Catch": [{"ErrorEquals": [_GONE], "ResultPath": None, "Next": "missing"}],
        }
        states[f"merge-{position}"] = {
            "Type": "Pass",
            "Comment": "its parameters over those of the events before it",
            "Parameters": {"value.$": "States.JsonMerge($.acc.value, $.got.value.params, false)"},
            "ResultPath": "$.acc",
            "Next": "clear" if last else f"read-{position + 1}",
        }
    objects = [{"Key": key} for key in keys]
    states["clear"] = _s3(
        "deleteObjects",
        "the next run waits for new arrivals",
        {"Bucket": bucket, "Delete": {"Objects": objects, "Quiet": True}},
        "start",
    )
    states["start"] = {
        "Type": "Task",
        "Resource": START_EXECUTION,
        "Comment": "start the flow; the name comes from the markers, so concurrent gates start it once",
        "Parameters": {
            "StateMachineArn": machine_arn,
            "Name.$": "States.Format('trigger-{}', States.Hash(States.JsonToString($.listed.tags), 'SHA-256'))",
            "Input.$": "$.acc.value",
        },
        "ResultPath": None,
        "Retry": [{"ErrorEquals": [_EXISTS], "MaxAttempts": 0}, _RETRY],
        "Catch": [{"ErrorEquals": [_EXISTS], "ResultPath": None, "Next": "started"}],
        "End": True,
    }
    return states


def _s3(action: str, comment: str, parameters: dict[str, object], next_state: str) -> State:
    return {
        "Type": "Task",
        "Resource": S3 + action,
        "Comment": comment,
        "Parameters": parameters,
        "ResultPath": None,
        "Retry": [_RETRY],
        "Next": next_state,
    }
