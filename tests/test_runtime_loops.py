"""Recursion back to an earlier step: iteration-numbered task ids and inputs."""

from __future__ import annotations

import textwrap
from pathlib import Path

from flowc.runtime_shim.datastore import Datastore
from flowc.runtime_shim.inputs import resolve
from flowc.transpile import load_flow
from flowc.transpile.loops import Loops
from runflow import run_flow

from flowc import Flow

LOOP_FLOW = textwrap.dedent(
    '''
    from metaflow import FlowSpec, step


    class LoopBackFlow(FlowSpec):
        """train -> evaluate; evaluate goes back to train until three rounds are done."""

        @step
        def start(self):
            self.rounds = 0
            self.history = []
            self.next(self.train)

        @step
        def train(self):
            self.rounds += 1
            self.history = self.history + [f"train{self.rounds}"]
            self.next(self.evaluate)

        @step
        def evaluate(self):
            self.history = self.history + [f"eval{self.rounds}"]
            self.verdict = "done" if self.rounds >= 3 else "again"
            self.next({"again": self.train, "done": self.end}, condition="verdict")

        @step
        def end(self):
            self.final = len(self.history)
    '''
)


def test_a_loop_back_to_an_earlier_step_numbers_every_iteration(tmp_path: Path) -> None:
    path = tmp_path / "loop_back.py"
    path.write_text(LOOP_FLOW)
    ds = str(tmp_path / "ds")
    done = run_flow(path, ds)
    assert done.returncode == 0, done.stdout + done.stderr
    run = Flow("LoopBackFlow", datastore=ds)["r1"]
    assert run.successful
    assert sorted(t.id for t in run["train"].tasks()) == ["t", "t.1", "t.2"]
    assert sorted(t.id for t in run["evaluate"].tasks()) == ["t", "t.1", "t.2"]
    assert [t.id for t in run["end"].tasks()] == ["t"]
    for k, suffix in enumerate(["", ".1", ".2"]):
        assert run["train"]["t" + suffix].data.rounds == k + 1
        assert run["evaluate"]["t" + suffix].data.history[-1] == f"eval{k + 1}"
    assert run.data.history == ["train1", "eval1", "train2", "eval2", "train3", "eval3"]
    assert run.data.final == 6 and run.data.verdict == "done"
    # each task names the right previous task as its input
    ds_meta = Datastore(ds)
    expected = {
        ("train", "t"): "start/t",
        ("evaluate", "t"): "train/t",
        ("train", "t.1"): "evaluate/t",
        ("evaluate", "t.1"): "train/t.1",
        ("train", "t.2"): "evaluate/t.1",
        ("evaluate", "t.2"): "train/t.2",
        ("end", "t"): "evaluate/t.2",
    }
    for (step, task), paths in expected.items():
        meta = ds_meta.read_metadata("LoopBackFlow", "r1", step, task, 0)
        assert meta is not None and meta["input_paths"] == paths, (step, task)


def test_loops_number_the_body_and_reset_after_the_loop(tmp_path: Path) -> None:
    path = tmp_path / "loop_back.py"
    path.write_text(LOOP_FLOW)
    loops = Loops(load_flow(str(path)))
    assert loops.back_edges == {("evaluate", "train")}
    assert loops.iteration("start", "train", 0) == 0
    assert loops.iteration("train", "evaluate", 2) == 2
    assert loops.iteration("evaluate", "train", 2) == 3
    assert loops.iteration("evaluate", "end", 2) == 0


def _publish(ds: Datastore, step: str, task: str, cardinality: int) -> None:
    stack = [{"cardinality": cardinality}]
    meta = {"flow": "F", "run_id": "r", "step": step, "task_id": task, "attempt": 0, "status": "ok"}
    ds.write_metadata(meta | {"artifacts": {}, "foreach_stack": stack})
    ds.write_output({"flow": "F", "run_id": "r", "step": step, "task_id": task, "attempt": 0, "next": []})


def test_foreach_join_glob_reads_loop_suffixes_without_misparsing_indices(tmp_path: Path) -> None:
    ds = Datastore(str(tmp_path / "ds"))
    for task in ("t-0", "t-0.1", "t-0.1.2", "t-1", "t-1.2", "t-2.1"):
        _publish(ds, "body", task, 3)
    _publish(ds, "body", "t-1-4", 3)  # one index too many: not a child of this split
    parents = resolve(ds, "F", "r", "body/t-*")
    assert [p.task_id for p in parents] == ["t-0.1.2", "t-1.2", "t-2.1"]


