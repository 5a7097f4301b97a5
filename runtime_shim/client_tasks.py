"""The client's lower half: steps, tasks and their artifacts (see :mod:`flowc.runtime_shim.client`).

Standard library only, so tasks can read past runs with what a code package ships.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cached_property
from typing import Any

from flowc.runtime_shim.datastore import Datastore

#: The root :func:`flowc.runtime_shim.client.metadata` chose for the client (``None``: the default).
chosen_root: str | None = None


def store(datastore: str | Datastore | None) -> Datastore:
    """``datastore`` as a :class:`Datastore`; ``None`` means the root chosen with ``metadata()``,
    else ``$FLOWC_DATASTORE`` (set in every task)."""
    if isinstance(datastore, Datastore):
        return datastore
    return Datastore(datastore or chosen_root)


def split_pathspec(first: str, rest: tuple[str | None, ...], kind: str, shape: str) -> tuple[list[str], bool]:
    """The path components of a client object and whether they came from one pathspec.

    ``Run("Flow/12")`` is Metaflow's form, ``Run("Flow", "12")`` flowc's; the
    pathspec form is checked for existence, as Metaflow does.
    """
    if all(part is None for part in rest):
        parts = first.split("/")
        if len(parts) != len(rest) + 1 or not all(parts):
            raise ValueError(f"{kind}({first!r}): expected a pathspec like {shape!r}")
        return parts, True
    if any(part is None for part in rest):
        raise TypeError(f"{kind}() takes one pathspec {shape!r} or all {len(rest) + 1} of its parts")
    return [first, *(str(part) for part in rest)], False


def task_order(task_id: str) -> tuple[int, ...]:
    """Sort key putting foreach tasks in index order (``t.2`` before ``t.10``)."""
    return tuple(int(n) for n in re.findall(r"\d+", task_id))


class Artifact:
    """One artifact of a task: its name, its sha256 and (loaded on access) its value.

    Metaflow calls it ``DataArtifact`` and its address ``sha``; both names work.
    """

    def __init__(self, task: Task, name: str, sha256: str) -> None:
        self.name, self.sha256, self._task = name, sha256, task

    @property
    def id(self) -> str:
        """The artifact's name."""
        return self.name

    @property
    def sha(self) -> str:
        """The sha256 of the stored value (Metaflow's name)."""
        return self.sha256

    @property
    def pathspec(self) -> str:
        """``Flow/run/step/task/name``."""
        return f"{self._task.pathspec}/{self.name}"

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
    """One task: its latest attempt (the successful one when there is one).

    ``Task("Flow/run/step/task")`` or ``Task(flow, run, step, task_id)``.
    """

    def __init__(
        self,
        flow: str,
        run: str | None = None,
        step: str | None = None,
        task_id: str | None = None,
        datastore: str | Datastore | None = None,
    ) -> None:
        parts, check = split_pathspec(flow, (run, step, task_id), "Task", "Flow/run/step/task")
        self.flow_name, self.run_id, self.step_name, self.id = parts
        self._ds = store(datastore)
        if check and self.id not in self._ds.list_tasks(*parts[:3]):
            raise KeyError(f"no task {self.pathspec} in {self._ds.root}")

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

    def __getitem__(self, name: str) -> Artifact:
        """``task["x"].data``: one artifact, as in Metaflow."""
        artifact = self.artifacts.get(name)
        if artifact is None:
            raise KeyError(f"task {self.pathspec} has no artifact {name!r}")
        return artifact

    def __contains__(self, name: str) -> bool:
        return name in self.artifacts

    def __iter__(self) -> Iterator[Artifact]:
        return iter(sorted(self.artifacts.values(), key=lambda a: a.name))

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
    """One step of a run and its tasks: ``Step("Flow/run/step")`` or ``Step(flow, run, name)``."""

    def __init__(
        self,
        flow: str,
        run: str | None = None,
        name: str | None = None,
        datastore: str | Datastore | None = None,
    ) -> None:
        parts, check = split_pathspec(flow, (run, name), "Step", "Flow/run/step")
        self.flow_name, self.run_id, self.id = parts
        self._ds = store(datastore)
        if check and self.id not in self._ds.list_steps(self.flow_name, self.run_id):
            raise KeyError(f"no step {self.pathspec} in {self._ds.root}")

    @property
    def name(self) -> str:
        """The step name."""
        return self.id

    @property
    def pathspec(self) -> str:
        """``Flow/run/step``."""
        return f"{self.flow_name}/{self.run_id}/{self.id}"

    def tasks(self) -> list[Task]:
        """Every task of the step, in task-id order (foreach index order)."""
        ids = sorted(self._ds.list_tasks(self.flow_name, self.run_id, self.id), key=task_order)
        return [Task(self.flow_name, self.run_id, self.id, t, self._ds) for t in ids]

    @property
    def task(self) -> Task | None:
        """The first task (the only one outside a foreach)."""
        tasks = self.tasks()
        return tasks[0] if tasks else None

    def __iter__(self) -> Iterator[Task]:
        return iter(self.tasks())

    def __contains__(self, task_id: str) -> bool:
        return task_id in self._ds.list_tasks(self.flow_name, self.run_id, self.id)

    def __getitem__(self, task_id: str) -> Task:
        if task_id not in self:
            raise KeyError(f"step {self.pathspec} has no task {task_id!r}")
        return Task(self.flow_name, self.run_id, self.id, task_id, self._ds)

    def __repr__(self) -> str:
        return f"Step({self.pathspec!r})"
