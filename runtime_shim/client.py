"""Reading past runs, outside flows and inside tasks: ``Flow``, ``Run``, ``Step``, ``Task``.

    run = Flow("TrainFlow").latest_successful_run
    run.data.model, Run("TrainFlow/12")["train"].task.data.x, task["model"].sha256

Metaflow's pathspec constructors (``Run("Flow/12")``) and flowc's part-wise
ones (``Run("Flow", "12")``) both work.  The root comes from ``datastore=``
or ``$FLOWC_DATASTORE`` (default ``./.flowc``), which the shim sets in every
task to the root the task itself writes, so a step reads other runs from the
same local folder or ``s3://`` prefix.  Values are loaded on access and
verified against their sha256.  ``flowc`` has no namespaces: every run in the
root is visible, and :func:`namespace` and friends are accepted as no-ops.
Standard library only (boto3 lazily, for ``s3://`` roots).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cached_property
from typing import Any

from flowc.runtime_shim import client_tasks
from flowc.runtime_shim.client_tasks import (
    Artifact,
    Card,
    DataView,
    Step,
    Task,
    split_pathspec,
    store,
)
from flowc.runtime_shim.current import current
from flowc.runtime_shim.datastore import Datastore

#: Metaflow's name for an artifact object (``task["x"]``).
DataArtifact = Artifact


class Run:
    """One run of a flow: ``Run("Flow/run")`` or ``Run(flow, run_id)``."""

    def __init__(
        self,
        flow: str,
        run_id: str | None = None,
        datastore: str | Datastore | None = None,
        _namespace_check: bool = True,
    ) -> None:
        parts, check = split_pathspec(flow, (run_id,), "Run", "Flow/run")
        self.flow_name, self.id = parts
        self._ds = store(datastore)
        if check and not self._is_current() and self.id not in self._ds.list_runs(self.flow_name):
            raise KeyError(f"no run {self.pathspec} in {self._ds.root}")

    def _is_current(self) -> bool:
        # A task's own run exists even before anything of it is stored (the first task of an orchestrated run).
        return (current.flow_name, current.run_id) == (self.flow_name, self.id)

    @property
    def pathspec(self) -> str:
        """``Flow/run``."""
        return f"{self.flow_name}/{self.id}"

    @cached_property
    def record(self) -> dict[str, Any]:
        """The run record written by the local runner (``{}`` for orchestrated runs)."""
        return self._ds.read_run(self.flow_name, self.id) or {}

    def steps(self) -> list[Step]:
        """Steps with at least one task."""
        return [
            Step(self.flow_name, self.id, s, self._ds) for s in self._ds.list_steps(self.flow_name, self.id)
        ]

    def __contains__(self, step: str) -> bool:
        return step in self._ds.list_steps(self.flow_name, self.id)

    def __getitem__(self, step: str) -> Step:
        if step not in self:
            raise KeyError(f"run {self.pathspec} has no step {step!r}")
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
        """Tags given to the run (by ``flowc run --tag`` or the orchestrator's ``--tag``)."""
        if "tags" in self.record:
            return list(self.record["tags"])
        for meta in self._ds.iter_task_metadata(self.flow_name, self.id, self._start_step()):
            return list(meta.get("tags") or [])
        return []

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
        return f"Run({self.pathspec!r})"


class Flow:
    """A flow's runs in the datastore: ``Flow("TrainFlow").latest_run``."""

    def __init__(
        self, name: str, datastore: str | Datastore | None = None, _namespace_check: bool = True
    ) -> None:
        self.name = name
        self._ds = store(datastore)

    @property
    def id(self) -> str:
        """The flow's name (Metaflow's ``id``)."""
        return self.name

    @property
    def pathspec(self) -> str:
        """The flow's name."""
        return self.name

    def runs(self, *tags: str) -> list[Run]:
        """Every run (with all of ``tags``, if given), newest first."""
        runs = [Run(self.name, r, self._ds) for r in self._ds.list_runs(self.name)]
        if tags:
            runs = [r for r in runs if set(tags) <= set(r.tags)]
        return sorted(runs, key=lambda r: (r.created_at, r.id), reverse=True)

    def __iter__(self) -> Iterator[Run]:
        return iter(self.runs())

    def __contains__(self, run_id: str) -> bool:
        return run_id in self._ds.list_runs(self.name)

    def __getitem__(self, run_id: str) -> Run:
        if run_id not in self:
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


class Metaflow:
    """Every flow with something in the datastore: ``Metaflow().flows``."""

    def __init__(self, datastore: str | Datastore | None = None) -> None:
        self._ds = store(datastore)

    @property
    def flows(self) -> list[Flow]:
        """The flows, by name."""
        return [Flow(name, self._ds) for name in sorted(self._ds.list_flows())]

    def __iter__(self) -> Iterator[Flow]:
        return iter(self.flows)

    def __repr__(self) -> str:
        return "Metaflow()"


def namespace(ns: str | None) -> str | None:
    """Accepted for Metaflow's sake and ignored: flowc has no namespaces. Returns ``ns``."""
    return ns


def get_namespace() -> None:
    """Always ``None``: flowc has no namespaces, every run in the datastore is visible."""
    return None


def default_namespace() -> None:
    """Accepted for Metaflow's sake and ignored; returns ``None`` (no namespace)."""
    return None


def get_metadata() -> str:
    """Where the client reads runs, in Metaflow's ``TYPE@WHERE`` form: ``datastore@ROOT``.

    flowc has no metadata service: runs are read from the datastore itself.
    """
    return f"datastore@{store(None).root}"


def metadata(spec: str) -> str:
    """Read runs from another root: ``"datastore@ROOT"`` (or Metaflow's ``"local@DIR"``).

    ``ROOT`` is a local folder or an ``s3://bucket/prefix``; returns :func:`get_metadata`.
    Only the client is affected: tasks keep writing where the run writes.
    """
    kind, sep, where = spec.partition("@")
    if not sep or kind not in ("datastore", "local") or not where:
        raise ValueError(
            f"metadata({spec!r}): flowc has no metadata service; "
            "give the datastore runs are in, e.g. metadata('datastore@s3://bucket/prefix')"
        )
    client_tasks.chosen_root = where
    return get_metadata()


def default_metadata() -> str:
    """Back to the default root (``$FLOWC_DATASTORE``, else ``./.flowc``); returns :func:`get_metadata`."""
    client_tasks.chosen_root = None
    return get_metadata()


#: The names Metaflow's top-level package has for its client; the ``metaflow``
#: alias in tasks and code packages exposes these.
METAFLOW_NAMES = (
    "DataArtifact",
    "Flow",
    "Metaflow",
    "Run",
    "Step",
    "Task",
    "default_metadata",
    "default_namespace",
    "get_metadata",
    "get_namespace",
    "metadata",
    "namespace",
)

__all__ = [
    "Artifact",
    "Card",
    "DataArtifact",
    "DataView",
    "Flow",
    "Metaflow",
    "Run",
    "Step",
    "Task",
    "default_metadata",
    "default_namespace",
    "get_metadata",
    "get_namespace",
    "metadata",
    "namespace",
]
