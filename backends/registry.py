"""The one place targets are registered.

Modules are imported lazily, so compiling for Argo never imports Airflow code.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from flowc.backends.base import CompileOptions, Document
from flowc.transpile.ir import Flow

#: Target name → module defining ``emit(flow, options) -> list[Document]``.
TARGETS: dict[str, str] = {
    "argo": "flowc.backends.argo",
    "sfn": "flowc.backends.sfn",
    "airflow": "flowc.backends.airflow",
}

Emitter = Callable[[Flow, CompileOptions], list[Document]]


def emitter(target: str) -> Emitter:
    """The ``emit`` function of ``target``; ``KeyError`` for an unknown target."""
    module = importlib.import_module(TARGETS[target])
    emit = module.emit
    assert callable(emit)
    return emit  # type: ignore[no-any-return]
