"""From the flow's IR to the Airflow tasks of its DAG, with their dependencies.

Design (see docs/airflow.md):

- Every step runs as one shim task (a mapped task inside a foreach).
- A foreach step is followed by a ``<step>-splits`` task that turns the
  cardinalities its tasks pushed to XCom into the flat list of index lists
  of its children (``[[0], [1]]``, or ``[[0, 0], [0, 1], [1, 0]]`` when
  nested).  Every step of the body, and the join of an inner foreach, is
  mapped over the list of its innermost enclosing foreach.
- A switch step outside any foreach is followed by a ``<step>-switch``
  branch task that follows the case the shim chose.  A case step that has
  other parents too is reached through an empty relay
  ``<switch>-to-<case>``, so that skipping one branch never skips a step
  another path still needs.
- Inside a foreach, a switch's case steps are guarded instead (guards.py).
- A recursive step (a switch case back to itself) is unrolled
  ``max_iterations`` times: ``train``, ``train-iter-1``, ...; each
  iteration's switch task continues the loop or leaves it through a relay.
  Loops back to earlier steps are unrolled whole (unroll.py): every step
  of the loop, branches and joins included, once per pass, the switch of
  pass ``k`` leading to the step it goes back to at ``k + 1`` (inside a
  foreach: guarding it).
- A step with several upstream tasks that is not a join waits with
  ``none_failed_min_one_success``: it runs after the branch taken.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from flowc.backends.airflow.loops import loop_regions, topological_steps
from flowc.backends.airflow.unroll import unroll_region
from flowc.transpile.ir import Flow, Step, StepKind
from flowc.transpile.loops import Loops

#: task or step → ("any" | "all", [(parent task, "case" | "path"), ...]); see guards.py.
Guards = dict[str, tuple[str, list[tuple[str, str]]]]


@dataclass(frozen=True, slots=True)
class RunTask:
    """A task running the shim for one step (one iteration of a loop)."""

    #: The step.
    step: str
    #: Airflow task id of the task running the shim.
    task_id: str
    #: Python variable in the DAG file.
    var: str
    #: Iteration of a recursive step (0 otherwise).
    iteration: int
    #: Variable of the split list this task is mapped over, if mapped.
    mapped_over: str | None
    #: Variables of the tasks it waits for, besides ``mapped_over``.
    upstream: tuple[str, ...]
    #: ``TriggerRule`` member name, ``None`` for Airflow's default.
    trigger_rule: str | None
    #: The flow's end step (it publishes the flow's asset).
    is_end: bool
    #: Variable of the task computing the pod arguments (KubernetesPodOperator mode).
    args_var: str | None = None


@dataclass(frozen=True, slots=True)
class SplitsTask:
    """Computes the index lists a foreach step's children are mapped over."""

    #: The foreach step.
    step: str
    #: Airflow task id.
    task_id: str
    #: Python variable.
    var: str
    #: Variable of the foreach step's run task (its outputs in XCom).
    source: str


@dataclass(frozen=True, slots=True)
class SwitchTask:
    """A branch task following the case chosen by a switch step."""

    #: The switch step.
    step: str
    #: Airflow task id.
    task_id: str
    #: Python variable.
    var: str
    #: Variable of the switch step's run task.
    source: str
    #: Chosen step name → task id to follow (a step missing here is an error).
    targets: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Relay:
    """An empty task standing for one switch case."""

    #: Airflow task id.
    task_id: str
    #: Python variable.
    var: str
    #: Variable of the switch task.
    upstream: str


Node = RunTask | SplitsTask | SwitchTask | Relay


@dataclass(frozen=True, slots=True)
class Plan:
    """The DAG's tasks in definition order, and what each step's shim needs."""

    #: Tasks, each defined after the tasks it references.
    nodes: tuple[Node, ...]
    #: Step → its ``--input-paths`` patterns (see :func:`input_patterns`).
    inputs: dict[str, list[str]]
    #: Recursive step → task ids of its iterations, in order.
    loops: dict[str, list[str]]
    #: Run task id → its guard (see guards.py), for tasks inside a foreach.
    guards: Guards = field(default_factory=dict)
    #: Step of a loop back to an earlier step → its input patterns after the first pass.
    loop_inputs: dict[str, list[str]] = field(default_factory=dict)
    #: Step of a foreach inside such a loop → the foreach depth of the loop's pass counter.
    loop_levels: dict[str, int] = field(default_factory=dict)


@dataclass
class _Names:
    """Python variable names, unique within the file."""

    taken: set[str] = field(default_factory=set)

    def claim(self, base: str) -> str:
        name, n = base, 2
        while name in self.taken:
            name, n = f"{base}_{n}", n + 1
        self.taken.add(name)
        return name


def is_recursive(step: Step) -> bool:
    """The step is a switch with a case back to itself."""
    return step.kind is StepKind.SWITCH and step.name in step.next


