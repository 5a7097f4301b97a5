"""Split, switch and recursion steps reached both straight from a switch case and from another path.

Also joins of a static branch with a switch inside a branch: the join
waits for the one case taken in that branch (``(p.Succeeded || q.Succeeded)``
and optional input paths ``p/t?,q/t?``).

Such a step gets one task per incoming edge (``<step>-Via-<parent>``, or
``<step>-Loop-Via-<parent>`` for a recursion's call); exactly one runs, and
what reads its outputs (a case's ``when``, a foreach's width, the loop's
last round) picks the variant that ran by its ``status``.  Each shape is
Metaflow-valid (checked with Metaflow's own ``FlowGraph`` and linter), runs
in the DAG simulator with every switch choice, and validates strictly.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import random
from pathlib import Path

import argo_schema
import pytest
import yaml
from argo_sim import Call, Simulator
from flowc.backends.argo import emit
from flowc.transpile import Flow, StepKind, analyze_source
from test_argo_sim import OPTIONS, check, oracle, parents_of

#: step → transition: ``to a b`` (linear or branch), ``switch a b`` (case value = step),
#: ``foreach body``, ``join to a`` (takes inputs), ``end``.
SHAPES: dict[str, dict[str, str]] = {
    # The example of the issue: `decide` is reached from `a` and straight from switch `b`.
    "switch_after_two_switches": {
        "start": "switch a b",
        "a": "to decide",
        "b": "switch decide c",
        "c": "to end",
        "decide": "switch x y",
        "x": "to end",
        "y": "to end",
        "end": "end",
    },
    "foreach_after_two_switches": {
        "start": "switch a b",
        "a": "to decide",
        "b": "switch decide c",
        "c": "to end",
        "decide": "foreach body",
        "body": "to join",
        "join": "join to end",
        "end": "end",
    },
    "branch_after_two_switches": {
        "start": "switch a b",
        "a": "to decide",
        "b": "switch decide c",
        "c": "to end",
        "decide": "to x y",
        "x": "to join",
        "y": "to join",
        "join": "join to end",
        "end": "end",
    },
    # The switch ran either way: only its choice tells which parent led on.
    "switch_after_its_own_case": {
        "start": "switch mid decide",
        "mid": "to decide",
        "decide": "switch p q",
        "p": "to end",
        "q": "to end",
        "end": "end",
    },
    "foreach_after_its_own_case": {
        "start": "switch mid decide",
        "mid": "to decide",
        "decide": "foreach body",
        "body": "to join",
        "join": "join to end",
        "end": "end",
    },
    "both_parents_switches": {
        "start": "switch a b",
        "a": "switch decide e",
        "b": "switch decide c",
        "c": "to decide",
        "e": "to end",
        "decide": "switch x y",
        "x": "to end",
        "y": "to end",
        "end": "end",
    },
    # A merge-switch whose case is itself a merge-switch.
    "merge_switch_chain": {
        "start": "switch m1 s1",
        "m1": "to s1",
        "s1": "switch m2 s2",
        "m2": "to s2",
        "s2": "switch p q",
        "p": "to end",
        "q": "to end",
        "end": "end",
    },
    "switch_after_a_recursion": {
        "start": "switch spin mid",
        "spin": "switch spin decide",
        "mid": "to decide",
        "decide": "switch p q",
        "p": "to end",
        "q": "to end",
        "end": "end",
    },
    # A recursion entered from a case and from another path.
    "recursion_after_its_own_case": {
        "start": "switch mid spin",
        "mid": "to spin",
        "spin": "switch spin after",
        "after": "to end",
        "end": "end",
    },
    "recursion_into_the_end": {
        "start": "switch mid spin",
        "mid": "to spin",
        "spin": "switch spin end",
        "end": "end",
    },
    "recursion_after_a_recursion": {
        "start": "switch spin mid",
        "spin": "switch spin spin2",
        "mid": "to spin2",
        "spin2": "switch spin2 end",
        "end": "end",
    },
    # Two ways out of a recursion, one into a recursion entered from a case too.
    "recursion_exits_into_a_merge_recursion": {
        "start": "switch spin m",
        "spin": "switch spin m x",
        "x": "to m",
        "m": "switch m end",
        "end": "end",
    },
    "recursion_then_merge_switch": {
        "start": "switch a spin",
        "a": "to spin",
        "spin": "switch spin d",
        "d": "switch p q",
        "p": "to end",
        "q": "to end",
        "end": "end",
    },
    # A switch inside a static branch: the join waits for one case of that branch.
    "switch_inside_a_branch": {
        "start": "to a b",
        "a": "switch p q",
        "p": "to j",
        "q": "to j",
        "b": "to j",
        "j": "join to end",
        "end": "end",
    },
    "merge_switch_inside_a_branch": {
        "start": "to a b",
        "a": "switch m d",
        "m": "to d",
        "d": "switch p q",
        "p": "to j",
        "q": "to j",
        "b": "switch r s",
        "r": "to j",
        "s": "to j",
        "j": "join to end",
        "end": "end",
    },
    # Inside foreach bodies: the variants live in the body's DAG template.
    "merge_switch_in_a_foreach": {
        "start": "foreach s",
        "s": "switch m d",
        "m": "to d",
        "d": "switch p q",
        "p": "to k",
        "q": "to k",
        "k": "to j",
        "j": "join to end",
        "end": "end",
    },
    "merge_foreach_in_a_foreach": {
        "start": "foreach s",
        "s": "switch m d",
        "m": "to d",
        "d": "foreach b",
        "b": "to j2",
        "j2": "join to j",
        "j": "join to end",
        "end": "end",
    },
    "merge_switches_in_nested_foreach": {
        "start": "foreach o",
        "o": "foreach s",
        "s": "switch m d",
        "m": "to d",
        "d": "switch p q",
        "p": "to k",
        "q": "to k",
        "k": "to j2",
        "j2": "join to j",
        "j": "join to end",
        "end": "end",
    },
    "merge_recursion_in_a_foreach": {
        "start": "foreach s",
        "s": "switch m spin",
        "m": "to spin",
        "spin": "switch spin after",
        "after": "to j",
        "j": "join to end",
        "end": "end",
    },
    # A foreach body ending in several steps: the join takes one task per index from their globs.
    "cases_meet_at_a_foreach_join": {
        "start": "foreach route",
        "route": "switch halve triple",
        "halve": "to gather",
        "triple": "to gather",
        "gather": "join to end",
        "end": "end",
    },
    "cases_meet_at_a_nested_foreach_join": {
        "start": "foreach o",
        "o": "foreach s",
        "s": "switch p q",
        "p": "to j2",
        "q": "to j2",
        "j2": "join to j",
        "j": "join to end",
        "end": "end",
    },
    "three_cases_two_ends_at_a_foreach_join": {
        "start": "foreach s",
        "s": "switch p q r",
        "p": "to j",
        "q": "to m",
        "r": "to m",
        "m": "to j",
        "j": "join to end",
        "end": "end",
    },
    "foreach_case_meets_at_a_foreach_join": {
        "start": "foreach s",
        "s": "switch p q",
        "p": "foreach x",
        "x": "to j2",
        "j2": "join to j",
        "q": "to j",
        "j": "join to end",
        "end": "end",
    },
    "recursion_case_meets_at_a_foreach_join": {
        "start": "foreach s",
        "s": "switch p spin",
        "spin": "switch spin k",
        "k": "to j",
        "p": "to j",
        "j": "join to end",
        "end": "end",
    },
}


def source(name: str, shape: dict[str, str], package: str = "flowc") -> str:
    """The flow file of ``shape``."""
    lines = [f"from {package} import FlowSpec, step", "", "", f"class {name}(FlowSpec):"]
    for step_name, transition in shape.items():
        words = transition.split()
        join = words[0] == "join"
        kind, targets = (words[1], words[2:]) if join else (words[0], words[1:])
        lines += ["    @step", f"    def {step_name}(self{', inputs' if join else ''}):"]
        if kind == "switch":
            cases = ", ".join(f'"{t}": self.{t}' for t in targets)
            lines += [
                f'        self.route = "{targets[0]}"',
                f'        self.next({{{cases}}}, condition="route")',
            ]
        elif kind == "foreach":
            lines += ["        self.items = [1, 2]", f'        self.next(self.{targets[0]}, foreach="items")']
        elif kind == "to":
            lines.append(f"        self.next({', '.join('self.' + t for t in targets)})")
        else:
            lines.append("        pass")
        lines.append("")
    return "\n".join(lines)


def compile_shape(name: str) -> tuple[Flow, dict[str, object]]:
    analysis = analyze_source(source("Shape", SHAPES[name]), "flow.py")
    assert analysis.flow is not None and not analysis.errors, [p.format() for p in analysis.problems]
    return analysis.flow, yaml.safe_load(emit(analysis.flow, OPTIONS)[0].text)


def followed(flow: Flow, calls: list[Call]) -> None:
    """Every edge a call took leads to a call naming it: nothing after a taken case is lost."""
    index = {(c.step, c.task_id): c for c in calls}
    for call in calls:
        step = flow.step(call.step)
        if step.kind is StepKind.END:
            continue
        taken = [call.switch] if step.kind is StepKind.SWITCH else list(step.next)
        for target in taken:
            children = [c for c in calls if c.step == target and call in parents_of(c.input_paths, index)]
            expected = call.cardinality if step.kind is StepKind.FOREACH else 1
            assert len(children) == expected, f"{call.step} {call.task_id} → {target}: {len(children)} runs"


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_every_choice_runs_each_step_once_with_the_parent_taken(name: str) -> None:
    flow, document = compile_shape(name)
    seen = set()
    for seed in range(40):
        calls = Simulator(document, oracle(flow, seed)).run()
        check(flow, calls)
        followed(flow, calls)
        seen.add(tuple((c.step, c.input_paths) for c in calls))
    switches = sum(s.kind is StepKind.SWITCH for s in flow.steps)
    assert len(seen) > switches, "the seeds did not take the cases apart"


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_shapes_are_strictly_valid_and_round_trip_through_hera(name: str) -> None:
    from hera.workflows.models import WorkflowTemplate

    _, document = compile_shape(name)
    for version in argo_schema.VERSIONS:
        assert not argo_schema.errors(document, version)
    dumped = WorkflowTemplate.model_validate(document).model_dump_json(exclude_none=True, by_alias=True)
    assert json.loads(dumped) == document


def random_shape(seed: int) -> dict[str, str]:
    """Steps joined by forward transitions and switches (some recursive), maybe in a foreach body."""
    rng = random.Random(seed)
    names = [f"s{i}" for i in range(rng.randint(3, 8))]
    body: dict[str, str] = {}
    for index, name in enumerate(names):
        later = [*names[index + 1 :], "OUT"]
        cases = list(dict.fromkeys(rng.sample(later, min(len(later), rng.randint(2, 3)))))
        if rng.random() < 0.25:
            cases[0] = name
        if index == len(names) - 1 or rng.random() < 0.4 or len(cases) < 2:
            body[name] = "to " + rng.choice(later[:3])
        else:
            body[name] = "switch " + " ".join(cases)
    if rng.random() < 0.4:
        # A case may not go straight to a join (FLC122): it ends in a step of its own, so
        # the body often ends in several steps.
        shape = {"start": "foreach s0"}
        for name, transition in body.items():
            out = f"x{name}" if transition.startswith("switch") else "j"
            shape[name] = transition.replace("OUT", out)
            if out != "j" and out in shape[name]:
                shape[out] = "to j"
        return {**shape, "j": "join to end", "end": "end"}
    return {"start": "to s0", **{k: v.replace("OUT", "end") for k, v in body.items()}, "end": "end"}


def test_random_switch_flows_run_each_step_once_with_the_parent_taken() -> None:
    """Unseen flows: every valid one compiles and runs right for several choices."""
    valid = several_ends = 0
    for seed in range(600):
        analysis = analyze_source(source("Shape", random_shape(seed)), "flow.py")
        if analysis.flow is None or analysis.errors:
            continue
        valid += 1
        document = yaml.safe_load(emit(analysis.flow, OPTIONS)[0].text)
        several_ends += any(s.is_join and len(s.previous) > 1 for s in analysis.flow.steps)
        for choice in range(3):
            calls = Simulator(document, oracle(analysis.flow, choice)).run()
            check(analysis.flow, calls)
            followed(analysis.flow, calls)
    assert valid > 100 and several_ends > 30, (valid, several_ends)


def test_a_merge_switch_reads_the_choice_of_the_variant_that_ran() -> None:
    _, document = compile_shape("switch_after_its_own_case")
    (main,) = [t for t in document["spec"]["templates"] if t["name"] == "main"]  # type: ignore[index]
    tasks = {t["name"]: t for t in main["dag"]["tasks"]}
    assert {"decide-Via-mid", "decide-Via-start"} <= set(tasks) and "decide" not in tasks
    assert tasks["decide-Via-start"]["when"] == "'{{tasks.start.outputs.parameters.switch}}' == 'decide'"
    assert tasks["decide-Via-mid"]["depends"] == "mid.Succeeded"
    assert tasks["p"]["depends"] == "(decide-Via-mid.Succeeded || decide-Via-start.Succeeded)"
    assert tasks["p"]["when"] == (
        "'{{=tasks['decide-Via-mid'].status == 'Succeeded' ? "
        "tasks['decide-Via-mid'].outputs.parameters.switch : "
        "tasks['decide-Via-start'].outputs.parameters.switch}}' == 'p'"
    )


def test_a_join_waits_for_the_case_taken_in_each_branch() -> None:
    _, document = compile_shape("switch_inside_a_branch")
    (main,) = [t for t in document["spec"]["templates"] if t["name"] == "main"]  # type: ignore[index]
    (join,) = [t for t in main["dag"]["tasks"] if t["name"] == "j"]
    assert join["depends"] == "(b.Succeeded && (p.Succeeded || q.Succeeded))"
    assert {"name": "input-paths", "value": "b/t,p/t?,q/t?"} in join["arguments"]["parameters"]


def test_the_shapes_are_metaflow_valid(tmp_path: Path) -> None:
    """Metaflow's own graph and linter accept every shape (so FLC401 on them would be a gap)."""
    from metaflow.graph import FlowGraph
    from metaflow.lint import linter

    for name, shape in SHAPES.items():
        path = tmp_path / f"{name}.py"
        path.write_text(source("Shape", shape, package="metaflow"))
        spec = importlib.util.spec_from_file_location(f"argo_merge_{name}", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        with contextlib.redirect_stdout(io.StringIO()):
            spec.loader.exec_module(module)
            linter.run_checks(FlowGraph(module.Shape))
