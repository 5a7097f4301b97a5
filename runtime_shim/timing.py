"""``profile``: Metaflow's way to time a block of a step, standard library only.

``with profile("load"):`` prints when the block starts and how long it took;
``with profile("fit", stats):`` adds the block's milliseconds to ``stats["fit"]``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def profile(label: str, stats_dict: dict[str, int] | None = None) -> Iterator[None]:
    """Time the ``with`` block in whole milliseconds.

    Without ``stats_dict`` the start and the duration are printed (task
    output); with it, the duration is added to ``stats_dict[label]`` and
    nothing is printed.  A block that raises is not counted.
    """
    if stats_dict is None:
        print(f"PROFILE: {label} starting")
    began = time.monotonic()
    yield
    took = int((time.monotonic() - began) * 1000)
    if stats_dict is None:
        print(f"PROFILE: {label} completed in {took}ms")
    else:
        stats_dict[label] = stats_dict.get(label, 0) + took
