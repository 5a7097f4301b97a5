"""``current``: facts about the running task, and the ``current.card`` collector."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from typing import Any

from flowc.runtime_shim.branch import BRANCH_ENV as BRANCH_ENV
from flowc.runtime_shim.branch import project_branch as project_branch

#: Where ``current.username`` comes from, first set wins.
USER_ENV = ("FLOWC_USER", "METAFLOW_USER", "USER", "USERNAME", "LOGNAME")


def project_args(graph: Mapping[str, Any] | None, flow_decorators: Iterable[Any]) -> dict[str, Any] | None:
    """``@project``'s arguments: from the graph JSON if there is one, else as the flow class recorded them."""
    if graph is not None:
        listed = [d.get("args") or {} for d in graph.get("decorators") or [] if d.get("name") == "project"]
    else:
        listed = [kwargs for name, kwargs in flow_decorators if name == "project"]
    return dict(listed[0]) if listed else None


class CardComponents:
    """Components appended to one card (``current.card["id"]``) or to the default one."""

    def __init__(self) -> None:
        self.items: list[Any] = []

    def append(self, component: Any) -> None:
        """Add a component to the card."""
        self.items.append(component)

    def extend(self, components: Any) -> None:
        """Add several components to the card."""
        self.items.extend(components)

    def clear(self) -> None:
        """Remove every component added so far."""
        self.items.clear()

    def refresh(self, data: Any = None, force: bool = False) -> None:
        """Does nothing: flowc renders cards once, when the step ends, with every component kept."""


class CardCollector(CardComponents):
    """``current.card``: ``append`` targets the step's card without an id, ``["id"]`` a named one."""

    def __init__(self) -> None:
        super().__init__()
        self._by_id: dict[str, CardComponents] = {}
        #: The running step's ``@card`` arguments, top to bottom.
        self.decorators: list[Mapping[str, Any]] = []

    def __getitem__(self, card_id: str) -> CardComponents:
        return self._by_id.setdefault(card_id, CardComponents())

    def __setitem__(self, card_id: str, components: list[Any]) -> None:
        """``current.card["id"] = [...]`` replaces that card's components."""
        self[card_id].items = list(components)

    def components(self) -> dict[str | None, list[Any]]:
        """Card id (``None`` for the default card) → components, as the card renderer takes them."""
        found: dict[str | None, list[Any]] = {cid: list(c.items) for cid, c in self._by_id.items()}
        found[None] = list(self.items)
        return found

    def get(self, type: str | None = None) -> list[list[Any]]:
        """The components of each of the step's ``@card(type=type)``, in decorator order.

        A step may carry several cards of one type, hence a list per card;
        ``[]`` when the step has none of that type.
        """
        try:
            from flowc.runtime_shim.cards.render import assign_components
        except ImportError:  # a package built without the cards module renders no card
            return []
        placed = assign_components(self.decorators, self.components())
        pairs = zip(self.decorators, placed, strict=True)
        return [items for d, items in pairs if (d.get("type") or "default") == type]


class Current:
    """``current``: filled in by the runtime before a step runs, reset afterwards."""

    def __init__(self) -> None:
        self._tempdir: str | None = None
        self.reset()

    def reset(self) -> None:
        """Forget the running task (outside a task every fact is ``None``) and remove its tempdir."""
        if self._tempdir is not None:
            shutil.rmtree(self._tempdir, ignore_errors=True)
            self._tempdir = None
        #: Flow class name.
        self.flow_name: str | None = None
        #: Run id.
        self.run_id: str | None = None
        #: Name of the running step.
        self.step_name: str | None = None
        #: Task id (deterministic, see docs/task-contract.md).
        self.task_id: str | None = None
        #: 0-based attempt number.
        self.retry_count: int = 0
        #: With ``flowc resume``: the run whose tasks were reused.
        self.origin_run_id: str | None = None
        #: Tags given to the run.
        self.tags: list[str] = []
        #: Names of the flow's parameters.
        self.parameter_names: list[str] = []
        #: Whether a task is running.
        self.is_running_flow = False
        #: ``@project(name=...)``, ``None`` without ``@project``.
        self.project_name: str | None = None
        #: The ``@project`` branch (see :func:`project_branch`), ``None`` without ``@project``.
        self.branch_name: str | None = None
        #: Components for ``@card`` (see :class:`CardCollector`).
        self.card = CardCollector()

    def bind(
        self,
        graph: Mapping[str, Any] | None,
        flow_decorators: Iterable[Any],
        step_decorators: Iterable[tuple[str, Mapping[str, Any]]],
    ) -> None:
        """Take the project facts and the step's cards from the graph JSON and the decorators."""
        project = project_args(graph, flow_decorators)
        if project is not None:
            self.project_name = str(project.get("name"))
            self.branch_name = project_branch(project, os.environ.get(BRANCH_ENV))
        self.card.decorators = [dict(kwargs) for name, kwargs in step_decorators if name == "card"]

    @property
    def pathspec(self) -> str | None:
        """``Flow/run/step/task`` of the running task."""
        if self.task_id is None:
            return None
        return f"{self.flow_name}/{self.run_id}/{self.step_name}/{self.task_id}"

    @property
    def is_production(self) -> bool | None:
        """Whether the ``@project`` branch is ``prod``; ``None`` without ``@project``."""
        return None if self.branch_name is None else self.branch_name == "prod"

    @property
    def is_user_branch(self) -> bool | None:
        """Whether the ``@project`` branch starts with ``user.``; ``None`` without ``@project``."""
        return None if self.branch_name is None else self.branch_name.startswith("user.")

    @property
    def project_flow_name(self) -> str | None:
        """``<project>.<branch>.<Flow>``; ``None`` without ``@project``."""
        if self.branch_name is None:
            return None
        return f"{self.project_name}.{self.branch_name}.{self.flow_name}"

    @property
    def username(self) -> str | None:
        """Who runs the task: ``FLOWC_USER``, ``METAFLOW_USER``, else the OS login; ``None`` if unknown.

        Read from the task's environment: compiled documents never name a user.
        """
        if not self.is_running_flow:
            return None
        return next((os.environ[k] for k in USER_ENV if os.environ.get(k)), None)

    @property
    def tempdir(self) -> str | None:
        """A directory private to the task, made on first use and removed when the task ends."""
        if not self.is_running_flow:
            return None
        if self._tempdir is None:
            self._tempdir = tempfile.mkdtemp(prefix="flowc-task-")
        return self._tempdir

    def get(self, name: str, default: Any = None) -> Any:
        """``getattr(current, name, default)``."""
        return getattr(self, name, default)

    def __contains__(self, name: str) -> bool:
        """``"x" in current``: ``current.x`` exists and is not ``None``."""
        return getattr(self, name, None) is not None


current = Current()
