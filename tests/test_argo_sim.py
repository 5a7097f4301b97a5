"""What would run on Argo: every shape executes each step with the right parents.

The emitted WorkflowTemplate is interpreted by tests/argo_sim.py with an
oracle choosing foreach widths and switch cases; every shim call is then
checked against the flow: its input paths resolve the way the shim resolves
them, name real parents, and a merge names the parent that actually led to
it (Metaflow issues #3230 and #3334).
"""

from __future__ import annotations

import hashlib
import re

import argo_schema
import flowgen
import pytest
import yaml
from argo_sim import Call, Simulator
from flowc.backends.argo import emit
from flowc.backends.argo.scopes import back_edges
from flowc.backends.base import CompileOptions
from flowc.transpile import Flow, StepKind, analyze_source
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

OPTIONS = CompileOptions(
    datastore="s3://b/flowc", package_url="s3://b/p.tgz", package_sha256="0" * 64, flow_file="flow.py"
)


def _pick(seed: int, *parts: str) -> int:
    return int(hashlib.sha256(":".join([str(seed), *parts]).encode()).hexdigest()[:8], 16)


def oracle(flow: Flow, seed: int):  # type: ignore[no-untyped-def]
    back = back_edges(flow)

    def decide(step: str, task_id: str) -> tuple[int, str]:
        node = flow.step(step)
        width = 1 + _pick(seed, step, task_id) % 3 if node.kind is StepKind.FOREACH else 0
        if node.kind is not StepKind.SWITCH:
            return width, ""
        again = [t for t in node.next if (step, t) in back]
        onward = [t for t in node.next if (step, t) not in back]
        if again:
            rounds = _pick(seed, step, task_id.split(".")[0]) % 3
            done = int(task_id.split(".")[1]) if "." in task_id else 0
            leave = onward[_pick(seed, step, task_id.split(".")[0], "exit") % len(onward)]
            return 0, again[0] if done < rounds else leave
        return 0, onward[_pick(seed, step, task_id) % len(onward)]

    return decide


def run(source: str, seed: int) -> tuple[Flow, list[Call]]:
    analysis = analyze_source(source, "flow.py")
    assert analysis.flow is not None and not analysis.errors, [p.format() for p in analysis.problems]
    flow = analysis.flow
    document = yaml.safe_load(emit(flow, OPTIONS)[0].text)
    return flow, Simulator(document, oracle(flow, seed)).run()


def resolve(entry: str, calls: dict[tuple[str, str], Call]) -> list[Call]:
    step, _, task = entry.rstrip("?").partition("/")
    if task.endswith("*"):
        prefix = task[:-1]
        found = [
            c
            for (s, t), c in calls.items()
            if s == step and re.fullmatch(re.escape(prefix) + r"\d+(\.\d+)?", t)
        ]
        latest: dict[int, Call] = {}
        for call in found:
            index = int(call.task_id[len(prefix) :].split(".")[0])
            if index not in latest or len(call.task_id) >= len(latest[index].task_id):
                latest[index] = call
        return [latest[i] for i in sorted(latest)]
    single = calls.get((step, task))
    assert single is not None or entry.endswith("?"), f"required input {entry} never ran"
    return [single] if single else []


def parents_of(spec: str, calls: dict[tuple[str, str], Call]) -> list[Call]:
    """The parents an ``--input-paths`` value names, as the shim resolves it.

    The globs of a foreach join are one set (one glob per last step of the
    body): together they must give exactly one task per index, 0 to n-1.
    """
    entries = [e for e in spec.split(",") if e]
    found = [p for e in entries if not e.endswith("*") for p in resolve(e, calls)]
    globs = [(e, p) for e in entries if e.endswith("*") for p in resolve(e, calls)]
    by_index: dict[int, Call] = {}
    for entry, child in globs:
        index = int(child.task_id[len(entry.partition("/")[2]) - 1 :].split(".")[0])
        assert index not in by_index, f"index {index} of {spec} ended in two steps"
        by_index[index] = child
    assert sorted(by_index) == list(range(len(by_index))), f"{spec}: indices {sorted(by_index)}"
    return found + [by_index[i] for i in sorted(by_index)]


