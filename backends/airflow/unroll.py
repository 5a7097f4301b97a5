"""Unrolling a region of loops back to earlier steps (loops.py) into Airflow tasks.

Every step of the region gets one task per pass, ``max_iterations``
passes: ``train``, ``train-iter-1``, ...  A pass starts at one of the
region's heads (the steps a switch case goes back to; the first pass: at
a step reached from outside) and runs every step after it down to the
switch, branches and joins included, so all tasks of pass ``k`` carry shim
task ids ``t.k`` (or ``t-i.k``), as in ``flowc run``.

Outside a foreach, the switch's branch task of pass ``k`` follows the head
it chose in pass ``k + 1`` (through a relay when that head can also be
reached from the step before it in the pass) or leaves through a relay;
tasks not on the pass taken are skipped.  Inside a foreach, Airflow cannot
skip one map index, so every task of a later pass is guarded (guards.py):
a head runs where the previous pass's switch chose it or its parent in the
pass ran, the other steps where their parents ran.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from flowc.backends.airflow.loops import Region, region_inputs
from flowc.transpile.ir import Flow, Step, StepKind

if TYPE_CHECKING:
    from collections.abc import Collection

    from flowc.backends.airflow.plan import RunTask

#: A guard: ("any" | "all", [(parent task id, "case" | "path"), ...]).
Guard = tuple[str, list[tuple[str, str]]]


class Layout(Protocol):
    """What the unrolling needs from the plan builder (plan.py)."""

    flow: Flow
    max_iterations: int
    loops: dict[str, list[str]]
    loop_inputs: dict[str, list[str]]
    loop_levels: dict[str, int]
    handles: dict[tuple[str, str], list[str]]
    step_guards: dict[str, Guard]

    def entry(self, task_id: str) -> str: ...

    def mapped_over(self, step: Step) -> str | None: ...

    def splits_task(self, step: Step, run: RunTask, base: str) -> str: ...

    def upstream(self, step: Step, mapped_over: str | None) -> list[str]: ...

    def run(
        self,
        step: Step,
        task_id: str,
        base: str,
        iteration: int,
        upstream: list[str],
        guard: Guard | None = None,
    ) -> RunTask: ...

    def switch(
        self,
        step: Step,
        run: RunTask,
        task_id: str,
        base: str,
        back: Collection[str] = (),
        follow: dict[str, str] | None = None,
    ) -> tuple[str, dict[str, str]]: ...


def unroll_region(layout: Layout, region: Region) -> None:
    """Lay out every pass of ``region``: branching outside a foreach, guards inside one."""
    for name in region.steps:
        layout.loops[name] = [name] + [f"{name}-iter-{k}" for k in range(1, layout.max_iterations)]
    layout.loop_inputs.update(region_inputs(layout.flow, region))
    if layout.flow.foreach_stack(region.entry):
        _guarded(layout, region)
    else:
        _branching(layout, region)


def _base(name: str, k: int) -> str:
    return name if k == 0 else f"{name}_iter{k}"


def _branching(layout: Layout, region: Region) -> None:
    """Outside a foreach: the switch of each pass branches to the head of the next one.

    A foreach inside the loop gets a splits task per pass, its body mapped
    over that pass's list; the pass number goes after the loop's level
    (``LOOP_LEVELS``: ``t.1-0``), and a guarded step of its body (a switch
    inside it) is guarded by its parents of the same pass.  Another switch
    of the pass branches to its cases of the same pass.
    """
    flow, (switch,) = layout.flow, region.switches
    # what starts each step in this pass besides its parents in the pass: outside steps first
    starts = {name: layout.upstream(flow.step(name), None) for name in region.steps}
    layout.loop_levels.update({name: 0 for name in region.steps if flow.foreach_stack(name)})
    for k in range(layout.max_iterations):
        runs: dict[str, RunTask] = {}
        #: (switch of this pass, case) → the variable the case waits for (branch task or relay)
        cases: dict[tuple[str, str], str] = {}
        for name in region.steps:
            step = flow.step(name)
            upstream = [_handle(flow, runs, cases, p, name) for p in region.forward_parents(flow, name)]
            upstream = [var for var in upstream if var] + starts.get(name, [])
            guard = _same_pass(layout, region, name, k)
            runs[name] = layout.run(step, layout.loops[name][k], _base(name, k), k, upstream, guard)
            if step.kind is StepKind.FOREACH:
                layout.splits_task(step, runs[name], _base(name, k))
            elif step.kind is StepKind.SWITCH and name != switch and not flow.foreach_stack(name):
                cases.update(_pass_switch(layout, step, runs[name], k))
        follow = {}
        if k + 1 < layout.max_iterations:
            for head in region.heads:
                # A head the pass can also reach from its parent waits for either: a relay.
                direct = not region.forward_parents(flow, head)
                follow[head] = layout.entry(layout.loops[head][k + 1]) if direct else ""
        task_id = layout.loops[switch][k]
        var, relays = layout.switch(
            flow.step(switch), runs[switch], task_id, _base(switch, k), region.heads, follow
        )
        starts = {head: [relays.get(head, var)] for head in follow}


def _handle(
    flow: Flow, runs: dict[str, RunTask], cases: dict[tuple[str, str], str], parent: str, name: str
) -> str:
    """What ``name`` waits for from ``parent`` in the same pass (``""``: its splits list)."""
    if (parent, name) in cases:
        return cases[(parent, name)]
    # A foreach's children wait for it through the splits list they are mapped over.
    return "" if flow.step(parent).kind is StepKind.FOREACH else runs[parent].var


def _pass_switch(layout: Layout, step: Step, run: RunTask, k: int) -> dict[tuple[str, str], str]:
    """The branch task of a switch inside the loop, following its cases of pass ``k``.

    A case with other parents (the step where the cases meet) is entered
    through a relay, so that skipping the branch never skips it.
    """
    follow = {}
    for child in step.next:
        single = len(layout.flow.step(child).previous) == 1
        follow[child] = layout.entry(layout.loops[child][k]) if single else ""
    task_id, base = layout.loops[step.name][k], _base(step.name, k)
    # Every case stays in this pass: given as ``back`` so each follows ``follow`` (or its relay).
    var, relays = layout.switch(step, run, task_id, base, tuple(step.next), follow)
    return {(step.name, child): relays.get(child, var) for child in step.next}


def _kind(flow: Flow, parent: str) -> str:
    return "case" if flow.step(parent).kind is StepKind.SWITCH else "path"


def _same_pass(layout: Layout, region: Region, name: str, k: int) -> Guard | None:
    """The step's guard (guards.py) naming its parents' tasks of pass ``k``.

    ``None`` when it has none, or when a parent is outside the region (the
    plan's default guard stands for every pass of such a parent).
    """
    guard = layout.step_guards.get(name)
    if guard is None or any(p not in region.steps for p, _ in guard[1]):
        return None
    mode, entries = guard
    return mode, [(layout.loops[p][k], kind) for p, kind in entries]


def _guarded(layout: Layout, region: Region) -> None:
    """Inside a foreach: every pass mapped, each task deciding per map index whether it runs.

    Pass 0 runs as the steps would without the loop.  The steps after the
    region wait for every pass of the switch and run where one chose them.
    """
    flow, (switch,) = layout.flow, region.switches
    passes: list[RunTask] = []
    for k in range(layout.max_iterations):
        runs: dict[str, RunTask] = {}
        for name in region.steps:
            step = flow.step(name)
            parents = [runs[p] for p in region.forward_parents(flow, name)]
            upstream = [run.var for run in parents]
            # pass 0: the step's own guard (guards.py), if any, of the same pass
            guard = _same_pass(layout, region, name, 0) if k == 0 else None
            if k == 0:
                upstream += layout.upstream(step, layout.mapped_over(step))
            else:
                # a case of another switch of the pass runs where that switch chose it
                entries = [(run.task_id, _kind(flow, run.step)) for run in parents]
                if name in region.heads:
                    upstream.append(passes[-1].var)
                    entries.append((passes[-1].task_id, "case"))
                guard = ("any" if len(entries) > 1 and not step.is_join else "all", entries)
            runs[name] = layout.run(step, layout.loops[name][k], _base(name, k), k, upstream, guard)
        passes.append(runs[switch])
    for child in flow.step(switch).next:
        if child not in region.heads:
            layout.handles[(switch, child)] = [run.var for run in passes]
