"""``flowc run``: run a flow locally, one shim process per task."""

from __future__ import annotations

import os
import sys

import click

from flowc.commands._common import EXIT_USAGE, flow_option, print_problems
from flowc.commands._config_option import config_option, load_with_configs

datastore_option = click.option(
    "--datastore",
    envvar="FLOWC_DATASTORE",
    help="Local folder or s3://bucket/prefix. [env: FLOWC_DATASTORE; default ./.flowc]",
)


@click.command(
    "run",
    epilog="""\b
Examples:
  flowc run examples/linear_etl.py --param alpha=0.3
  flowc run flows/train.py --max-workers 8 --datastore s3://ml/flowc --tag nightly
Exit codes: 0 the run succeeded, 1 a task failed (or the flow has errors), 2 usage.""",
)
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE", help="Parameter value (repeatable).")
@click.option(
    "--max-workers", default=4, show_default=True, type=click.IntRange(1), help="Tasks run at once."
)
@datastore_option
@click.option("--tag", "tags", multiple=True, help="Tag for the run (repeatable).")
@click.option("--run-id", default=None, help="Run id to use instead of a fresh one.")
@config_option
@flow_option
def command(
    file: str,
    params: tuple[str, ...],
    max_workers: int,
    datastore: str | None,
    tags: tuple[str, ...],
    run_id: str | None,
    configs: tuple[str, ...],
    flow_name: str | None,
) -> None:
    """Run the flow in FILE locally and print its run id."""
    from flowc.local_runner import RunOptions
    from flowc.local_runner_params import parse_pairs, validate
    from flowc.local_runner_ui import new_run_id, run_flow
    from flowc.runtime_shim.datastore import resolve_root

    flow = load_with_configs(file, flow_name, configs)
    try:
        given = parse_pairs(params)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    values, problems = validate(flow, file, given)
    if problems:
        print_problems(problems)
        sys.exit(EXIT_USAGE)
    options = RunOptions(
        flow_file=os.path.abspath(file),
        datastore=resolve_root(datastore),
        run_id=run_id or new_run_id(),
        params=values,
        tags=tags,
        max_workers=max_workers,
    )
    sys.exit(0 if run_flow(flow, options) else 1)
