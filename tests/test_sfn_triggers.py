"""@trigger with several events and @trigger_on_finish with several flows: one
EventBridge rule per event into the trigger gate, whose control flow runs in
moto's Step Functions engine against moto's S3."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flowc.backends.sfn import limits
from sfn_support import BUCKET, documents, finished, flow_of, moto_sfn, standin, task_runs, validate

ACCOUNT = {"region": "us-east-1", "account": "123456789012"}
ROLE = "arn:aws:iam::123456789012:role/test"

THREE_EVENTS = """@trigger(events=[
    {"name": "data.ready", "parameters": {"table": "table_name", "day": "day"}},
    {"name": "model_ready", "parameters": {"version": "v", "day": "when"}},
    "approved",
])"""

GATED = """
from flowc import FlowSpec, Parameter, step, trigger


{head}
class GatedFlow(FlowSpec):
    table = Parameter("table", default="none")
    version = Parameter("version", default="0")
    day = Parameter("day", default="monday")
    owner = Parameter("owner", default="ml")

    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
"""
EVENTS = GATED.replace("{head}", THREE_EVENTS)

FLOWS = """
from flowc import FlowSpec, step, trigger_on_finish


@trigger_on_finish(flows=["TrainFlow", {"name": "ScoreFlow", "project": "shop"}])
class ReportFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
"""


def _apply(target: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
    """What EventBridge delivers to ``target`` for ``event`` (Input, or InputTransformer
    with each ``<name>`` replaced by the JSON of the value at its path)."""
    if "Input" in target:
        return dict(json.loads(target["Input"]))
    transformer = target["InputTransformer"]
    values = {}
    for key, path in transformer["InputPathsMap"].items():
        value: Any = event
        for part in path.removeprefix("$.").split("."):
            value = value[part]
        values[key] = json.dumps(value)
    return dict(json.loads(re.sub(r"<(\w+)>", lambda m: values[m[1]], transformer["InputTemplate"])))


@dataclass
class Deployed:
    """The flow's state machine (stand-in tasks) and its gates, created in moto."""

    s3: Any
    sfn: Any
    rules: list[dict[str, Any]]
    flow_arn: str
    gates: list[str]
    names: set[str]

    def arrive(self, position: int, event: dict[str, Any], name: str, gate: int = 0) -> str:
        """Deliver ``event`` through rule ``position`` to a gate; the gate's final state."""
        (target,) = self.rules[position]["Targets"]["Targets"]
        arn = self.sfn.start_execution(
            stateMachineArn=self.gates[gate], name=name, input=json.dumps(_apply(target, event))
        )["executionArn"]
        described = finished(self.sfn, arn)
        assert described["status"] == "SUCCEEDED", (described.get("error"), described.get("cause"))
        events = self.sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
        exits = [e["stateExitedEventDetails"]["name"] for e in events if "stateExitedEventDetails" in e]
        return str(exits[-1])

    def runs(self) -> list[dict[str, Any]]:
        """The flow's executions: name, input and the start task's parameters."""
        out = []
        for listed in self.sfn.list_executions(stateMachineArn=self.flow_arn)["executions"]:
            described = finished(self.sfn, listed["executionArn"])
            assert described["status"] == "SUCCEEDED", (described.get("error"), described.get("cause"))
            (start, *_) = task_runs(self.sfn, listed["executionArn"], self.names)
            out.append(
                {"name": listed["name"], "input": json.loads(described["input"]), "params": start.args.params}
            )
        return out

    def markers(self) -> list[str]:
        return [o["Key"] for o in self.s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


@contextmanager
def deployed(source: str, copies: int = 1) -> Iterator[Deployed]:
    """The documents of ``source`` created in moto (``copies`` gate machines)."""
    docs = documents(flow_of(source), **ACCOUNT)
    names: set[str] = set()
    machine = standin(json.loads(docs["state-machine.json"]), None, names)
    flow_name = json.loads(docs["trigger-gate.json"])["States"]["start"]["Parameters"]["StateMachineArn"]
    with moto_sfn() as (s3, sfn):
        flow_arn = sfn.create_state_machine(
            name=flow_name.rsplit(":", 1)[1], definition=json.dumps(machine), roleArn=ROLE
        )["stateMachineArn"]
        gate_name = json.loads(docs["event-rules.json"])[0]["Targets"]["Targets"][0]["Arn"].rsplit(":", 1)[1]
        gates = [
            sfn.create_state_machine(
                name=gate_name + "-b" * n, definition=docs["trigger-gate.json"], roleArn=ROLE
            )["stateMachineArn"]
            for n in range(copies)
        ]
        yield Deployed(s3, sfn, json.loads(docs["event-rules.json"]), flow_arn, gates, names)


def test_several_events_give_one_rule_each_into_a_valid_gate(tmp_path: Path) -> None:
    docs = documents(flow_of(EVENTS))
    assert sorted(docs) == [
        "batch-job-definitions.json",
        "event-rules.json",
        "state-machine.json",
        "trigger-gate.json",
    ]
    rules = json.loads(docs["event-rules.json"])
    assert [json.loads(r["Rule"]["EventPattern"]) for r in rules] == [
        {"detail-type": ["data.ready"]},
        {"detail-type": ["model_ready"]},
        {"detail-type": ["approved"]},
    ]
    assert [r["Rule"]["Name"] for r in rules] == [f"GatedFlow-trigger-{n}" for n in range(3)]
    targets = [r["Targets"]["Targets"][0] for r in rules]
    assert {t["Arn"] for t in targets} == {
        "arn:aws:states:${AWS_REGION}:${AWS_ACCOUNT_ID}:stateMachine:GatedFlow-gate"
    }
    assert json.loads(targets[2]["Input"]) == {"params": {}, "trigger": "2-approved"}
    gate = tmp_path / "trigger-gate.json"
    gate.write_text(docs["trigger-gate.json"])
    validate([gate])
    # the flow's own state machine is what a single trigger (or none) gives
    for head in ("", '@trigger(event="approved")'):
        padded = head + "\n" * THREE_EVENTS.count("\n")  # same line numbers in the comments
        plain = documents(flow_of(GATED.replace("{head}", padded)))
        assert plain["state-machine.json"] == docs["state-machine.json"]


def test_long_names_stay_within_the_limits() -> None:
    long_flow = EVENTS.replace("GatedFlow", "G" + "x" * 90 + "Flow").replace(
        '"approved"', '"' + "e" * 300 + '"'
    )
    docs = documents(flow_of(long_flow))
    for rule in json.loads(docs["event-rules.json"]):
        assert len(rule["Rule"]["Name"]) <= limits.MAX_EVENT_NAME
        gate_name = rule["Targets"]["Targets"][0]["Arn"].rsplit(":", 1)[1]
        assert len(gate_name) <= limits.MAX_NAME and limits.SAFE_NAME.fullmatch(gate_name)
    assert len({r["Rule"]["Name"] for r in json.loads(docs["event-rules.json"])}) == 3
    keys = [
        s["Parameters"]["Key"]
        for n, s in json.loads(docs["trigger-gate.json"])["States"].items()
        if n.startswith("read-")
    ]
    assert len(set(keys)) == 3 and all(len(k) < 1024 for k in keys)


def test_the_run_starts_once_all_events_have_arrived_with_merged_parameters() -> None:
    ready = {"detail-type": "data.ready", "detail": {"table_name": "sales {x} $.y", "day": "tue"}}
    model = {"detail-type": "model_ready", "detail": {"v": 7, "when": "wed"}}
    approved = {"detail-type": "approved", "detail": {}}
    with deployed(EVENTS) as aws:
        assert aws.arrive(0, ready, "g1") == "waiting"
        assert aws.arrive(1, model, "g2") == "waiting"
        assert aws.runs() == []
        assert len(aws.markers()) == 2
        assert aws.arrive(2, approved, "g3") == "start"
        (run,) = aws.runs()
        # later events in the list win: model_ready's "when" over data.ready's "day"
        assert run["input"] == {"table": "sales {x} $.y", "version": 7, "day": "wed"}
        assert run["params"] == {"table": "sales {x} $.y", "version": "7", "day": "wed", "owner": "ml"}
        assert re.fullmatch(r"trigger-[0-9a-f]{64}", run["name"])
        assert aws.markers() == []
        # the next run waits for all three again
        assert aws.arrive(2, approved, "g4") == "waiting"
        assert aws.arrive(0, ready | {"detail": {"table_name": "t2", "day": "fri"}}, "g5") == "waiting"
        assert aws.arrive(1, model, "g6") == "start"
        runs = aws.runs()
        assert len(runs) == 2 and len({r["name"] for r in runs}) == 2
        assert {r["input"]["table"] for r in runs} == {"sales {x} $.y", "t2"}


def test_a_repeated_event_counts_once() -> None:
    with deployed(FLOWS) as aws:
        done = {"detail-type": "Step Functions Execution Status Change", "detail": {"status": "SUCCEEDED"}}
        assert aws.arrive(0, done, "a1") == "waiting"
        assert aws.arrive(0, done, "a2") == "waiting"
        assert aws.runs() == []
        assert aws.arrive(1, done, "b1") == "start"
        (run,) = aws.runs()
        assert run["input"] == {} and run["params"] == {}


def test_trigger_on_several_flows_waits_for_each_upstream_machine() -> None:
    rules = json.loads(documents(flow_of(FLOWS), **ACCOUNT)["event-rules.json"])
    arns = [json.loads(r["Rule"]["EventPattern"])["detail"]["stateMachineArn"] for r in rules]
    base = "arn:aws:states:us-east-1:123456789012:stateMachine:"
    assert arns == [[base + "TrainFlow"], [base + "shop-main-ScoreFlow"]]


def test_a_stray_marker_does_not_stand_in_for_a_missing_event() -> None:
    with deployed(FLOWS) as aws:
        aws.s3.put_object(Bucket=BUCKET, Key="runs/ReportFlow/_triggers/ReportFlow/9-old", Body=b"{}")
        done: dict[str, Any] = {"detail": {}}
        assert aws.arrive(0, done, "a1") == "missing"  # two markers, but not the two expected
        assert aws.runs() == []
        assert aws.arrive(1, done, "b1") == "start"
        assert len(aws.runs()) == 1


def test_two_gates_that_saw_the_same_arrivals_start_one_run() -> None:
    # Gate B lists the markers before gate A deletes them: emulated by giving B the
    # same marker bodies (same execution name and input), hence the same ETags.
    with deployed(FLOWS, copies=2) as aws:
        done: dict[str, Any] = {"detail": {}}
        assert aws.arrive(0, done, "a1") == "waiting"
        (first,) = aws.markers()
        body = aws.s3.get_object(Bucket=BUCKET, Key=first)["Body"].read()
        assert aws.arrive(1, done, "b1", gate=0) == "start"
        aws.s3.put_object(Bucket=BUCKET, Key=first, Body=body)
        assert aws.arrive(1, done, "b1", gate=1) == "started"
        assert len(aws.runs()) == 1
