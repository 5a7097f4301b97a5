"""End to end: loop shapes ``flowc run`` numbers per pass, run by real Airflow 3 against it.

- A foreach inside a loop: the loop goes back from ``decide`` to ``fan``;
  each pass fans out over one more item, and the foreach body has a switch
  (guarded per map index).  ``flowc run`` numbers pass ``k``'s children
  ``t.k-i`` and its join ``t.k`` (docs/task-contract.md, "Task ids").  The
  flow has ``@project`` and is compiled with ``--set branch=canary``, so
  every task reads ``current.branch_name`` from ``FLOWC_PROJECT_BRANCH``;
  ``flowc run`` gets the same variable.
- A second switch inside a loop's pass: outside a foreach (branching) and
  per item inside one (guarded).

Each DAG is unrolled one pass more than the run takes (a pass skipped
whole) and must give every task the same id and the same artifacts
(sha256) as ``flowc run``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from airflow_env import AirflowEnv, airflow_fixture  # noqa: F401 - the fixture
from conftest import SeaweedFS

from flowc import Flow

ROOT = Path(__file__).resolve().parent.parent

FOREACH_IN_LOOP = '''
from flowc import FlowSpec, current, project, step


@project(name="loops", branch="dev")
class ForeachInLoopFlow(FlowSpec):
    """A loop around a foreach whose body has a switch: each pass fans out wider."""

    @step
    def start(self):
        self.rounds = 0
        self.seen_branch = current.branch_name
        self.next(self.fan)

    @step
    def fan(self):
        self.rounds += 1
        self.items = list(range(self.rounds))
        self.next(self.route, foreach="items")

    @step
    def route(self):
        self.value = self.input + self.rounds
        self.kind = "odd" if self.value % 2 else "even"
        self.next({"odd": self.fix, "even": self.keep}, condition="kind")

    @step
    def fix(self):
        self.value *= 10
        self.next(self.keep)

    @step
    def keep(self):
        self.line = (self.rounds, self.input, self.value, current.task_id)
        self.next(self.gather)

    @step
    def gather(self, inputs):
        self.lines = [i.line for i in inputs]
        self.rounds, self.seen_branch = inputs[0].rounds, inputs[0].seen_branch
        self.next(self.decide)

    @step
    def decide(self):
        self.verdict = "done" if self.rounds >= 2 else "again"
        self.next({"again": self.fan, "done": self.end}, condition="verdict")

    @step
    def end(self):
        assert self.lines == [(2, 0, 2, "t.1-0"), (2, 1, 30, "t.1-1")], self.lines
        assert self.seen_branch == current.branch_name == "canary", self.seen_branch
'''


SECOND_SWITCH = '''
from flowc import FlowSpec, step


class SecondSwitchLoopFlow(FlowSpec):
    """Loops whose passes hold a second switch: outside a foreach, and per item inside one."""

    @step
    def start(self):
        self.n = 0
        self.log = []
        self.next(self.grow)

    @step
    def grow(self):
        self.n += 1
        self.parity = "odd" if self.n % 2 else "even"
        self.next({"odd": self.boost, "even": self.merge}, condition="parity")

    @step
    def boost(self):
        self.n += 10
        self.next(self.merge)

    @step
    def merge(self):
        self.log = self.log + [self.n]
        self.verdict = "done" if self.n > 12 else "again"
        self.next({"again": self.grow, "done": self.fan}, condition="verdict")

    @step
    def fan(self):
        self.items = [1, 2]
        self.next(self.prepare, foreach="items")

    @step
    def prepare(self):
        self.m, self.bumps = self.input, 0
        self.next(self.bump)

    @step
    def bump(self):
        self.m += 1
        self.bumps += 1
        self.kind = "odd" if self.m % 2 else "even"
        self.next({"odd": self.double, "even": self.check}, condition="kind")

    @step
    def double(self):
        self.m *= 2
        self.next(self.check)

    @step
    def check(self):
        self.verdict = "done" if self.m > 4 else "again"
        self.next({"again": self.bump, "done": self.report}, condition="verdict")

    @step
    def report(self):
        self.line = (self.input, self.m, self.bumps)
        self.next(self.gather)

    @step
    def gather(self, inputs):
        self.lines = [i.line for i in inputs]
        self.log = inputs[0].log
        self.next(self.end)

    @step
    def end(self):
        assert self.log == [11, 12, 23], self.log
        assert self.lines == [(1, 6, 2), (2, 6, 1)], self.lines
'''


def _flowc(*args: str, env: dict[str, str] | None = None) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "flowc.cli", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _snapshot(flow: str, run_id: str, root: str) -> dict[tuple[str, str], dict[str, str]]:
    """(step, task id) → artifact name → sha256, read through the client."""
    run = Flow(flow, datastore=root)[run_id]
    assert run.successful, f"run {run_id} is not successful"
    return {
        (step.name, task.id): {name: a.sha256 for name, a in task.artifacts.items()}
        for step in run.steps()
        for task in step.tasks()
    }


def test_foreach_inside_a_loop_runs_as_flowc_run(
    airflow: AirflowEnv, s3_server: SeaweedFS, s3_env: dict[str, str], tmp_path: Path
) -> None:
    root = f"s3://{s3_server.bucket}/airflow-e2e/" + re.sub(r"\W", "_", tmp_path.name)
    source = tmp_path / "flows" / "foreach_in_loop.py"
    source.parent.mkdir()
    source.write_text(FOREACH_IN_LOOP, encoding="utf-8")
    _flowc("push", str(source), "--datastore", root)
    dags = tmp_path / "dags"
    settings = ["--set", "operator=local", "--set", "max_iterations=3", "--set", "branch=canary"]
    _flowc("compile", str(source), "--target", "airflow", "--datastore", root, *settings, "-o", str(dags))
    (dag_file,) = dags.glob("*_dag.py")

    result = airflow.dag_test(dag_file, "loops.canary.ForeachInLoopFlow", env=s3_env)
    assert result.state == "success", result.summary()
    assert result.tasks[("fan-iter-2", -1)] == "skipped"  # the pass the run never takes

    _flowc(
        "run", str(source), "--datastore", root, "--run-id", "local", env={"FLOWC_PROJECT_BRANCH": "canary"}
    )
    in_airflow = _snapshot("ForeachInLoopFlow", result.flowc_run_id, root)
    local = _snapshot("ForeachInLoopFlow", "local", root)
    assert sorted(in_airflow) == sorted(local)
    assert {task for step, task in in_airflow if step == "route"} == {"t-0", "t.1-0", "t.1-1"}
    assert {task for step, task in in_airflow if step == "fix"} == {"t-0", "t.1-1"}
    assert in_airflow == local
    run = Flow("ForeachInLoopFlow", datastore=root)[result.flowc_run_id]
    assert run["gather"]["t"].data.lines == [(1, 0, 10, "t-0")]


def test_a_second_switch_inside_loops_runs_as_flowc_run(
    airflow: AirflowEnv, s3_server: SeaweedFS, s3_env: dict[str, str], tmp_path: Path
) -> None:
    root = f"s3://{s3_server.bucket}/airflow-e2e/" + re.sub(r"\W", "_", tmp_path.name)
    source = tmp_path / "flows" / "second_switch.py"
    source.parent.mkdir()
    source.write_text(SECOND_SWITCH, encoding="utf-8")
    _flowc("push", str(source), "--datastore", root)
    dags = tmp_path / "dags"
    settings = ["--set", "operator=local", "--set", "max_iterations=4"]
    _flowc("compile", str(source), "--target", "airflow", "--datastore", root, *settings, "-o", str(dags))
    (dag_file,) = dags.glob("*_dag.py")

    result = airflow.dag_test(dag_file, "SecondSwitchLoopFlow", env=s3_env)
    assert result.state == "success", result.summary()
    assert result.tasks[("grow-iter-3", -1)] == "skipped"  # three passes outside the foreach

    _flowc("run", str(source), "--datastore", root, "--run-id", "local")
    in_airflow = _snapshot("SecondSwitchLoopFlow", result.flowc_run_id, root)
    assert {task for step, task in in_airflow if step == "boost"} == {"t", "t.2"}
    assert {task for step, task in in_airflow if step == "double"} == {"t-0.1", "t-1"}
    assert in_airflow == _snapshot("SecondSwitchLoopFlow", "local", root)
