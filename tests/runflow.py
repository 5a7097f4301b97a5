"""``flowc run`` of a flow file in a fresh interpreter, for runtime tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def run_flow(path: Path, root: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``flowc run PATH --datastore ROOT --run-id r1 ARGS...`` from the flow's folder."""
    return subprocess.run(
        [sys.executable, "-m", "flowc.cli", "run", str(path), "--datastore", root, "--run-id", "r1", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=path.parent,
    )
