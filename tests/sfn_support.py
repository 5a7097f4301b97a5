"""Helpers for the Step Functions tests: compiling, the npm validators, and
running a compiled state machine in moto's Step Functions engine.

moto cannot run AWS Batch jobs, so :func:`run_in_moto` swaps each Batch Task
state for a Pass state with the *same* Parameters (the container command is
evaluated by moto's intrinsic functions exactly as emitted) and, on request,
an ``aws-sdk:s3:putObject`` Task writing the ``output.json`` the shim would
write.  Everything else (the getObject reads, Map, Parallel, Choice, the
argument Pass states) runs as emitted.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flowc.backends.base import CompileOptions, Document
from flowc.backends.sfn import emit
from flowc.runtime_shim.cli import parse
from flowc.runtime_shim.task import TaskArgs
from flowc.transpile import analyze_source, load_flow
from flowc.transpile.ir import Flow
from flowc.transpile.problems import Severity

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((REPO / "examples").glob("*.py"))
JS_BIN = REPO / "tests" / "js" / "node_modules" / ".bin"
BUCKET = "flowc-bucket"
DATASTORE = f"s3://{BUCKET}/runs"
FAKE_SHA = "0" * 64
BATCH = "arn:aws:states:::batch:submitJob.sync"
RECORDS = "ran/"


def options(**settings: str) -> CompileOptions:
    """Compile options with a fixed package, so goldens do not follow the shim's sources."""
    return CompileOptions(
        datastore=DATASTORE,
        package_url=f"{DATASTORE}/packages/{FAKE_SHA}.tgz",
        package_sha256=FAKE_SHA,
        flow_file="flow.py",
        settings=settings,
    )


def flow_of(source: str, path: str = "flow.py") -> Flow:
    """The IR of ``source`` (which must be a valid flow: no analyzer error)."""
    analysis = analyze_source(source, path)
    errors = [p for p in analysis.problems if p.severity is Severity.ERROR]
    assert analysis.flow is not None and not errors, "\n".join(p.format() for p in analysis.problems)
    return analysis.flow


def example_flow(path: Path) -> Flow:
    """An example's IR, with spans relative to the repository (stable goldens)."""
    cwd = os.getcwd()
    os.chdir(REPO)
    try:
        return load_flow(str(path.relative_to(REPO)))
    finally:
        os.chdir(cwd)


def documents(flow: Flow, **settings: str) -> dict[str, str]:
    """File name → text of the sfn documents of ``flow``."""
    return {d.filename: d.text for d in emit(flow, options(**settings))}


def definition(flow: Flow, **settings: str) -> dict[str, Any]:
    """The state machine definition of ``flow`` as JSON."""
    docs: list[Document] = emit(flow, options(**settings))
    return dict(json.loads(docs[0].text))


# -- validators -------------------------------------------------------------------


def _tool(name: str) -> str:
    path = JS_BIN / name
    if not path.exists():
        pytest.skip(f"{path} is missing: run `make js-tools` (npm ci in tests/js)")
    return str(path)


def validate(paths: list[Path]) -> None:
    """Run asl-validator and statelint once each over all ``paths``; fail with their output."""
    asl = subprocess.run(
        [_tool("asl-validator"), *(a for p in paths for a in ("--json-path", str(p)))],
        capture_output=True,
        text=True,
        check=False,
    )
    assert asl.returncode == 0, asl.stdout + asl.stderr
    lint = subprocess.run([_tool("statelint"), *map(str, paths)], capture_output=True, text=True, check=False)
    assert lint.returncode == 0, lint.stdout + lint.stderr


# -- moto ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskRun:
    """One Batch job the state machine would have submitted."""

    state: str
    command: list[str]
    environment: dict[str, str]
    args: TaskArgs


@dataclass(frozen=True)
class Execution:
    """The outcome of one execution in moto."""

    status: str
    error: str | None
    cause: str | None
    tasks: list[TaskRun]

    def by_step(self) -> dict[str, list[TaskRun]]:
        """Task runs grouped by step, each group sorted by task id."""
        out: dict[str, list[TaskRun]] = {}
        for task in self.tasks:
            out.setdefault(task.args.step, []).append(task)
        return {k: sorted(v, key=lambda t: t.args.task_id) for k, v in out.items()}

    def ids(self, step: str) -> list[str]:
        """The task ids that ran for ``step``, sorted."""
        return [t.args.task_id for t in self.by_step().get(step, [])]


Outputs = Callable[[str], dict[str, Any] | None]


