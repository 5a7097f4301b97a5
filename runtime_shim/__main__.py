"""``python -m flowc.runtime_shim task ...``: run one task."""

import sys

from flowc.runtime_shim import collector

collector.for_the_shim()  # before the shim's own imports

from flowc.runtime_shim.cli import main  # noqa: E402

sys.exit(main())
