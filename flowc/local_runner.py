"""The local orchestrator behind ``flowc run`` and ``flowc resume``.

It walks the flow's IR the way a cluster orchestrator would: every task is
a separate shim process (up to ``max_workers`` at a time) named with the
contract's deterministic task ids, foreach children are launched from the
split's recorded cardinality, joins wait for all their parents and name
them with input-path specs.  The runner itself holds only task ids and
counters, never artifacts, so a 1,000-way foreach costs it a few kilobytes.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from flowc.local_runner_proc import Printer, ShimLauncher, TaskResult, TaskSpec, task_id
from flowc.runtime_shim.datastore import Datastore
from flowc.runtime_shim.errors import DatastoreError
from flowc.runtime_shim.stepexec import timeout_seconds
from flowc.transpile.export import graph_json
from flowc.transpile.ir import Flow, StepKind
from flowc.transpile.loops import Loops

#: (step, foreach indices, loop passes): one place a task may run.
Key = tuple[str, tuple[int, ...], tuple[int, ...]]
#: Exit codes of the shim worth a retry (the step raised; infrastructure hiccup).
RETRYABLE = (1, 3)


@dataclass
class RunOptions:
    """What ``flowc run`` / ``flowc resume`` pass to the runner."""

    flow_file: str
    datastore: str
    run_id: str
    params: dict[str, str] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    max_workers: int = 4
    origin_run_id: str | None = None
    #: Steps to execute again on resume; every other step is cloned from the origin run.
    rerun: frozenset[str] | None = None


class LocalRunner:
    """Runs one flow to completion; :meth:`run` returns whether it succeeded."""

    def __init__(
        self, flow: Flow, options: RunOptions, printer: Printer, on_done: Callable[[TaskResult], None]
    ) -> None:
        self.flow = flow
        self.options = options
        self.printer = printer
        self.on_done = on_done
        self.ds = Datastore(options.datastore)
        self.split_of_join = {s.matching_join: s.name for s in flow.steps if s.matching_join}
        self.loops = Loops(flow)
        self.queue: deque[TaskSpec] = deque()
        #: (split step, indices, loop passes) → the foreach's cardinality.
        self.cardinality: dict[tuple[str, tuple[int, ...], tuple[int, ...]], int] = {}
        #: (join, indices, loop passes) → previous step → its task path, or None: it will not come.
        self.arrivals: dict[Key, dict[str, str | None]] = {}
        #: (step, indices, loop passes) → previous steps known not to run there (switch cases not taken).
        self.skipped: dict[Key, set[str]] = {}
        self.failed: list[TaskResult] = []
        self.end_done = False

    # -- public ---------------------------------------------------------------------

    def run(self) -> bool:
        """Run every task; write the run record; True when the end step succeeded."""
        with tempfile.TemporaryDirectory(prefix="flowc-run-") as scratch:
            graph_path = os.path.join(scratch, "graph.json")
            doc = graph_json(self.flow) | {"file": os.path.basename(self.options.flow_file)}
            with open(graph_path, "w", encoding="utf-8") as handle:
                json.dump(doc, handle)
            launcher = self._launcher(graph_path)
            self._record("running")
            self.queue.append(TaskSpec(self.flow.start))
            try:
                self._loop(launcher)
            finally:
                launcher.close()
            if not self.failed and not self.end_done:
                waiting = ", ".join(sorted({key[0] for key in self.arrivals})) or "nothing"
                self.printer.print(
                    f"flowc: the run stopped before the end step (waiting: {waiting}); please report this",
                    markup=False,
                    highlight=False,
                )
            ok = not self.failed and self.end_done
            self._record_safely("ok" if ok else "failed")
            if self.flow.exit_hooks:  # after the record: a hook's run= sees the run finished
                from flowc.local_runner_hooks import run_exit_hooks

                run_exit_hooks(self.flow, ok, launcher, self.printer)
        return ok

    # -- scheduling -----------------------------------------------------------------

    def _launcher(self, graph_path: str) -> ShimLauncher:
        kill_after = {}
        for step in self.flow.steps:
            deco = step.decorator("timeout")
            if deco is not None:
                kill_after[step.name] = timeout_seconds(dict(deco.args)) * 1.5 + 30
        return ShimLauncher(
            flow=self.flow.name,
            flow_file=os.path.abspath(self.options.flow_file),
            datastore=self.ds.root,
            run_id=self.options.run_id,
            graph_json=graph_path,
            printer=self.printer,
            tags=self.options.tags,
            origin_run_id=self.options.origin_run_id,
            params=self.options.params,
            kill_after=kill_after,
        )

    def _loop(self, launcher: ShimLauncher) -> None:
        running: dict[Future[TaskResult], TaskSpec] = {}
        with ThreadPoolExecutor(max_workers=max(1, self.options.max_workers)) as pool:
            while self.queue or running:
                while self.queue and len(running) < self.options.max_workers and not self.failed:
                    spec = self.queue.popleft()
                    cloned = self._clone(spec)
                    if cloned is not None:
                        self._advance(spec, cloned)
                        continue
                    more = spec.step != self.flow.end
                    running[pool.submit(launcher.run, spec, more)] = spec
                if self.failed and not running:
                    break
                if not running:
                    continue
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    spec = running.pop(future)
                    self._finished(future.result())

    def _finished(self, result: TaskResult) -> None:
        spec = result.spec
        self.on_done(result)
        if result.returncode == 0 and result.output is not None:
            self.end_done = self.end_done or spec.step == self.flow.end
            self._advance(spec, result.output)
        elif result.returncode in RETRYABLE and spec.attempt < self._retries(spec.step):
            self.printer.print(f"[{spec.label}] attempt {spec.attempt} failed; retrying", markup=False)
            self.queue.append(
                TaskSpec(spec.step, spec.indices, spec.iterations, spec.input_paths, spec.attempt + 1)
            )
        else:
            self.failed.append(result)

    def _retries(self, step: str) -> int:
        deco = self.flow.step(step).decorator("retry")
        if deco is None:
            return 0
        times = deco.get("times", 3)
        return int(times) if isinstance(times, (int, float, str)) else 3

    def _advance(self, spec: TaskSpec, output: dict[str, Any]) -> None:
        """Queue whatever the finished task unlocks."""
        parent = f"{spec.step}/{spec.task_id}"
        foreach = output.get("foreach")
        levels = spec.levels
        if foreach:
            self.cardinality[(spec.step, spec.indices, levels)] = int(foreach["cardinality"])
            for index in range(int(foreach["cardinality"])):
                child = TaskSpec(output["next"][0], (*spec.indices, index), (*levels, 0), parent)
                self.queue.append(child)
            return
        for target in output.get("next", []):
            passes = (*levels[:-1], self.loops.iteration(spec.step, target, spec.iteration))
            if self.flow.step(target).is_join:
                self._arrive(target, spec, parent, passes)
            else:
                self.queue.append(TaskSpec(target, spec.indices, passes, parent))
        if output.get("switch"):
            for case in set(self.flow.step(spec.step).next) - set(output.get("next", [])):
                self._skip_edge(spec.step, case, spec.indices, levels)

    def _arrive(self, join: str, spec: TaskSpec, parent: str, passes: tuple[int, ...]) -> None:
        split = self.split_of_join.get(join)
        if split is not None and self.flow.step(split).kind is StepKind.FOREACH:
            outer, outer_passes = spec.indices[:-1], spec.levels[:-1]
            arrived = self.arrivals.setdefault((join, outer, outer_passes), {})
            arrived[str(spec.indices[-1])] = parent
            if len(arrived) == self.cardinality.get((split, outer, outer_passes)):
                del self.arrivals[(join, outer, outer_passes)]
                prefix = task_id(outer, outer_passes) + "-"
                globs = ",".join(f"{step}/{prefix}*" for step in self.flow.step(join).previous)
                self.queue.append(TaskSpec(join, outer, outer_passes, globs))
            return
        self._join_input((join, spec.indices, passes), spec.step, parent)

    def _join_input(self, key: Key, previous: str, parent: str | None) -> None:
        """Record one way into a static join (``None``: it will not come); start it once all are known."""
        join, indices, passes = key
        arrived = self.arrivals.setdefault(key, {})
        arrived[previous] = parent
        expected = self.flow.step(join).previous
        if not set(arrived) >= set(expected):
            return
        del self.arrivals[key]
        live = [path for path in (arrived[p] for p in expected) if path is not None]
        if live:
            self.queue.append(TaskSpec(join, indices, passes, ",".join(live)))
        else:
            self._skip_step(join, indices, passes)

    # -- switch cases not taken -------------------------------------------------------
    # A join waits for each of its previous steps, so it must learn which of
    # them will never run: the steps after a case the switch did not take, up
    # to where they meet the taken path again.

    def _skip_edge(self, source: str, target: str, indices: tuple[int, ...], levels: tuple[int, ...]) -> None:
        """The transition ``source`` → ``target`` will not happen here."""
        if (source, target) in self.loops.back_edges or self.loops.leaves_loop(source, target):
            # A loop not taken again: nothing waits for it.  A way out of a
            # loop not taken now may still be taken on a later pass.
            return
        passes = (*levels[:-1], self.loops.iteration(source, target, levels[-1]))
        node = self.flow.step(target)
        if node.is_join:
            split = self.split_of_join.get(target)
            if split is None or self.flow.step(split).kind is not StepKind.FOREACH:
                self._join_input((target, indices, passes), source, None)
            return  # a foreach join counts the indices that arrive, one way each
        gone = self.skipped.setdefault((target, indices, passes), set())
        gone.add(source)
        if gone >= set(node.previous):
            del self.skipped[(target, indices, passes)]
            self._skip_step(target, indices, passes)

    def _skip_step(self, step: str, indices: tuple[int, ...], passes: tuple[int, ...]) -> None:
        """``step`` will not run here: neither will what only it leads to."""
        node = self.flow.step(step)
        if node.kind is StepKind.FOREACH and node.matching_join:
            self._skip_step(node.matching_join, indices, passes)  # the whole fan-out
            return
        for target in node.next:
            self._skip_edge(step, target, indices, passes)

    # -- resume ----------------------------------------------------------------------

    def _clone(self, spec: TaskSpec) -> dict[str, Any] | None:
        """On resume: reuse the origin run's successful task instead of running it."""
        origin, rerun = self.options.origin_run_id, self.options.rerun
        if origin is None or rerun is None or spec.step in rerun:
            return None
        name = self.flow.name
        output = self.ds.read_output(name, origin, spec.step, spec.task_id)
        if output is None:
            return None
        meta = self.ds.read_metadata(name, origin, spec.step, spec.task_id, int(output["attempt"]))
        if meta is None:
            return None
        meta |= {"run_id": self.options.run_id, "origin_run_id": origin, "cloned_from": origin}
        self.ds.write_metadata(meta)
        output = output | {"run_id": self.options.run_id}
        self.ds.write_output(output)
        self.printer.print(f"[{spec.label}] reused from run {origin}", markup=False, highlight=False)
        return output

    # -- run record ------------------------------------------------------------------

    def _record(self, status: str) -> None:
        previous = self.ds.read_run(self.flow.name, self.options.run_id) or {}
        doc = previous | {
            "flow": self.flow.name,
            "run_id": self.options.run_id,
            "status": status,
            "params": self.options.params,
            "tags": list(self.options.tags),
            "origin_run_id": self.options.origin_run_id,
            "flow_file": os.path.abspath(self.options.flow_file),
        }
        doc.setdefault("started_at", time.time())
        if status != "running":
            doc["finished_at"] = time.time()
        self.ds.write_run(self.flow.name, self.options.run_id, doc)

    def _record_safely(self, status: str) -> None:
        """Record the outcome; an unreachable datastore is reported, not raised."""
        try:
            self._record(status)
        except DatastoreError as exc:
            self.printer.print(f"warning: run record not written: {exc}", markup=False, highlight=False)
