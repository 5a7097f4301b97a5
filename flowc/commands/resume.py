"""``flowc resume``: run a failed run again from its failed (or a named) step."""

from __future__ import annotations

import argparse
import os

from flowc.commands._common import UsageError
from flowc.commands._options import (
    add_config_option,
    add_datastore_option,
    add_flow_option,
    add_max_workers_option,
    existing_file,
    load_with_configs,
)

TYPE_CHECKING = False  # as in flowc/__init__.py: typing stays unimported at start-up
if TYPE_CHECKING:
    from flowc.runtime_shim.datastore import Datastore
    from flowc.transpile.ir import Flow

EPILOG = """\
Examples:
  flowc resume flows/train.py                 # the latest run, from its failed step
  flowc resume flows/train.py 1732... --from train
Tasks before the resumed steps are reused by reference (no artifact is copied).
Give the same --config NAME=FILE as the resumed run, so re-run steps see its configs.
Exit codes: 0 the new run succeeded, 1 a task failed, 2 usage."""


def configure(parser: argparse.ArgumentParser) -> None:
    """``FILE [RUN_ID] [--from STEP] [--max-workers N] [--datastore ROOT] [--tag T]...``."""
    parser.add_argument("file", type=existing_file, metavar="FILE")
    parser.add_argument("run_id", nargs="?", metavar="RUN_ID")
    parser.add_argument(
        "--from", dest="from_step", metavar="STEP", help="Re-run this step and everything after it."
    )
    add_max_workers_option(parser)
    add_datastore_option(parser)
    parser.add_argument(
        "--tag",
        dest="tags",
        action="append",
        default=[],
        metavar="TAG",
        help="Tag for the new run (repeatable).",
    )
    add_config_option(parser)
    add_flow_option(parser)


def _reachable(flow: Flow, start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(flow.step(name).next)
    return seen


def _failed_steps(ds: Datastore, flow: Flow, run: str) -> list[str]:
    """Steps of ``run`` with a task that started but did not succeed."""
    failed = []
    for step in ds.list_steps(flow.name, run):
        tasks = set(ds.list_tasks(flow.name, run, step))
        if flow.has_step(step) and tasks - set(ds.successful_tasks(flow.name, run, step)):
            failed.append(step)
    return failed


def run(args: argparse.Namespace) -> int:
    """Resume run RUN_ID (default: the latest run) of the flow in FILE as a new run."""
    from flowc.client import Flow as ClientFlow
    from flowc.local_runner import RunOptions
    from flowc.local_runner_ui import new_run_id, run_flow
    from flowc.runtime_shim.datastore import Datastore

    flow = load_with_configs(args.file, args.flow_name, args.configs)
    ds = Datastore(args.datastore)
    runs = ClientFlow(flow.name, ds)
    run_id = args.run_id
    if run_id is None:
        latest = runs.latest_run
        if latest is None:
            raise UsageError(f"no run of {flow.name} in {ds.root} to resume")
        run_id = latest.id
    elif run_id not in ds.list_runs(flow.name):
        raise UsageError(f"{flow.name} has no run {run_id!r} in {ds.root}")
    if args.from_step is not None:
        if not flow.has_step(args.from_step):
            raise UsageError(f"{flow.name} has no step {args.from_step!r}")
        rerun = _reachable(flow, args.from_step)
    else:
        failed = _failed_steps(ds, flow, run_id)
        if not failed and runs[run_id].successful:
            raise UsageError(f"run {run_id} succeeded; say which step to run again with --from STEP")
        rerun = set().union(*(_reachable(flow, s) for s in failed)) if failed else set()
    record = runs[run_id].record
    options = RunOptions(
        flow_file=os.path.abspath(args.file),
        datastore=ds.root,
        run_id=new_run_id(),
        params=dict(record.get("params", {})),
        tags=tuple(args.tags) or tuple(record.get("tags", [])),
        max_workers=args.max_workers,
        origin_run_id=run_id,
        rerun=frozenset(rerun),
    )
    return 0 if run_flow(flow, options) else 1
