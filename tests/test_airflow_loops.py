"""Loops back to an earlier step with branches, joins and several cases back, for Airflow.

The emitted tables and wiring, the shapes still refused (``FLC401``), and
Airflow's DagBag importing the unrolled DAGs.  Running them against
``flowc run`` is in test_airflow_e2e.py (``loop_back_branch``).
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

import pytest
from airflow_env import AirflowEnv, airflow_fixture  # noqa: F401 - the fixture
from flowc.backends.airflow import emit
from flowc.backends.base import CompileError, CompileOptions
from flowc.transpile import analyze_source
from flowc.transpile.ir import Flow

HEAD = "from flowc import FlowSpec, step\n\n\nclass {name}(FlowSpec):\n"


def flow_of(steps: str, name: str = "LoopFlow") -> Flow:
    """A flow from lines ``step: body -> targets``; ``step*`` takes inputs, ``-> self.next(...)`` is kept."""
    lines = [HEAD.format(name=name)]
    for line in steps.strip().splitlines():
        step, rest = (part.strip() for part in line.split(":", 1))
        body, target = (part.strip() for part in rest.split("->", 1))
        args = "self, inputs" if step.endswith("*") else "self"
        call = target if target.startswith("self.next(") else f"self.next({target})" if target else ""
        lines.append(f"    @step\n    def {step.rstrip('*')}({args}):\n        {body or 'pass'}\n")
        lines.append(f"        {call}\n\n" if call else "\n")
    analysis = analyze_source("".join(lines), "loop.py")
    assert analysis.flow is not None, [p.format() for p in analysis.problems]
    return analysis.flow


def options(**settings: str) -> CompileOptions:
    return CompileOptions("s3://b/flowc", "s3://b/flowc/p.tgz", "0" * 64, "loop.py", settings=settings)


def dag(flow: Flow, mode: str = "local", iterations: str = "3") -> str:
    return emit(flow, options(operator=mode, max_iterations=iterations))[0].text


def table(text: str, name: str) -> str:
    return text.split(f"\n{name}: ")[1].split("\n}\n")[0]


#: The issue's example: a static branch and its join inside the loop.
BRANCH_LOOP = flow_of(
    """
start: -> self.top
top: -> self.a, self.b
a: -> self.join
b: -> self.join
join*: -> self.decide
decide: self.v = "done" -> self.next({"again": self.top, "done": self.end}, condition="v")
end: ->
""",
    "BranchLoopFlow",
)


def test_branch_and_join_inside_a_loop_unroll_per_pass() -> None:
    text = dag(BRANCH_LOOP)
    loops = table(text, "LOOPS")
    for step in ("top", "a", "b", "join", "decide"):
        assert f'"{step}": ["{step}", "{step}-iter-1", "{step}-iter-2"],' in loops
    inputs = table(text, "LOOP_INPUTS")
    assert '"top": ["decide/{prev}"],' in inputs and '"join": ["a/{t}", "b/{t}"],' in inputs
    assert '"end": ["decide/{last}"],' in table(text, "INPUTS")
    assert 'targets={"end": "decide-to-end", "top": "top-iter-1"},' in text
    assert 'targets={"end": "decide-iter-2-to-end"},' in text  # the last pass can only leave
    # pass 1's join waits for both branches of pass 1, all of them (a skipped pass skips it)
    assert "a_iter1_task >> join_iter1_task\n    b_iter1_task >> join_iter1_task\n" in text
    assert 'join_iter1_task = run_step.override(task_id="join-iter-1")(step="join", iteration=1)' in text
    assert "decide_switch >> top_iter1_task\n" in text


#: One switch with two cases back: to the branch, and to the step after its join.
TWO_BACK = flow_of(
    """
