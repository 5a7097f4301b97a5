"""The AWS Step Functions target: ``flowc compile --target sfn``.

Emits the state machine (Amazon States Language JSON), the AWS Batch job
definitions the tasks run under, and, when the flow asks for them, an
EventBridge Scheduler schedule and EventBridge rules (with a trigger gate
state machine when a run waits for several events).  Compiling needs no
AWS access.  See docs/sfn.md.
"""

from __future__ import annotations

import json

from flowc.backends.base import CompileError, CompileOptions, Document
from flowc.backends.sfn import checks, documents, machine
from flowc.backends.sfn.batch import JobDefinitions, dump
from flowc.backends.sfn.compute import step_compute
from flowc.backends.sfn.settings import parse_settings
from flowc.transpile.ir import Flow
from flowc.transpile.problems import Problem

#: File name of the state machine definition under ``-o DIR``.
DEFINITION_FILE = "state-machine.json"


def emit(flow: Flow, options: CompileOptions) -> list[Document]:
    """The documents deploying ``flow`` to Step Functions; ``CompileError`` if it cannot be."""
    settings = parse_settings(flow, options)
    problems: list[Problem] = checks.check_flow(flow) + checks.check_widths(flow, settings)
    bucket, prefix, bad_root = checks.split_datastore(flow, options.datastore)
    problems += bad_root
    computes = {step.name: step_compute(flow, step, problems) for step in flow.steps}
    name = documents.machine_name(flow, settings)
    schedule = documents.schedule_document(flow, name, settings, problems)
    rules = documents.rule_documents(flow, name, settings, (bucket, prefix), problems)
    if problems:
        raise CompileError(problems)
    job_definitions = JobDefinitions(name, flow.name, options, settings)
    definition, initial = machine.build(flow, options, settings, computes, job_definitions, (bucket, prefix))
    text = dump(definition)
    problems = checks.check_definition(flow, text) + checks.check_input(flow, initial)
    if problems:
        raise CompileError(problems)
    warning = checks.history_warning(flow, json.loads(text), settings)
    if warning is not None:
        checks.print_warning(warning)
    out = [Document(DEFINITION_FILE, text)]
    out += [d for d in (job_definitions.document(), schedule) if d is not None]
    return out + rules
