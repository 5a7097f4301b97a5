"""Metaflow semantics under the shim: parameters, foreach, joins, merge, catch, timeout, metaflow alias."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from flowc.runtime_shim.bootstrap import bootstrap_command
from flowc.runtime_shim.package import build_package

from flowc import Flow

FLOW = """\
import os
import time

import metaflow
from metaflow import FlowSpec, IncludeFile, JSONType, Parameter, catch, current, environment, step, timeout


class SemanticsFlow(FlowSpec):
    count = Parameter("count", default=3)
    ratio = Parameter("ratio", default=0.5, type=float)
    flag = Parameter("flag", default=False, type=bool)
    config = Parameter("config", type=JSONType, default='{"k": [1, 2]}')
    notes = IncludeFile("notes", default="notes.txt")

    @step
    def start(self):
        try:
            self.count = 10
        except AttributeError as exc:
            self.immutable_error = str(exc)
        self.api_module = metaflow.FlowSpec.__module__
        self.facts = [current.flow_name, current.run_id, current.step_name, current.task_id, current.retry_count]
        self.items = [f"item{i}" for i in range(self.count)]
        self.shared = "same"
        self.next(self.square, foreach="items")

    @environment(vars={"SEMANTICS_VAR": "hello"})
    @step
    def square(self):
        self.env = os.environ.get("SEMANTICS_VAR")
        self.value = (self.input, self.index)
        self.task = current.task_id
        self.next(self.gather)

    @step
    def gather(self, inputs):
        self.values = [i.value for i in inputs]
        self.twice = [i.task for i in inputs] + [i.task for i in inputs]
        try:
            self.merge_artifacts(inputs)
        except Exception as exc:
            self.merge_error = type(exc).__name__ + ": " + str(exc)
        self.merge_artifacts(inputs, exclude=["value", "task"])
        self.next(self.fork)

    @step
    def fork(self):
        self.next(self.left, self.right)

    @step
    def left(self):
        self.side = "left"
        self.next(self.meet)

    @catch(var="failure")
    @timeout(seconds=1)
    @step
    def right(self):
        self.side = "right"
        time.sleep(30)
        self.next(self.meet)

    @step
    def meet(self, inputs):
        self.sides = [inputs.left.side, inputs.right.side]
        self.failure = inputs.right.failure
        self.merge_artifacts(inputs, include=["shared", "values", "env"])
        self.next(self.end)

    @step
    def end(self):
        self.params = [self.count, self.ratio, self.flag, self.config, self.notes]
