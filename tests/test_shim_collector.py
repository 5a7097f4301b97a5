"""The shim collects garbage rarely for its own work; the user's step runs with Python's thresholds."""

from __future__ import annotations

import ast
import gc
import subprocess
import sys
from pathlib import Path

from flowc.runtime_shim import collector
from flowc.runtime_shim.client import Run
from runflow import run_flow

FLOW = """\
import gc

from metaflow import FlowSpec, step


class CollectorFlow(FlowSpec):
    @step
    def start(self):
        self.thresholds = gc.get_threshold()
        self.next(self.end)

    @step
    def end(self):
        pass
"""


def test_the_users_step_runs_with_the_interpreters_thresholds(tmp_path: Path) -> None:
    flow = tmp_path / "collector_flow.py"
    flow.write_text(FLOW, encoding="utf-8")
    root = str(tmp_path / "ds")
    done = run_flow(flow, root)
    assert done.returncode == 0, done.stdout + done.stderr
    fresh = subprocess.run(
        [sys.executable, "-c", "import gc; print(gc.get_threshold())"],
        capture_output=True,
        text=True,
        check=True,
    )
    task = Run("CollectorFlow", "r1", datastore=root)["start"].task
    assert task is not None and tuple(task.data.thresholds) == ast.literal_eval(fresh.stdout)


def test_the_shim_collects_rarely_and_gives_user_code_the_saved_thresholds() -> None:
    before = gc.get_threshold()
    try:
        collector.for_the_shim()
        assert gc.get_threshold()[0] == collector.SHIM_THRESHOLD
        with collector.for_user_code():
            assert gc.get_threshold()[0] < collector.SHIM_THRESHOLD
        assert gc.get_threshold()[0] == collector.SHIM_THRESHOLD
    finally:
        gc.set_threshold(*before)