def standin(node: Any, writes: Outputs | None, names: set[str], record: bool = False) -> Any:
    """``node`` with Batch Tasks replaced (see the module docstring)."""
    if isinstance(node, list):
        return [standin(v, writes, names, record) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: standin(v, writes, names, record) for k, v in node.items()}
    states = out.get("States")
    if isinstance(states, dict):
        for name in [n for n, s in states.items() if s.get("Resource") == BATCH]:
            states.update(_replace(name, states, writes, record))
            names.add(name)
    return out


def _put(key: str, body: dict[str, Any] | str, bucket: str = BUCKET) -> dict[str, Any]:
    """A putObject Task; ``key`` is an intrinsic, ``body`` literal data or an intrinsic."""
    parameters: dict[str, Any] = {"Bucket": bucket, "Key.$": key}
    if isinstance(body, str):
        parameters["Body.$"] = body
    else:
        parameters["Body"] = json.dumps(body)
    return {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:putObject", "Parameters": parameters,
            "ResultPath": None}  # fmt: skip


def _replace(name: str, states: dict[str, Any], writes: Outputs | None, record: bool) -> dict[str, Any]:
    task = states[name]
    # A Pass state has no retry counter in its context object; the first attempt is 0.
    parameters = json.loads(json.dumps(task["Parameters"]).replace("$$.State.RetryCount", "0"))
    step = task["Comment"].split()[1]  # "step NAME (file:line:col)"
    keep = {k: task[k] for k in ("Next", "End") if k in task}
    body = writes(step) if writes else None
    read = states.get(f"{step}-output")
    chain: list[tuple[str, dict[str, Any]]] = [
        (name, {"Type": "Pass", "Parameters": parameters, "ResultPath": "$.standin"})
    ]
    if record:
        # Child executions of a Distributed Map have histories of their own:
        # each stand-in also files its container overrides under ran/ in S3.
        key = f"States.Format('{RECORDS}{{}}', States.UUID())"
        chain.append((f"{name}-record", _put(key, "States.JsonToString($.standin.ContainerOverrides)")))
    if body is not None and read is not None and "first" not in body:
        chain.append((f"{name}-put", _put(read["Parameters"]["Key.$"], body, read["Parameters"]["Bucket"])))
    elif body is not None and read is not None:
        # {"first": output, "later": output, "loop": head}: the loop's first pass differs.
        chain.append(
            (
                f"{name}-which",
                {
                    "Type": "Choice",
                    "Choices": [
                        {"Variable": f"$.loops.{body['loop']}.k", "NumericEquals": 0, "Next": f"{name}-first"}
                    ],
                    "Default": f"{name}-later",
                },
            )
        )
        out = {
            f"{name}-first": {
                **_put(read["Parameters"]["Key.$"], body["first"], read["Parameters"]["Bucket"]),
                **keep,
            },
            f"{name}-later": {
                **_put(read["Parameters"]["Key.$"], body["later"], read["Parameters"]["Bucket"]),
                **keep,
            },
        }
        return _link(chain) | out
    chain[-1][1].update(keep)
    return _link(chain)


def _link(chain: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    for (_, state), (following, _) in itertools.pairwise(chain):
        state["Next"] = following
    return dict(chain)


@contextmanager
def moto_sfn(bucket: str = BUCKET) -> Iterator[tuple[Any, Any]]:
    """``(s3, stepfunctions)`` clients of an in-process moto with execution enabled.

    Three gaps of moto 5.2's engine are closed as AWS behaves: an S3 object's
    body comes back as text, S3 errors are named ``S3.<Code>Exception``, and
    the ``states:startExecution`` integration takes AWS's parameter names.
    """
    import boto3
    from moto import mock_aws
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_aws_sdk as sdk,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_sfn as sfn_task,
    )

    logging.getLogger("moto").setLevel(logging.CRITICAL)
    env = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1",
           "AWS_RESPONSE_CHECKSUM_VALIDATION": "when_required"}  # fmt: skip
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sdk.StateTaskServiceAwsSdk, "_normalise_response", _text_bodies)
        patch.setitem(sdk._SERVICE_ERROR_NAMES, "s3", "S3")
        original = sfn_task.StateTaskServiceSfn._normalise_parameters
        patch.setattr(sfn_task.StateTaskServiceSfn, "_normalise_parameters", _camel_case(original))
        for key, value in env.items():
            patch.setenv(key, value)
        with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
            s3 = boto3.client("s3", region_name="us-east-1")
            for name in sorted({BUCKET, bucket}):
                s3.create_bucket(Bucket=name)
            yield s3, boto3.client("stepfunctions", region_name="us-east-1")