"""


def flowc(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flowc.cli", *args], capture_output=True, text=True, check=False, cwd=cwd
    )


@pytest.fixture
def flow_file(tmp_path: Path) -> Path:
    code = tmp_path / "code"
    code.mkdir()
    (code / "semantics.py").write_text(FLOW)
    (code / "notes.txt").write_text("remember the milk\n")
    return code / "semantics.py"


def test_metaflow_is_installed_yet_flows_run_on_flowc() -> None:
    assert importlib.util.find_spec("metaflow") is not None


def test_semantics(tmp_path: Path, flow_file: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    root = str(tmp_path / "ds")
    params = ["--param", "count=4", "--param", "flag=yes", "--param", 'config={"k": 3}']
    done = flowc("run", str(flow_file), "--datastore", root, "--run-id", "r1", *params, cwd=elsewhere)
    assert done.returncode == 0, done.stdout + done.stderr
    run = Flow("SemanticsFlow", datastore=root)["r1"]
    start = run["start"].task.data
    assert start.api_module == "flowc.runtime_shim.api"
    assert start.immutable_error == "parameter 'count' is read-only"
    assert start.facts == ["SemanticsFlow", "r1", "start", "t", 0]
    gather = run["gather"].task.data
    assert gather.values == [("item0", 0), ("item1", 1), ("item2", 2), ("item3", 3)]
    assert gather.twice == ["t-0", "t-1", "t-2", "t-3"] * 2
    assert gather.merge_error.startswith("MergeArtifactsException") and "task, value" in gather.merge_error
    assert gather.env == "hello" and gather.items == ["item0", "item1", "item2", "item3"]
    meet = run["meet"].task.data
    assert meet.sides == ["left", "right"]
    assert "StepTimeout" in meet.failure.type and "exceeded its @timeout of 1 s" in meet.failure.message
    assert meet.shared == "same" and "items" not in run["meet"].task.artifacts
    assert run.data.params == [4, 0.5, True, {"k": 3}, "remember the milk\n"]


@pytest.mark.parametrize(
    ("param", "message"),
    [
        ("count=many", "parameter 'count': 'many' is not a valid int"),
        ("flag=maybe", "parameter 'flag': 'maybe' is not a valid bool"),
        ("config={oops", "parameter 'config': '{oops' is not a valid json"),
        ("colour=red", "the flow has no parameter 'colour'"),
        ("notes=missing.txt", "parameter 'notes': file 'missing.txt' not found"),
    ],
)
def test_bad_parameters_are_refused_before_anything_runs(
    tmp_path: Path, flow_file: Path, param: str, message: str
) -> None:
    root = tmp_path / "ds"
    done = flowc("run", str(flow_file), "--datastore", str(root), "--param", param)
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr
    assert re.search(rf"^{re.escape(str(flow_file))}:\d+:\d+: FLC404 ", done.stderr, re.M), done.stderr
    assert not root.exists()


def _python_without_metaflow(cwd: Path) -> str | None:
    for candidate in ("/usr/bin/python3", shutil.which("python3")):
        if not candidate:
            continue
        probe = subprocess.run(
            [
                candidate,
                "-c",
                "import sys, importlib.util as u; sys.exit(bool(u.find_spec('metaflow') or u.find_spec('flowc')) or sys.version_info < (3, 10))",
            ],
            capture_output=True,
            check=False,
            cwd=cwd,
        )
        if probe.returncode == 0:
            return candidate
    return None


def test_package_runs_without_flowc_or_metaflow_installed(tmp_path: Path, flow_file: Path) -> None:
    python = _python_without_metaflow(tmp_path)
    if python is None:
        pytest.skip("no Python >= 3.10 without metaflow and flowc on this machine")
    data, sha = build_package(str(flow_file.parent), suffixes=(".py", ".txt"))
    package = tmp_path / "package.tgz"
    package.write_bytes(data)
    args = [
        "task",
        "--datastore",
        str(tmp_path / "ds"),
        "--flow-file",
        "semantics.py",
        "--flow",
        "SemanticsFlow",
        "--run-id",
        "r1",
        "--step",
        "start",
        "--task-id",
        "t",
        "--param",
        "count=2",
    ]
    done = subprocess.run(
        bootstrap_command(str(package), sha, args, python=python),
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert '"foreach": {"cardinality": 2, "var": "items"}' in done.stdout
    task = Flow("SemanticsFlow", datastore=str(tmp_path / "ds"))["r1"]["start"].task
    assert task.data.api_module == "flowc.runtime_shim.api" and task.data.notes == "remember the milk\n"


def test_inputs_of_a_switch_join_skip_the_branch_not_taken(tmp_path: Path) -> None:
    flow = tmp_path / "switchy.py"
    flow.write_text(
        textwrap.dedent("""\
        from flowc import FlowSpec, step

        class SwitchyFlow(FlowSpec):
            @step
            def start(self):
                self.mode = "b"
                self.next({"a": self.a, "b": self.b}, condition="mode")

            @step
            def a(self):
                self.got = "a"
                self.next(self.end)

            @step
            def b(self):
                self.got = "b"
                self.next(self.end)

            @step
            def end(self):
                pass
        """)
    )
    root = str(tmp_path / "ds")
    base = [
        sys.executable,
        "-m",
        "flowc.runtime_shim",
        "task",
        "--datastore",
        root,
        "--flow-file",
        str(flow),
        "--flow",
        "SwitchyFlow",
        "--run-id",
        "r1",
    ]
    out = tmp_path / "out"
    first = subprocess.run(
        [*base, "--step", "start", "--task-id", "t", "--output-dir", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert first.returncode == 0, first.stderr
    assert (out / "switch").read_text() == "b" and (out / "next").read_text() == '["b"]'
    assert (out / "cardinality").read_text() == "0"
    for args in (
        ["--step", "b", "--input-paths", "start/t"],
        ["--step", "end", "--input-paths", "a/t?,b/t?"],
    ):
        done = subprocess.run([*base, *args, "--task-id", "t"], capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
    assert Flow("SwitchyFlow", datastore=root)["r1"].data.got == "b"
    missing = subprocess.run(
        [*base, "--step", "end", "--task-id", "t2", "--input-paths", "a/t"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert missing.returncode == 2 and "input a/t of run r1 has not succeeded" in missing.stderr


def test_params_file_and_output_json(tmp_path: Path) -> None:
    params = tmp_path / "params.json"
    params.write_text('{"alpha": "0.7", "days": 5, "region": "a b {{ $(x) }}"}')
    out = tmp_path / "out" / "task.json"
    root = str(tmp_path / "ds")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "flowc.runtime_shim",
            "task",
            "--datastore",
            root,
            "--flow-file",
            "examples/linear_etl.py",
            "--flow",
            "LinearEtlFlow",
            "--run-id",
            "r1",
            "--step",
            "start",
            "--task-id",
            "t",
            "--params-file",
            str(params),
            "--output-json",
            str(out),
            "--tag",
            "x",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    expected = {
        "flow": "LinearEtlFlow",
        "run_id": "r1",
        "step": "start",
        "task_id": "t",
        "attempt": 0,
        "next": ["clean"],
        "foreach": None,
        "switch": None,
    }
    assert json.loads(out.read_text()) == expected
    assert json.loads(done.stdout.splitlines()[-1].removeprefix("FLOWC_OUTPUT ")) == expected
    task = Flow("LinearEtlFlow", datastore=root)["r1"]["start"].task
    assert task is not None
    assert (task.data.alpha, task.data.days, task.data.region) == (0.7, 5, "a b {{ $(x) }}")
    assert len(task.data.sales) == 5 and task.metadata["tags"] == ["x"]
