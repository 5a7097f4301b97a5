"""One step as AWS Batch job: the argument Pass state, the Batch Task state and
the job definitions flowc generates for images and roles.

The container command is ``bootstrap_command(...)``: its constant part (the
bootstrap snippet, package URL and hash, datastore, flow) is stored once in
the state data at ``$.boot`` and referenced by JSONPath, so no user text is
ever parsed as an intrinsic.  The per-task part (run id, task id, input
paths, split indices, parameters) is flowc's own text and JSONPaths: the
Task builds it inline with ``States.Array``, or, when that would nest more
intrinsic functions than Step Functions allows in one field, a ``-args``
Pass state computes it into ``$.call`` first.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from flowc.backends.base import CompileOptions, Document
from flowc.backends.sfn import limits
from flowc.backends.sfn.compute import Compute
from flowc.backends.sfn.intrinsic import Fmt, put
from flowc.backends.sfn.settings import Settings
from flowc.transpile.ir import Step

BATCH_SUBMIT_SYNC = "arn:aws:states:::batch:submitJob.sync"
#: Placeholder standing for per-task arguments when asking for the bootstrap command.
_MARK = "\x00flowc-task-arguments\x00"

State = dict[str, Any]


def boot_command(options: CompileOptions, settings: Settings, flow_name: str) -> list[str]:
    """The constant head of every task's command: bootstrap plus flow-wide shim arguments."""
    from flowc.runtime_shim.bootstrap import bootstrap_command

    constant = [
        "task",
        "--datastore", options.datastore,
        "--package-url", options.package_url,
        "--package-sha256", options.package_sha256,
        "--flow-file", options.flow_file,
        "--flow", flow_name,
    ]  # fmt: skip
    command = bootstrap_command(
        options.package_url, options.package_sha256, [*constant, _MARK], settings.python
    )
    if command.count(_MARK) != 1 or command[-1] != _MARK:
        raise RuntimeError("bootstrap_command must end with the shim arguments it was given")
    return command[:-1]


def keys(prefix: str, count: int) -> list[str]:
    """``count`` zero-padded keys: ``a00``, ``a01`` ..."""
    width = max(2, len(str(count - 1)))
    return [f"{prefix}{n:0{width}d}" for n in range(count)]


def args_state(arguments: list[Fmt], comment: str, next_state: str) -> State:
    """The Pass state computing a task's own arguments into ``$.call``."""
    parameters: dict[str, object] = {}
    for key, value in zip(keys("a", len(arguments)), arguments, strict=True):
        put(parameters, key, value)
    return {
        "Type": "Pass",
        "Comment": comment,
        "Parameters": parameters,
        "ResultPath": "$.call",
        "Next": next_state,
    }


def command(boot_count: int, arguments: list[Fmt], via_pass: bool) -> str:
    """The ``Command.$`` intrinsic: constant head, per-task arguments, attempt number."""
    references = [f"$.boot.{k}" for k in keys("c", boot_count)]
    if via_pass:
        references += [f"$.call.{k}" for k in keys("a", len(arguments))]
    else:
        references += [f"'{a.template}'" if a.is_static else a.expression() for a in arguments]
    references += ["'--attempt'", "States.Format('{}', $$.State.RetryCount)"]
    return f"States.Array({', '.join(references)})"


def intrinsic_count(arguments: list[Fmt]) -> int:
    """Intrinsic functions an inline command needs: Array, one per formatted argument, attempt."""
    return 2 + sum(1 for a in arguments if not a.is_static and not a.direct)


