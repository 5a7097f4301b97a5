"""Loops inside a foreach, nested loops and loops entered midway: the state
machine gives every task the id and input paths ``flowc run`` gives it.

Each flow runs for real with ``flowc run``; moto's Step Functions engine
then runs the compiled state machine seeded with the output.json files that
run wrote (so every switch and foreach decides the same way), and the
``--task-id`` / ``--input-paths`` / ``--split-index`` each Batch stand-in
received must equal what the local runner's tasks recorded (optional
entries after a switch, ``a/t?``, resolved as the shim resolves them).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from flowc.transpile import load_flow
from sfn_support import Execution, definition, flow_of, output_key, run_in_moto, validate

RUN = "r1"

LOOP_IN_FOREACH = '''
from flowc import FlowSpec, step


class LoopInForeachFlow(FlowSpec):
    """Each item loops on its own step `item` times."""

    @step
    def start(self):
        self.items = [1, 2, 3]
        self.next(self.work, foreach="items")

    @step
    def work(self):
        if not hasattr(self, "limit"):
            self.limit, self.rounds = self.input, 0
        self.rounds += 1
        self.status = "again" if self.rounds < self.limit else "done"
        self.next({"again": self.work, "done": self.collect}, condition="status")

    @step
    def collect(self):
        self.next(self.join)

    @step
    def join(self, inputs):
        self.total = sum(i.rounds for i in inputs)
        self.next(self.end)

    @step
    def end(self):
        pass
'''

NESTED = '''
from flowc import FlowSpec, step


class NestedLoopsFlow(FlowSpec):
    """fit loops on itself twice per round; after that, back to prepare for a second round."""

    @step
    def start(self):
        self.outer = 0
        self.next(self.prepare)

    @step
    def prepare(self):
        self.outer += 1
        self.inner = 0
        self.next(self.fit)

    @step
    def fit(self):
        self.inner += 1
        self.status = "again" if self.inner < 2 else "round" if self.outer < 2 else "done"
        self.next({"again": self.fit, "round": self.prepare, "done": self.score}, condition="status")

    @step
    def score(self):
        self.next(self.end)

    @step
    def end(self):
        pass
'''

NESTED_IN_FOREACH = '''
from flowc import FlowSpec, step


class NestedInForeachFlow(FlowSpec):
    """Nested loops (tune on itself, tune back to prepare) in each foreach item."""

    @step
    def start(self):
        self.sizes = [1, 2]
        self.next(self.prepare, foreach="sizes")

    @step
    def prepare(self):
        if not hasattr(self, "size"):
            self.size, self.outer = self.input, 0
        self.outer += 1
        self.inner = 0
        self.next(self.tune)

    @step
    def tune(self):
        self.inner += 1
        more_rounds = self.outer < self.size
        self.status = "again" if self.inner < 2 else "round" if more_rounds else "done"
        self.next({"again": self.tune, "round": self.prepare, "done": self.keep}, condition="status")

    @step
    def keep(self):
        self.next(self.join)

    @step
    def join(self, inputs):
        self.next(self.end)

    @step
    def end(self):
        pass
'''

LOOP_IN_BRANCH_IN_FOREACH = '''
from flowc import FlowSpec, step


class LoopInBranchFlow(FlowSpec):
    """A self loop in one branch of a static split, inside a two-level foreach."""

    @step
    def start(self):
        self.outer = [1, 2]
        self.next(self.middle, foreach="outer")

    @step
    def middle(self):
        self.inner = [self.input, self.input + 1]
        self.next(self.fork, foreach="inner")

    @step
    def fork(self):
        self.limit, self.rounds = self.input, 0
        self.next(self.spin, self.rest)

    @step
    def spin(self):
        self.rounds += 1
        self.status = "again" if self.rounds < self.limit else "done"
        self.next({"again": self.spin, "done": self.spun}, condition="status")

    @step
    def spun(self):
        self.next(self.meet)

    @step
    def rest(self):
        self.next(self.meet)

    @step
    def meet(self, inputs):
        self.next(self.inner_join)

    @step
    def inner_join(self, inputs):
        self.next(self.outer_join)

    @step
    def outer_join(self, inputs):
        self.next(self.end)

    @step
    def end(self):
        pass
'''

ENTERED_MIDWAY = '''
from flowc import FlowSpec, step


class EnteredMidwayFlow(FlowSpec):
    """A loop a -> b -> c -> a, entered at b by a switch before it."""

    @step
    def start(self):
        self.route, self.rounds = "b", 0
        self.next({"a": self.a, "b": self.b}, condition="route")

    @step
    def a(self):
        self.next(self.b)

    @step
    def b(self):
        self.rounds += 1
        self.next(self.c)

    @step
    def c(self):
        self.status = "again" if self.rounds < 3 else "done"
        self.next({"again": self.a, "done": self.end}, condition="status")

    @step
    def end(self):
        pass
'''

#: The nested loops, entered at the inner loop's head on the first pass.
NESTED_ENTERED_INSIDE = NESTED.replace(
    "self.next(self.prepare)\n\n    @step\n    def prepare",
    'self.next({"a": self.prepare, "b": self.fit}, condition="route")\n\n    @step\n    def prepare',
).replace("self.outer = 0", 'self.outer, self.inner, self.route = 1, 0, "b"')

#: The nested loops with a switch each: fit -> fit or check; check -> prepare or end.
NESTED_SEPARATE_SWITCHES = NESTED.replace(
    '"again" if self.inner < 2 else "round" if self.outer < 2 else "done"',
    '"again" if self.inner < 2 else "out"',
).replace(
    '"round": self.prepare, "done": self.score}, condition="status")',
    """"out": self.check}, condition="status")

    @step
    def check(self):
        self.verdict = "round" if self.outer < 2 else "done"
        self.next({"round": self.prepare, "done": self.score}, condition="verdict")""",
)

Tasks = dict[tuple[str, str], tuple[str | None, list[int]]]


def _local_run(tmp_path: Path, source: str) -> tuple[Any, Path, Tasks]:
    """Run ``source`` with ``flowc run``; its IR, datastore and (step, task id) → (input paths, indices)."""
    path = tmp_path / "flow.py"
    path.write_text(source)
    root = tmp_path / "ds"
    done = subprocess.run(
        [sys.executable, "-m", "flowc.cli", "run", str(path), "--datastore", str(root), "--run-id", RUN],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    flow = load_flow(str(path))
    tasks: Tasks = {}
    for output in sorted((root / flow.name / RUN).glob("*/*/output.json")):
        meta = json.loads((output.parent / "0" / "metadata.json").read_text())
        step, task = output.parent.parent.name, output.parent.name
        tasks[(step, task)] = (meta["input_paths"], meta["split_indices"])
    return flow, root, tasks


def _in_moto(flow: Any, root: Path) -> Execution:
    """The compiled machine in moto, seeded with every output.json of the local run."""
    seeded = {
        output_key(flow.name, RUN, p.parent.parent.name, p.parent.name): json.loads(p.read_text())
        for p in (root / flow.name / RUN).glob("*/*/output.json")
    }
    return run_in_moto(definition(flow), seeded=seeded, name=RUN)


def _tasks(result: Execution) -> Tasks:
    """What each stand-in received, with optional input paths (``a/t?``, after a
    switch) resolved to the tasks that ran before it, as the shim resolves them."""
    out: Tasks = {}
    for task in result.tasks:
        paths = task.args.input_paths
        if paths is not None:
            entries = [e.rstrip("?") for e in paths.split(",")]
            paths = ",".join(e for e in entries if e in paths.split(",") or tuple(e.split("/")) in out)
        out[(task.args.step, task.args.task_id)] = (paths, task.args.split_indices)
    return out


SOURCES = {
    "in-foreach": LOOP_IN_FOREACH,
    "nested": NESTED,
    "nested-in-foreach": NESTED_IN_FOREACH,
    "in-branch-in-nested-foreach": LOOP_IN_BRANCH_IN_FOREACH,
    "entered-midway": ENTERED_MIDWAY,
    "nested-entered-inside": NESTED_ENTERED_INSIDE,
    "nested-separate-switches": NESTED_SEPARATE_SWITCHES,
}


@pytest.mark.parametrize("shape", SOURCES)
def test_loop_task_ids_and_inputs_are_those_of_flowc_run(tmp_path: Path, shape: str) -> None:
    flow, root, local = _local_run(tmp_path, SOURCES[shape])
    result = _in_moto(flow, root)
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert len(result.tasks) == len(local), "a task ran twice or not at all"
    assert _tasks(result) == local


def test_the_ids_are_the_contract_s() -> None:
    """Spelled out for the nested loops: one count per loop nest, ``.k`` after the index."""
    expected = {
        ("prepare", "t"): ("start/t", []),
        ("fit", "t"): ("prepare/t", []),
        ("fit", "t.1"): ("fit/t", []),
        ("prepare", "t.2"): ("fit/t.1", []),
        ("fit", "t.2"): ("prepare/t.2", []),
        ("fit", "t.3"): ("fit/t.2", []),
        ("score", "t"): ("fit/t.3", []),
    }
    decisions = {"t": "fit", "t.1": "prepare", "t.2": "fit", "t.3": "score"}
    flow = flow_of(NESTED)
    seeded = {output_key(flow.name, RUN, "fit", t): {"switch": {"next": n}} for t, n in decisions.items()}
    result = run_in_moto(definition(flow), seeded=seeded, name=RUN)
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert {k: v for k, v in _tasks(result).items() if k[0] in ("prepare", "fit", "score")} == expected


def test_a_loop_in_a_foreach_numbers_after_the_index() -> None:
    flow = flow_of(LOOP_IN_FOREACH)
    seeded = {output_key(flow.name, RUN, "start", "t"): {"foreach": {"cardinality": 2}}}
    for task, decision in {"t-0": "collect", "t-1": "work", "t-1.1": "work", "t-1.2": "collect"}.items():
        seeded[output_key(flow.name, RUN, "work", task)] = {"switch": {"next": decision}}
    result = run_in_moto(definition(flow), seeded=seeded, name=RUN)
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    work = {k[1]: v for k, v in _tasks(result).items() if k[0] == "work"}
    assert work == {
        "t-0": ("start/t", [0]),
        "t-1": ("start/t", [1]),
        "t-1.1": ("work/t-1", [1]),
        "t-1.2": ("work/t-1.1", [1]),
    }
    assert result.by_step()["collect"][1].args.input_paths == "work/t-1.2"
    assert result.by_step()["join"][0].args.input_paths == "collect/t-*"


def test_loop_machines_pass_both_validators(tmp_path: Path) -> None:
    paths = []
    for n, source in enumerate(SOURCES.values()):
        paths.append(tmp_path / f"loop-{n}.json")
        paths[-1].write_text(json.dumps(definition(flow_of(source))))
    validate(paths)


def test_a_nested_loop_is_bounded_by_the_whole_nest() -> None:
    flow = flow_of(NESTED)
    seeded = {output_key(flow.name, RUN, "fit", t): {"switch": {"next": "fit"}} for t in ("t", "t.1", "t.2")}
    result = run_in_moto(definition(flow, max_recursion="3"), seeded=seeded, name=RUN)
    assert (result.status, result.error) == ("FAILED", "flowc.RecursionLimit")
    assert result.ids("fit") == ["t", "t.1", "t.2"]
