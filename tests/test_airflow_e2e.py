"""End to end: examples of every shape compiled for Airflow and run by real Airflow 3.

``airflow dags test`` (SQLite, offline, operator=local) runs each DAG with the
datastore on the SeaweedFS S3 server; the run must succeed and its artifacts
must be identical (same names, same sha256, same task ids) to a ``flowc run``
of the same flow with the same parameters.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import flowgen
import pytest
from airflow_env import AirflowEnv, airflow_fixture  # noqa: F401 - the fixture
from conftest import SeaweedFS
from flowc.runtime_shim.cards import normalize

from flowc import Flow

ROOT = Path(__file__).resolve().parent.parent

#: example → (DAG run conf, the same parameters for ``flowc run``).
CASES: dict[str, tuple[dict[str, Any], list[str]]] = {
    "linear_etl": ({"alpha": 0.3, "verbose": True}, ["alpha=0.3", "verbose=true"]),
    "branch_models": ({}, []),
    # foreach over a two-step body; its IncludeFile default travels in the code package
    "foreach_tuning": ({"weights": "1.0,2.0"}, ["weights=1.0,2.0"]),
    # foreach with a multi-step body, a branch inside it, and a foreach inside a branch
    "mixed_shapes": ({}, []),
    "nested_foreach": ({"folds": 2}, ["folds=2"]),
    "switch_quality": ({"missing_rate": 0.1}, ["missing_rate=0.1"]),
    # converges after 5 of the 20 unrolled iterations
    "recursive_training": ({"tolerance": 5.0}, ["tolerance=5.0"]),
}


#: Flows beyond the examples: shapes only the Airflow target has special machinery for.
EXTRA_FLOWS = {
    "switch_in_foreach": '''
from flowc import FlowSpec, step


class RouteItemsFlow(FlowSpec):
    """Each item takes its own path: a switch inside a foreach, one case two steps long."""

    @step
    def start(self):
        self.items = [3, 10, 4, 15]
        self.next(self.classify, foreach="items")

    @step
    def classify(self):
        self.value = self.input
        self.size = "big" if self.value > 5 else "small"
        self.next({"big": self.shrink, "small": self.grow}, condition="size")

    @step
    def shrink(self):
        self.result = self.value // 2
        self.next(self.check)

    @step
    def check(self):
        self.ok = self.result < 10
        self.next(self.collect)

    @step
    def grow(self):
        self.result = self.value * 3
        self.next(self.collect)

    @step
    def collect(self):
        self.line = f"{self.value}->{self.result}"
        self.next(self.gather)

    @step
    def gather(self, inputs):
        self.lines = [i.line for i in inputs]
        self.next(self.end)

    @step
    def end(self):
        print(self.lines)
''',
    "recursion_in_foreach": '''
from flowc import FlowSpec, step


class LoopPerItemFlow(FlowSpec):
    """Each item halves itself until it is small: a recursive step inside a foreach."""

    @step
    def start(self):
        self.items = [40, 3, 17]
        self.next(self.prepare, foreach="items")

    @step
    def prepare(self):
        self.value = self.input
        self.rounds = 0
        self.next(self.halve)

    @step
    def halve(self):
        if self.value > 5:
            self.value //= 2
            self.rounds += 1
        self.state = "again" if self.value > 5 else "small"
        self.next({"again": self.halve, "small": self.done}, condition="state")

    @step
    def done(self):
        self.line = f"{self.value} after {self.rounds}"
        self.next(self.gather)

    @step
    def gather(self, inputs):
        self.lines = [i.line for i in inputs]
        self.next(self.end)

    @step
    def end(self):
        print(self.lines)
''',
    "switch_case_to_merge": '''
from flowc import FlowSpec, Parameter, step


class ShortcutFlow(FlowSpec):
    """Switch cases that go straight to the step where the paths meet, outside and inside a foreach."""

    mode = Parameter("mode", default="slow")

    @step
    def start(self):
        self.items = [1, 2, 3, 4]
        self.next(self.route)

    @step
    def route(self):
        self.next({"fast": self.fanout, "slow": self.prepare}, condition="mode")

    @step
    def prepare(self):
        self.items = [i + 10 for i in self.items]
        self.next(self.fanout)

    @step
    def fanout(self):
        self.next(self.check, foreach="items")

    @step
    def check(self):
        self.value = self.input
        self.parity = "odd" if self.value % 2 else "even"
        self.next({"odd": self.fix, "even": self.record}, condition="parity")

    @step
    def fix(self):
        self.value += 1
        self.next(self.record)

    @step
    def record(self):
        self.line = f"{self.input}->{self.value}"
        self.next(self.gather)

    @step
    def gather(self, inputs):
        self.lines = [i.line for i in inputs]
        self.next(self.end)

    @step
    def end(self):
        print(self.lines)
''',
    "loop_back": '''
from flowc import FlowSpec, Parameter, step


class LoopBackFlow(FlowSpec):
    """Train and evaluate until good enough: a switch case back to an earlier step."""

    target = Parameter("target", default=10)

    @step
    def start(self):
        self.score = 0
        self.history = []
        self.next(self.train)

    @step
    def train(self):
        self.score += 3
        self.next(self.evaluate)

    @step
    def evaluate(self):
        self.history = self.history + [self.score]
        self.verdict = "done" if self.score >= self.target else "again"
        self.next({"again": self.train, "done": self.end}, condition="verdict")

    @step
    def end(self):
        assert self.history == [3, 6, 9, 12], self.history
''',
    "loop_back_in_foreach": '''
from flowc import FlowSpec, step


class LoopBackPerItemFlow(FlowSpec):
    """Each item trains until good enough: a loop back to an earlier step inside a foreach."""

    @step
    def start(self):
        self.items = [7, 1, 4]
        self.next(self.prepare, foreach="items")

    @step
    def prepare(self):
        self.goal = self.input
        self.score = 0
        self.next(self.train)

    @step
    def train(self):
        self.score += 3
        self.next(self.evaluate)

    @step
    def evaluate(self):
        self.verdict = "done" if self.score >= self.goal else "again"
        self.next({"again": self.train, "done": self.report}, condition="verdict")

    @step
    def report(self):
        self.line = f"{self.goal}: {self.score}"
        self.next(self.gather)

    @step
    def gather(self, inputs):
        self.lines = [i.line for i in inputs]
        self.next(self.end)

    @step
    def end(self):
        assert self.lines == ["7: 9", "1: 3", "4: 6"], self.lines
''',
    "loop_back_branch": '''
from flowc import FlowSpec, step


class LoopBranchFlow(FlowSpec):
    """Loops whose passes branch and join, with two cases back (to the branch, to the step
    after its join): outside a foreach, and per item inside one, entered at either step."""

    @step
    def start(self):
        self.rounds = 0
        self.log = []
        self.next(self.top)

    @step
    def top(self):
        self.rounds += 1
        self.next(self.left, self.right)

    @step
    def left(self):
        self.part = self.rounds * 2
        self.next(self.meet)

    @step
    def right(self):
        self.part = self.rounds * 3
        self.next(self.meet)

    @step
    def meet(self, inputs):
        self.rounds, self.log = inputs.left.rounds, inputs.left.log
        self.total = inputs.left.part + inputs.right.part
        self.checks = 0
        self.next(self.check)

    @step
    def check(self):
        self.checks += 1
        self.log = self.log + [(self.rounds, self.checks, self.total)]
        self.next(self.decide)

    @step
    def decide(self):
        self.verdict = "done" if self.rounds >= 2 else "recheck" if self.checks < 2 else "again"
        self.next({"again": self.top, "recheck": self.check, "done": self.fan}, condition="verdict")

    @step
    def fan(self):
        assert self.log == [(1, 1, 5), (1, 2, 5), (2, 1, 10)], self.log
        self.items = [1, 9]
        self.next(self.item, foreach="items")

    @step
    def item(self):
        self.origin, self.value, self.n, self.counts = self.input, self.input, 0, 0
        self.first = "tally" if self.value >= 8 else "grow"  # 9 enters the loop at tally
        self.next({"grow": self.grow, "tally": self.tally}, condition="first")

    @step
    def grow(self):
        self.n += 1
        self.next(self.up, self.down)

    @step
    def up(self):
        self.part = self.value + self.n
        self.next(self.mix)

    @step
    def down(self):
        self.part = self.value * self.n
        self.next(self.mix)

    @step
    def mix(self, inputs):
        self.origin, self.n, self.counts = inputs.up.origin, inputs.up.n, inputs.up.counts
        self.value = inputs.up.part + inputs.down.part
        self.next(self.tally)

    @step
    def tally(self):
        self.counts += 1
        self.next(self.judge)

    @step
    def judge(self):
        self.verdict = "again" if self.value < 8 else "recount" if self.counts < 2 else "done"
        self.next({"again": self.grow, "recount": self.tally, "done": self.report}, condition="verdict")

    @step
    def report(self):
        self.line = f"{self.origin}: {self.value} after {self.n} ({self.counts})"
        self.next(self.gather)

    @step
    def gather(self, inputs):
        self.lines = [i.line for i in inputs]
        self.next(self.end)

    @step
    def end(self):
        assert self.lines == ["1: 11 after 2 (2)", "9: 9 after 0 (2)"], self.lines
''',
}

#: An unseen flow from the seeded generator: nested foreach, a loop inside it, a loop
#: outside, ``@step(start=True)`` and a parameter default with a newline.
GENERATED_SEED = 17
EXTRA_FLOWS[f"generated_{GENERATED_SEED}"] = flowgen.generate(GENERATED_SEED, style="flowc")

#: Extra ``flowc compile`` arguments per case (fewer unrolled iterations run faster).
COMPILE_ARGS = {
    "recursion_in_foreach": ["--set", "max_iterations=4"],
    "loop_back": ["--set", "max_iterations=5"],  # leaves after 4 passes
    "loop_back_in_foreach": ["--set", "max_iterations=4"],  # 3, 1 and 2 passes per item
    "loop_back_branch": ["--set", "max_iterations=3"],  # 3 passes, then 2 per item
    f"generated_{GENERATED_SEED}": ["--set", "max_iterations=2"],  # its loops stop after 1 and 2 rounds
}


def flowc(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "flowc.cli", *args], capture_output=True, text=True, check=False, cwd=ROOT
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def snapshot(flow: str, run_id: str, root: str) -> dict[tuple[str, str], dict[str, str]]:
    """(step, task id) → artifact name → sha256, read through the client."""
    run = Flow(flow, datastore=root)[run_id]
    assert run.successful, f"run {run_id} is not successful"
    return {
        (step.name, task.id): {name: a.sha256 for name, a in task.artifacts.items()}
        for step in run.steps()
        for task in step.tasks()
    }


def cards(flow: str, run_id: str, root: str) -> dict[tuple[str, str], list[tuple[str, str, str]]]:
    """(step, task id) → the task's cards as (type, id, html with run ids and clocks blanked)."""
    run = Flow(flow, datastore=root)[run_id]
    return {
        (step.name, task.id): [(c.type, str(c.id), normalize(c.html)) for c in task.cards]
        for step in run.steps()
        for task in step.tasks()
    }