def check(flow: Flow, calls: list[Call]) -> None:
    index = {(c.step, c.task_id): c for c in calls}
    assert len(index) == len(calls), "a task id ran twice"
    assert [c.step for c in calls].count(flow.end) == 1, "the end step did not run exactly once"
    for call in calls:
        step = flow.step(call.step)
        if not call.input_paths:
            assert call.step == flow.start
            continue
        parents = parents_of(call.input_paths, index)
        assert parents, call
        assert {p.step for p in parents} <= set(step.previous), (call, parents)
        if step.is_join:
            _check_foreach_join(flow, call, parents, index)
            continue
        assert len(parents) == 1, f"{call.step} {call.task_id} got {len(parents)} parents"
        parent = parents[0]
        if flow.step(parent.step).kind is StepKind.SWITCH:
            assert parent.switch == call.step, f"{call.step} names {parent.step}, which chose {parent.switch}"
    for call in calls:
        if flow.step(call.step).kind is StepKind.FOREACH:
            heads = flow.step(call.step).next
            body = {
                c.task_id.split(".")[0]
                for c in calls
                if c.step in heads and c.task_id.startswith(call.task_id + "-")
            }
            assert len(body) == call.cardinality, (
                f"{call.step} {call.task_id}: {len(body)} of {call.cardinality}"
            )


def _check_foreach_join(
    flow: Flow, call: Call, parents: list[Call], calls: dict[tuple[str, str], Call]
) -> None:
    """A foreach join gets exactly one body task per index its split made, whichever step it ended in."""
    (split,) = [s for s in flow.steps if s.matching_join == call.step] or [None]
    if split is None or split.kind is not StepKind.FOREACH:
        return
    fanout = calls[(split.name, call.task_id)]
    assert len(parents) == fanout.cardinality, (
        f"{call.step} {call.task_id}: {len(parents)} of {fanout.cardinality}"
    )
    assert [p.split[-1] for p in parents] == list(range(fanout.cardinality)), (call, parents)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(flowgen.flows(max_steps=20), st.integers(0, 1000))
def test_random_flows_run_every_step_with_the_right_parents(source: str, seed: int) -> None:
    flow, calls = run(source, seed)
    check(flow, calls)


def test_seeded_flows_run() -> None:
    for seed in range(80):
        flow, calls = run(flowgen.generate(seed), seed)
        check(flow, calls)


CHAINED_SKIPS = """
from flowc import FlowSpec, step


class ChainSkip(FlowSpec):
    @step
    def start(self):
        self.route = "step2"
        self.next({"end": self.end, "step2": self.step2}, condition="route")

    @step
    def step2(self):
        self.route = "step3"
        self.next({"end": self.end, "step3": self.step3}, condition="route")

    @step
    def step3(self):
        self.next(self.end)

    @step
    def end(self):
        pass
"""

LOOP_IN_A_CASE = """
from flowc import FlowSpec, step


class LoopCase(FlowSpec):
    @step
    def start(self):
        self.route = "b"
        self.next({"a": self.merge, "b": self.spin}, condition="route")

    @step
    def spin(self):
        self.status = "done"
        self.next({"again": self.spin, "done": self.merge}, condition="status")

    @step
    def merge(self):
        self.next(self.end)

    @step
    def end(self):
        pass
"""


def test_chained_conditional_skips_name_the_real_parent() -> None:
    """Metaflow #3230: start → step2 → end must give end the parent step2, not start."""
    for seed in range(30):
        flow, calls = run(CHAINED_SKIPS, seed)
        check(flow, calls)


def test_loop_inside_a_case_meets_the_other_case() -> None:
    """Metaflow #3334: the merge after a switch whose case loops waits for either path."""
    seen = set()
    for seed in range(30):
        flow, calls = run(LOOP_IN_A_CASE, seed)
        check(flow, calls)
        seen.add(tuple(c.step for c in calls))
    assert len(seen) > 1


CASE_INTO_A_BRANCH = """
from flowc import FlowSpec, step


class CaseBranch(FlowSpec):
    @step
    def start(self):
        self.route = "direct"
        self.next({"direct": self.fan, "around": self.detour}, condition="route")

    @step
    def detour(self):
        self.next(self.fan)

    @step
    def fan(self):
        self.next(self.left, self.right)

    @step
    def left(self):
        self.next(self.meet)

    @step
    def right(self):
        self.next(self.meet)

    @step
    def meet(self, inputs):
        self.next(self.end)

    @step
    def end(self):
        pass
"""


