"""What ``flowc run`` and ``flowc resume`` show while a flow runs (rich)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console

from flowc.local_runner import LocalRunner, RunOptions
from flowc.local_runner_proc import TaskResult
from flowc.runtime_shim.errors import FlowcRuntimeError
from flowc.transpile.ir import Flow

#: Compute decorators that describe remote targets; locally these steps run in-process.
REMOTE_DECORATORS = ("kubernetes", "batch")


def run_flow(flow: Flow, options: RunOptions, console: Console | None = None) -> bool:
    """Run ``flow`` locally with a progress line; prints the run id and the outcome."""
    console = console or Console(highlight=False, soft_wrap=True)
    verb = "Resuming" if options.origin_run_id else "Running"
    origin = f" from run {options.origin_run_id}" if options.origin_run_id else ""
    console.print(f"{verb} {flow.name} run [bold]{options.run_id}[/]{origin} (datastore {options.datastore})")
    remote = sorted(s.name for s in flow.steps if any(s.decorator(d) for d in REMOTE_DECORATORS))
    if remote:
        console.print(
            f"note: {', '.join(remote)} carry @kubernetes/@batch; a local run executes them locally"
        )
    counts = {"done": 0, "failed": 0}
    started = time.monotonic()
    with _progress(console, f"{flow.name} {options.run_id}") as describe:

        def on_done(result: TaskResult) -> None:
            counts["done" if result.returncode == 0 else "failed"] += 1
            state = "done" if result.returncode == 0 else f"failed (exit {result.returncode})"
            console.print(f"[{result.spec.label}] {state}", markup=False, highlight=False)
            describe(f"{flow.name} {options.run_id}: {counts['done']} tasks done")

        runner = LocalRunner(flow, options, console, on_done)
        try:
            ok = runner.run()
        except FlowcRuntimeError as exc:
            console.print(f"[red]error:[/] {exc}", highlight=False)
            return False
    elapsed = time.monotonic() - started
    if ok:
        console.print(f"Run {options.run_id} succeeded: {counts['done']} tasks in {elapsed:.1f} s")
    else:
        failed = ", ".join(f"{r.spec.label} (exit {r.returncode})" for r in runner.failed)
        console.print(
            f"[red]Run {options.run_id} failed[/] after {counts['done']} successful tasks: {failed}"
        )
        console.print(f"Resume it with: flowc resume {options.flow_file} {options.run_id}", markup=False)
    return ok


@contextmanager
def _progress(console: Console, title: str) -> Iterator[Any]:
    """A live progress line on a terminal (yields a function updating its text); nothing otherwise."""
    if not console.is_terminal:
        yield lambda text: None
        return
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(bar_width=None),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        bar = progress.add_task(title, total=None)
        yield lambda text: progress.update(bar, description=text)


def new_run_id() -> str:
    """A fresh run id: microseconds since the epoch (sortable, like Metaflow's local ids)."""
    return str(time.time_ns() // 1000)
