"""The ``--set KEY=VALUE`` settings the Argo target understands, and their checks.

Each setting is read where it is used (``options.setting(KEY, default)``);
this module is the one list of them, so an unknown or misspelled key is
refused (FLC403) instead of silently ignored, as the other targets do.
"""

from __future__ import annotations

from flowc.backends.argo.limits import NAMESPACE_HINT, is_namespace
from flowc.backends.base import CompileOptions
from flowc.transpile.ir import Flow
from flowc.transpile.problems import Problem

#: Default bound on a recursion's rounds (``--set max_recursion=N``).
DEFAULT_MAX_RECURSION = 50

#: Setting → what it means (also the hint of FLC403 errors and the list in docs/argo.md).
KNOWN: dict[str, str] = {
    "namespace": "metadata.namespace of every document (default: the steps' @kubernetes(namespace=...))",
    "service_account": "service account of the workflow's pods",
    "branch": "the @project branch of names, labels and current.branch_name (default: the decorator's, else main)",
    "tags": "JSON list of strings passed to every task as --tag",
    "max_recursion": f"rounds a recursion may run before the workflow fails (default {DEFAULT_MAX_RECURSION})",
    "event_source": "Argo Events EventSource of the Sensor and of finished-run events (default flowc)",
    "event_name": "event of that EventSource (default flowc)",
    "sensor_service_account": "service account the Sensor submits workflows with (default: service_account)",
    "events_url": "URL finished-run events are POSTed to (default: the EventSource's service)",
    "events": "on (default) or off: whether a finished run is announced",
}


def settings_problems(flow: Flow, options: CompileOptions) -> list[Problem]:
    """FLC403 for each unknown setting and each value a known one cannot take."""
    problems = []

    def bad(message: str, hint: str) -> None:
        problems.append(Problem("FLC403", flow.span, message, hint))

    for key in sorted(options.settings):
        if key not in KNOWN:
            bad(f"unknown argo setting {key!r}", "known settings: " + ", ".join(sorted(KNOWN)))
    bound = options.setting("max_recursion", str(DEFAULT_MAX_RECURSION))
    if not bound.isdigit() or int(bound) < 1:
        bad(f"max_recursion={bound!r} is not a positive whole number", "--set max_recursion=50")
    namespace = options.setting("namespace", "")
    if namespace and not is_namespace(namespace):
        bad(f"namespace={namespace!r} is not a Kubernetes namespace name", NAMESPACE_HINT)
    if options.setting("events", "on") not in ("on", "off"):
        bad(f"events={options.setting('events', 'on')!r} is neither on nor off", KNOWN["events"])
    return problems


def max_recursion(options: CompileOptions) -> int:
    """The recursion bound (checked by :func:`settings_problems`)."""
    return int(options.setting("max_recursion", str(DEFAULT_MAX_RECURSION)))
