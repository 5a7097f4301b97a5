"""``flowc resume``: run a failed run again from its failed (or a named) step."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, NoReturn

import click

from flowc.commands._common import EXIT_USAGE, flow_option
from flowc.commands._config_option import config_option, load_with_configs
from flowc.commands.run import datastore_option

if TYPE_CHECKING:
    from flowc.runtime_shim.datastore import Datastore
    from flowc.transpile.ir import Flow


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


@click.command(
    "resume",
    epilog="""\b
Examples:
  flowc resume flows/train.py                 # the latest run, from its failed step
  flowc resume flows/train.py 1732... --from train
Tasks before the resumed steps are reused by reference (no artifact is copied).
Give the same --config NAME=FILE as the resumed run, so re-run steps see its configs.
Exit codes: 0 the new run succeeded, 1 a task failed, 2 usage.""",
)
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.argument("run_id", required=False)
@click.option("--from", "from_step", metavar="STEP", help="Re-run this step and everything after it.")
@click.option(
    "--max-workers", default=4, show_default=True, type=click.IntRange(1), help="Tasks run at once."
)
@datastore_option
@click.option("--tag", "tags", multiple=True, help="Tag for the new run (repeatable).")
@config_option
@flow_option
def command(
    file: str,
    run_id: str | None,
    from_step: str | None,
    max_workers: int,
    datastore: str | None,
    tags: tuple[str, ...],
    configs: tuple[str, ...],
    flow_name: str | None,
) -> None:
    """Resume run RUN_ID (default: the latest run) of the flow in FILE as a new run."""
    from flowc.client import Flow as ClientFlow
    from flowc.local_runner import RunOptions
    from flowc.local_runner_ui import new_run_id, run_flow
    from flowc.runtime_shim.datastore import Datastore

    flow = load_with_configs(file, flow_name, configs)
    ds = Datastore(datastore)
    runs = ClientFlow(flow.name, ds)
    if run_id is None:
        latest = runs.latest_run
        if latest is None:
            _usage(f"no run of {flow.name} in {ds.root} to resume")
        run_id = latest.id
    elif run_id not in ds.list_runs(flow.name):
        _usage(f"{flow.name} has no run {run_id!r} in {ds.root}")
    if from_step is not None:
        if not flow.has_step(from_step):
            _usage(f"{flow.name} has no step {from_step!r}")
        rerun = _reachable(flow, from_step)
    else:
        failed = _failed_steps(ds, flow, run_id)
        if not failed and runs[run_id].successful:
            _usage(f"run {run_id} succeeded; say which step to run again with --from STEP")
        rerun = set().union(*(_reachable(flow, s) for s in failed)) if failed else set()
    record = runs[run_id].record
    options = RunOptions(
        flow_file=os.path.abspath(file),
        datastore=ds.root,
        run_id=new_run_id(),
        params=dict(record.get("params", {})),
        tags=tags or tuple(record.get("tags", [])),
        max_workers=max_workers,
        origin_run_id=run_id,
        rerun=frozenset(rerun),
    )
    sys.exit(0 if run_flow(flow, options) else 1)


def _usage(message: str) -> NoReturn:
    click.echo(f"flowc resume: {message}", err=True)
    sys.exit(EXIT_USAGE)
