"""``flowc run``: run a flow locally, one shim process per task."""

from __future__ import annotations

import argparse
import os

from flowc.commands._common import EXIT_USAGE, UsageError, print_problems
from flowc.commands._options import (
    add_config_option,
    add_datastore_option,
    add_flow_option,
    add_max_workers_option,
    existing_file,
    load_with_configs,
)

EPILOG = """\
Examples:
  flowc run examples/linear_etl.py --param alpha=0.3
  flowc run flows/train.py --max-workers 8 --datastore s3://ml/flowc --tag nightly
Exit codes: 0 the run succeeded, 1 a task failed (or the flow has errors), 2 usage."""


def configure(parser: argparse.ArgumentParser) -> None:
    """``FILE [--param NAME=VALUE]... [--max-workers N] [--datastore ROOT] [--tag T]... [--run-id ID]``."""
    parser.add_argument("file", type=existing_file, metavar="FILE")
    parser.add_argument(
        "--param",
        dest="params",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="Parameter value (repeatable).",
    )
    add_max_workers_option(parser)
    add_datastore_option(parser)
    parser.add_argument(
        "--tag", dest="tags", action="append", default=[], metavar="TAG", help="Tag for the run (repeatable)."
    )
    parser.add_argument("--run-id", metavar="ID", help="Run id to use instead of a fresh one.")
    add_config_option(parser)
    add_flow_option(parser)


def run(args: argparse.Namespace) -> int:
    """Run the flow in FILE locally and print its run id."""
    from flowc.local_runner import RunOptions
    from flowc.local_runner_params import parse_pairs, validate
    from flowc.local_runner_ui import new_run_id, run_flow
    from flowc.runtime_shim.datastore import resolve_root

    flow = load_with_configs(args.file, args.flow_name, args.configs)
    try:
        given = parse_pairs(args.params)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    values, problems = validate(flow, args.file, given)
    if problems:
        print_problems(problems)
        return EXIT_USAGE
    options = RunOptions(
        flow_file=os.path.abspath(args.file),
        datastore=resolve_root(args.datastore),
        run_id=args.run_id or new_run_id(),
        params=values,
        tags=tuple(args.tags),
        max_workers=args.max_workers,
    )
    return 0 if run_flow(flow, options) else 1
