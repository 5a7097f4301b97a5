"""Reading past runs: ``from flowc import Flow, Run, Step, Task``.

The client lives in the runtime shim (:mod:`flowc.runtime_shim.client`) so
code packages ship it and steps can read other runs; this module keeps the
``flowc.client`` name working.
"""

from __future__ import annotations

from flowc.runtime_shim.client import *  # noqa: F403
from flowc.runtime_shim.client import __all__ as __all__
