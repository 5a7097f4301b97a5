"""Airflow's naming rules and limits, checked at compile time (``FLC402``).

Sources (Apache Airflow 3.x):

- ``dag_id`` and ``task_id``: ``validate_key`` in
  ``airflow/sdk/definitions/_internal/node.py`` (also
  ``airflow/utils/helpers.py``) requires ``KEY_REGEX = ^[\\w.-]+$`` and at
  most 250 characters, task-group prefixes included.  flowc also rejects
  non-ASCII letters (which ``\\w`` would let through): the ids end up in
  URLs, log paths and pod names.
- Task group ids: at most 200 characters (``validate_group_key``).
  flowc emits no task groups, so only the 250 limit applies.
- Dynamic task mapping expands at most ``[core] max_map_length`` tasks
  (default 1024, Airflow configuration reference); a mapped task whose
  input is longer fails the run.
"""

from __future__ import annotations

import re

from flowc.backends.base import over_limit
from flowc.transpile.ir import Span
from flowc.transpile.problems import Problem

#: ``KEY_REGEX`` of Airflow's ``validate_key``.
KEY_PATTERN = re.compile(r"^[A-Za-z0-9_.\-]+$")
#: Longest ``dag_id`` / ``task_id`` Airflow accepts.
MAX_KEY_LENGTH = 250
#: Airflow's default ``[core] max_map_length``.
DEFAULT_MAX_MAP_LENGTH = 1024


def check_key(kind: str, key: str, span: Span) -> Problem | None:
    """A ``FLC402`` problem if ``key`` is not a valid Airflow ``kind`` id."""
    if not KEY_PATTERN.fullmatch(key):
        return over_limit(
            span,
            f"Airflow {kind} {key!r} may only contain ASCII letters, digits, '_', '-' and '.'",
            "rename the step or flow",
        )
    if len(key) > MAX_KEY_LENGTH:
        return over_limit(
            span,
            f"Airflow {kind} {key[:40]!r}... is {len(key)} characters long (Airflow allows {MAX_KEY_LENGTH})",
            "shorten the step or flow name",
        )
    return None


def check_width(step_name: str, width: int, max_map_length: int, span: Span) -> Problem | None:
    """A ``FLC402`` problem if a declared fan-out is wider than Airflow maps."""
    if width <= max_map_length:
        return None
    return over_limit(
        span,
        f"step {step_name!r} fans out to {width} tasks; Airflow maps at most {max_map_length} "
        "([core] max_map_length)",
        "raise [core] max_map_length in Airflow and pass --set max_map_length=N, or split the work",
    )
