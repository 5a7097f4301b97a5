"""The whole state machine: the start-up states, then the flow's regions."""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Any

from flowc.backends.base import CompileOptions, source_label
from flowc.backends.sfn import batch, limits
from flowc.backends.sfn.batch import JobDefinitions
from flowc.backends.sfn.compute import Compute
from flowc.backends.sfn.intrinsic import member
from flowc.backends.sfn.plan import Plan
from flowc.backends.sfn.settings import Settings
from flowc.backends.sfn.states import StateBuilder
from flowc.runtime_shim.branch import BRANCH_ENV
from flowc.transpile.ir import Flow, Parameter, ParamType, Step

INIT = "flowc-init"
PARAMS = "flowc-params"
CHECK = "flowc-check-params"
MISSING = "flowc-missing-parameter"


def build(
    flow: Flow,
    options: CompileOptions,
    settings: Settings,
    computes: dict[str, Compute],
    job_definitions: JobDefinitions,
    datastore: tuple[str, str],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(definition, initial state data)`` of ``flow``'s state machine."""
    boot = batch.boot_command(options, settings, flow.name)
    # Tasks report the branch the deployment is named after (current.branch_name).
    branch = {BRANCH_ENV: settings.branch} if settings.branch and flow.decorator("project") else {}

    def task(step: Step, command: str) -> dict[str, Any]:
        compute = computes[step.name]
        if branch:
            compute = replace(
                compute, environment=tuple(sorted((dict(compute.environment) | branch).items()))
            )
        job_definition = job_definitions.name_for(compute)
        return batch.task_state(
            step,
            limits.safe_name(f"{flow.name}-{step.name}", limits.MAX_BATCH_JOB_NAME),
            compute,
            job_definition,
            settings,
            command,
            job_definitions.is_generated(job_definition),
            source_label(flow, step, options.flow_file),
        )

    builder = StateBuilder(flow, Plan(flow), settings, datastore[0], datastore[1], len(boot), task)
    start_at, region = builder.region(flow.start, None, nested=False)
    init, data = _startup(flow, boot, start_at)
    definition = {
        "Comment": f"{flow.name}, compiled by flowc from {os.path.basename(flow.path)}",
        "StartAt": INIT,
        "States": {**init, **region},
    }
    return definition, data


def _startup(flow: Flow, boot: list[str], start_at: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """States that set up ``$.boot``, ``$.run``, ``$.loops`` and ``$.params``."""
    command = dict(zip(batch.keys("c", len(boot)), boot, strict=True))
    data: dict[str, Any] = {"boot": command, "loops": {}, "run.$": "$$.Execution.Name"}
    states: dict[str, Any] = {}
    if not flow.parameters:
        states[INIT] = {
            "Type": "Pass",
            "Comment": "constant task command and run id",
            "Parameters": data,
            "Next": start_at,
        }
        return states, data
    defaults = {p.name: text for p in flow.parameters if (text := default_text(p)) is not None}
    data |= {"defaults": defaults, "given.$": "$"}
    states[INIT] = {
        "Type": "Pass",
        "Comment": "constant task command, run id and parameter defaults",
        "Parameters": data,
        "Next": PARAMS,
    }
    required = [p for p in flow.parameters if p.required and default_text(p) is None]
    states[PARAMS] = {
        "Type": "Pass",
        "Comment": "execution input over parameter defaults",
        "Parameters": {
            "boot.$": "$.boot",
            "run.$": "$.run",
            "loops": {},
            "params.$": "States.JsonMerge($.defaults, $.given, false)",
        },
        "Next": CHECK if required else start_at,
    }
    if required:
        states[CHECK] = {
            "Type": "Choice",
            "Comment": "required parameters are given",
            "Choices": [
                {"Not": {"Variable": member("$.params", p.name), "IsPresent": True}, "Next": MISSING}
                for p in required
            ],
            "Default": start_at,
        }
        states[MISSING] = {
            "Type": "Fail",
            "Error": "flowc.MissingParameter",
            "Cause": "the execution input must give: " + ", ".join(p.name for p in required),
        }
    return states, data


def default_text(param: Parameter) -> str | None:
    """A parameter's default as the raw string the shim converts back (``None``: no default)."""
    value = param.default
    if value is None:
        return None
    if param.type is ParamType.BOOL or isinstance(value, bool):
        return "true" if value else "false"
    if param.type is ParamType.JSON and not isinstance(value, str):
        import json

        return json.dumps(value, sort_keys=True)
    if isinstance(value, float):
        return repr(value)
    return str(value)