start: -> self.top
top: -> self.a, self.b
a: -> self.join
b: -> self.join
join*: -> self.check
check: -> self.decide
decide: self.v = "done" -> self.next({"again": self.top, "recheck": self.check, "done": self.end}, condition="v")
end: ->
""",
    "TwoBackFlow",
)


def test_two_cases_back_share_one_pass_counter() -> None:
    text = dag(TWO_BACK)
    assert 'targets={"check": "decide-to-check", "end": "decide-to-end", "top": "top-iter-1"},' in text
    # a pass may start at check or reach it from join: it waits for either, and lists
    # decide only when decide chose it (flowc run names exactly the parent that started it)
    assert '"check": ["decide/{prev}?", "join/{t}?"],' in table(text, "LOOP_INPUTS")
    check = text.split('check_iter1_task = run_step.override(\n        task_id="check-iter-1",\n')[1]
    assert check.startswith("        trigger_rule=TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS,")
    assert "join_iter1_task >> check_iter1_task\n    decide_to_check >> check_iter1_task\n" in text
    assert '"check": ["join/{t}"],' in table(text, "INPUTS")  # no back edge in the first pass


#: A switch going back to itself and to an earlier step.
SELF_AND_BACK = flow_of(
    """
start: -> self.a
a: -> self.b
b: -> self.s
s: self.v = "done" -> self.next({"self": self.s, "back": self.a, "done": self.end}, condition="v")
end: ->
""",
    "SelfAndBackFlow",
)


def test_a_switch_back_to_itself_and_to_an_earlier_step() -> None:
    text = dag(SELF_AND_BACK)
    assert '"s": ["b/{t}?", "s/{prev}?"],' in table(text, "LOOP_INPUTS")
    assert 'targets={"a": "a-iter-1", "end": "s-to-end", "s": "s-to-s"},' in text
    assert "b_iter1_task >> s_iter1_task\n    s_to_s >> s_iter1_task\n" in text


#: TWO_BACK per item of a foreach.
TWO_BACK_PER_ITEM = flow_of(
    """
start: self.items = [1, 2] -> self.next(self.top, foreach="items")
top: -> self.a, self.b
a: -> self.join
b: -> self.join
join*: -> self.check
check: -> self.decide
decide: self.v = "done" -> self.next({"again": self.top, "recheck": self.check, "done": self.after}, condition="v")
after: -> self.gather
gather*: -> self.end
end: ->
""",
    "TwoBackPerItemFlow",
)


def test_two_cases_back_inside_a_foreach_are_guarded() -> None:
    guards = table(dag(TWO_BACK_PER_ITEM), "GUARDS")
    assert '"top-iter-1": ["all", [["decide", "case"]]],' in guards
    assert '"join-iter-1": ["all", [["a-iter-1", "path"], ["b-iter-1", "path"]]],' in guards
    assert '"check-iter-2": ["any", [["join-iter-2", "path"], ["decide-iter-1", "case"]]],' in guards
    assert (
        '"after": ["any", [["decide", "case"], ["decide-iter-1", "case"], ["decide-iter-2", "case"]]],'
        in guards
    )
    assert '\n    "join": ' not in guards  # the first pass runs at every index


#: A foreach inside a loop, its body with a switch (guarded per map index).
FOREACH_IN_LOOP = flow_of(
    """
start: -> self.top
top: self.items = [1] -> self.next(self.pick, foreach="items")
pick: self.v = "a" -> self.next({"a": self.a, "b": self.body}, condition="v")
a: -> self.body
body: -> self.join
join*: -> self.decide
decide: self.v = "done" -> self.next({"again": self.top, "done": self.end}, condition="v")
end: ->
""",
    "ForeachInLoopFlow",
)


def _task_id_function(text: str) -> Callable[..., str]:
    """The DAG file's ``_task_id`` with its ``LOOP_LEVELS`` table, without importing Airflow."""
    module = ast.parse(text)
    wanted = [
        node
        for node in module.body
        if (isinstance(node, ast.FunctionDef) and node.name == "_task_id")
        or (isinstance(node, ast.AnnAssign) and ast.unparse(node.target) == "LOOP_LEVELS")
    ]
    scope: dict[str, Any] = {}
    exec(compile(ast.Module(body=wanted, type_ignores=[]), "dag.py", "exec"), scope)
    return cast("Callable[..., str]", scope["_task_id"])