def input_patterns(flow: Flow, step: Step, looped: dict[str, str] | None = None) -> list[str]:
    """The step's ``--input-paths`` entries with placeholders filled in at run time.

    ``{t}`` is the task's own id, ``{parent}`` its id without the last
    index, ``{last}`` the id of the last iteration of a recursive parent
    or of a parent in another loop (``looped`` maps each step of a loop
    back to an earlier step to the loop's head); ``*`` and ``?`` keep their
    task-contract meaning.  A loop's back edge is no input of its first pass.
    """
    back, looped = Loops(flow).back_edges, looped or {}
    parents = [p for p in step.previous if (p, step.name) not in back]
    optional = "?" if not step.is_join and len(parents) > 1 else ""
    depth = len(flow.foreach_stack(step.name))
    patterns = []
    for name in parents:
        parent = flow.step(name)
        parent_depth = len(flow.foreach_stack(name))
        if parent_depth == depth + 1:
            token = "{t}-*"  # the shim takes each index's last pass
        elif is_recursive(parent) or (name in looped and looped.get(step.name) != looped[name]):
            token = "{last}"
        elif parent_depth + 1 == depth:
            token = "{parent}"
        else:
            token = "{t}"
        patterns.append(f"{name}/{token}{optional}")
    return patterns


class _Builder:
    """Walks the steps in order and lays out their tasks."""

    def __init__(self, flow: Flow, max_iterations: int, entry_suffix: str, step_guards: Guards) -> None:
        self.flow = flow
        self.step_guards = step_guards
        self.guards: Guards = {}
        self.max_iterations = max_iterations
        self.entry_suffix = entry_suffix
        self.names = _Names()
        self.nodes: list[Node] = []
        #: (parent, child) → variables the child waits for from that parent.
        self.handles: dict[tuple[str, str], list[str]] = {}
        #: foreach step → variable of its split list.
        self.splits: dict[str, str] = {}
        self.loops: dict[str, list[str]] = {}
        self.loop_inputs: dict[str, list[str]] = {}
        self.loop_levels: dict[str, int] = {}

    def build(self) -> Plan:
        # A region is laid out at its switch, its last step: all its entries' parents are done.
        regions = {region.switches[0]: region for region in loop_regions(self.flow)}
        looped = {name: region.entry for region in regions.values() for name in region.steps}
        for step in topological_steps(self.flow):
            if step.name in regions:
                unroll_region(self, regions[step.name])
            elif step.name in looped:
                continue  # laid out with its loop's switch
            elif is_recursive(step):
                self._loop(step)
            else:
                self._step(step)
        inputs = {s.name: input_patterns(self.flow, s, looped) for s in self.flow.steps}
        return Plan(tuple(self.nodes), inputs, self.loops, self.guards, self.loop_inputs, self.loop_levels)

    def entry(self, task_id: str) -> str:
        return task_id + self.entry_suffix

    def mapped_over(self, step: Step) -> str | None:
        """Variable of the split list the step's tasks are mapped over, if any."""
        stack = self.flow.foreach_stack(step.name)
        return self.splits[stack[-1]] if stack else None

    def upstream(self, step: Step, mapped_over: str | None) -> list[str]:
        found: list[str] = []
        for parent in step.previous:
            if parent == step.name:
                continue
            for var in self.handles.get((parent, step.name), []):
                if var != mapped_over and var not in found:
                    found.append(var)
        return found

    def run(
        self,
        step: Step,
        task_id: str,
        base: str,
        iteration: int,
        upstream: list[str],
        guard: tuple[str, list[tuple[str, str]]] | None = None,
    ) -> RunTask:
        """Lay out one run task; ``guard`` replaces the one :meth:`_guard` would give."""
        mapped_over = self.mapped_over(step)
        if iteration == 0 and not upstream:
            upstream = self.upstream(step, mapped_over)
        guard = guard or self._guard(step, iteration)
        if guard is not None:
            self.guards[task_id] = guard
            # It decides itself whether it runs; an empty expansion upstream must not skip it.
            rule: str | None = "NONE_FAILED"
            if step.name in self.loop_levels:
                # A loop's pass not taken skips its splits task: Airflow fails a mapped task
                # whose expansion input was skipped unless its trigger rule skips it first.
                rule = "NONE_FAILED_MIN_ONE_SUCCESS"
        elif len(upstream) > 1 and not step.is_join:
            rule = "NONE_FAILED_MIN_ONE_SUCCESS"
        else:
            rule = None
        task = RunTask(
            step=step.name,
            task_id=task_id,
            var=self.names.claim(base + "_task"),
            iteration=iteration,
            mapped_over=mapped_over,
            upstream=tuple(upstream),
            trigger_rule=rule,
            is_end=step.kind is StepKind.END,
            args_var=self.names.claim(base + "_args") if self.entry_suffix else None,
        )
        self.nodes.append(task)
        return task

    def _guard(self, step: Step, iteration: int) -> tuple[str, list[tuple[str, str]]] | None:
        """The task's guard: its step's, with a recursive parent standing for all its iterations."""
        if iteration and self.flow.foreach_stack(step.name) and is_recursive(step):
            return ("all", [(self.loops[step.name][iteration - 1], "case")])
        if iteration:
            return None  # outside a foreach the previous iteration's switch task branches
        guard = self.step_guards.get(step.name)
        if guard is None:
            return None
        mode, entries = guard
        expanded: list[tuple[str, str]] = []
        for parent, kind in entries:
            # A loop's switch stands for all its passes; a parent inside the loop is its first pass.
            if (
                parent in self.loops
                and parent != step.name
                and self.flow.step(parent).kind is StepKind.SWITCH
            ):
                expanded += [(task_id, "case") for task_id in self.loops[parent]]
                mode = "any"
            else:
                expanded.append((parent, kind))
        return (mode, expanded)

    def splits_task(self, step: Step, run: RunTask, base: str) -> str:
        """The ``<task>-splits`` task after a foreach's ``run``; its children map over it from now on."""
        splits = SplitsTask(step.name, f"{run.task_id}-splits", self.names.claim(f"{base}_splits"), run.var)
        self.nodes.append(splits)
        self.splits[step.name] = splits.var
        return splits.var

    def _step(self, step: Step) -> None:
        run = self.run(step, step.name, step.name, 0, [])
        if step.kind is StepKind.FOREACH:
            self.handles[(step.name, step.next[0])] = [self.splits_task(step, run, step.name)]
        elif step.kind is StepKind.SWITCH and not self.flow.foreach_stack(step.name):
            self.switch(step, run, step.name, step.name)
        else:
            for child in step.next:
                self.handles[(step.name, child)] = [run.var]

    def switch(
        self,
        step: Step,
        run: RunTask,
        task_id: str,
        base: str,
        back: Collection[str] = (),
        follow: dict[str, str] | None = None,
    ) -> tuple[str, dict[str, str]]:
        """The branch task after ``run``, and the relays it gives loop cases.

        ``back`` are the cases going back into a loop: each follows the next
        pass's task in ``follow`` (through a relay, returned by case, when that
        is ``""``), or is no target at all on the last pass.  Other cases of a
        loop's switch leave it through a relay.
        """
        var = self.names.claim(base + "_switch")
        follow = follow or {}
        targets: dict[str, str] = {}
        relays: list[Relay] = []
        looping: dict[str, str] = {}
        for child in step.next:
            if child in back and child not in follow:
                continue  # the last pass: a case back has nowhere to go
            if follow.get(child):
                targets[child] = follow[child]
                continue
            if not back and len(self.flow.step(child).previous) == 1:
                targets[child] = self.entry(child)
                self.handles.setdefault((step.name, child), []).append(var)
                continue
            relay = Relay(f"{task_id}-to-{child}", self.names.claim(f"{base}_to_{child}"), var)
            relays.append(relay)
            targets[child] = relay.task_id
            if child in back:
                looping[child] = relay.var
            else:
                self.handles.setdefault((step.name, child), []).append(relay.var)
        ordered = tuple(sorted(targets.items()))
        self.nodes.append(SwitchTask(step.name, f"{task_id}-switch", var, run.var, ordered))
        self.nodes.extend(relays)
        return var, looping

    def _loop(self, step: Step) -> None:
        ids = [step.name] + [f"{step.name}-iter-{k}" for k in range(1, self.max_iterations)]
        self.loops[step.name] = ids
        upstream: list[str] = []
        if self.flow.foreach_stack(step.name):
            # Inside a foreach each iteration is guarded by the previous one's choice.
            runs = []
            for k, task_id in enumerate(ids):
                base = step.name if k == 0 else f"{step.name}_iter{k}"
                runs.append(self.run(step, task_id, base, k, upstream).var)
                upstream = [runs[-1]]
            for child in step.next:
                if child != step.name:
                    self.handles[(step.name, child)] = list(runs)
            return
        for k, task_id in enumerate(ids):
            base = step.name if k == 0 else f"{step.name}_iter{k}"
            run = self.run(step, task_id, base, k, upstream)
            follow = {step.name: self.entry(ids[k + 1])} if k + 1 < len(ids) else {}
            upstream = [self.switch(step, run, task_id, base, (step.name,), follow)[0]]


def build_plan(flow: Flow, max_iterations: int, kubernetes: bool, step_guards: Guards | None = None) -> Plan:
    """Lay out ``flow`` as Airflow tasks; guarded steps decide at run time (see guards.py)."""
    return _Builder(flow, max_iterations, "-args" if kubernetes else "", step_guards or {}).build()
