"""What a step asks of its container: resources, image, role, environment.

``@resources``, ``@batch`` and ``@kubernetes`` are merged as Metaflow does
(the largest request wins).  Whatever AWS Batch cannot express is a FLC401
error naming the decorator argument: nothing is silently dropped.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass

from flowc.backends.base import unsupported
from flowc.backends.sfn import jobdef
from flowc.transpile.ir import Decorator, Flow, Step, Value
from flowc.transpile.problems import Problem

TARGET = "AWS Step Functions"
#: Metaflow's defaults for a task without resource decorators.
DEFAULT_CPU = 1.0
DEFAULT_MEMORY_MIB = 4096

#: Decorator arguments AWS Batch takes per job (SubmitJob container overrides).
_PER_JOB = frozenset({"cpu", "memory", "gpu"})
#: Arguments that live in the job definition flowc generates.
_PER_DEFINITION = (
    frozenset({"image", "iam_role", "execution_role", "shared_memory", "privileged"}) | jobdef.KEYS
)
#: Other @batch arguments flowc maps.
_BATCH_OTHER = frozenset({"queue", "job_definition", "aws_batch_tags"})
_COMPUTE = ("resources", "batch", "kubernetes")
_QUANTITY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgtKMGT]?)(i?)[bB]?\s*$")


@dataclass(frozen=True, slots=True)
class Compute:
    """The container a step runs in."""

    #: vCPUs as AWS Batch writes them (``"1"``, ``"0.5"``).
    cpu: str
    #: Memory in MiB.
    memory: int
    #: GPUs (0: none).
    gpu: int
    #: Job-definition-level settings: image, roles, shared memory, privileged.
    definition: tuple[tuple[str, Value], ...]
    #: @batch(queue=...), if given.
    queue: str | None
    #: @batch(job_definition=...), if given.
    job_definition: str | None
    #: @batch(aws_batch_tags=...), sorted.
    tags: tuple[tuple[str, str], ...]
    #: Environment variables (name, value), sorted by name.
    environment: tuple[tuple[str, str], ...]


def step_compute(flow: Flow, step: Step, problems: list[Problem]) -> Compute:
    """The container ``step`` asks for; unsupported arguments are added to ``problems``."""
    decorators = [d for d in (step.decorator(n) for n in _COMPUTE) if d is not None]
    cpus: list[float] = [DEFAULT_CPU]
    memories: list[int] = [DEFAULT_MEMORY_MIB]
    gpus: list[int] = [0]
    definition: dict[str, Value] = {}
    for deco in decorators:
        for key, value in sorted(deco.args.items()):
            if value is None or (value is False and key in ("privileged", "use_tmpfs")):
                continue
            if key == "cpu":
                cpus.append(float(str(value)))
            elif key == "memory":
                memories.append(_mebibytes(flow, step, deco, value, problems))
            elif key == "gpu":
                gpus.append(int(str(value)))
            elif key in _PER_DEFINITION and _batch_like(deco, key):
                definition[key] = value
                wrong = jobdef.problem(key, value) if key in jobdef.KEYS else None
                if wrong is not None:
                    problems.append(_bad_value(flow, step, deco, key, wrong))
            elif deco.name != "batch" or key not in _BATCH_OTHER:
                problems.append(_cannot(flow, step, deco, key))
    batch = step.decorator("batch")
    named = batch.get("job_definition") if batch else None
    if named is not None and definition:
        keys = ", ".join(sorted(definition))
        problems.append(
            unsupported(
                TARGET,
                step,
                flow,
                f"{keys} together with @batch(job_definition=...)",
                "the named job definition fixes these; drop them or drop job_definition",
            )
        )
    tags = batch.get("aws_batch_tags") if batch else None
    return Compute(
        cpu=_number_text(max(cpus)),
        memory=max(memories),
        gpu=max(gpus),
        definition=tuple(sorted(definition.items())),
        queue=str(batch.get("queue")) if batch and batch.get("queue") is not None else None,
        job_definition=str(named) if named is not None else None,
        tags=tuple(sorted((str(k), str(v)) for k, v in (tags.items() if isinstance(tags, dict) else []))),
        environment=_environment(step),
    )


#: Why an argument has no AWS Batch equivalent, and what to do instead.
_HINTS = {
    "ephemeral_storage": "ephemeral storage is a Fargate setting and flowc's job definitions run on EC2; "
    "register a Fargate job definition and name it with @batch(job_definition=...)",
    "executable": "the task interpreter is one per deployment: --set python=PATH",
    "disk": "AWS Batch on EC2 has no per-job disk size; size the volume in the compute environment's "
    "launch template",
}


def _cannot(flow: Flow, step: Step, deco: Decorator, key: str) -> Problem:
    hint = _HINTS.get(key)
    if hint is None and deco.name == "kubernetes":
        hint = (
            f"{key} is a Kubernetes setting with no AWS Batch equivalent; remove it for this target "
            "(compile for Argo to keep it)"
        )
    if hint is None:
        hint = (
            "AWS Batch jobs take cpu, memory, gpu, image, iam_role, execution_role, shared_memory, "
            "privileged and @batch's own arguments; remove the argument for this target"
        )
    return unsupported(TARGET, step, flow, f"@{deco.name}({key}=...) on step {step.name!r}", hint)


def _batch_like(deco: Decorator, key: str) -> bool:
    """Whether ``deco`` takes ``key`` with @batch's meaning (@kubernetes shares a few)."""
    return key not in jobdef.KEYS or deco.name == "batch" or key in jobdef.KUBERNETES_KEYS


def _bad_value(flow: Flow, step: Step, deco: Decorator, key: str, wanted: str) -> Problem:
    return unsupported(
        TARGET, step, flow, f"@{deco.name}({key}={deco.args[key]!r}) on step {step.name!r}", f"write {wanted}"
    )


def _number_text(value: float) -> str:
    return str(int(value)) if value == int(value) else repr(value)


def _mebibytes(flow: Flow, step: Step, deco: Decorator, value: Value, problems: list[Problem]) -> int:
    """A memory quantity in MiB: plain numbers are MiB (Metaflow), strings may carry units."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return max(1, int(value))
    match = _QUANTITY.fullmatch(str(value))
    if not match:
        problems.append(
            unsupported(
                TARGET, step, flow, f"memory {value!r} of @{deco.name}", "write MiB or a unit such as 16Gi"
            )
        )
        return DEFAULT_MEMORY_MIB
    number, unit = float(match.group(1)), match.group(2).lower()
    if not unit:
        return max(1, int(number))
    base = 1024 if match.group(3) else 1000
    size: float = number * float(base) ** ("kmgt".index(unit) + 1)
    return max(1, math.ceil(size / 2**20))


def _environment(step: Step) -> tuple[tuple[str, str], ...]:
    env: dict[str, str] = {}
    environment = step.decorator("environment")
    variables = environment.get("vars") if environment else None
    if isinstance(variables, dict):
        env.update({name: _env_text(value) for name, value in variables.items()})
    secrets = step.decorator("secrets")
    if secrets is not None:
        # Batch cannot inject Secrets Manager values per job: the task fetches
        # them itself at start (docs/sfn.md, "Secrets").
        env["FLOWC_SECRET_SOURCES"] = json.dumps(secrets.get("sources") or [], sort_keys=True)
        if secrets.get("role") is not None:
            env["FLOWC_SECRET_ROLE"] = str(secrets.get("role"))
    return tuple(sorted(env.items()))


def _env_text(value: Value) -> str:
    if isinstance(value, bool) or value is None:
        return str(value)
    return value if isinstance(value, str) else json.dumps(value)
