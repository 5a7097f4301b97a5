"""``flowc run`` when a switch case not taken leads to a join: the join runs with the paths taken."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from flowc.runtime_shim.datastore import Datastore
from runflow import run_flow

from flowc import Flow

FLOW = textwrap.dedent(
    """
    from metaflow import FlowSpec, Parameter, step


    class ArmSwitchFlow(FlowSpec):
        backend = Parameter("backend", default="gpu")

        @step
        def start(self):
            self.next(self.baseline, self.route)

        @step
        def baseline(self):
            self.score = 0.5
            self.next(self.join)

        @step
        def route(self):
            self.choice = self.backend
            self.next({"cpu": self.on_cpu, "gpu": self.on_gpu, "many": self.fan}, condition="choice")

        @step
        def on_cpu(self):
            self.score = 0.6
            self.next(self.join)

        @step
        def on_gpu(self):
            self.score = 0.7
            self.next(self.join)

        @step
        def fan(self):
            self.parts = [0.1, 0.2]
            self.next(self.part, foreach="parts")

        @step
        def part(self):
            self.score = self.input
            self.next(self.collect)

        @step
        def collect(self, inputs):
            self.score = sum(i.score for i in inputs)
            self.next(self.join)

        @step
        def join(self, inputs):
            self.scores = sorted(round(i.score, 3) for i in inputs)
            self.next(self.end)

        @step
        def end(self):
            pass
    """
)


@pytest.mark.parametrize(
    ("backend", "scores", "paths"),
    [
        ("gpu", [0.5, 0.7], "baseline/t,on_gpu/t"),
        ("cpu", [0.5, 0.6], "baseline/t,on_cpu/t"),
        ("many", [0.3, 0.5], "baseline/t,collect/t"),
    ],
)
def test_the_join_gets_the_case_taken_and_the_run_reaches_the_end(
    tmp_path: Path, backend: str, scores: list[float], paths: str
) -> None:
    path = tmp_path / "arm_switch.py"
    path.write_text(FLOW)
    root = str(tmp_path / "ds")
    done = run_flow(path, root, "--param", f"backend={backend}")
    assert done.returncode == 0, done.stdout + done.stderr
    run = Flow("ArmSwitchFlow", datastore=root)["r1"]
    assert run.successful and run["end"].task is not None
    assert run["join"].task.data.scores == scores
    meta = Datastore(root).read_metadata("ArmSwitchFlow", "r1", "join", "t", 0)
    assert meta is not None and meta["input_paths"] == paths


LOOP_IN_ARM = textwrap.dedent(
    """
    from metaflow import FlowSpec, step


    class LoopInArmFlow(FlowSpec):
        @step
        def start(self):
            self.next(self.steady, self.spin)

        @step
        def steady(self):
            self.value = "steady"
            self.next(self.meet)

        @step
        def spin(self):
            self.turns = getattr(self, "turns", 0) + 1
            self.state = "again" if self.turns < 3 else "done"
            self.next({"again": self.spin, "done": self.spun}, condition="state")

        @step
        def spun(self):
            self.value = f"spun {self.turns}"
            self.next(self.meet)

        @step
        def meet(self, inputs):
            self.values = sorted(i.value for i in inputs)
            self.next(self.end)

        @step
        def end(self):
            pass
    """
)


def test_a_loop_in_a_branch_arm_is_waited_for(tmp_path: Path) -> None:
    """Going round again is not 'the way out will never come': the join waits for the last pass."""
    path = tmp_path / "loop_in_arm.py"
    path.write_text(LOOP_IN_ARM)
    root = str(tmp_path / "ds")
    done = run_flow(path, root)
    assert done.returncode == 0, done.stdout + done.stderr
    assert Flow("LoopInArmFlow", datastore=root)["r1"]["meet"].task.data.values == ["spun 3", "steady"]
