"""Switches inside a foreach: which tasks decide at run time whether they run.

Airflow's branching skips whole mapped tasks, not single map indexes, so a
switch inside a foreach cannot use it.  Instead every step on a switch's
case paths gets a *guard*: before running at map index ``i`` it reads the
XCom of its parents at the same index (they are mapped over the same list)
and runs only if the switch there chose it (``case``) or its parent ran
(``path``).  A step that does not run returns an *inactive* marker instead
of the shim's output; a merge (several parents, not a join) runs when any
parent ran, other steps when all did.  Nothing of an inactive task reaches
the datastore, so the merge's optional input paths (``?``) skip it, exactly
as ``flowc run`` never starts the case not taken.

A recursive step, or a loop back to an earlier step, inside a foreach is
unrolled like any other loop; pass ``k`` of the loop's first step is
guarded by pass ``k-1`` of its switch having chosen it (plan.py), and the
steps after the loop by any pass having chosen them.
"""

from __future__ import annotations

from flowc.backends.airflow.loops import topological_steps
from flowc.backends.airflow.plan import Guards
from flowc.transpile.ir import Flow, Step, StepKind
from flowc.transpile.loops import Loops


def _foreach_of_join(flow: Flow, join: Step) -> str | None:
    """The foreach step a foreach join closes, if ``join`` is one."""
    for step in flow.steps:
        if step.kind is StepKind.FOREACH and step.matching_join == join.name:
            return step.name
    return None


def _parents(flow: Flow, step: Step) -> list[str]:
    """The step's parents but loop back edges: a loop's first pass is entered from outside it,
    and later passes are guarded where the loop is unrolled (plan.py)."""
    back = Loops(flow).back_edges
    return [p for p in step.previous if (p, step.name) not in back]


def _entries(flow: Flow, step: Step, found: Guards) -> list[tuple[str, str | None]]:
    """Each same-depth parent with how it conditions ``step`` (``None``: it does not)."""
    depth = len(flow.foreach_stack(step.name))
    entries: list[tuple[str, str | None]] = []
    for name in _parents(flow, step):
        if len(flow.foreach_stack(name)) != depth:
            continue
        if flow.step(name).kind is StepKind.SWITCH:
            entries.append((name, "case"))
        else:
            entries.append((name, "path" if name in found else None))
    split = _foreach_of_join(flow, step) if step.is_join else None
    if split is not None:
        entries.append((split, "path" if split in found else None))
    return entries


def compute_guards(flow: Flow) -> Guards:
    """The guard of every step inside a foreach that a switch there makes conditional."""
    found: Guards = {}
    for step in topological_steps(flow):
        if not flow.foreach_stack(step.name):
            continue
        parents = _parents(flow, step)
        mode = "any" if not step.is_join and len(parents) > 1 else "all"
        entries = _entries(flow, step, found)
        conditional = [(name, kind) for name, kind in entries if kind is not None]
        if not conditional or (mode == "any" and len(conditional) < len(entries)):
            continue
        found[step.name] = (mode, conditional)
    return found
