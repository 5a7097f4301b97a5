"""The ``--set KEY=VALUE`` settings the sfn target understands, parsed and checked."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flowc.backends.base import CompileError, CompileOptions
from flowc.backends.sfn import limits
from flowc.transpile.ir import Flow
from flowc.transpile.problems import Problem

#: Setting → what it means (also the help text of FLC403 errors).
KNOWN: dict[str, str] = {
    "queue": "AWS Batch job queue for every step without @batch(queue=...)",
    "job_definition": "registered Batch job definition to use instead of the generated ones",
    "job_role": "IAM role ARN the generated job definitions give task containers",
    "execution_role": "ECS execution role ARN for the generated job definitions",
    "region": "AWS region used in the ARNs of the schedule and event rule",
    "account": "AWS account id used in the ARNs of the schedule and event rule",
    "events_role": "IAM role ARN EventBridge uses to start executions",
    "state_machine_name": "name of the state machine (default: the flow name)",
    "distributed_map": "true: every foreach becomes a Distributed Map",
    "foreach_width": "declared maximum width of every foreach (wider than 40: Distributed Map)",
    "max_concurrency": "MaxConcurrency of every Map (0: no limit)",
    "max_recursion": f"iterations of a switch loop before the run fails (default {limits.DEFAULT_MAX_RECURSION})",
    "python": "Python interpreter in the task image (default: python)",
    "branch": "the @project branch of the names and of current.branch_name (default: the decorator's, else main)",
}
_PER_STEP = re.compile(r"^foreach_width\.([a-z0-9_]+)$")
_PLACEHOLDER_REGION = "${AWS_REGION}"
_PLACEHOLDER_ACCOUNT = "${AWS_ACCOUNT_ID}"


@dataclass(frozen=True)
class Settings:
    """Typed view of the sfn settings."""

    queue: str = "flowc"
    job_definition: str | None = None
    job_role: str | None = None
    execution_role: str | None = None
    region: str = _PLACEHOLDER_REGION
    account: str = _PLACEHOLDER_ACCOUNT
    events_role: str = f"arn:aws:iam::{_PLACEHOLDER_ACCOUNT}:role/flowc-events"
    state_machine_name: str | None = None
    distributed_map: bool = False
    foreach_width: int | None = None
    step_widths: dict[str, int] = field(default_factory=dict)
    max_concurrency: int = 0
    max_recursion: int = limits.DEFAULT_MAX_RECURSION
    python: str = "python"
    branch: str | None = None

    def width(self, step: str) -> int | None:
        """The declared maximum width of foreach ``step``, if any."""
        return self.step_widths.get(step, self.foreach_width)

    def distributed(self, step: str) -> bool:
        """Whether foreach ``step`` runs as a Distributed Map."""
        width = self.width(step)
        return self.distributed_map or (width is not None and width > limits.INLINE_MAP_MAX_CONCURRENCY)

    def state_machine_arn(self, name: str) -> str:
        """The ARN the state machine called ``name`` will have."""
        return f"arn:aws:states:{self.region}:{self.account}:stateMachine:{name}"


def parse_settings(flow: Flow, options: CompileOptions) -> Settings:
    """The settings in ``options``; FLC403 for unknown keys or bad values."""
    problems: list[Problem] = []
    values: dict[str, object] = {}
    widths: dict[str, int] = {}

    def bad(message: str, hint: str) -> None:
        problems.append(Problem("FLC403", flow.span, message, hint))

    for key, raw in sorted(options.settings.items()):
        per_step = _PER_STEP.fullmatch(key)
        if per_step:
            if not flow.has_step(per_step.group(1)):
                bad(f"--set {key}: the flow has no step {per_step.group(1)!r}", "name a foreach step")
            elif (number := _positive(raw)) is None:
                bad(f"--set {key}={raw!r} is not a positive whole number", "give the widest fan-out expected")
            else:
                widths[per_step.group(1)] = number
            continue
        if key not in KNOWN:
            bad(f"unknown sfn setting {key!r}", "known settings: " + ", ".join(sorted(KNOWN)))
            continue
        if key in ("foreach_width", "max_recursion"):
            number = _positive(raw)
            if number is None:
                bad(f"--set {key}={raw!r} is not a positive whole number", KNOWN[key])
            values[key] = number
        elif key == "max_concurrency":
            if not raw.isdigit():
                bad(f"--set {key}={raw!r} is not a whole number", KNOWN[key])
            values[key] = int(raw) if raw.isdigit() else 0
        elif key == "distributed_map":
            if raw.lower() not in ("true", "false"):
                bad(f"--set distributed_map={raw!r} is not true or false", KNOWN[key])
            values[key] = raw.lower() == "true"
        else:
            values[key] = raw
    if problems:
        raise CompileError(problems)
    return Settings(step_widths=widths, **values)  # type: ignore[arg-type]


def _positive(raw: str) -> int | None:
    return int(raw) if raw.isdigit() and int(raw) > 0 else None
