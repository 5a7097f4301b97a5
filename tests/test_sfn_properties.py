"""Unseen flows of every shape (tests/flowgen.py) compile to valid state machines
that run to success in moto with consistent task ids and input paths."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from flowc.backends.sfn import emit, limits
from flowc.backends.sfn.machine import default_text
from flowc.backends.sfn.plan import Plan
from flowc.transpile.ir import Flow, StepKind
from flowgen import flows, generate
from hypothesis import HealthCheck, given, settings
from sfn_support import Execution, flow_of, options, run_in_moto, validate

SEEDS = range(40)
RUN_SEEDS = range(12)
WIDTH = 2


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(flows())
def test_generated_flows_compile_deterministically(source: str) -> None:
    flow = flow_of(source)
    first = [(d.filename, d.text) for d in emit(flow, options())]
    assert first == [(d.filename, d.text) for d in emit(flow_of(source), options())]
    machine = json.loads(first[0][1])
    _check_structure(machine)


def _check_structure(machine: dict[str, Any]) -> None:
    """Every transition names a state of its own States map; names are valid."""
    states: dict[str, Any] = machine["States"]
    assert machine["StartAt"] in states
    for name, state in states.items():
        assert limits.is_valid_state_name(name), name
        targets = [state.get("Next"), state.get("Default")]
        targets += [c.get("Next") for c in state.get("Choices", []) + state.get("Catch", [])]
        assert all(t in states for t in targets if t), (name, targets)
        for nested in [*state.get("Branches", []), state.get("ItemProcessor")]:
            if nested:
                _check_structure(nested)


def test_generated_flows_pass_both_validators(tmp_path: Path) -> None:
    paths = []
    for seed in SEEDS:
        variant = {"distributed_map": "true"} if seed % 2 else {}
        text = emit(flow_of(generate(seed)), options(**variant))[0].text
        path = tmp_path / f"seed-{seed}.json"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    validate(paths)


def _writes(flow: Flow) -> Any:
    """What the shim would output: foreach of WIDTH; a switch takes its forward case,
    or goes round its loop once first."""
    plan = Plan(flow)

    def output(step_name: str) -> dict[str, Any] | None:
        step = flow.step(step_name)
        if step.kind is StepKind.FOREACH:
            return {"foreach": {"var": step.foreach, "cardinality": WIDTH}}
        if step.kind is not StepKind.SWITCH:
            return None
        forward = next(t for t in step.next if not plan.is_back_edge(step.name, t))
        back = [t for t in step.next if plan.is_back_edge(step.name, t)]
        if not back:
            return {"switch": {"next": forward}}
        return {
            "first": {"switch": {"next": back[0]}},
            "later": {"switch": {"next": forward}},
            "loop": back[0],
        }

    return output


_ONE_MORE = re.compile(r"(\d+)(?:\.(\d+))?")


def _check_inputs(flow: Flow, result: Execution, ordered: bool = True) -> None:
    """Each task's parents ran (before it, when the order is known), as
    docs/task-contract.md resolves them."""
    everything = {(t.args.step, t.args.task_id) for t in result.tasks}
    assert len(everything) == len(result.tasks), "a task ran twice"
    done: set[tuple[str, str]] = set() if ordered else everything
    for task in result.tasks:
        args = task.args
        plan_depth = len(flow.foreach_stack(args.step))
        assert len(args.split_indices) == plan_depth, (args.step, args.task_id)
        if args.input_paths is not None:
            resolved = 0
            for entry in args.input_paths.split(","):
                step, _, tid = entry.rstrip("?").partition("/")
                if tid.endswith("*"):
                    prefix = tid[:-1]
                    children = {
                        int(m[1])
                        for s, t in done
                        if s == step and (m := _ONE_MORE.fullmatch(t[len(prefix) :])) and t.startswith(prefix)
                    }
                    assert children == set(range(WIDTH)), (task.args, entry, sorted(done))
                    resolved += 1
                elif (step, tid) in done:
                    resolved += 1
                else:
                    assert entry.endswith("?"), (args.step, args.task_id, entry, sorted(done))
            assert resolved, (args.step, args.task_id, args.input_paths)
        done.add((args.step, args.task_id))


def _check_values(flow: Flow, result: Execution) -> None:
    """Parameter defaults and @environment values (adversarial text) arrive unchanged."""
    for task in result.tasks:
        step = flow.step(task.args.step)
        deco = step.decorator("environment")
        variables = deco.get("vars") if deco else None
        expected = {k: v if isinstance(v, str) else str(v) for k, v in (variables or {}).items()}
        assert task.environment == expected, (step.name, task.environment, expected)
    (start,) = [t for t in result.tasks if t.args.step == flow.start]
    assert start.args.params == {p.name: default_text(p) for p in flow.parameters}


@pytest.mark.parametrize("seed", RUN_SEEDS)
def test_generated_flows_run_in_moto(seed: int) -> None:
    flow = flow_of(generate(seed))
    machine = json.loads(emit(flow, options())[0].text)
    result = run_in_moto(machine, writes=_writes(flow), name=f"seed-{seed}")
    assert result.status == "SUCCEEDED", (result.error, result.cause, generate(seed))
    assert [t.args.task_id for t in result.tasks if t.args.step == flow.end] == ["t"]
    _check_inputs(flow, result)
    _check_values(flow, result)


@pytest.mark.parametrize("seed", [1, 2, 8])
def test_generated_flows_run_with_distributed_maps(seed: int) -> None:
    flow = flow_of(generate(seed))
    machine = json.loads(emit(flow, options(distributed_map="true"))[0].text)
    result = run_in_moto(machine, writes=_writes(flow), name=f"dist-{seed}", record_in_s3=True)
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert [t.args.task_id for t in result.tasks if t.args.step == flow.end] == ["t"]
    _check_inputs(flow, result, ordered=False)