def test_a_case_straight_into_a_branch_step() -> None:
    seen = set()
    for seed in range(20):
        flow, calls = run(CASE_INTO_A_BRANCH, seed)
        check(flow, calls)
        seen.add(tuple(c.step for c in calls))
    assert len(seen) == 2


MULTI_EXIT = """
from flowc import FlowSpec, step


class MultiExit(FlowSpec):
    @step
    def start(self):
        self.next(self.work)

    @step
    def work(self):
        self.state = "ok"
        self.next({"again": self.work, "ok": self.good, "bad": self.alert}, condition="state")

    @step
    def good(self):
        self.next(self.end)

    @step
    def alert(self):
        self.next(self.end)

    @step
    def end(self):
        pass
"""

# One exit goes straight to the merge, the loop spans two steps.
MULTI_EXIT_DIRECT = """
from flowc import FlowSpec, step


class MultiExitDirect(FlowSpec):
    @step
    def start(self):
        self.next(self.prep)

    @step
    def prep(self):
        self.next(self.work)

    @step
    def work(self):
        self.state = "ok"
        self.next({"again": self.prep, "ok": self.end, "bad": self.alert}, condition="state")

    @step
    def alert(self):
        self.next(self.end)

    @step
    def end(self):
        pass
"""


def _scripted(back: str, rounds: int, leave: str):  # type: ignore[no-untyped-def]
    """An oracle whose ``work`` goes back to ``back`` ``rounds`` times, then takes case ``leave``."""

    def decide(step: str, task_id: str) -> tuple[int, str]:
        if step != "work":
            return 0, ""
        done = int(task_id.split(".")[1]) if "." in task_id else 0
        return 0, back if done < rounds else leave

    return decide


@pytest.mark.parametrize("source", [MULTI_EXIT, MULTI_EXIT_DIRECT])
@pytest.mark.parametrize("rounds", [0, 1, 4])
@pytest.mark.parametrize("leave", ["first", "second"])
def test_a_recursion_with_several_ways_out_takes_the_chosen_one(source: str, rounds: int, leave: str) -> None:
    flow = analyze_source(source, "flow.py").flow
    assert flow is not None
    ((_, back),) = back_edges(flow)
    exits = [t for t in flow.step("work").next if t != back]
    assert len(exits) == 2
    chosen = exits[0] if leave == "first" else exits[1]
    document = yaml.safe_load(emit(flow, OPTIONS)[0].text)
    calls = Simulator(document, _scripted(back, rounds, chosen)).run()
    check(flow, calls)
    last = "t" + (f".{rounds}" if rounds else "")
    assert [c.task_id for c in calls if c.step == "work"] == ["t"] + [f"t.{k}" for k in range(1, rounds + 1)]
    after = [c for c in calls if c.step == chosen]
    assert len(after) == 1 and after[0].input_paths.rstrip("?") == f"work/{last}"
    assert not [c for c in calls if c.step in exits and c.step not in (chosen, flow.end)]
    if chosen != flow.end:
        (end,) = [c for c in calls if c.step == flow.end]
        assert f"{chosen}/t" in end.input_paths


def test_seeded_multi_exit_recursions_run() -> None:
    seen = set()
    for seed in range(40):
        for source in (MULTI_EXIT, MULTI_EXIT_DIRECT):
            flow, calls = run(source, seed)
            check(flow, calls)
            seen.add((source, calls[-2].step, sum(c.step == "work" for c in calls) > 1))
    assert len(seen) == 8


@pytest.mark.parametrize(
    "source", [CHAINED_SKIPS, LOOP_IN_A_CASE, CASE_INTO_A_BRANCH, MULTI_EXIT, MULTI_EXIT_DIRECT]
)
def test_tricky_shapes_are_strictly_valid(source: str) -> None:
    document = yaml.safe_load(emit(analyze_source(source, "flow.py").flow, OPTIONS)[0].text)  # type: ignore[arg-type]
    for version in argo_schema.VERSIONS:
        assert not argo_schema.errors(document, version)
