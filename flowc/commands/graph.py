"""``flowc graph``: print a flow's DAG."""

from __future__ import annotations

import argparse
import sys

from flowc.commands._common import EXIT_OK, UsageError, UserError, load_or_exit
from flowc.commands._options import add_flow_option, file_path

EPILOG = """\
Examples:
  flowc graph flows/train.py                  # JSON (a stable contract)
  flowc graph flows/train.py --format mermaid
  flowc graph flows/train.py --format dot | dot -Tsvg > train.svg
  flowc graph flows/train.py --format html > train.html   # svg, png, html: needs Graphviz"""

#: Reads files and writes documents only: see :mod:`flowc.commands`.
SHORT_LIVED = True


def configure(parser: argparse.ArgumentParser) -> None:
    """``FILE [--format json|mermaid|dot|svg|png|html] [--flow NAME]``."""
    parser.add_argument("file", type=file_path, metavar="FILE")
    parser.add_argument(
        "--format",
        dest="fmt",
        choices=["json", "mermaid", "dot", "svg", "png", "html"],
        default="json",
        help="(default: %(default)s)",
    )
    add_flow_option(parser)


def run(args: argparse.Namespace) -> int:
    """Print the DAG of the flow in FILE."""
    from flowc.transpile import export

    flow = load_or_exit(args.file, args.flow_name)
    if args.fmt in ("svg", "png", "html"):
        from flowc.graph_render import GraphvizError, render

        try:
            picture = render(flow, args.fmt)
        except GraphvizError as exc:
            raise UserError(str(exc)) from None
        if picture.note:
            print(picture.note, file=sys.stderr)
        if args.fmt == "png" and picture.note is None and sys.stdout.isatty():
            raise UsageError("refusing to write PNG to a terminal; redirect it: > flow.png")
        sys.stdout.flush()
        sys.stdout.buffer.write(picture.data)
        return EXIT_OK
    render_text = {"json": export.dumps_json, "mermaid": export.mermaid, "dot": export.dot}[args.fmt]
    sys.stdout.write(render_text(flow))
    return EXIT_OK
