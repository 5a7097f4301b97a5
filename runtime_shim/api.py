"""The authoring API: what ``from flowc import ...`` (or ``metaflow``) gives a flow.

Decorators only record their arguments on the function or class; the
runtime reads them.  :class:`FlowSpec` holds the running task's artifacts:
inherited ones are loaded from the datastore on first access, parameters
are read-only.  Standard library only.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flowc.runtime_shim.configs import Config, config_expr
from flowc.runtime_shim.current import current
from flowc.runtime_shim.s3 import S3
from flowc.runtime_shim.timing import profile

F = TypeVar("F", bound=Callable[..., Any])


class MergeArtifactsException(Exception):
    """``merge_artifacts`` found an artifact with different values in different inputs."""

    def __init__(self, message: str, names: list[str]) -> None:
        super().__init__(message)
        self.artifact_names = names


class CaughtException:
    """What ``@catch(var=...)`` stores: a picklable record of the swallowed exception.

    ``exception`` (the message), ``type`` and ``stacktrace`` are the names
    Metaflow's record uses; ``message`` and ``traceback`` are flowc's.
    """

    def __init__(self, exc: BaseException, traceback_text: str) -> None:
        self.type = f"{type(exc).__module__}.{type(exc).__qualname__}"
        self.message = str(exc)
        self.traceback = traceback_text

    @property
    def exception(self) -> str:
        """The exception's message (Metaflow's name)."""
        return self.message

    @property
    def stacktrace(self) -> str:
        """The formatted traceback (Metaflow's name)."""
        return self.traceback

    def __repr__(self) -> str:
        return f"CaughtException({self.type}: {self.message})"

    def __str__(self) -> str:
        return self.traceback or f"[no stacktrace]\n{self.type}: {self.message}"


@dataclass
class StepState:
    """The runtime's view of one task, attached to the flow object by the shim."""

    #: Artifact name → sha256 of artifacts inherited but not loaded yet.
    refs: dict[str, str] = field(default_factory=dict)
    #: Loads a blob by sha256.
    load: Callable[[str], Any] = lambda sha: None
    #: Attribute names bound to parameters (read-only).
    parameters: frozenset[str] = frozenset()
    #: ``self.input`` / ``self.index`` of a foreach task, ``None`` outside one.
    foreach_input: Any = None
    foreach_index: int | None = None
    #: Loads ``foreach_input`` on first use (later steps of a foreach body).
    foreach_input_loader: Callable[[], Any] | None = None
    #: The task's foreach frames, outermost first (``step``, ``var``, ``index``, ``cardinality``).
    foreach_frames: list[dict[str, Any]] = field(default_factory=list)
    #: ``(targets, kwargs)`` recorded by ``self.next``.
    transition: tuple[Any, dict[str, Any]] | None = None


_INTERNAL = "_flowc_state"


class FlowSpec:
    """Base class of every flow.  Steps are methods decorated with :func:`step`."""

    def __init__(self, use_cli: bool = True) -> None:
        """Running ``python flow.py`` prints how to run the flow with flowc."""
        if use_cli and getattr(self, _INTERNAL, None) is None:
            print(f"Run this flow with: flowc run {sys.argv[0]}")

    def __getattr__(self, name: str) -> Any:
        if name == "name":
            # As in Metaflow: the flow's name, whatever an earlier step stored as ``name``.
            return type(self).__name__
        state = self.__dict__.get(_INTERNAL)
        if state is not None and name in state.refs:
            value = state.load(state.refs[name])
            object.__setattr__(self, name, value)
            return value
        raise AttributeError(f"{type(self).__name__!r} has no artifact or attribute {name!r}")

    def __setattr__(self, name: str, value: Any) -> None:
        state = self.__dict__.get(_INTERNAL)
        if state is not None and name in state.parameters:
            raise AttributeError(f"parameter {name!r} is read-only")
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        state = self.__dict__.get(_INTERNAL)
        found = state is not None and state.refs.pop(name, None) is not None
        if name in self.__dict__:
            object.__delattr__(self, name)
        elif not found and name != "name":
            raise AttributeError(name)

    @property
    def input(self) -> Any:
        """In a foreach task: the element of the parent's list this task handles."""
        state = self.__dict__.get(_INTERNAL)
        if state is None:
            return None
        if state.foreach_input_loader is not None:
            state.foreach_input, state.foreach_input_loader = state.foreach_input_loader(), None
        return state.foreach_input

    @property
    def index(self) -> int | None:
        """In a foreach task: its index in the parent's list."""
        state = self.__dict__.get(_INTERNAL)
        return None if state is None else state.foreach_index

    def foreach_stack(self) -> list[tuple[int, int, Any]] | None:
        """``(index, cardinality, value)`` of each enclosing foreach, outermost first.

        ``value`` is the element of the foreach list, or ``None`` where that
        list is no longer an artifact of this step.
        """
        state = self.__dict__.get(_INTERNAL)
        if state is None:
            return None
        return [(f["index"], f["cardinality"], _foreach_value(self, f)) for f in state.foreach_frames]

    def next(self, *targets: Any, **kwargs: Any) -> None:
        """Declare the transition at the end of a step (recorded by the runtime)."""
        state = self.__dict__.get(_INTERNAL)
        if state is not None:
            state.transition = (targets, kwargs)

    def merge_artifacts(
        self,
        inputs: Iterable[Any],
        exclude: Iterable[str] | None = None,
        include: Iterable[str] | None = None,
    ) -> None:
        """In a join: take over the inputs' artifacts that agree across inputs.

        Artifacts already set in this step are kept.  An artifact with
        different values in different inputs raises
        :class:`MergeArtifactsException` unless excluded or already set.
        """
        state: StepState = self.__dict__[_INTERNAL]
        views = list(inputs)
        candidates: dict[str, set[str]] = {}
        for view in views:
            for name, sha in view._flowc_refs.items():
                candidates.setdefault(name, set()).add(sha)
        skip = set(exclude or ()) | set(state.parameters)
        wanted = set(include) if include is not None else set(candidates)
        missing = sorted(wanted - set(candidates))
        if missing:
            raise MergeArtifactsException(f"merge_artifacts: no input has {', '.join(missing)}", missing)
        chosen = {n: shas for n, shas in candidates.items() if n in wanted and n not in skip}
        already = set(self.__dict__) | set(state.refs)
        conflicts = sorted(n for n, shas in chosen.items() if len(shas) > 1 and n not in already)
        if conflicts:
            raise MergeArtifactsException(
                "merge_artifacts: inputs disagree on "
                + ", ".join(conflicts)
                + "; set them in the join or pass exclude=[...]",
                conflicts,
            )
        for name, shas in chosen.items():
            if name not in already:
                state.refs[name] = next(iter(shas))


def _foreach_value(flow: FlowSpec, frame: dict[str, Any]) -> Any:
    """The element of a foreach frame's list, or ``None`` where the list is gone.

    A function, not a method: flowc adds no names to the flow object beyond ``_flowc_state``.
    """
    try:
        return getattr(flow, frame["var"])[frame["index"]] if frame.get("var") else None
    except (AttributeError, LookupError, TypeError):
        return None


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
        type: Any = None,
        help: str | None = None,
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
        help: str | None = None,
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
            # Decorators apply bottom-up; prepend so the record reads top-down like the source (and the IR).
            setattr(target, attr, [(name, kwargs), *getattr(target, attr, [])])
            return target

        return apply(f) if f is not None else apply

    decorator.__name__ = name
    decorator.__doc__ = f"@{name}: recorded for the compiler and the runtime."
    return decorator


def step_decorators(func: Any) -> list[tuple[str, dict[str, Any]]]:
    """``(name, arguments)`` of the decorators recorded on a step function, top to bottom."""
    return list(getattr(func, "_flowc_step_decorators", []))


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
exit_hook = _recording_decorator("exit_hook", "flow")

__all__ = [
    "S3",
    "CaughtException",
    "Config",
    "FlowSpec",
    "IncludeFile",
    "JSONType",
    "MergeArtifactsException",
    "Parameter",
    "batch",
    "card",
    "catch",
    "conda",
    "conda_base",
    "config_expr",
    "current",
    "environment",
    "exit_hook",
    "kubernetes",
    "parallel",
    "profile",
    "project",
    "pypi",
    "pypi_base",
    "resources",
    "retry",
    "schedule",
    "secrets",
    "step",
    "timeout",
    "trigger",
    "trigger_on_finish",
]
