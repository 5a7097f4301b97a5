"""``python -m flowc.runtime_shim task ...``: run one task."""

import sys

from flowc.runtime_shim.cli import main

sys.exit(main())
