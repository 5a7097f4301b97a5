"""Where control goes after a step: what the orchestrator needs next."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: Step kinds whose successors are known without running the step (``@catch`` can skip ``self.next``).
STATIC_KINDS = frozenset({"start", "linear", "branch", "join", "end"})


class TransitionError(Exception):
    """The step's ``self.next`` call cannot be followed (user error, fails the step)."""


@dataclass(frozen=True)
class Transition:
    """The output fields of docs/task-contract.md."""

    next: list[str]
    foreach: dict[str, Any] | None = None
    switch: dict[str, Any] | None = None


def _name(target: Any) -> str:
    name = getattr(target, "__name__", None)
    if not isinstance(name, str):
        raise TransitionError(f"self.next() takes steps (self.<step>), not {target!r}")
    return name


def recorded(flow: Any, recorded_next: tuple[Any, dict[str, Any]] | None, is_end: bool) -> Transition:
    """The transition the step declared with ``self.next(...)``."""
    if recorded_next is None:
        if is_end:
            return Transition([])
        raise TransitionError("the step ended without calling self.next(...)")
    targets, kwargs = recorded_next
    if targets and isinstance(targets[0], dict):
        return _switch(flow, targets[0], kwargs.get("condition"))
    names = [_name(t) for t in targets]
    var = kwargs.get("foreach")
    if var is not None:
        return Transition(names, foreach={"var": var, "cardinality": _width(flow, var)})
    if kwargs.get("num_parallel"):
        return Transition(names, foreach={"var": None, "cardinality": int(kwargs["num_parallel"])})
    return Transition(names)


def _width(flow: Any, var: str) -> int:
    try:
        value = getattr(flow, var)
    except AttributeError:
        raise TransitionError(f"foreach={var!r}: the step set no artifact {var!r}") from None
    try:
        width = len(value)
    except TypeError:
        raise TransitionError(f"foreach={var!r}: {type(value).__name__} has no length; use a list") from None
    if width == 0:
        raise TransitionError(f"foreach={var!r}: the list is empty, there is nothing to fan out over")
    return width


def _switch(flow: Any, cases: dict[Any, Any], condition: Any) -> Transition:
    if not isinstance(condition, str):
        raise TransitionError("a switch needs condition='<artifact name>'")
    try:
        value = getattr(flow, condition)
    except AttributeError:
        raise TransitionError(
            f"switch condition {condition!r}: the step set no artifact {condition!r}"
        ) from None
    by_text = {str(k): v for k, v in cases.items()}
    target = cases.get(value) if _hashable(value) and value in cases else by_text.get(str(value))
    if target is None:
        raise TransitionError(
            f"switch condition {condition!r} is {value!r}, which is none of the cases "
            + ", ".join(repr(k) for k in cases)
        )
    chosen = _name(target)
    return Transition([chosen], switch={"condition": condition, "value": str(value), "next": chosen})


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def static(graph_step: dict[str, Any] | None) -> Transition | None:
    """The transition the graph JSON gives a step, when it does not depend on the step's values."""
    if graph_step is None or graph_step.get("kind") not in STATIC_KINDS:
        return None
    return Transition(list(graph_step.get("next", [])))


def output_document(base: dict[str, Any], transition: Transition) -> dict[str, Any]:
    """The task output JSON."""
    return base | {"next": transition.next, "foreach": transition.foreach, "switch": transition.switch}


def output_files(transition: Transition) -> dict[str, str]:
    """The ``--output-dir`` files: name → plain text, no trailing newline."""
    import json

    width = transition.foreach["cardinality"] if transition.foreach else 0
    return {
        "cardinality": str(width),
        "indices": json.dumps(list(range(width))),
        "switch": transition.switch["next"] if transition.switch else "",
        "next": json.dumps(transition.next),
    }
