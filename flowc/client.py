"""Reading past runs: ``from flowc import Flow, Run, Step, Task``.

    run = Flow("TrainFlow").latest_run
    run.successful, run.data.model, run["train"].tasks()[0].artifacts["model"].sha256

The root comes from ``datastore=`` or ``$FLOWC_DATASTORE`` (default
``./.flowc``); local folders and ``s3://`` roots behave the same.  Values
are loaded on access and verified against their sha256.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cached_property
from typing import Any

from flowc.runtime_shim.datastore import Datastore


def _store(datastore: str | Datastore | None) -> Datastore:
    return datastore if isinstance(datastore, Datastore) else Datastore(datastore)


def _task_order(task_id: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", task_id))


class Artifact:
    """One artifact of a task: its name, its sha256 and (loaded on access) its value."""

    def __init__(self, task: Task, name: str, sha256: str) -> None:
        self.name, self.sha256, self._task = name, sha256, task

    @cached_property
    def data(self) -> Any:
        """The value, verified against its sha256."""
        return self._task._ds.load_value(self._task.flow_name, self.sha256)

    def __repr__(self) -> str:
        return f"Artifact({self.name!r}, sha256={self.sha256[:12]}...)"


class Card:
    """A card rendered for a task: ``type``, ``id`` and the HTML page."""

    def __init__(self, task: Task, doc: dict[str, Any]) -> None:
        self.type: str = doc.get("type") or "default"
        self.id: str | None = doc.get("id")
        self.sha256: str = doc["sha256"]
        self._task = task

    @cached_property
    def html(self) -> str:
        """The self-contained HTML page."""
        html: str = self._task._ds.load_value(self._task.flow_name, self.sha256)
        return html


class DataView:
    """``task.data.x``: the artifacts of a task as attributes."""

    def __init__(self, task: Task) -> None:
        self._task = task

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        artifact = self._task.artifacts.get(name)
        if artifact is None:
            raise AttributeError(f"task {self._task.pathspec} has no artifact {name!r}")
        return artifact.data

    def __contains__(self, name: str) -> bool:
        return name in self._task.artifacts

    def __dir__(self) -> list[str]:
        return sorted(self._task.artifacts)


class Task:
    """One task: its latest attempt (the successful one when there is one)."""

    def __init__(
        self, flow: str, run: str, step: str, task_id: str, datastore: str | Datastore | None = None
    ) -> None:
        self.flow_name, self.run_id, self.step_name, self.id = flow, run, step, task_id
        self._ds = _store(datastore)

    @property
    def pathspec(self) -> str:
        """``Flow/run/step/task``."""
        return f"{self.flow_name}/{self.run_id}/{self.step_name}/{self.id}"

    @cached_property
    def output(self) -> dict[str, Any] | None:
        """The task's output document, ``None`` unless it succeeded."""
        return self._ds.read_output(self.flow_name, self.run_id, self.step_name, self.id)

    @cached_property
    def metadata(self) -> dict[str, Any]:
        """The metadata of the successful attempt, else of the latest attempt."""
        names = (self.flow_name, self.run_id, self.step_name, self.id)
        attempts = [int(self.output["attempt"])] if self.output else []
        attempts += list(reversed(self._ds.list_attempts(*names)))
        for attempt in attempts:
            meta = self._ds.read_metadata(*names, attempt)
            if meta is not None:
                return meta
        raise LookupError(f"task {self.pathspec} has no metadata")

    @property
    def successful(self) -> bool:
        """Whether the task succeeded (``@catch`` counts as success)."""
        return self.output is not None and self.metadata.get("status") == "ok"

    @property
    def finished(self) -> bool:
        """Whether an attempt has finished, successfully or not."""
        return self.metadata.get("status") in ("ok", "failed")

    @property
    def attempt(self) -> int:
        """The attempt number the metadata describes."""
        return int(self.metadata["attempt"])

    @property
    def exception(self) -> dict[str, Any] | None:
        """The failure (type, message, location, traceback) of a failed task."""
        error: dict[str, Any] | None = self.metadata.get("error")
        return error

    @cached_property
    def artifacts(self) -> dict[str, Artifact]:
        """Artifact name → :class:`Artifact` (sha256 and lazily loaded value)."""
        return {n: Artifact(self, n, sha) for n, sha in self.metadata.get("artifacts", {}).items()}

    @property
    def data(self) -> DataView:
        """``task.data.x`` loads artifact ``x``."""
        return DataView(self)

    @property
    def cards(self) -> list[Card]:
        """Cards rendered for the task."""
        return [Card(self, doc) for doc in self.metadata.get("cards") or []]

    def _log(self, name: str) -> str:
        run = self.metadata.get("cloned_from") or self.run_id
        return self._ds.read_text(self.flow_name, run, self.step_name, self.id, self.attempt, name)

    @property
    def stdout(self) -> str:
        """What the step printed to stdout."""
        return self._log("stdout.log")

    @property
    def stderr(self) -> str:
        """What the step printed to stderr."""
        return self._log("stderr.log")

    def __repr__(self) -> str:
        return f"Task({self.pathspec!r})"