def _text_bodies(self: Any, response: Any, *args: Any, **kwargs: Any) -> None:
    from botocore.response import StreamingBody

    if isinstance(response, dict):
        for key, value in list(response.items()):
            if isinstance(value, StreamingBody):
                response[key] = value.read().decode("utf-8")


def _camel_case(original: Callable[..., None]) -> Callable[..., None]:
    """``StartExecution``'s ASL parameters (``StateMachineArn``) as boto3 names them."""

    def normalise(self: Any, parameters: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        original(self, parameters, *args, **kwargs)
        for key in [k for k in parameters if k[:1].isupper()]:
            parameters[key[0].lower() + key[1:]] = parameters.pop(key)

    return normalise


def output_key(flow: str, run: str, step: str, task: str, prefix: str = "runs") -> str:
    """Where the shim writes a task's output.json (key under the datastore's bucket)."""
    return f"{prefix}/{flow}/{run}/{step}/{task}/output.json"


def run_in_moto(
    definition: dict[str, Any],
    *,
    seeded: dict[str, dict[str, Any]] | None = None,
    writes: Outputs | None = None,
    execution_input: Any = None,
    name: str = "run-1",
    timeout: float = 120.0,
    record_in_s3: bool = False,
    bucket: str = BUCKET,
) -> Execution:
    """Execute ``definition`` in moto; ``seeded`` maps S3 keys to output.json bodies.

    With ``record_in_s3`` the task runs are read from S3 records (in no
    particular order) instead of the execution history, which does not show
    the child executions of a Distributed Map.
    """
    names: set[str] = set()
    machine = standin(definition, writes, names, record_in_s3)
    with moto_sfn(bucket) as (s3, sfn):
        for key, body in (seeded or {}).items():
            s3.put_object(Bucket=bucket, Key=key, Body=json.dumps(body).encode())
        arn = sfn.create_state_machine(
            name="flowc-test", definition=json.dumps(machine), roleArn="arn:aws:iam::123456789012:role/test"
        )["stateMachineArn"]
        started = sfn.start_execution(
            stateMachineArn=arn,
            name=name,
            input=json.dumps({} if execution_input is None else execution_input),
        )
        described = finished(sfn, started["executionArn"], timeout)
        if record_in_s3:
            tasks = [_task_run("", json.loads(body)) for body in _records(s3)]
        else:
            tasks = task_runs(sfn, started["executionArn"], names)
    return Execution(described["status"], described.get("error"), described.get("cause"), tasks)


def finished(sfn: Any, arn: str, timeout: float = 120.0) -> dict[str, Any]:
    """``describe_execution`` of execution ``arn`` once it has stopped running (or timed out)."""
    deadline = time.monotonic() + timeout
    while True:
        described: dict[str, Any] = sfn.describe_execution(executionArn=arn)
        if described["status"] != "RUNNING" or time.monotonic() > deadline:
            return described
        time.sleep(0.05)


def task_runs(sfn: Any, arn: str, names: set[str]) -> list[TaskRun]:
    """The stand-in tasks (states ``names``) execution ``arn`` ran, in order."""
    return _tasks(_history(sfn, arn), names)


def _records(s3: Any) -> list[bytes]:
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix=RECORDS).get("Contents", [])
    return [s3.get_object(Bucket=BUCKET, Key=o["Key"])["Body"].read() for o in listed]


def _history(sfn: Any, arn: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    token: dict[str, str] = {}
    while True:
        page = sfn.get_execution_history(executionArn=arn, maxResults=1000, **token)
        events += page["events"]
        if not page.get("nextToken"):
            return events
        token = {"nextToken": page["nextToken"]}


def _tasks(events: list[dict[str, Any]], names: set[str]) -> list[TaskRun]:
    runs = []
    for event in events:
        details = event.get("stateExitedEventDetails")
        if event["type"] != "PassStateExited" or not details or details["name"] not in names:
            continue
        runs.append(
            _task_run(details["name"], json.loads(details["output"])["standin"]["ContainerOverrides"])
        )
    return runs


def _task_run(state: str, overrides: dict[str, Any]) -> TaskRun:
    command = list(overrides["Command"])
    env = {e["Name"]: e["Value"] for e in overrides.get("Environment", [])}
    return TaskRun(state, command, env, parse(command[command.index("task") + 1 :]))
