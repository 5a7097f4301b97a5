"""Loading a user's flow file inside the shim, with ``metaflow`` pointing at flowc.

Flows written with ``from metaflow import ...`` or ``import metaflow as mf``
run unchanged: before the flow module executes, ``sys.modules["metaflow"]``
is replaced by an alias of flowc's authoring API, whether or not Metaflow
itself is installed.  The shim is a process of its own, so the alias stays
in place for the rest of the task (steps may import ``metaflow`` lazily).
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
import types
from typing import Any

from flowc.runtime_shim import api, client
from flowc.runtime_shim.errors import TaskUsageError


def metaflow_alias() -> types.ModuleType:
    """A module named ``metaflow`` exposing flowc's authoring API and its client."""
    module = types.ModuleType("metaflow", "flowc's authoring API and client under Metaflow's name.")
    for name in api.__all__:
        setattr(module, name, getattr(api, name))
    for name in client.METAFLOW_NAMES:
        setattr(module, name, getattr(client, name))
    module.__path__ = []  # a package, so ``import metaflow.cards`` can resolve below
    return module


def install_metaflow_alias() -> None:
    """Make ``import metaflow`` and ``metaflow.cards`` resolve to flowc.

    ``metaflow.cards`` is a proxy that imports ``flowc.runtime_shim.cards``
    on first use, so tasks of flows without cards do not pay for it.
    """
    module = metaflow_alias()
    cards = types.ModuleType("metaflow.cards", "flowc.runtime_shim.cards, loaded on first use.")

    def load(name: str) -> Any:
        import importlib

        return getattr(importlib.import_module("flowc.runtime_shim.cards"), name)

    cards.__getattr__ = load  # type: ignore[method-assign]
    module.cards = cards  # type: ignore[attr-defined]
    sys.modules["metaflow"] = module
    sys.modules["metaflow.cards"] = cards


def _module_name(path: str) -> str:
    stem = os.path.splitext(os.path.basename(path))[0]
    return stem if re.fullmatch(r"[A-Za-z_]\w*", stem) else "flowc_flow_" + re.sub(r"\W", "_", stem)


def load_flow_class(path: str, flow_name: str) -> type[api.FlowSpec]:
    """Execute the flow file as a module and return its ``flow_name`` class.

    The module is registered under its file's stem, so objects of classes
    defined in the flow pickle and unpickle under the same name in every task.
    """
    if not os.path.isfile(path):
        raise TaskUsageError(f"flow file {path} does not exist")
    install_metaflow_alias()
    directory = os.path.dirname(os.path.abspath(path))
    if directory not in sys.path:
        sys.path.insert(0, directory)
    name = _module_name(path)
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    cls = getattr(module, flow_name, None)
    if not (isinstance(cls, type) and issubclass(cls, api.FlowSpec)):
        raise TaskUsageError(f"{path} defines no FlowSpec class named {flow_name!r}")
    return cls


def flow_parameters(cls: type) -> dict[str, api.Parameter]:
    """Attribute name → :class:`~flowc.runtime_shim.api.Parameter` of a flow class."""
    found: dict[str, api.Parameter] = {}
    for klass in reversed(cls.__mro__):
        for attr, value in vars(klass).items():
            if isinstance(value, api.Parameter):
                found[attr] = value
    return found


def step_function(cls: type, step_name: str) -> Any:
    """The function of step ``step_name``; :class:`TaskUsageError` when there is none."""
    func = getattr(cls, step_name, None)
    if func is None or not getattr(func, "is_step", False):
        raise TaskUsageError(f"{cls.__name__} has no step named {step_name!r}")
    return func


def docstring(obj: Any) -> str:
    """The cleaned docstring of ``obj``, ``""`` when absent."""
    import inspect

    doc = obj.__doc__ if isinstance(obj, type) else getattr(obj, "__doc__", None)
    return inspect.cleandoc(doc) if isinstance(doc, str) else ""