class Step:
    """One step of a run and its tasks."""

    def __init__(self, flow: str, run: str, name: str, datastore: str | Datastore | None = None) -> None:
        self.flow_name, self.run_id, self.id = flow, run, name
        self._ds = _store(datastore)

    @property
    def name(self) -> str:
        """The step name."""
        return self.id

    def tasks(self) -> list[Task]:
        """Every task of the step, in task-id order (foreach index order)."""
        ids = sorted(self._ds.list_tasks(self.flow_name, self.run_id, self.id), key=_task_order)
        return [Task(self.flow_name, self.run_id, self.id, t, self._ds) for t in ids]

    @property
    def task(self) -> Task | None:
        """The first task (the only one outside a foreach)."""
        tasks = self.tasks()
        return tasks[0] if tasks else None

    def __iter__(self) -> Iterator[Task]:
        return iter(self.tasks())

    def __getitem__(self, task_id: str) -> Task:
        if task_id not in self._ds.list_tasks(self.flow_name, self.run_id, self.id):
            raise KeyError(f"step {self.flow_name}/{self.run_id}/{self.id} has no task {task_id!r}")
        return Task(self.flow_name, self.run_id, self.id, task_id, self._ds)

    def __repr__(self) -> str:
        return f"Step('{self.flow_name}/{self.run_id}/{self.id}')"


class Run:
    """One run of a flow."""

    def __init__(self, flow: str, run_id: str, datastore: str | Datastore | None = None) -> None:
        self.flow_name, self.id = flow, run_id
        self._ds = _store(datastore)

    @cached_property
    def record(self) -> dict[str, Any]:
        """The run record written by the local runner (``{}`` for orchestrated runs)."""
        return self._ds.read_run(self.flow_name, self.id) or {}

    def steps(self) -> list[Step]:
        """Steps with at least one task."""
        return [
            Step(self.flow_name, self.id, s, self._ds) for s in self._ds.list_steps(self.flow_name, self.id)
        ]

    def __getitem__(self, step: str) -> Step:
        if step not in self._ds.list_steps(self.flow_name, self.id):
            raise KeyError(f"run {self.flow_name}/{self.id} has no step {step!r}")
        return Step(self.flow_name, self.id, step, self._ds)

    def __iter__(self) -> Iterator[Step]:
        return iter(self.steps())

    @cached_property
    def end_task(self) -> Task | None:
        """The successful task of the end step, if the run got there.

        The end step is outside any foreach, so its task id is ``t``; it is
        the step whose output has no next step.
        """
        steps = sorted(self._ds.list_steps(self.flow_name, self.id), key=lambda s: s != "end")
        for step in steps:
            output = self._ds.read_output(self.flow_name, self.id, step, "t")
            if output is not None and not output.get("next"):
                return Task(self.flow_name, self.id, step, "t", self._ds)
        return None

    @property
    def successful(self) -> bool:
        """The end step succeeded."""
        return self.end_task is not None

    @property
    def finished(self) -> bool:
        """The run is over (successfully or not), as far as the datastore tells."""
        return self.successful or self.record.get("status") == "failed"

    @property
    def status(self) -> str:
        """``ok``, ``failed`` or ``running``."""
        return "ok" if self.successful else str(self.record.get("status", "running"))

    @property
    def data(self) -> DataView | None:
        """The end step's artifacts (``run.data.x``); ``None`` when the run did not get there."""
        return self.end_task.data if self.end_task else None

    @property
    def tags(self) -> list[str]:
        """Tags given to the run."""
        return list(self.record.get("tags", []))

    @cached_property
    def created_at(self) -> float:
        """When the run started (epoch seconds)."""
        if "started_at" in self.record:
            return float(self.record["started_at"])
        for meta in self._ds.iter_task_metadata(self.flow_name, self.id, self._start_step()):
            return float(meta.get("started_at", 0.0))
        return 0.0

    def _start_step(self) -> str:
        steps = self._ds.list_steps(self.flow_name, self.id)
        return "start" if "start" in steps else (steps[0] if steps else "start")

    def __repr__(self) -> str:
        return f"Run('{self.flow_name}/{self.id}')"


class Flow:
    """A flow's runs in the datastore: ``Flow("TrainFlow").latest_run``."""

    def __init__(self, name: str, datastore: str | Datastore | None = None) -> None:
        self.name = name
        self._ds = _store(datastore)

    def runs(self) -> list[Run]:
        """Every run, newest first."""
        runs = [Run(self.name, r, self._ds) for r in self._ds.list_runs(self.name)]
        return sorted(runs, key=lambda r: (r.created_at, r.id), reverse=True)

    def __iter__(self) -> Iterator[Run]:
        return iter(self.runs())

    def __getitem__(self, run_id: str) -> Run:
        if run_id not in self._ds.list_runs(self.name):
            raise KeyError(f"flow {self.name} has no run {run_id!r} in {self._ds.root}")
        return Run(self.name, run_id, self._ds)

    @property
    def latest_run(self) -> Run | None:
        """The most recently started run."""
        runs = self.runs()
        return runs[0] if runs else None

    @property
    def latest_successful_run(self) -> Run | None:
        """The most recently started run that succeeded."""
        return next((r for r in self.runs() if r.successful), None)

    def __repr__(self) -> str:
        return f"Flow({self.name!r})"
