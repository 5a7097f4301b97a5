"""What the analyzer knows of the authoring API: decorators and their arguments.

Names and arguments follow Metaflow's documented decorators, so a Metaflow
flow ports unchanged.  Each argument has a checker that says what it
expects; ``None`` is accepted everywhere (it means "not set").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

from flowc.transpile.ir import Value

#: Returns a description of what was expected, or ``None`` when the value fits.
Checker = Callable[[Value], "str | None"]

_NUMERIC = r"\s*\d+(\.\d+)?\s*"


def _is_int(v: Value) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def integer(v: Value) -> str | None:
    """A whole number, or a string of digits (Metaflow's own defaults are strings)."""
    ok = _is_int(v) or (isinstance(v, str) and v.strip().isdigit())
    return None if ok else "a whole number"


def number(v: Value) -> str | None:
    """A number or a numeric string."""
    ok = (isinstance(v, (int, float)) and not isinstance(v, bool)) or (
        isinstance(v, str) and bool(re.fullmatch(_NUMERIC, v))
    )
    return None if ok else "a number"


def quantity(v: Value) -> str | None:
    """A number, or a string such as ``"4096"`` or ``"16Gi"``."""
    ok = (isinstance(v, (int, float)) and not isinstance(v, bool)) or isinstance(v, str)
    return None if ok else "a number or a quantity string"


def text(v: Value) -> str | None:
    """A string."""
    return None if isinstance(v, str) else "a string"


def boolean(v: Value) -> str | None:
    """``True`` or ``False``."""
    return None if isinstance(v, bool) else "True or False"


def mapping(v: Value) -> str | None:
    """A dict."""
    return None if isinstance(v, dict) else "a dict"


def sequence(v: Value) -> str | None:
    """A list or tuple."""
    return None if isinstance(v, list) else "a list"


def text_or_list(v: Value) -> str | None:
    """A string or a list."""
    return None if isinstance(v, (str, list)) else "a string or a list"


def text_or_mapping(v: Value) -> str | None:
    """A string or a dict (an event name or an event spec)."""
    return None if isinstance(v, (str, dict)) else "a string or a dict"


def anything(v: Value) -> str | None:
    """Any literal."""
    return None


def env_vars(v: Value) -> str | None:
    """A dict of string names to scalar values."""
    if not isinstance(v, dict):
        return "a dict of environment variables"
    bad = [k for k, x in v.items() if isinstance(x, (dict, list))]
    return f"scalar values (not for {bad[0]!r})" if bad else None


class DecoratorSpec(NamedTuple):
    """A decorator flowc understands (a named tuple: cheaper to define than a dataclass)."""

    #: ``"step"`` or ``"flow"``: where it may be written.
    level: str
    #: Argument name → checker.
    args: dict[str, Checker]


_COMPUTE_COMMON: dict[str, Checker] = {
    "cpu": number,
    "gpu": integer,
    "memory": quantity,
    "disk": quantity,
    "image": text,
    "shared_memory": quantity,
    "use_tmpfs": boolean,
    "tmpfs_tempdir": boolean,
    "tmpfs_size": quantity,
    "tmpfs_path": text,
    "executable": text,
}

STEP_DECORATORS: dict[str, DecoratorSpec] = {
    "resources": DecoratorSpec(
        "step",
        {"cpu": number, "gpu": integer, "memory": quantity, "disk": quantity, "shared_memory": quantity},
    ),
    "retry": DecoratorSpec("step", {"times": integer, "minutes_between_retries": integer}),
    "catch": DecoratorSpec("step", {"var": text, "print_exception": boolean}),
    "timeout": DecoratorSpec("step", {"seconds": integer, "minutes": integer, "hours": integer}),
    "environment": DecoratorSpec("step", {"vars": env_vars}),
    "secrets": DecoratorSpec("step", {"sources": sequence, "role": text, "allow_override": boolean}),
    "card": DecoratorSpec(
        "step",
        {
            "type": text,
            "id": text,
            "options": mapping,
            "scope": text,
            "timeout": integer,
            "save_errors": boolean,
            "refresh_interval": integer,
            "customize": boolean,
            "rank": integer,
        },
    ),
    "kubernetes": DecoratorSpec(
        "step",
        {
            **_COMPUTE_COMMON,
            "image_pull_policy": text,
            "image_pull_secrets": sequence,
            "service_account": text,
            "secrets": text_or_list,
            "node_selector": text_or_mapping,
            "namespace": text,
            "gpu_vendor": text,
            "tolerations": sequence,
            "labels": mapping,
            "annotations": mapping,
            "persistent_volume_claims": mapping,
            "port": integer,
            "compute_pool": text,
            "hostname_resolution_timeout": integer,
            "qos": text,
            "extended_resources": mapping,
            "security_context": mapping,
        },
    ),
    "batch": DecoratorSpec(
        "step",
        {
            **_COMPUTE_COMMON,
            "queue": text,
            "iam_role": text,
            "execution_role": text,
            "job_definition": text,
            "max_swap": integer,
            "swappiness": integer,
            "inferentia": integer,
            "trainium": integer,
            "efa": integer,
            "host_volumes": text_or_list,
            "efs_volumes": text_or_list,
            "aws_batch_tags": mapping,
            "ephemeral_storage": integer,
            "log_driver": text,
            "log_options": text_or_list,
            "privileged": boolean,
        },
    ),
    "pypi": DecoratorSpec("step", {"packages": mapping, "python": text, "disabled": boolean}),
    "conda": DecoratorSpec(
        "step", {"packages": mapping, "libraries": mapping, "python": text, "disabled": boolean}
    ),
    "parallel": DecoratorSpec("step", {}),
}

FLOW_DECORATORS: dict[str, DecoratorSpec] = {
    "schedule": DecoratorSpec(
        "flow",
        {"cron": text, "daily": boolean, "hourly": boolean, "weekly": boolean, "timezone": text},
    ),
    "project": DecoratorSpec("flow", {"name": text, "branch": text, "production": boolean}),
    "trigger": DecoratorSpec("flow", {"event": text_or_mapping, "events": sequence, "options": mapping}),
    "trigger_on_finish": DecoratorSpec(
        "flow", {"flow": text_or_mapping, "flows": sequence, "options": mapping}
    ),
    "pypi_base": DecoratorSpec("flow", {"packages": mapping, "python": text, "disabled": boolean}),
    "conda_base": DecoratorSpec(
        "flow", {"packages": mapping, "libraries": mapping, "python": text, "disabled": boolean}
    ),
    # on_success/on_error hold functions, read by transpile/exit_hooks.py (lists of names).
    "exit_hook": DecoratorSpec("flow", {"on_success": sequence, "on_error": sequence, "options": mapping}),
}

#: Decorators that may be written more than once (Metaflow's ``allow_multiple``).
REPEATABLE = frozenset({"card", "exit_hook"})

#: ``@step``'s own arguments (Metaflow 2.19).
STEP_ARGS: dict[str, Checker] = {"start": boolean, "end": boolean}

#: Arguments of ``Parameter(...)`` and ``IncludeFile(...)`` besides the name.
PARAMETER_ARGS = frozenset({"name", "default", "type", "help", "required", "show_default", "separator"})
INCLUDE_FILE_ARGS = frozenset({"name", "default", "help", "required", "show_default", "is_text", "encoding"})

#: Every name the authoring API exports (``from flowc import ...``).
API_NAMES = frozenset(
    {"FlowSpec", "step", "Parameter", "JSONType", "IncludeFile", "current", "Config", "config_expr"}
    | set(STEP_DECORATORS)
    | set(FLOW_DECORATORS)
)

#: Modules whose names the analyzer resolves.
API_MODULES = frozenset({"flowc", "metaflow"})

#: Step names Metaflow reserves (attributes of every flow).
RESERVED_STEP_NAMES = frozenset({"name", "next", "input", "index", "cmd"})

#: Attributes a parameter may not be bound to: FlowSpec's own API and
#: ``name``, which Metaflow silently drops.
RESERVED_ATTRIBUTES = frozenset(
    {
        "name",
        "next",
        "input",
        "index",
        "cmd",
        "inputs",
        "merge_artifacts",
        "foreach_stack",
        "script_name",
        "current",
    }
)

#: Parameter names that collide with ``flowc run`` / Metaflow CLI options.
RESERVED_PARAMETER_NAMES = frozenset(
    {"params", "with", "tag", "tags", "namespace", "obj", "max-workers", "run-id", "run_id", "task_id"}
)
