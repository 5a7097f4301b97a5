"""``flowc task``: run one task, exactly as ``python -m flowc.runtime_shim task``."""

from __future__ import annotations

import argparse

EPILOG = "See docs/task-contract.md for the arguments."

#: The runtime shim parses the arguments (``--help`` included): flowc passes them on as they are.
RAW_ARGUMENTS = True


def configure(parser: argparse.ArgumentParser) -> None:
    """Nothing to add: see :data:`RAW_ARGUMENTS`."""


def run(args: argparse.Namespace) -> int:
    """Run one task of a flow (the runtime shim's command line)."""
    from flowc.runtime_shim.cli import main

    return main(["task", *args.argv])
