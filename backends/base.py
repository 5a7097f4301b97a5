"""What every target shares: compile options, output documents, errors.

A target is one module with ``emit(flow, options) -> list[Document]``,
registered by name in :mod:`flowc.backends.registry`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from flowc.transpile.ir import Flow, Span, Step
from flowc.transpile.problems import FlowError, Problem


@dataclass(frozen=True, slots=True)
class CompileOptions:
    """Everything a target needs besides the flow. No clock, user or host."""

    #: Datastore root the tasks use (``s3://bucket/prefix``).
    datastore: str
    #: URL of the code package (``s3://.../<Flow>/packages/<sha>.tgz``).
    package_url: str
    #: sha256 of the code package; the shim refuses a package that does not match.
    package_sha256: str
    #: The flow file's path inside the package (``flow.py``).
    flow_file: str
    #: Container image for tasks unless a step's decorator names one.
    image: str = "python:3.11-slim"
    #: Target-specific settings from ``--set KEY=VALUE`` or the config file.
    settings: Mapping[str, str] = field(default_factory=dict)

    def setting(self, key: str, default: str) -> str:
        """A target setting, or ``default`` when it was not given."""
        return self.settings.get(key, default)


# A NamedTuple: as immutable as a frozen dataclass, at a quarter of the cost to define.
class Document(NamedTuple):
    """One generated file."""

    #: Stable file name under ``-o DIR`` (``workflow-template.yaml``).
    filename: str
    #: The file's text, deterministic for the same flow and options.
    text: str


class CompileError(FlowError):
    """The target cannot express the flow or a limit cannot be met."""


def unsupported(target: str, step: Step | None, flow: Flow, what: str, hint: str) -> Problem:
    """A ``FLC401`` problem: ``target`` cannot express ``what``."""
    span = step.span if step else flow.span
    return Problem("FLC401", span, f"{target} cannot express {what}", hint)


def over_limit(span: Span, message: str, hint: str) -> Problem:
    """A ``FLC402`` problem: a target limit cannot be met."""
    return Problem("FLC402", span, message, hint)


def source_label(flow: Flow, step: Step, flow_file: str) -> str:
    """``file.py:LINE`` of ``step`` for generated documents, the same from any working directory.

    ``flow_file`` names the flow's own file; a step inherited from a base
    flow in another module is named relative to the flow file's folder.
    """
    path = step.span.path
    if path != flow.span.path:
        folder = os.path.dirname(flow.span.path) or "."
        return f"{os.path.relpath(path, folder).replace(os.sep, '/')}:{step.span.line}"
    return f"{flow_file}:{step.span.line}"
