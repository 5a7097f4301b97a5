"""A foreach body that ends in several steps (switch cases meeting at the join).

The join waits for the body's one call and lists one glob per last step,
``halve/t-*,triple/t-*`` (docs/task-contract.md, "Input paths"); the shim
takes one task per index from their union.  Checked three ways: the emitted
arguments, the DAG simulator (nested foreach: each glob carries the outer
index), and a real ``flowc run`` of the same flow, whose datastore the real
shim resolves the Argo join's input paths against.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml
from argo_sim import Simulator
from flowc.backends.argo import emit
from flowc.runtime_shim.datastore import Datastore
from flowc.runtime_shim.inputs import resolve
from flowc.transpile import load_flow
from test_argo_merges import compile_shape
from test_argo_sim import OPTIONS, check, oracle

from flowc.client import Flow as Client

SWITCH_IN_FOREACH = """
from flowc import FlowSpec, step


class SwitchInForeachFlow(FlowSpec):
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
"""


def test_the_join_waits_for_the_body_and_globs_every_last_step() -> None:
    _, document = compile_shape("cases_meet_at_a_foreach_join")
    (main,) = [t for t in document["spec"]["templates"] if t["name"] == "main"]  # type: ignore[index]
    (join,) = [t for t in main["dag"]["tasks"] if t["name"] == "gather"]
    assert join["depends"] == "start-Foreach.Succeeded"
    assert {"name": "input-paths", "value": "halve/t-*,triple/t-*"} in join["arguments"]["parameters"]


def test_a_nested_foreach_join_globs_with_the_outer_index() -> None:
    """Inside an outer foreach each glob carries the outer index, as a single glob does."""
    flow, document = compile_shape("cases_meet_at_a_nested_foreach_join")
    widths = set()
    for seed in range(10):
        calls = Simulator(document, oracle(flow, seed)).run()
        inner = sorted(c.input_paths for c in calls if c.step == "j2")
        assert inner == [f"p/t-{i}-*,q/t-{i}-*" for i in range(len(inner))]
        widths.add(len(inner))
    assert max(widths) > 1


def test_argo_runs_what_flowc_run_ran_and_its_join_paths_resolve_in_the_shim(tmp_path: Path) -> None:
    """The simulator, fed the real run's choices, starts the same tasks; its join paths are the run's."""
    path = tmp_path / "switch_in_foreach.py"
    path.write_text(SWITCH_IN_FOREACH)
    root = str(tmp_path / "ds")
    done = subprocess.run(
        [sys.executable, "-m", "flowc.cli", "run", str(path), "--datastore", root, "--run-id", "r1"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    name = "SwitchInForeachFlow"
    run = Client(name, datastore=root)["r1"]
    assert run["gather"].task.data.outs == [3, 1, 9, 2, 15]
    ds = Datastore(root)

    def as_run(step: str, task_id: str) -> tuple[int, str]:
        output = ds.read_output(name, "r1", step, task_id)
        assert output is not None, f"Argo would run {step}/{task_id}, flowc run did not"
        width = (output.get("foreach") or {}).get("cardinality", 0)
        return int(width), (output.get("switch") or {}).get("next", "")

    flow = load_flow(path)
    document = yaml.safe_load(emit(flow, OPTIONS)[0].text)
    calls = Simulator(document, as_run).run()
    check(flow, calls)
    ran = {(s.name, t.id) for s in flow.steps for t in run[s.name].tasks()}
    assert {(c.step, c.task_id) for c in calls} == ran
    (join,) = [c for c in calls if c.step == "gather"]
    meta = ds.read_metadata(name, "r1", "gather", "t", 0)
    assert meta is not None and join.input_paths == meta["input_paths"] == "halve/t-*,triple/t-*"
    parents = resolve(ds, name, "r1", join.input_paths)
    assert [(p.step, p.task_id) for p in parents] == [
        ("triple", "t-0"),
        ("halve", "t-1"),
        ("triple", "t-2"),
        ("halve", "t-3"),
        ("triple", "t-4"),
    ]
