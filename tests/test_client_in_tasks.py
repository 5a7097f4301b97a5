"""Metaflow's client inside steps: a downstream flow reads an upstream flow's runs.

``flowc run`` runs one shim process per task and passes ``--datastore``
only; these tests keep ``$FLOWC_DATASTORE`` out of the environment, so a
step finds the root because the shim exports the one it writes to.  The
same flows run on a local folder and on SeaweedFS, and once from a real
code package where only the shim (and its client) is importable as flowc.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from flowc.runtime_shim.bootstrap import bootstrap_command
from flowc.transpile import analyze_source

from flowc import Flow, Run, Step, Task
from flowc.packaging import flow_package

UP_FLOW = """\
from metaflow import FlowSpec, Parameter, step


class UpFlow(FlowSpec):
    value = Parameter("value", default=0, type=int)
    fail = Parameter("fail", default=False, type=bool)

    @step
    def start(self):
        self.items = ["a", "b", "c"]
        self.next(self.fan, foreach="items")

    @step
    def fan(self):
        self.letter = self.input.upper()
        self.next(self.join)

    @step
    def join(self, inputs):
        self.letters = [i.letter for i in inputs]
        self.next(self.end)

    @step
    def end(self):
        if self.fail:
            raise RuntimeError("asked to fail")
        self.model = {"value": self.value, "letters": self.letters}
"""

DOWN_FLOW = """\
from metaflow import FlowSpec, Flow, Metaflow, Parameter, Run, Step, Task, current, step
from metaflow import default_namespace, get_namespace, namespace
import sys


class DownFlow(FlowSpec):
    up_run = Parameter("up_run", default="")

    @step
    def start(self):
        self.namespaces = [namespace(None), get_namespace(), default_namespace()]
        latest = Flow("UpFlow").latest_successful_run
        self.got = latest.data.model
        self.got_run = [latest.id, latest.pathspec, latest.successful, latest.finished]
        self.latest_any = Flow("UpFlow").latest_run.id
        run = Run(f"UpFlow/{self.up_run}")
        self.end_value = run["end"].task.data.value
        self.fan_letters = [t.data.letter for t in Step(f"UpFlow/{self.up_run}/fan")]
        self.items = Task(f"UpFlow/{self.up_run}/start/t")["items"].data
        self.flows = sorted(f.id for f in Metaflow())
        self.runs = sorted(r.id for r in Flow("UpFlow"))
        self.own = Run(f"DownFlow/{current.run_id}").id
        self.client_file = f"{Flow.__module__}:{sys.modules[Flow.__module__].__file__}"
        self.next(self.end)

    @step
    def end(self):
        pass
"""


def flowc(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flowc.cli", *args], capture_output=True, text=True, check=False, cwd=cwd
    )


@pytest.fixture
def flows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The two flow files, and no ``$FLOWC_DATASTORE`` for the processes the test starts."""
    monkeypatch.delenv("FLOWC_DATASTORE", raising=False)
    (tmp_path / "up.py").write_text(UP_FLOW)
    (tmp_path / "down.py").write_text(DOWN_FLOW)
    return tmp_path


def run_upstream(folder: Path, root: str) -> None:
    """``u1`` succeeds with value 1, ``u2`` (started later) fails in its end step."""
    done = flowc("run", "up.py", "--datastore", root, "--run-id", "u1", "--param", "value=1", "--tag", "good",
                 cwd=folder)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    done = flowc("run", "up.py", "--datastore", root, "--run-id", "u2", "--param", "value=2",
                 "--param", "fail=true", cwd=folder)  # fmt: skip
    assert done.returncode == 1 and "asked to fail" in done.stdout + done.stderr


def assert_downstream_saw_upstream(task: Task) -> None:
    data = task.data
    assert data.namespaces == [None, None, None]
    assert data.got == {"value": 1, "letters": ["A", "B", "C"]}
    assert data.got_run == ["u1", "UpFlow/u1", True, True]
    assert data.latest_any == "u2"
    assert data.end_value == 1 and data.items == ["a", "b", "c"]
    assert data.fan_letters == ["A", "B", "C"]
    assert data.runs == ["u1", "u2"]
    if not task._ds.root.startswith("s3://"):
        # S3Storage.list_dirs("") lists the bucket root wrongly (reported; storage.py is not ours)
        assert "UpFlow" in data.flows and set(data.flows) <= {"DownFlow", "UpFlow"}
    assert data.own == task.run_id