@pytest.fixture
def s3_root(s3_server: SeaweedFS, s3_env: dict[str, str], request: pytest.FixtureRequest) -> str:
    return f"s3://{s3_server.bucket}/airflow-e2e/" + re.sub(r"[^A-Za-z0-9_-]", "_", request.node.name)


@pytest.mark.parametrize("example", sorted(CASES) + sorted(EXTRA_FLOWS))
def test_dag_run_matches_local_run(
    example: str,
    airflow: AirflowEnv,
    s3_root: str,
    s3_env: dict[str, str],
    tmp_path: Path,
) -> None:
    conf, params = CASES.get(example, ({}, []))
    source = f"examples/{example}.py"
    if example in EXTRA_FLOWS:
        source = str(tmp_path / "flows" / f"{example}.py")
        Path(source).parent.mkdir()
        Path(source).write_text(EXTRA_FLOWS[example])
    flowc("push", source, "--datastore", s3_root)
    dags = tmp_path / "dags"
    flowc(
        "compile",
        source,
        "--target",
        "airflow",
        "--datastore",
        s3_root,
        "--set",
        "operator=local",
        *COMPILE_ARGS.get(example, []),
        "-o",
        str(dags),
    )
    (dag_file,) = dags.glob("*_dag.py")
    flow_name = next(line for line in dag_file.read_text().splitlines() if line.startswith("FLOW_NAME = "))
    flow_name = flow_name.split('"')[1]

    result = airflow.dag_test(dag_file, flow_name, conf, env=s3_env)
    assert result.state == "success", result.summary()
    assert set(result.tasks.values()) <= {"success", "skipped"}, result.tasks

    param_args = [arg for p in params for arg in ("--param", p)]
    flowc("run", source, "--datastore", s3_root, "--run-id", "local", *param_args)
    in_airflow = snapshot(flow_name, result.flowc_run_id, s3_root)
    local = snapshot(flow_name, "local", s3_root)
    assert sorted(in_airflow) == sorted(local)
    assert in_airflow == local
    local_cards = cards(flow_name, "local", s3_root)
    assert cards(flow_name, result.flowc_run_id, s3_root) == local_cards
    if example == "linear_etl":  # its start step has @card
        assert local_cards[("start", "t")], "the @card step rendered no card"


