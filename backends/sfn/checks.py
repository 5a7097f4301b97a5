"""Compile-time checks of Step Functions limits (see :mod:`limits` for sources)."""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from typing import Any

from flowc.backends.base import over_limit, unsupported
from flowc.backends.sfn import limits
from flowc.backends.sfn.compute import TARGET
from flowc.backends.sfn.settings import Settings
from flowc.backends.unattended import unattended_problems
from flowc.transpile.ir import Flow, StepKind
from flowc.transpile.problems import Problem, Severity

_PARAM_NAME = re.compile(r"^[A-Za-z0-9_-]+$")
_PARALLEL_HINT = (
    "@parallel starts its tasks together as one gang (an AWS Batch multi-node job), which flowc does not "
    "emit; when the tasks need not talk to each other, use a foreach over range(N)"
)
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_PREFIX = re.compile(r"^[A-Za-z0-9_.=+-]+(/[A-Za-z0-9_.=+-]+)*$")


def check_flow(flow: Flow) -> list[Problem]:
    """Shapes, decorators and parameters the sfn target cannot express."""
    problems: list[Problem] = unattended_problems(flow, TARGET)
    for step in flow.steps:
        if step.num_parallel is not None or step.decorator("parallel") is not None:
            problems.append(unsupported(TARGET, step, flow, "@parallel (num_parallel=...)", _PARALLEL_HINT))
    problems += [
        Problem(
            "FLC401",
            hook.span,
            f"{TARGET} cannot express @exit_hook (functions called once a run has ended)",
            "Metaflow's Step Functions deployer refuses it too: call the functions from the end step "
            "(success), or compile for argo or airflow",
        )
        for hook in flow.exit_hooks
    ]
    for param in flow.parameters:
        if not _PARAM_NAME.fullmatch(param.name):
            problems.append(
                unsupported(
                    TARGET,
                    None,
                    flow,
                    f"parameter name {param.name!r}",
                    "the state machine addresses parameters by JSONPath: use ASCII letters, digits, _ and -",
                )
            )
    return problems


def check_widths(flow: Flow, settings: Settings) -> list[Problem]:
    """Declared foreach widths fit what the chunked Distributed Map can index."""
    problems = []
    for step in flow.steps:
        width = settings.width(step.name) if step.kind is StepKind.FOREACH else None
        widest = limits.ARRAY_RANGE_MAX_ITEMS**2
        if width is not None and width > widest:
            problems.append(
                over_limit(
                    step.span,
                    f"foreach step {step.name!r} is declared {width:,} wide; flowc's Distributed Map "
                    f"reaches {widest:,} items ({limits.ARRAY_RANGE_MAX_ITEMS:,} chunks of "
                    f"{limits.ARRAY_RANGE_MAX_ITEMS:,}, the States.ArrayRange limit)",
                    "nest two foreach",
                )
            )
    return problems


def split_datastore(flow: Flow, datastore: str) -> tuple[str, str, list[Problem]]:
    """``(bucket, prefix)`` of an ``s3://`` datastore root, with FLC403 problems."""
    rest = datastore[len("s3://") :] if datastore.startswith("s3://") else None
    bucket, _, prefix = (rest or "").partition("/")
    prefix = prefix.strip("/")
    if rest is None or not _BUCKET.fullmatch(bucket) or (prefix and not _PREFIX.fullmatch(prefix)):
        problem = Problem(
            "FLC403",
            flow.span,
            f"--datastore {datastore!r} is not an s3://bucket/prefix the state machine can address",
            "use s3://bucket or s3://bucket/prefix with letters, digits and _ . = + - in the prefix",
        )
        return "", "", [problem]
    return bucket, prefix, []


def check_definition(flow: Flow, text: str) -> list[Problem]:
    """The definition fits the 1 MB quota and every state name is valid."""
    problems = []
    size = len(text.encode("utf-8"))
    if size > limits.MAX_DEFINITION_BYTES:
        problems.append(
            over_limit(
                flow.span,
                f"the state machine definition is {size:,} bytes, over Step Functions' "
                f"{limits.MAX_DEFINITION_BYTES:,}-byte limit",
                "split the flow into several flows chained with @trigger_on_finish",
            )
        )
    counts = Counter(_state_names(json.loads(text)))
    for name in sorted(counts):
        # Names come from unique step names; this guards against flowc bugs.
        if not limits.is_valid_state_name(name) or counts[name] > 1:  # pragma: no cover
            problems.append(
                over_limit(flow.span, f"invalid or repeated state name {name!r}", "report a flowc bug")
            )
    return problems


def check_input(flow: Flow, initial_data: dict[str, Any]) -> list[Problem]:
    """The data every execution starts with (defaults and command) fits 256 KiB."""
    size = len(json.dumps(initial_data, ensure_ascii=False).encode("utf-8"))
    if size <= limits.MAX_PAYLOAD_BYTES:
        return []
    span = flow.parameters[0].span if flow.parameters else flow.span
    return [
        over_limit(
            span,
            f"parameter defaults and the task command take {size:,} bytes of state data, over the "
            f"{limits.MAX_PAYLOAD_BYTES:,}-byte input limit",
            "keep large values out of parameter defaults (use IncludeFile or the datastore)",
        )
    ]


def history_warning(flow: Flow, definition: dict[str, Any], settings: Settings) -> Problem | None:
    """A warning when the declared foreach widths may exceed 25,000 history events."""
    if not settings.foreach_width and not settings.step_widths:
        return None
    events = _events(definition["States"], settings)
    if events <= limits.MAX_HISTORY_EVENTS:
        return None
    return Problem(
        "FLC402",
        flow.span,
        f"an execution may record about {events:,} history events, over Step Functions' "
        f"{limits.MAX_HISTORY_EVENTS:,}",
        "run wide foreach as a Distributed Map (--set distributed_map=true) or lower the declared widths",
        Severity.WARNING,
    )


def print_warning(problem: Problem) -> None:
    """Show a warning without stopping compilation."""
    print(problem.format(), file=sys.stderr)


#: Events per state type for one successful pass (entered/exited plus the task lifecycle).
_EVENTS = {"Pass": 2, "Choice": 2, "Fail": 2, "Task": 6, "Map": 4, "Parallel": 4}


def _events(states: dict[str, Any], settings: Settings) -> int:
    total = 0
    for name, state in states.items():
        kind = state["Type"]
        total += _EVENTS.get(kind, 2)
        if kind == "Parallel":
            total += sum(2 + _events(b["States"], settings) for b in state["Branches"])
        elif kind == "Map":
            config = state["ItemProcessor"]["ProcessorConfig"]
            if config["Mode"] == "DISTRIBUTED":
                total += 4  # map run events; items run as child executions
                continue
            step = name[: -len("-map")]
            width = settings.width(step) or 1
            total += width * (2 + _events(state["ItemProcessor"]["States"], settings))
    return total


def _state_names(node: Any) -> list[str]:
    names: list[str] = []
    if isinstance(node, dict):
        states = node.get("States")
        if isinstance(states, dict):
            names.extend(states)
        for value in node.values():
            names.extend(_state_names(value))
    elif isinstance(node, list):
        for value in node:
            names.extend(_state_names(value))
    return names
