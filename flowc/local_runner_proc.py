"""Launching shim processes for the local runner and relaying their output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from typing import Any, Protocol

#: Prefix of the shim's output line (docs/task-contract.md).
OUTPUT_PREFIX = "FLOWC_OUTPUT "


def task_id(indices: tuple[int, ...], iterations: tuple[int, ...] = ()) -> str:
    """The contract's deterministic task id: ``t``, ``t-3-1``, ``t-3.2``, ``t.1-0``...

    ``iterations`` holds the loop pass at each foreach level, outermost first
    (one more entry than ``indices``; missing entries are 0): a pass ``k > 0``
    appends ``.k`` after the index of its level.
    """
    passes = tuple(iterations) + (0,) * (len(indices) + 1 - len(iterations))
    text = "t" + _pass(passes[0])
    for index, iteration in zip(indices, passes[1 : len(indices) + 1], strict=True):
        text += f"-{index}{_pass(iteration)}"
    return text


def _pass(iteration: int) -> str:
    return f".{iteration}" if iteration else ""


@dataclass(frozen=True)
class TaskSpec:
    """One task to launch."""

    step: str
    indices: tuple[int, ...] = ()
    #: Loop pass at each foreach level (see :func:`task_id`).
    iterations: tuple[int, ...] = ()
    input_paths: str | None = None
    attempt: int = 0

    @property
    def levels(self) -> tuple[int, ...]:
        """``iterations`` with one entry per level, the task's own last."""
        return self.iterations + (0,) * (len(self.indices) + 1 - len(self.iterations))

    @property
    def iteration(self) -> int:
        """The loop pass at the task's own foreach level."""
        return self.levels[-1]

    @property
    def task_id(self) -> str:
        """The task's id."""
        return task_id(self.indices, self.iterations)

    @property
    def label(self) -> str:
        """``step/task`` as log lines are prefixed."""
        return f"{self.step}/{self.task_id}"


@dataclass
class TaskResult:
    """How a task process ended."""

    spec: TaskSpec
    returncode: int
    output: dict[str, Any] | None = None
    last_lines: list[str] = field(default_factory=list)


class Printer(Protocol):
    """Where the runner writes log lines (a rich console, or anything with ``print``)."""

    def print(self, *objects: Any, **kwargs: Any) -> None:
        """Print one line."""


@dataclass
class ShimLauncher:
    """Builds and runs ``python -m flowc.runtime_shim task`` for each task."""

    flow: str
    flow_file: str
    datastore: str
    run_id: str
    graph_json: str
    printer: Printer
    tags: tuple[str, ...] = ()
    origin_run_id: str | None = None
    params: dict[str, str] = field(default_factory=dict)
    kill_after: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _spares: list[subprocess.Popen[str]] = field(default_factory=list)

    def argv(self, spec: TaskSpec) -> list[str]:
        """The shim's arguments for ``spec`` (after ``python -m flowc.runtime_shim task``)."""
        args = ["--datastore", self.datastore]
        args += ["--flow-file", self.flow_file, "--flow", self.flow, "--run-id", self.run_id]
        args += ["--step", spec.step, "--task-id", spec.task_id, "--attempt", str(spec.attempt)]
        args += ["--graph-json", self.graph_json]
        if spec.input_paths:
            args += ["--input-paths", spec.input_paths]
        for index in spec.indices:
            args += ["--split-index", str(index)]
        if spec.input_paths is None:
            for name, value in sorted(self.params.items()):
                args += ["--param", f"{name}={value}"]
        for tag in self.tags:
            args += ["--tag", tag]
        if self.origin_run_id:
            args += ["--origin-run-id", self.origin_run_id]
        return args

    def run(self, spec: TaskSpec, more: bool = True) -> TaskResult:
        """Run one task to completion, printing its lines prefixed with ``step/task``.

        ``more`` says whether other tasks may follow (worth starting a spare process).
        """
        process = self._take_spare(more)
        assert process.stdin is not None
        process.stdin.write(json.dumps(self.argv(spec)))
        process.stdin.close()
        timer = self._watchdog(process, spec)
        result = TaskResult(spec, -1)
        assert process.stdout is not None
        for line in process.stdout:
            line = line.rstrip("\n")
            if line.startswith(OUTPUT_PREFIX):
                result.output = json.loads(line[len(OUTPUT_PREFIX) :])
                continue
            result.last_lines = [*result.last_lines[-19:], line]
            with self._lock:
                self.printer.print(f"[{spec.label}] {line}", markup=False, highlight=False)
        result.returncode = process.wait()
        if timer is not None:
            timer.cancel()
        return result

    def _start(self) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "flowc.runtime_shim", "task", "-"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.PIPE,
            env=dict(os.environ, PYTHONUNBUFFERED="1"),
            text=True,
            errors="replace",
        )

    def _take_spare(self, more: bool) -> subprocess.Popen[str]:
        """A shim process for the next task, started ahead so its interpreter is already up.

        Each task still gets a fresh process; a spare only waits on stdin
        for its arguments, so starting Python overlaps with running tasks.
        """
        with self._lock:
            process = self._spares.pop() if self._spares else self._start()
            if more and not self._spares:
                self._spares.append(self._start())
        return process

    def close(self) -> None:
        """Let the unused spare processes exit (empty stdin) and reap them."""
        with self._lock:
            spares, self._spares = self._spares, []
        for process in spares:
            assert process.stdin is not None and process.stdout is not None
            process.stdin.close()
            process.stdout.read()
            process.wait()

    def _watchdog(self, process: subprocess.Popen[str], spec: TaskSpec) -> threading.Timer | None:
        """Kill a task that outlives its ``@timeout`` (the shim's own timer failed to stop it)."""
        limit = self.kill_after.get(spec.step)
        if not limit:
            return None
        timer = threading.Timer(limit, process.kill)
        timer.daemon = True
        timer.start()
        return timer
