"""The authoring API: what ``from flowc import ...`` (or ``metaflow``) gives a flow.

Decorators only record their arguments on the function or class; the
runtime reads them.  Standard library only.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class FlowSpec:
    """Base class of every flow.  Steps are methods decorated with :func:`step`."""

    def next(self, *targets: Callable[..., Any], **kwargs: Any) -> None:
        """Declare the transition at the end of a step (recorded by the runtime)."""
        self._transition = (tuple(t.__name__ for t in targets), kwargs)


def step(f: F | None = None, *, start: bool = False, end: bool = False) -> Any:
    """Mark a method as a step; ``@step(start=True)`` / ``@step(end=True)`` name the ends."""

    def mark(func: F) -> F:
        func.is_step = True  # type: ignore[attr-defined]
        func.is_start_step = start  # type: ignore[attr-defined]
        func.is_end_step = end  # type: ignore[attr-defined]
        return func

    return mark(f) if f is not None else mark


class JSONType:
    """``Parameter(type=JSONType)``: the value is parsed as JSON."""

    name = "JSON"

    def __call__(self, value: str) -> Any:
        return json.loads(value)


class Parameter:
    """A flow parameter, given on the command line or by the orchestrator."""

    def __init__(
        self,
        name: str,
        default: Any = None,
        type: Any = None,  # noqa: A002 - Metaflow's argument name
        help: str | None = None,  # noqa: A002
        required: bool = False,
        show_default: bool = True,
        separator: str | None = None,
    ) -> None:
        self.name = name
        self.default = default
        self.type = type
        self.help = help
        self.required = required
        self.show_default = show_default
        self.separator = separator


class IncludeFile(Parameter):
    """A parameter whose value is the content of a local file, stored at run start."""

    def __init__(
        self,
        name: str,
        default: str | None = None,
        help: str | None = None,  # noqa: A002
        required: bool = False,
        show_default: bool = True,
        is_text: bool = True,
        encoding: str = "utf-8",
    ) -> None:
        super().__init__(name, default=default, help=help, required=required, show_default=show_default)
        self.is_text = is_text
        self.encoding = encoding


def _recording_decorator(name: str, level: str) -> Callable[..., Any]:
    def decorator(f: Any = None, **kwargs: Any) -> Any:
        def apply(target: Any) -> Any:
            attr = "_flowc_step_decorators" if level == "step" else "_flowc_flow_decorators"
            existing = list(getattr(target, attr, []))
            existing.append((name, kwargs))
            setattr(target, attr, existing)
            return target

        return apply(f) if f is not None else apply

    decorator.__name__ = name
    decorator.__doc__ = f"@{name}: recorded for the compiler and the runtime."
    return decorator


resources = _recording_decorator("resources", "step")
retry = _recording_decorator("retry", "step")
catch = _recording_decorator("catch", "step")
timeout = _recording_decorator("timeout", "step")
environment = _recording_decorator("environment", "step")
secrets = _recording_decorator("secrets", "step")
card = _recording_decorator("card", "step")
kubernetes = _recording_decorator("kubernetes", "step")
batch = _recording_decorator("batch", "step")
pypi = _recording_decorator("pypi", "step")
conda = _recording_decorator("conda", "step")
parallel = _recording_decorator("parallel", "step")
schedule = _recording_decorator("schedule", "flow")
project = _recording_decorator("project", "flow")
trigger = _recording_decorator("trigger", "flow")
trigger_on_finish = _recording_decorator("trigger_on_finish", "flow")
pypi_base = _recording_decorator("pypi_base", "flow")
conda_base = _recording_decorator("conda_base", "flow")


class _Current:
    """``current``: facts about the running task, filled in by the runtime."""

    flow_name: str | None = None
    run_id: str | None = None
    step_name: str | None = None
    task_id: str | None = None
    retry_count: int = 0
    origin_run_id: str | None = None


current = _Current()