FOREACH_IN_LOOP = textwrap.dedent(
    """
    from metaflow import FlowSpec, step


    class ForeachInLoopFlow(FlowSpec):
        @step
        def start(self):
            self.rounds = 0
            self.next(self.fan)

        @step
        def fan(self):
            self.rounds += 1
            self.items = list(range(self.rounds + 1))
            self.next(self.work, foreach="items")

        @step
        def work(self):
            self.value = (self.rounds, self.input)
            self.next(self.gather)

        @step
        def gather(self, inputs):
            self.values = [i.value for i in inputs]
            self.rounds = inputs[0].rounds
            self.next(self.decide)

        @step
        def decide(self):
            self.verdict = "done" if self.rounds >= 2 else "again"
            self.next({"again": self.fan, "done": self.end}, condition="verdict")

        @step
        def end(self):
            pass
    """
)


def test_a_foreach_inside_a_loop_keeps_every_pass_apart(tmp_path: Path) -> None:
    """Pass k of the loop numbers the foreach children ``t.k-i``: no task overwrites another."""
    path = tmp_path / "foreach_in_loop.py"
    path.write_text(FOREACH_IN_LOOP)
    ds = str(tmp_path / "ds")
    done = run_flow(path, ds)
    assert done.returncode == 0, done.stdout + done.stderr
    run = Flow("ForeachInLoopFlow", datastore=ds)["r1"]
    assert sorted(t.id for t in run["work"].tasks()) == ["t-0", "t-1", "t.1-0", "t.1-1", "t.1-2"]
    assert sorted(t.id for t in run["gather"].tasks()) == ["t", "t.1"]
    assert run["gather"]["t"].data.values == [(1, 0), (1, 1)]
    assert run["gather"]["t.1"].data.values == [(2, 0), (2, 1), (2, 2)]
    meta = Datastore(ds).read_metadata("ForeachInLoopFlow", "r1", "gather", "t.1", 0)
    assert meta is not None and meta["input_paths"] == "work/t.1-*"


SWITCH_IN_FOREACH = textwrap.dedent(
    """
    from metaflow import FlowSpec, step


    class SwitchInForeachFlow(FlowSpec):
        @step
        def start(self):
            self.items = [1, 2, 3, 4]
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
    """
)


def test_a_foreach_join_gathers_the_switch_case_each_index_took(tmp_path: Path) -> None:
    """The join lists one glob per last body step; together they give one task per index."""
    path = tmp_path / "switch_in_foreach.py"
    path.write_text(SWITCH_IN_FOREACH)
    ds = str(tmp_path / "ds")
    done = run_flow(path, ds)
    assert done.returncode == 0, done.stdout + done.stderr
    run = Flow("SwitchInForeachFlow", datastore=ds)["r1"]
    assert run["gather"].task.data.outs == [3, 1, 9, 2]
    meta = Datastore(ds).read_metadata("SwitchInForeachFlow", "r1", "gather", "t", 0)
    assert meta is not None and meta["input_paths"] == "halve/t-*,triple/t-*"


LOOP_AROUND_SWITCHING_FOREACH = textwrap.dedent(
    """
    from flowc import FlowSpec, step


    class LoopAroundSwitchFlow(FlowSpec):
        @step
        def start(self):
            self.n = 0
            self.next(self.top)

        @step
        def top(self):
            self.n += 1
            self.items = [1, 2, 3]
            self.next(self.route, foreach="items")

        @step
        def route(self):
            self.kind = "odd" if self.input % 2 else "even"
            self.next({"odd": self.odd, "even": self.even}, condition="kind")

        @step
        def odd(self):
            self.next(self.gather)

        @step
        def even(self):
            self.next(self.gather)

        @step
        def gather(self, inputs):
            self.n = inputs[0].n
            self.next(self.decide)

        @step
        def decide(self):
            self.state = "again" if self.n < 2 else "done"
            self.next({"again": self.top, "done": self.end}, condition="state")

        @step
        def end(self):
            pass
    """
)


def test_a_switch_inside_a_foreach_inside_a_loop(tmp_path: Path) -> None:
    """The body's switch goes forward (not a loop), and each pass's join globs that pass's tasks."""
    path = tmp_path / "loop_around.py"
    path.write_text(LOOP_AROUND_SWITCHING_FOREACH)
    ds = str(tmp_path / "ds")
    done = run_flow(path, ds)
    assert done.returncode == 0, done.stdout + done.stderr
    run = Flow("LoopAroundSwitchFlow", datastore=ds)["r1"]
    assert sorted(t.id for t in run["odd"].tasks()) == ["t-0", "t-2", "t.1-0", "t.1-2"]
    assert sorted(t.id for t in run["gather"].tasks()) == ["t", "t.1"]
    meta = Datastore(ds).read_metadata("LoopAroundSwitchFlow", "r1", "gather", "t.1", 0)
    assert meta is not None and meta["input_paths"] == "even/t.1-*,odd/t.1-*"
