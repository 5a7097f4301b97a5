"""A task's parents: resolving ``--input-paths`` and the ``inputs`` of a join.

See docs/task-contract.md for the spec syntax (``STEP/TASK``, ``STEP/TASK?``
optional, ``STEP/PREFIX*`` foreach join, one such entry per last step of the
foreach body).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, overload

from flowc.runtime_shim.datastore import Datastore
from flowc.runtime_shim.errors import TaskUsageError

#: One more foreach index, then any loop-iteration suffixes (``3``, ``3.2``, ``3.1.2``).
_ONE_INDEX = re.compile(r"(\d+)((?:\.\d+)*)")


@dataclass(frozen=True)
class Parent:
    """A successful parent task and the metadata of its successful attempt."""

    step: str
    task_id: str
    meta: dict[str, Any]

    @property
    def artifacts(self) -> dict[str, str]:
        """Artifact name → sha256."""
        found: dict[str, str] = self.meta.get("artifacts", {})
        return found


def resolve(ds: Datastore, flow: str, run: str, spec: str) -> list[Parent]:
    """The parents named by an input-path spec, foreach children ordered by index.

    Several ``STEP/PREFIX*`` entries are one foreach join whose body ends in
    several steps (switch cases meeting at the join): together they must
    give exactly one task per index.
    """
    parents: list[Parent] = []
    globs: list[tuple[str, str]] = []
    for entry in (e.strip() for e in spec.split(",") if e.strip()):
        optional = entry.endswith("?")
        entry = entry.rstrip("?")
        step, _, task = entry.partition("/")
        if not step or not task:
            raise TaskUsageError(f"input path {entry!r} is not STEP/TASK")
        if task.endswith("*"):
            globs.append((step, task[:-1]))
            continue
        parent = _load(ds, flow, run, step, task)
        if parent is not None:
            parents.append(parent)
        elif not optional:
            raise TaskUsageError(f"input {step}/{task} of run {run} has not succeeded")
    if globs:
        parents.extend(_foreach_children(ds, flow, run, globs))
    if not parents:
        raise TaskUsageError(f"no input of {spec!r} has succeeded")
    return parents


def _load(ds: Datastore, flow: str, run: str, step: str, task: str) -> Parent | None:
    output = ds.read_output(flow, run, step, task)
    if output is None:
        return None
    meta = ds.read_metadata(flow, run, step, task, int(output["attempt"]))
    if meta is None or meta.get("status") != "ok":
        return None
    return Parent(step, task, meta)


def _foreach_children(ds: Datastore, flow: str, run: str, globs: list[tuple[str, str]]) -> list[Parent]:
    """The last iteration of each ``prefix<index>`` task of the globs' steps, by index."""
    latest: dict[int, tuple[tuple[int, ...], str, str]] = {}
    for step, prefix in globs:
        for task in ds.successful_tasks(flow, run, step, prefix):
            match = _ONE_INDEX.fullmatch(task[len(prefix) :])
            if not match:
                continue
            index = int(match[1])
            iteration = tuple(int(k) for k in match[2].split(".")[1:])
            if index in latest and latest[index][0] == iteration and latest[index][1] != step:
                raise TaskUsageError(
                    f"foreach join: index {index} ended in both {latest[index][1]!r} and {step!r}"
                )
            if index not in latest or latest[index][0] < iteration:
                latest[index] = (iteration, step, task)
    parents = [_load(ds, flow, run, latest[i][1], latest[i][2]) for i in sorted(latest)]
    found = [p for p in parents if p is not None]
    stacks = [p.meta.get("foreach_stack") or [] for p in found]
    expected = {s[-1]["cardinality"] for s in stacks if s}
    if len(expected) != 1 or len(found) != next(iter(expected)) or sorted(latest) != list(range(len(found))):
        want = next(iter(expected)) if len(expected) == 1 else "?"
        names = ", ".join(f"{step}/{prefix}*" for step, prefix in globs)
        raise TaskUsageError(
            f"foreach join over {names}: found {len(found)} successful tasks, the split made {want}"
        )
    return found


class InputView:
    """One parent as a join sees it: ``input.attr`` loads that parent's artifact."""

    def __init__(self, parent: Parent, load: Callable[[str], Any]) -> None:
        self._flowc_parent = parent
        self._flowc_refs = dict(parent.artifacts)
        self._flowc_load = load

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_flowc_"):
            raise AttributeError(name)
        sha = self._flowc_refs.get(name)
        if sha is None:
            raise AttributeError(
                f"input {self._flowc_parent.step}/{self._flowc_parent.task_id} has no artifact {name!r}"
            )
        value = self._flowc_load(sha)
        self.__dict__[name] = value
        return value

    def __repr__(self) -> str:
        return f"<input {self._flowc_parent.step}/{self._flowc_parent.task_id}>"


class Inputs(Sequence[InputView]):
    """The ``inputs`` argument of a join: a sequence, iterable any number of times.

    ``inputs.<step>`` is the input coming from step ``<step>`` (static branches).
    """

    def __init__(self, views: list[InputView]) -> None:
        self._views = views

    @overload
    def __getitem__(self, index: int) -> InputView: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[InputView]: ...
    def __getitem__(self, index: int | slice) -> InputView | Sequence[InputView]:
        return self._views[index]

    def __len__(self) -> int:
        return len(self._views)

    def __iter__(self) -> Iterator[InputView]:
        return iter(self._views)

    def __getattr__(self, name: str) -> InputView:
        if name.startswith("_"):
            raise AttributeError(name)
        for view in self._views:
            if view._flowc_parent.step == name:
                return view
        raise AttributeError(f"no input comes from a step named {name!r}")
