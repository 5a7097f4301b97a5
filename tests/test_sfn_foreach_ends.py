"""A foreach body that ends in several steps (switch cases meeting at the join).

Inside the Map iterator the Choice picks one case per index and every case
branch ends the iteration; the join after the Map lists one glob per last
body step, ``halve/t-*,triple/t-*`` (docs/task-contract.md, "Input paths"),
with the prefix a single glob has (enclosing foreach indices, loop pass).  Each
flow runs for real with ``flowc run``; moto then runs the state machine
seeded with that run's output.json files, and every Batch stand-in's
``--task-id`` / ``--input-paths`` / ``--split-index`` must equal the local
run's.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sfn_support import definition, flow_of, output_key, run_in_moto, validate
from test_sfn_loops import RUN, _in_moto, _local_run, _tasks

SWITCH_IN_FOREACH = '''
from flowc import FlowSpec, step


class SwitchInForeachFlow(FlowSpec):
    """Each item is halved or tripled; the join gathers whichever case ran."""

    @step
    def start(self):
        self.items = [1, 2, 3, 4, 5]
        self.next(self.route, foreach="items")

    @step
    def route(self):
        self.parity = "even" if self.input % 2 == 0 else "odd"
        self.next({"even": self.halve, "odd": self.triple}, condition="parity")

    @step
    def halve(self):
        self.out = self.input // 2
        self.next(self.gather)

    @step
    def triple(self):
        self.out = self.input * 3
        self.next(self.gather)

    @step
    def gather(self, inputs):
        self.outs = [i.out for i in inputs]
        self.next(self.end)

    @step
    def end(self):
        pass
'''

NESTED = '''
from flowc import FlowSpec, step


class SwitchInNestedForeachFlow(FlowSpec):
    """The switch sits in the inner of two foreach: each glob carries the outer index."""

    @step
    def start(self):
        self.outer = [1, 2]
        self.next(self.middle, foreach="outer")

    @step
    def middle(self):
        self.inner = [self.input, self.input + 1, self.input + 2]
        self.next(self.route, foreach="inner")

    @step
    def route(self):
        self.side = "p" if self.input % 2 else "q"
        self.next({"p": self.p, "q": self.q}, condition="side")

    @step
    def p(self):
        self.next(self.j2)

    @step
    def q(self):
        self.next(self.j2)

    @step
    def j2(self, inputs):
        self.next(self.j1)

    @step
    def j1(self, inputs):
        self.next(self.end)

    @step
    def end(self):
        pass
'''

LOOP_IN_ONE_CASE = '''
from flowc import FlowSpec, step


class LoopInOneCaseFlow(FlowSpec):
    """Odd items loop on spin (t-0, t-0.1 ...) before their last body step."""

    @step
    def start(self):
        self.items = [1, 2, 3]
        self.next(self.route, foreach="items")

    @step
    def route(self):
        self.rounds = 0
        self.parity = "even" if self.input % 2 == 0 else "odd"
        self.next({"even": self.halve, "odd": self.spin}, condition="parity")

    @step
    def halve(self):
        self.next(self.gather)

    @step
    def spin(self):
        self.rounds += 1
        self.status = "again" if self.rounds < self.input else "done"
        self.next({"again": self.spin, "done": self.spun}, condition="status")

    @step
    def spun(self):
        self.next(self.gather)

    @step
    def gather(self, inputs):
        self.rounds = [i.rounds for i in inputs]
        self.next(self.end)

    @step
    def end(self):
        pass
'''


IN_LOOP = '''
from flowc import FlowSpec, step


class SwitchInForeachInLoopFlow(FlowSpec):
    """The foreach runs in every pass of a loop: the globs carry the pass (x/t.1-*)."""

    @step
    def start(self):
        self.rounds = 0
        self.next(self.top)

    @step
    def top(self):
        self.rounds += 1
        self.items = list(range(self.rounds + 1))
        self.next(self.route, foreach="items")

    @step
    def route(self):
        self.parity = "even" if self.input % 2 == 0 else "odd"
        self.next({"even": self.x, "odd": self.y}, condition="parity")

    @step
    def x(self):
        self.next(self.gather)

    @step
    def y(self):
        self.next(self.gather)

    @step
    def gather(self, inputs):
        self.rounds = inputs[0].rounds
        self.next(self.check)

    @step
    def check(self):
        self.status = "again" if self.rounds < 2 else "done"
        self.next({"again": self.top, "done": self.end}, condition="status")

    @step
    def end(self):
        pass
'''


SOURCES = {
    "foreach": SWITCH_IN_FOREACH,
    "nested-foreach": NESTED,
    "loop-in-one-case": LOOP_IN_ONE_CASE,
    "in-loop": IN_LOOP,
}
#: The joins' --input-paths in each flow's run, as the local runner gave them.
JOINS = {
    "foreach": {("gather", "t"): "halve/t-*,triple/t-*"},
    "nested-foreach": {
        ("j2", "t-0"): "p/t-0-*,q/t-0-*",
        ("j2", "t-1"): "p/t-1-*,q/t-1-*",
        ("j1", "t"): "j2/t-*",
    },
    "loop-in-one-case": {("gather", "t"): "halve/t-*,spun/t-*"},
    "in-loop": {("gather", "t"): "x/t-*,y/t-*", ("gather", "t.1"): "x/t.1-*,y/t.1-*"},
}


@pytest.mark.parametrize("shape", SOURCES)
def test_task_ids_and_join_globs_are_those_of_flowc_run(tmp_path: Path, shape: str) -> None:
    flow, root, local = _local_run(tmp_path, SOURCES[shape])
    joins = {k: v[0] for k, v in local.items() if k[0] in {s for s, _ in JOINS[shape]}}
    assert joins == JOINS[shape]
    result = _in_moto(flow, root)
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert len(result.tasks) == len(local), "a task ran twice or not at all"
    assert _tasks(result) == local


def test_the_join_globs_every_last_step_and_each_index_runs_one_case() -> None:
    flow = flow_of(SWITCH_IN_FOREACH)
    seeded = {output_key(flow.name, RUN, "start", "t"): {"foreach": {"cardinality": 3}}}
    for index, case in enumerate(["triple", "halve", "triple"]):
        seeded[output_key(flow.name, RUN, "route", f"t-{index}")] = {"switch": {"next": case}}
    result = run_in_moto(definition(flow), seeded=seeded, name=RUN)
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert (result.ids("halve"), result.ids("triple")) == (["t-1"], ["t-0", "t-2"])
    assert [t.args.input_paths for t in result.by_step()["halve"]] == ["route/t-1"]
    (gather,) = result.by_step()["gather"]
    assert (gather.args.task_id, gather.args.input_paths) == ("t", "halve/t-*,triple/t-*")


def test_a_nested_join_globs_with_the_outer_index() -> None:
    flow = flow_of(NESTED)
    seeded = {
        output_key(flow.name, RUN, "start", "t"): {"foreach": {"cardinality": 2}},
        output_key(flow.name, RUN, "middle", "t-0"): {"foreach": {"cardinality": 1}},
        output_key(flow.name, RUN, "middle", "t-1"): {"foreach": {"cardinality": 2}},
    }
    for task, case in {"t-0-0": "q", "t-1-0": "p", "t-1-1": "q"}.items():
        seeded[output_key(flow.name, RUN, "route", task)] = {"switch": {"next": case}}
    result = run_in_moto(definition(flow), seeded=seeded, name=RUN)
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    joins = {t.args.task_id: t.args.input_paths for t in result.by_step()["j2"]}
    assert joins == {"t-0": "p/t-0-*,q/t-0-*", "t-1": "p/t-1-*,q/t-1-*"}
    assert result.by_step()["j1"][0].args.input_paths == "j2/t-*"


def test_machines_pass_both_validators(tmp_path: Path) -> None:
    paths = []
    for shape, source in SOURCES.items():
        paths.append(tmp_path / f"{shape}.json")
        paths[-1].write_text(json.dumps(definition(flow_of(source))))
    validate(paths)