def test_a_foreach_inside_a_loop_unrolls_per_pass_with_flowc_runs_ids() -> None:
    text = dag(FOREACH_IN_LOOP)
    assert table(text, "LOOP_LEVELS").endswith('{\n    "pick": 0,\n    "a": 0,\n    "body": 0,')
    inputs = table(text, "LOOP_INPUTS")
    assert '"pick": ["top/{parent}"],' in inputs and '"join": ["body/{t}-*"],' in inputs
    assert '"body": ["a/{t}?", "pick/{t}?"],' in inputs
    # every pass has its own splits list, and the body of pass k is mapped over it
    assert 'top_iter1_splits = foreach_splits.override(task_id="top-iter-1-splits")(' in text
    assert text.count(").expand(split=top_iter1_splits)\n") == 3  # pick, a and body of pass 1
    assert "body_iter1_task >> join_iter1_task\n" in text
    # the switch inside the body guards pass k's case steps with pass k's switch
    guards = table(text, "GUARDS")
    assert '"a-iter-2": ["all", [["pick-iter-2", "case"]]],' in guards
    assert '"body-iter-1": ["any", [["a-iter-1", "path"], ["pick-iter-1", "case"]]],' in guards
    # a pass not taken skips its splits: the guarded tasks must be skipped with it
    body = text.split('body_iter1_task = run_step.override(\n        task_id="body-iter-1",\n')[1]
    assert body.startswith("        trigger_rule=TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS,")
    task_id = _task_id_function(text)
    assert [task_id([1], 2, "body"), task_id([], 2, "join"), task_id([3], 0, "body")] == [
        "t.2-1",
        "t.2",
        "t-3",
    ]


def test_a_foreach_inside_a_loop_inside_a_foreach_is_refused_with_the_reason() -> None:
    flow = flow_of(
        """
start: self.items = [1] -> self.next(self.top, foreach="items")
top: self.inner = [1] -> self.next(self.body, foreach="inner")
body: -> self.join
join*: -> self.decide
decide: self.v = "done" -> self.next({"again": self.top, "done": self.outer}, condition="v")
outer*: -> self.end
end: ->
"""
    )
    with pytest.raises(CompileError) as info:
        emit(flow, options())
    (problem,) = info.value.problems
    assert problem.rule == "FLC401" and problem.span == flow.step("top").span
    assert "around the foreach at 'top' inside the foreach at 'start'" in problem.message


#: A second switch inside a loop's pass, outside a foreach and per item inside one.
SECOND_SWITCH = flow_of(
    """
start: -> self.grow
grow: self.v = "odd" -> self.next({"odd": self.boost, "even": self.merge}, condition="v")
boost: -> self.merge
merge: self.v = "done" -> self.next({"again": self.grow, "done": self.fan}, condition="v")
fan: self.items = [1] -> self.next(self.bump, foreach="items")
bump: self.v = "odd" -> self.next({"odd": self.double, "even": self.check}, condition="v")
double: -> self.check
check: self.v = "done" -> self.next({"again": self.bump, "done": self.gather}, condition="v")
gather*: -> self.end
end: ->
""",
    "SecondSwitchFlow",
)


def test_a_second_switch_in_a_pass_branches_outside_a_foreach_and_guards_inside() -> None:
    text = dag(SECOND_SWITCH)
    # outside: pass k's switch follows its cases of pass k; the merge is entered by a relay
    assert 'targets={"boost": "boost-iter-1", "merge": "grow-iter-1-to-merge"},' in text
    assert "boost_iter1_task >> merge_iter1_task\n    grow_iter1_to_merge >> merge_iter1_task\n" in text
    merge = text.split('merge_iter1_task = run_step.override(\n        task_id="merge-iter-1",\n')[1]
    assert merge.startswith("        trigger_rule=TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS,")
    assert '"merge": ["boost/{t}?", "grow/{t}?"],' in table(text, "LOOP_INPUTS")
    # inside: every pass's cases are guarded by that pass's switch, pass 0 included
    guards = table(text, "GUARDS")
    assert '"double": ["all", [["bump", "case"]]],' in guards
    assert '"check-iter-2": ["any", [["bump-iter-2", "case"], ["double-iter-2", "path"]]],' in guards
    pods = dag(SECOND_SWITCH, "kubernetes")
    assert 'targets={"boost": "boost-iter-1-args", "merge": "grow-iter-1-to-merge"},' in pods