FLAKY_FLOW = '''
from flowc import FlowSpec, catch, current, retry, step, timeout


class FlakyFlow(FlowSpec):
    """A step that fails once, and one whose failure @catch keeps."""

    @retry(times=1, minutes_between_retries=0)
    @step
    def start(self):
        if current.retry_count == 0:
            raise RuntimeError("transient")
        self.attempts = current.retry_count
        self.next(self.risky)

    @catch(var="problem")
    @retry(times=0)
    @timeout(seconds=30)
    @step
    def risky(self):
        self.value = 1 / 0
        self.next(self.end)

    @step
    def end(self):
        self.caught = self.problem is not None
'''


def test_retry_and_catch_in_airflow(
    airflow: AirflowEnv, s3_root: str, s3_env: dict[str, str], tmp_path: Path
) -> None:
    source = tmp_path / "flows" / "flaky.py"
    source.parent.mkdir()
    source.write_text(FLAKY_FLOW)
    flowc("push", str(source), "--datastore", s3_root)
    dags = tmp_path / "dags"
    flowc(
        "compile",
        str(source),
        "--target",
        "airflow",
        "--datastore",
        s3_root,
        "--set",
        "operator=local",
        "-o",
        str(dags),
    )
    (dag_file,) = dags.glob("*_dag.py")

    result = airflow.dag_test(dag_file, "FlakyFlow", env=s3_env)
    assert result.state == "success", result.summary()
    run = Flow("FlakyFlow", datastore=s3_root)[result.flowc_run_id]
    start = run["start"].task
    assert (
        start is not None and start.attempt == 1 and start.data.attempts == 1
    )  # Airflow's retry is attempt 1
    risky = run["risky"].task
    assert risky is not None and risky.data.problem.type == "builtins.ZeroDivisionError"
    assert run.data.caught is True
