"""``flowc card``: list a run's cards and write one to an HTML file."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable

from flowc.commands._common import EXIT_OK, UsageError, UserError, write_atomic
from flowc.commands._options import add_datastore_option, add_flow_option

TYPE_CHECKING = False  # as in flowc/__init__.py: typing stays unimported at start-up
if TYPE_CHECKING:
    from flowc.client import Card
    from flowc.runtime_shim.datastore import Datastore

EPILOG = """\
Examples:
  flowc card list LinearEtlFlow
  flowc card list LinearEtlFlow 1764130000123 --format json
  flowc card view LinearEtlFlow/1764130000123/start/t --open
  flowc card view 1764130000123/start/t --flow LinearEtlFlow -o start.html"""

_DATASTORE_HELP = "Datastore root (folder or s3://bucket/prefix); default ./.flowc. [env: FLOWC_DATASTORE]"


def configure(parser: argparse.ArgumentParser) -> None:
    """Two subcommands: ``view PATHSPEC`` and ``list FLOW [RUN]``."""
    commands = parser.add_subparsers(dest="card_command", metavar="COMMAND", required=True)
    for name, handler, arguments in (("view", view, _view_arguments), ("list", list_cards, _list_arguments)):
        summary = (handler.__doc__ or "").split("\n", 1)[0]
        sub = commands.add_parser(
            name,
            help=summary,
            description=summary,
            formatter_class=parser.formatter_class,
            allow_abbrev=False,
        )
        arguments(sub)
        add_datastore_option(sub, _DATASTORE_HELP)
        sub.set_defaults(card_handler=handler)


def run(args: argparse.Namespace) -> int:
    """Cards: the HTML pages @card steps write for every task."""
    handler: Callable[[argparse.Namespace], int] = args.card_handler
    return handler(args)


def _view_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("pathspec", metavar="PATHSPEC")
    add_flow_option(parser, "Flow name, when PATHSPEC is RUN/STEP/TASK.")
    parser.add_argument("--id", dest="card_id", metavar="ID", help="The card with this @card(id=...).")
    parser.add_argument("--index", type=int, metavar="N", help="The N-th card of the task (0-based).")
    parser.add_argument(
        "-o", "--output", metavar="FILE", help="Where to write the HTML (default: a temp folder)."
    )
    parser.add_argument(
        "--open", dest="open_browser", action="store_true", help="Open the card in a web browser."
    )


def _list_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("flow", metavar="FLOW")
    parser.add_argument("run", nargs="?", metavar="RUN")
    parser.add_argument(
        "--format", dest="fmt", choices=["text", "json"], default="text", help="(default: %(default)s)"
    )


def _open(root: str | None) -> Datastore:
    from flowc.runtime_shim.datastore import Datastore

    return Datastore(root)


def _task_cards(ds: Datastore, flow: str, run: str, step: str, task: str) -> list[Card] | None:
    """The cards of a task's successful attempt (through the client), ``None`` when it did not succeed."""
    from flowc.client import Task

    found = Task(flow, run, step, task, ds)
    return found.cards if found.successful else None


def _resolve(ds: Datastore, pathspec: str, flow: str | None) -> tuple[str, str, str, str]:
    """``(flow, run, step, task)`` from ``FLOW/RUN/STEP/TASK`` or ``RUN/STEP/TASK`` (+ ``--flow``)."""
    parts = pathspec.strip("/").split("/")
    if len(parts) == 4:
        if flow and flow != parts[0]:
            raise UsageError(f"--flow {flow} disagrees with {pathspec}")
        return parts[0], parts[1], parts[2], parts[3]
    if len(parts) != 3 or not all(parts):
        raise UsageError("argument PATHSPEC: expected RUN/STEP/TASK or FLOW/RUN/STEP/TASK")
    if flow is None:
        owners = [f for f in ds.list_flows() if parts[0] in ds.list_runs(f)]
        if len(owners) != 1:
            found = ", ".join(owners) or "none"
            raise UsageError(f"give --flow NAME: flows with a run {parts[0]!r} in {ds.root}: {found}")
        flow = owners[0]
    return flow, parts[0], parts[1], parts[2]


def _pick(cards: list[Card], card_id: str | None, index: int | None, where: str) -> tuple[int, Card]:
    if card_id is not None:
        matches = [(i, c) for i, c in enumerate(cards) if c.id == card_id]
        if not matches:
            ids = ", ".join(repr(c.id) for c in cards)
            raise UserError(f"{where} has no card with id {card_id!r} (ids: {ids})")
        return matches[0]
    chosen = index or 0
    if not 0 <= chosen < len(cards):
        raise UserError(f"{where} has {len(cards)} card(s); --index {chosen} is out of range")
    if len(cards) > 1 and index is None:
        print(
            f"{where} has {len(cards)} cards; writing the first (choose with --id or --index).",
            file=sys.stderr,
        )
    return chosen, cards[chosen]


def _default_output(flow: str, run: str, step: str, task: str, index: int, card: Card) -> str:
    name = card.id or f"card-{index}"
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)
    import tempfile

    return os.path.join(tempfile.gettempdir(), "flowc-cards", flow, run, step, task, f"{safe}.html")


def view(args: argparse.Namespace) -> int:
    """Write the card of task PATHSPEC to a file and print its path."""
    import webbrowser

    from flowc.runtime_shim.errors import DatastoreError

    try:
        ds = _open(args.datastore)
        flow, run, step, task = _resolve(ds, args.pathspec, args.flow_name)
        where = f"{flow}/{run}/{step}/{task}"
        cards = _task_cards(ds, flow, run, step, task)
        if cards is None:
            raise UserError(f"no successful task {where} in {ds.root}")
        if not cards:
            raise UserError(f"task {where} has no cards (is its step decorated with @card?)")
        position, card = _pick(cards, args.card_id, args.index, where)
        html_text = card.html
    except DatastoreError as exc:
        raise UserError(str(exc)) from None
    path = args.output or _default_output(flow, run, step, task, position, card)
    write_atomic(path, html_text.encode("utf-8"))
    print(os.path.abspath(path))
    if args.open_browser and not webbrowser.open(f"file://{os.path.abspath(path)}"):
        print("No web browser found; open the file above yourself.", file=sys.stderr)
    return EXIT_OK


def list_cards(args: argparse.Namespace) -> int:
    """List the cards of FLOW's runs (or of RUN only)."""
    from flowc.runtime_shim.errors import DatastoreError

    flow, run = args.flow, args.run
    try:
        ds = _open(args.datastore)
        runs = [run] if run else ds.list_runs(flow)
        if run and run not in ds.list_runs(flow):
            raise UserError(f"no run {flow}/{run} in {ds.root}")
        rows = [
            {"pathspec": f"{flow}/{r}/{s}/{t}", "index": i, "type": c.type, "id": c.id, "sha256": c.sha256}
            for r in runs
            for s in ds.list_steps(flow, r)
            for t in ds.list_tasks(flow, r, s)
            for i, c in enumerate(_task_cards(ds, flow, r, s, t) or [])
        ]
    except DatastoreError as exc:
        raise UserError(str(exc)) from None
    if args.fmt == "json":
        import json

        print(json.dumps(rows, indent=2))
        return EXIT_OK
    for row in rows:
        label = f"id={row['id']}" if row["id"] else f"index={row['index']}"
        print(f"{row['pathspec']}\t{row['type']}\t{label}\t{str(row['sha256'])[:12]}")
    if not rows:
        print(f"No cards for {flow}{'/' + run if run else ''} in {ds.root}.", file=sys.stderr)
    return EXIT_OK