def test_a_second_switch_leaving_the_loop_is_refused_with_the_reason() -> None:
    flow = flow_of(
        """
start: -> self.grow
grow: self.v = "odd" -> self.next({"odd": self.merge, "quit": self.end}, condition="v")
merge: self.v = "done" -> self.next({"again": self.grow, "done": self.end}, condition="v")
end: ->
"""
    )
    with pytest.raises(CompileError) as info:
        emit(flow, options())
    (problem,) = info.value.problems
    assert problem.rule == "FLC401" and problem.span == flow.step("grow").span
    assert "with step 'grow' leaving it without its switch" in problem.message


#: A loop entered at its first step or at the one after it.
ENTERED_LATER = flow_of(
    """
start: self.v = "a" -> self.next({"a": self.a, "b": self.b}, condition="v")
a: -> self.b
b: -> self.c
c: self.v = "done" -> self.next({"again": self.a, "done": self.end}, condition="v")
end: ->
""",
    "EnteredLaterFlow",
)


def test_a_loop_entered_at_a_later_step_waits_for_either_way_in() -> None:
    flow = ENTERED_LATER
    text = dag(flow)
    assert '"b": ["a/{t}?", "start/{t}?"],' in table(text, "INPUTS")  # the first pass: either way in
    assert '"b": ["a/{t}"],' in table(text, "LOOP_INPUTS")  # later passes: from a
    assert "a_task >> b_task\n    start_to_b >> b_task\n" in text
    assert 'b_iter1_task = run_step.override(task_id="b-iter-1")(step="b", iteration=1)' in text


@pytest.mark.parametrize("mode", ["kubernetes", "local"])
def test_unrolled_loops_with_branches_import_cleanly(airflow: AirflowEnv, tmp_path: Path, mode: str) -> None:
    # each flow with a step of its loop
    flows = {
        BRANCH_LOOP: "join",
        TWO_BACK: "check",
        TWO_BACK_PER_ITEM: "join",
        SELF_AND_BACK: "s",
        ENTERED_LATER: "b",
        FOREACH_IN_LOOP: "body",
        SECOND_SWITCH: "double",
    }
    paths = {}
    for flow, step in flows.items():
        path = tmp_path / f"{flow.name}.py"
        path.write_text(dag(flow, mode, "20"))
        paths[str(path)] = step
    report = airflow.load(list(paths))
    for path, step in paths.items():
        loaded = report[path]
        assert loaded["errors"] == {}, path
        (tasks,) = loaded["dags"].values()
        assert f"{step}-iter-19" in tasks and f"{step}-iter-20" not in tasks, path


def rewired(flow: Flow, nexts: dict[str, tuple[str, ...]]) -> Flow:
    """``flow`` with some steps' successors replaced (shapes the analyser refuses today)."""
    steps = [replace(s, next=nexts.get(s.name, s.next)) for s in flow.steps]
    previous = {s.name: tuple(sorted(p.name for p in steps if s.name in p.next)) for s in steps}
    return replace(flow, steps=tuple(replace(s, previous=previous[s.name]) for s in steps))


def test_nested_loops_of_two_switches_are_refused_not_crashed() -> None:
    flow = flow_of(
        """
start: -> self.a
a: -> self.b
b: -> self.c
c: self.v = "next" -> self.next({"again": self.b, "next": self.d}, condition="v")
d: self.v = "done" -> self.next({"again": self.x, "done": self.end}, condition="v")
x: -> self.end
end: ->
"""
    )
    nested = rewired(flow, {"d": ("a", "end")})  # d's case back to a encloses c's loop
    with pytest.raises(CompileError) as info:
        emit(nested, options())
    (problem,) = info.value.problems
    assert problem.rule == "FLC401" and problem.span == flow.step("d").span
    assert "in a loop sharing steps with the loop of 'c'" in problem.message
