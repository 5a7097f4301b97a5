"""``flowc check``: lint flow files."""

from __future__ import annotations

import json
import sys

import click

from flowc.commands._common import EXIT_OK, EXIT_USER_ERROR, flow_option
from flowc.commands._config_option import config_files, config_option


@click.command(
    "check",
    epilog="""\b
Examples:
  flowc check flows/train.py
  flowc check flows/*.py --format json
Exit codes: 0 clean, 1 problems found, 2 usage error.""",
)
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@config_option
@flow_option
def command(files: tuple[str, ...], fmt: str, configs: tuple[str, ...], flow_name: str | None) -> None:
    """Check FLOW files for errors, without running them."""
    from flowc.commands._common import print_problems
    from flowc.transpile import Problem, analyze_file

    problems: list[Problem] = []
    failed = False
    overrides = config_files(configs)
    for path in files:
        analysis = analyze_file(path, flow_name, overrides)
        problems.extend(analysis.problems)
        failed = failed or bool(analysis.errors)
    if fmt == "json":
        click.echo(json.dumps([p.to_json() for p in problems], indent=2))
    else:
        print_problems(problems)
        if not failed:
            click.echo(f"{len(files)} file{'s' if len(files) != 1 else ''} checked, no errors.", err=True)
    sys.exit(EXIT_USER_ERROR if failed else EXIT_OK)
