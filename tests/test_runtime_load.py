"""Load: a 1,000-way foreach through the local runner, with the runner's memory bounded."""

from __future__ import annotations

import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from flowc.runtime_shim.datastore import Datastore
from flowc.transpile import load_flow

from flowc.local_runner import LocalRunner, RunOptions
from flowc.local_runner_proc import TaskResult

WIDE = """\
from flowc import FlowSpec, step


class WideFlow(FlowSpec):
    @step
    def start(self):
        self.items = list(range(1000))
        self.ballast = "x" * (4 << 20)  # inherited by every child, by reference
        self.next(self.work, foreach="items")

    @step
    def work(self):
        self.square = self.input * self.input
        self.next(self.gather)

    @step
    def gather(self, inputs):
        self.total = sum(i.square for i in inputs)
        self.count = len(inputs)
        self.next(self.end)

    @step
    def end(self):
        pass
"""


class Quiet:
    """A printer that keeps nothing."""

    def print(self, *objects: Any, **kwargs: Any) -> None:
        pass


def test_thousand_way_foreach_with_bounded_runner_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 1,003 interpreter starts: let them share compiled bytecode even if the caller disabled it
    monkeypatch.delenv("PYTHONDONTWRITEBYTECODE", raising=False)
    monkeypatch.setenv("PYTHONPYCACHEPREFIX", str(tmp_path / "pycache"))
    flow_file = tmp_path / "wide.py"
    flow_file.write_text(WIDE)
    root = str(tmp_path / "ds")
    options = RunOptions(flow_file=str(flow_file), datastore=root, run_id="r1", max_workers=4)
    finished: list[int] = []

    def on_done(result: TaskResult) -> None:
        finished.append(result.returncode)

    tracemalloc.start()
    ok = LocalRunner(load_flow(str(flow_file)), options, Quiet(), on_done).run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert ok and len(finished) == 1003 and set(finished) == {0}
    # one copy of the 4 MB ballast per child would be 4 GB; the runner holds ids and counters only
    assert peak < 8 << 20, peak
    ds = Datastore(root)
    children = ds.successful_tasks("WideFlow", "r1", "work")
    assert len(children) == 1000
    ballast = ds.read_metadata("WideFlow", "r1", "start", "t", 0)["artifacts"]["ballast"]  # type: ignore[index]
    for index in (0, 1, 499, 999):
        meta = ds.read_metadata("WideFlow", "r1", "work", f"t-{index}", 0)
        assert meta is not None and meta["artifacts"]["ballast"] == ballast
        assert ds.load_value("WideFlow", meta["artifacts"]["square"]) == index * index
    for task in children:
        assert "square" in ds.read_metadata("WideFlow", "r1", "work", task, 0)["artifacts"]  # type: ignore[index]
    end = ds.read_metadata("WideFlow", "r1", "gather", "t", 0)
    assert end is not None
    assert ds.load_value("WideFlow", end["artifacts"]["total"]) == sum(i * i for i in range(1000))
    assert ds.load_value("WideFlow", end["artifacts"]["count"]) == 1000
