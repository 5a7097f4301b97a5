"""The garbage collector while the shim works, and while the user's step runs.

The shim's own work (its imports, the flow module's import, loading inputs,
saving artifacts) allocates many objects and few reference cycles, so the
young generation's default threshold (700) makes the collector run hundreds
of times for nothing (about 10% of ``import boto3`` plus a client). The
shim raises that threshold for its own work; the user's step runs with the
interpreter's thresholds.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

#: The interpreter's thresholds, read when the shim starts.
_INTERPRETER = gc.get_threshold()
#: Young-generation threshold while the shim works.
SHIM_THRESHOLD = 100_000


def for_the_shim() -> None:
    """Collect rarely from now on (called once, when a task process starts)."""
    gc.set_threshold(SHIM_THRESHOLD, *_INTERPRETER[1:])


@contextmanager
def for_user_code() -> Iterator[None]:
    """The interpreter's thresholds while the user's code runs, the shim's afterwards."""
    saved = gc.get_threshold()
    gc.set_threshold(*_INTERPRETER)
    try:
        yield
    finally:
        gc.set_threshold(*saved)
