"""``flowc graph``: print a flow's DAG."""

from __future__ import annotations

import click

from flowc.commands._common import flow_option, load_or_exit


@click.command(
    "graph",
    epilog="""\b
Examples:
  flowc graph flows/train.py                  # JSON (a stable contract)
  flowc graph flows/train.py --format mermaid
  flowc graph flows/train.py --format dot | dot -Tsvg > train.svg
  flowc graph flows/train.py --format html > train.html   # svg, png, html: needs Graphviz""",
)
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "mermaid", "dot", "svg", "png", "html"]),
    default="json",
    show_default=True,
)
@flow_option
def command(file: str, fmt: str, flow_name: str | None) -> None:
    """Print the DAG of the flow in FILE."""
    from flowc.transpile import export

    flow = load_or_exit(file, flow_name)
    if fmt in ("svg", "png", "html"):
        from flowc import graph_render

        graph_render.echo(flow, fmt)
        return
    render = {"json": export.dumps_json, "mermaid": export.mermaid, "dot": export.dot}[fmt]
    click.echo(render(flow), nl=False)
