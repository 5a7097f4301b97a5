"""``flowc card``: list a run's cards and write one to an HTML file."""

from __future__ import annotations

import json
import os
import tempfile
import webbrowser
from typing import TYPE_CHECKING

import click

from flowc.commands._common import write_atomic

if TYPE_CHECKING:
    from flowc.client import Card
    from flowc.runtime_shim.datastore import Datastore

datastore_option = click.option(
    "--datastore",
    envvar="FLOWC_DATASTORE",
    metavar="ROOT",
    help="Datastore root (folder or s3://bucket/prefix); default ./.flowc. [env: FLOWC_DATASTORE]",
)


@click.group(
    "card",
    epilog="""\b
Examples:
  flowc card list LinearEtlFlow
  flowc card list LinearEtlFlow 1764130000123 --format json
  flowc card view LinearEtlFlow/1764130000123/start/t --open
  flowc card view 1764130000123/start/t --flow LinearEtlFlow -o start.html""",
)
def command() -> None:
    """Cards: the HTML pages @card steps write for every task."""


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
            raise click.UsageError(f"--flow {flow} disagrees with {pathspec}")
        return parts[0], parts[1], parts[2], parts[3]
    if len(parts) != 3 or not all(parts):
        raise click.BadParameter("expected RUN/STEP/TASK or FLOW/RUN/STEP/TASK", param_hint="PATHSPEC")
    if flow is None:
        owners = [f for f in ds.list_flows() if parts[0] in ds.list_runs(f)]
        if len(owners) != 1:
            found = ", ".join(owners) or "none"
            raise click.UsageError(f"give --flow NAME: flows with a run {parts[0]!r} in {ds.root}: {found}")
        flow = owners[0]
    return flow, parts[0], parts[1], parts[2]


def _pick(cards: list[Card], card_id: str | None, index: int | None, where: str) -> tuple[int, Card]:
    if card_id is not None:
        matches = [(i, c) for i, c in enumerate(cards) if c.id == card_id]
        if not matches:
            ids = ", ".join(repr(c.id) for c in cards)
            raise click.ClickException(f"{where} has no card with id {card_id!r} (ids: {ids})")
        return matches[0]
    chosen = index or 0
    if not 0 <= chosen < len(cards):
        raise click.ClickException(f"{where} has {len(cards)} card(s); --index {chosen} is out of range")
    if len(cards) > 1 and index is None:
        click.echo(
            f"{where} has {len(cards)} cards; writing the first (choose with --id or --index).", err=True
        )
    return chosen, cards[chosen]


def _default_output(flow: str, run: str, step: str, task: str, index: int, card: Card) -> str:
    name = card.id or f"card-{index}"
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)
    return os.path.join(tempfile.gettempdir(), "flowc-cards", flow, run, step, task, f"{safe}.html")


@command.command("view")
@click.argument("pathspec")
@click.option("--flow", "flow_name", metavar="NAME", help="Flow name, when PATHSPEC is RUN/STEP/TASK.")
@click.option("--id", "card_id", metavar="ID", help="The card with this @card(id=...).")
@click.option("--index", type=int, default=None, help="The N-th card of the task (0-based).")
@click.option(
    "--output", "-o", "output", metavar="FILE", help="Where to write the HTML (default: a temp folder)."
)
@click.option("--open", "open_browser", is_flag=True, help="Open the card in a web browser.")
@datastore_option
def view(
    pathspec: str,
    flow_name: str | None,
    card_id: str | None,
    index: int | None,
    output: str | None,
    open_browser: bool,
    datastore: str | None,
) -> None:
    """Write the card of task PATHSPEC to a file and print its path."""
    from flowc.runtime_shim.errors import DatastoreError

    try:
        ds = _open(datastore)
        flow, run, step, task = _resolve(ds, pathspec, flow_name)
        where = f"{flow}/{run}/{step}/{task}"
        cards = _task_cards(ds, flow, run, step, task)
        if cards is None:
            raise click.ClickException(f"no successful task {where} in {ds.root}")
        if not cards:
            raise click.ClickException(f"task {where} has no cards (is its step decorated with @card?)")
        position, card = _pick(cards, card_id, index, where)
        html_text = card.html
    except DatastoreError as exc:
        raise click.ClickException(str(exc)) from None
    path = output or _default_output(flow, run, step, task, position, card)
    write_atomic(path, html_text.encode("utf-8"))
    click.echo(os.path.abspath(path))
    if open_browser and not webbrowser.open(f"file://{os.path.abspath(path)}"):
        click.echo("No web browser found; open the file above yourself.", err=True)


@command.command("list")
@click.argument("flow")
@click.argument("run", required=False)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@datastore_option
def list_cards(flow: str, run: str | None, fmt: str, datastore: str | None) -> None:
    """List the cards of FLOW's runs (or of RUN only)."""
    from flowc.runtime_shim.errors import DatastoreError

    try:
        ds = _open(datastore)
        runs = [run] if run else ds.list_runs(flow)
        if run and run not in ds.list_runs(flow):
            raise click.ClickException(f"no run {flow}/{run} in {ds.root}")
        rows = [
            {"pathspec": f"{flow}/{r}/{s}/{t}", "index": i, "type": c.type, "id": c.id, "sha256": c.sha256}
            for r in runs
            for s in ds.list_steps(flow, r)
            for t in ds.list_tasks(flow, r, s)
            for i, c in enumerate(_task_cards(ds, flow, r, s, t) or [])
        ]
    except DatastoreError as exc:
        raise click.ClickException(str(exc)) from None
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        label = f"id={row['id']}" if row["id"] else f"index={row['index']}"
        click.echo(f"{row['pathspec']}\t{row['type']}\t{label}\t{str(row['sha256'])[:12]}")
    if not rows:
        click.echo(f"No cards for {flow}{'/' + run if run else ''} in {ds.root}.", err=True)
