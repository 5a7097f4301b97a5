"""``current``: facts about the running task, and the ``current.card`` collector."""

from __future__ import annotations

from typing import Any


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


class CardCollector(CardComponents):
    """``current.card``: ``append`` targets the step's card without an id, ``["id"]`` a named one."""

    def __init__(self) -> None:
        super().__init__()
        self._by_id: dict[str, CardComponents] = {}

    def __getitem__(self, card_id: str) -> CardComponents:
        return self._by_id.setdefault(card_id, CardComponents())

    def components(self) -> dict[str | None, list[Any]]:
        """Card id (``None`` for the default card) → components, as the card renderer takes them."""
        found: dict[str | None, list[Any]] = {cid: list(c.items) for cid, c in self._by_id.items()}
        found[None] = list(self.items)
        return found


class Current:
    """``current``: filled in by the runtime before a step runs, reset afterwards."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Forget the running task (outside a task every fact is ``None``)."""
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
        #: Components for ``@card`` (see :class:`CardCollector`).
        self.card = CardCollector()

    @property
    def pathspec(self) -> str | None:
        """``Flow/run/step/task`` of the running task."""
        if self.task_id is None:
            return None
        return f"{self.flow_name}/{self.run_id}/{self.step_name}/{self.task_id}"


current = Current()