def test_flowc_check_accepts_the_client_and_refuses_the_rest() -> None:
    problems = analyze_source(DOWN_FLOW, "down.py").problems
    assert list(problems) == []
    head = "from metaflow import FlowSpec, Parameter, current, step, Flow, Runner\n"
    refused = analyze_source(head + DOWN_FLOW.split("\n", 2)[2], "down.py").problems
    where = head.index("Runner") + 1
    assert [(p.rule, p.span.line, p.span.column) for p in refused] == [("FLC309", 1, where)]
    assert "flowc run" in refused[0].format()


def test_a_step_reads_another_flows_runs(flows: Path, datastore_root: str) -> None:
    run_upstream(flows, datastore_root)
    done = flowc("run", "down.py", "--datastore", datastore_root, "--run-id", "d1", "--param", "up_run=u1",
                 cwd=flows)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    task = Run("DownFlow", "d1", datastore=datastore_root)["start"].task
    assert task is not None
    assert_downstream_saw_upstream(task)
    assert task.data.client_file.startswith("flowc.runtime_shim.client:")
    # the same objects through Metaflow's pathspec constructors, outside the flow
    run = Run("UpFlow/u1", datastore=datastore_root)
    assert run.pathspec == "UpFlow/u1" and run.data is not None and run.data.value == 1
    assert [a.name for a in Task("UpFlow/u1/end/t", datastore=datastore_root)] == sorted(
        Task("UpFlow", "u1", "end", "t", datastore_root).artifacts
    )
    assert not Run("UpFlow/u2", datastore=datastore_root).successful
    assert [r.id for r in Flow("UpFlow", datastore_root).runs("good")] == ["u1"]


def test_a_task_from_a_code_package_uses_the_shipped_client(flows: Path, tmp_path: Path) -> None:
    """The deployed path: bootstrap from a package, no flowc on ``sys.path`` but the package's."""
    root = str(tmp_path / "ds")
    run_upstream(flows, root)
    flow = analyze_source(DOWN_FLOW, str(flows / "down.py")).flow
    assert flow is not None
    data, sha = flow_package(flow, str(flows / "down.py"))
    (tmp_path / "package.tgz").write_bytes(data)
    args = ["task", "--datastore", root, "--flow-file", "down.py", "--flow", "DownFlow"]
    args += ["--run-id", "p1", "--step", "start", "--task-id", "t"]
    args += ["--param", "up_run=u1", "--tag", "deployed"]
    environ = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "FLOWC_DATASTORE")}
    done = subprocess.run(
        bootstrap_command(str(tmp_path / "package.tgz"), sha, args, python=sys.executable),
        cwd=tmp_path, env=environ, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    task = Task("DownFlow/p1/start/t", datastore=root)
    assert_downstream_saw_upstream(task)
    module, _, path = task.data.client_file.partition(":")
    assert module == "flowc.runtime_shim.client"
    assert "flowc-pkg-" in path and path.endswith("/_flowc/flowc/runtime_shim/client.py")
    assert Run("DownFlow/p1", datastore=root).tags == ["deployed"]  # no run record: the task's tags


def test_pathspec_constructors_check_what_they_name(tmp_path: Path) -> None:
    root = str(tmp_path / "empty")
    with pytest.raises(KeyError, match="no run UpFlow/9"):
        Run("UpFlow/9", datastore=root)
    with pytest.raises(KeyError, match="no step UpFlow/9/end"):
        Step("UpFlow/9/end", datastore=root)
    with pytest.raises(ValueError, match="expected a pathspec like 'Flow/run/step/task'"):
        Task("UpFlow/9/end", datastore=root)
    with pytest.raises(TypeError):
        Step("UpFlow", "9", datastore=root)
    assert Run("UpFlow", "9", root).pathspec == "UpFlow/9"  # flowc's form stays lazy
    assert Flow("UpFlow", root).latest_successful_run is None