def task_state(
    step: Step,
    job_name: str,
    compute: Compute,
    job_definition: str,
    settings: Settings,
    command_expression: str,
) -> State:
    """The Batch Task state running ``step`` (without Next/End, Catch)."""
    overrides: dict[str, object] = {
        "Command.$": command_expression,
        "ResourceRequirements": _resources(compute),
    }
    if compute.environment:
        overrides["Environment"] = [{"Name": k, "Value": v} for k, v in compute.environment]
    parameters: dict[str, object] = {
        "JobName": job_name,
        "JobQueue": compute.queue or settings.queue,
        "JobDefinition": job_definition,
        "ContainerOverrides": overrides,
    }
    if compute.tags:
        parameters["Tags"] = dict(compute.tags)
    timeout = timeout_seconds(step)
    state: State = {
        "Type": "Task",
        "Resource": BATCH_SUBMIT_SYNC,
        "Comment": f"step {step.name} ({step.span})",
        "Parameters": parameters,
        "ResultPath": None,
    }
    if timeout:
        # Batch stops the job itself too, so a timed-out task does not run on.
        parameters["Timeout"] = {"AttemptDurationSeconds": max(60, timeout)}
        state["TimeoutSeconds"] = timeout
    retry = step.decorator("retry")
    if retry is not None:
        times = int(str(retry.get("times", 3)))
        minutes = int(str(retry.get("minutes_between_retries", 2)))
        if times > 0:
            state["Retry"] = [
                {
                    "ErrorEquals": ["States.ALL"],
                    "MaxAttempts": times,
                    "IntervalSeconds": max(1, minutes * 60),
                    "BackoffRate": 1.0,
                }
            ]
    return state


def timeout_seconds(step: Step) -> int:
    """The step's @timeout in seconds (0: none)."""
    deco = step.decorator("timeout")
    if deco is None:
        return 0
    units = (("seconds", 1), ("minutes", 60), ("hours", 3600))
    return sum(int(str(deco.get(k) or 0)) * m for k, m in units)


def _resources(compute: Compute) -> list[dict[str, str]]:
    out = [{"Type": "MEMORY", "Value": str(compute.memory)}, {"Type": "VCPU", "Value": compute.cpu}]
    if compute.gpu:
        out.insert(0, {"Type": "GPU", "Value": str(compute.gpu)})
    return out


class JobDefinitions:
    """The job definitions the steps use; generated ones are emitted as a document."""

    FILENAME = "batch-job-definitions.json"

    def __init__(
        self, machine_name: str, flow_name: str, options: CompileOptions, settings: Settings
    ) -> None:
        self._machine = machine_name
        self._flow = flow_name
        self._options = options
        self._settings = settings
        self._generated: dict[str, dict[str, object]] = {}

    def name_for(self, compute: Compute) -> str:
        """The job definition a step with ``compute`` runs under."""
        if compute.job_definition:
            return compute.job_definition
        if self._settings.job_definition and not compute.definition:
            return self._settings.job_definition
        wanted = dict(compute.definition)
        container: dict[str, object] = {
            "image": str(wanted.get("image") or self._options.image),
            "resourceRequirements": [
                {"type": "MEMORY", "value": "4096"},
                {"type": "VCPU", "value": "1"},
            ],
        }
        role = wanted.get("iam_role") or self._settings.job_role
        if role:
            container["jobRoleArn"] = str(role)
        execution = wanted.get("execution_role") or self._settings.execution_role
        if execution:
            container["executionRoleArn"] = str(execution)
        if wanted.get("shared_memory") is not None:
            container["linuxParameters"] = {"sharedMemorySize": int(float(str(wanted["shared_memory"])))}
        if wanted.get("privileged"):
            container["privileged"] = True
        digest = hashlib.sha256(json.dumps(container, sort_keys=True).encode()).hexdigest()[:10]
        name = limits.safe_name(f"{self._machine}-{digest}", limits.MAX_BATCH_JOB_NAME)
        self._generated[name] = {
            "jobDefinitionName": name,
            "type": "container",
            "platformCapabilities": ["EC2"],
            "propagateTags": True,
            "tags": {"flowc:flow": self._flow},
            "containerProperties": container,
        }
        return name

    def document(self) -> Document | None:
        """RegisterJobDefinition requests for the generated definitions, if any."""
        if not self._generated:
            return None
        body = {"jobDefinitions": [self._generated[k] for k in sorted(self._generated)]}
        return Document(self.FILENAME, dump(body))


def dump(value: object) -> str:
    """Deterministic JSON text: sorted keys, 2-space indent, trailing newline."""
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
