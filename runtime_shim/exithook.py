"""Calling one ``@exit_hook`` function once a run has ended (docs/task-contract.md, "Exit hooks").

An orchestrator runs a hook as a task whose ``--step`` is ``exit_hook:FN``
(or ``exit_hook:on_success:FN`` / ``exit_hook:on_error:FN``, which first
ask the datastore whether the run succeeded and call ``FN`` only when the
outcome matches).  ``FN`` is looked up as Metaflow does: a dotted name is
first tried as ``module.function``, anything else (or a dotted name that
does not import) as a name in the flow's module, which is loaded from the
flow file or the code package the way tasks load it.  The function gets
``run=`` (a client :class:`~flowc.runtime_shim.client.Run` of the run)
when it takes ``run`` or ``**kwargs``.  Standard library only.
"""

from __future__ import annotations

import importlib
import inspect
import os
import sys
import traceback
from collections.abc import Callable
from typing import Any

from flowc.runtime_shim import environments
from flowc.runtime_shim.errors import EXIT_OK, EXIT_STEP_FAILED, FlowcRuntimeError, TaskUsageError
from flowc.runtime_shim.flowload import load_flow_class

#: ``--step`` of a hook task starts with this.
HOOK_PREFIX = "exit_hook:"
#: Exit code of a gated hook not called because the run's outcome does not match.
EXIT_NOT_CALLED = 4
#: The gates: which outcome each one calls its function for.
GATES = {"on_success": True, "on_error": False}


def is_hook(step: str) -> bool:
    """Whether ``--step`` names an exit hook rather than a step."""
    return step.startswith(HOOK_PREFIX)


def hook_step(function: str, gate: str = "") -> str:
    """The ``--step`` value that calls ``function`` (``gate``: ``on_success``, ``on_error`` or none)."""
    return HOOK_PREFIX + (f"{gate}:" if gate else "") + function


def parse_hook(step: str) -> tuple[str, str]:
    """``(gate, function)`` of a hook's ``--step`` (gate ``""`` when ungated)."""
    parts = step[len(HOOK_PREFIX) :].split(":")
    if len(parts) == 1 and parts[0]:
        return "", parts[0]
    if len(parts) == 2 and parts[0] in GATES and parts[1]:
        return parts[0], parts[1]
    raise TaskUsageError(
        f"--step {step!r}: expected exit_hook:FUNCTION or exit_hook:on_success|on_error:FUNCTION"
    )


def run_hook(
    flow: str, run_id: str, step: str, flow_file: str, graph: dict[str, Any] | None, root: str
) -> int:
    """Call the hook named by ``step`` for run ``flow/run_id``; returns the exit code."""
    gate, name = parse_hook(step)
    run = _client_run(flow, run_id, root)
    if gate:
        succeeded = bool(run is not None and run.successful)
        if succeeded is not GATES[gate]:
            outcome = "succeeded" if succeeded else "did not succeed"
            print(f"[exit_hook] run {flow}/{run_id} {outcome}: {gate} hook {name!r} not called", flush=True)
            return EXIT_NOT_CALLED
    environments.prepare(graph, _end_step(graph))  # the hook runs in the end step's environment
    try:
        function = _find(name, flow_file, flow)
    except FlowcRuntimeError:
        raise
    except Exception as exc:
        print(f"[exit_hook] could not load function {name!r} as an import path or from {flow_file}: {exc}")
        return EXIT_STEP_FAILED
    try:
        if _takes_run(function):
            function(run=run)
        else:
            function()
    except Exception as exc:
        sys.stderr.write(traceback.format_exc())
        print(f"[exit_hook] hook {name!r} failed: {type(exc).__name__}: {exc}", flush=True)
        return EXIT_STEP_FAILED
    return EXIT_OK


def _client_run(flow: str, run_id: str, root: str) -> Any:
    """The client's view of the run, or ``None`` (printed) when it cannot be read, as Metaflow passes it."""
    from flowc.runtime_shim.client import Run

    try:
        return Run(flow, run_id, datastore=root, _namespace_check=False)
    except Exception as exc:
        print(f"[exit_hook] run {flow}/{run_id} cannot be read: {exc}", flush=True)
        return None


def _end_step(graph: dict[str, Any] | None) -> str:
    steps = (graph or {}).get("steps") or []
    return next((str(s["name"]) for s in steps if s.get("kind") == "end"), "end")


def _find(name: str, flow_file: str, flow: str) -> Callable[..., Any]:
    """The hook function: ``module.function`` if that imports, else ``name`` in the flow's module."""
    if "." in name:
        folder = os.path.dirname(os.path.abspath(flow_file))
        if folder not in sys.path:  # project modules next to the flow import, as in tasks
            sys.path.insert(0, folder)
        module, _, attr = name.rpartition(".")
        try:
            found = getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError):
            pass
        else:
            return _callable(found, name)
    flow_module = sys.modules[load_flow_class(flow_file, flow).__module__]
    if not hasattr(flow_module, name):
        raise AttributeError(f"module {os.path.basename(flow_file)!r} has no attribute {name!r}")
    return _callable(getattr(flow_module, name), name)


def _callable(found: Any, name: str) -> Callable[..., Any]:
    if not callable(found):
        raise AttributeError(f"{name!r} is not a function")
    function: Callable[..., Any] = found
    return function


def _takes_run(function: Callable[..., Any]) -> bool:
    """Whether ``function`` accepts ``run=`` (a parameter named ``run``, or ``**kwargs``)."""
    try:
        params = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(
        (p.name == "run" and p.kind is not p.VAR_POSITIONAL and p.kind is not p.POSITIONAL_ONLY)
        or p.kind is p.VAR_KEYWORD
        for p in params
    )
