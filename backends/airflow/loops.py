"""Loops back to an earlier step: which steps they hold, and an order ignoring them.

A switch case may lead back to an earlier step (``evaluate`` → ``train``).
The back edges are the ones ``flowc run`` numbers passes by
(:class:`flowc.transpile.loops.Loops`), so both agree on the ``.k`` task
ids.  Loops that share steps (one switch with cases back to several
earlier steps) form one :class:`Region`, and plan.py unrolls each region
whole: one counter numbers the passes of all its loops, as in ``flowc run``.
"""

from __future__ import annotations

from dataclasses import dataclass

from flowc.transpile.ir import Flow, Step
from flowc.transpile.loops import Loops


@dataclass(frozen=True, slots=True)
class Region:
    """Loops back to earlier steps that share steps, unrolled together pass by pass."""

    #: Steps of the region, every step after its parents (back edges ignored): entry first.
    steps: tuple[str, ...]
    #: The loops' back edges ``(switch, earlier step)``, sorted.
    back_edges: tuple[tuple[str, str], ...]

    @property
    def entry(self) -> str:
        """The region's first step (its first pass may also start at later steps reached from outside)."""
        return self.steps[0]

    @property
    def switches(self) -> tuple[str, ...]:
        """The steps whose cases go back (one when supported: support.py)."""
        return tuple(sorted({source for source, _ in self.back_edges}))

    @property
    def heads(self) -> tuple[str, ...]:
        """The steps a pass after the first may start at, in region order."""
        targets = {head for _, head in self.back_edges}
        return tuple(name for name in self.steps if name in targets)

    def forward_parents(self, flow: Flow, name: str) -> list[str]:
        """The parents of ``name`` inside the region, through edges that stay in one pass."""
        inside = set(self.steps)
        return [p for p in flow.step(name).previous if p in inside and (p, name) not in self.back_edges]


def loop_body(flow: Flow, source: str, head: str) -> set[str]:
    """The steps of the loop closed by the back edge ``source`` → ``head`` (as ``flowc run`` sees it)."""
    found, todo = {head}, [head]
    while todo:
        for child in flow.step(todo.pop()).next:
            if child not in found:
                found.add(child)
                todo.append(child)
    return {name for name in found if name == source or _reaches(flow, name, source)}


def _reaches(flow: Flow, origin: str, goal: str) -> bool:
    seen, todo = {origin}, [origin]
    while todo:
        for child in flow.step(todo.pop()).next:
            if child == goal:
                return True
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return False


def topological_steps(flow: Flow) -> list[Step]:
    """Steps so that every step comes after its parents (ties in file order, back edges ignored)."""
    position = {s.name: i for i, s in enumerate(flow.steps)}
    back = Loops(flow).back_edges
    waiting = {s.name: {p for p in s.previous if (p, s.name) not in back} for s in flow.steps}
    done: list[Step] = []
    ready = sorted((n for n, w in waiting.items() if not w), key=position.__getitem__)
    while ready:
        name = ready.pop(0)
        done.append(flow.step(name))
        for child in flow.step(name).next:
            pending = waiting[child]
            if name in pending and (name, child) not in back:
                pending.discard(name)
                if not pending:
                    ready.append(child)
                    ready.sort(key=position.__getitem__)
    return done


def loop_regions(flow: Flow) -> list[Region]:
    """Every region of loops back to an earlier step; a lone recursive step is none (plan.py)."""
    groups: list[tuple[set[str], set[tuple[str, str]]]] = []
    for edge in sorted(Loops(flow).back_edges):
        body, edges = loop_body(flow, *edge), {edge}
        for group in [g for g in groups if g[0] & body]:
            groups.remove(group)
            body |= group[0]
            edges |= group[1]
        groups.append((body, edges))
    order = [s.name for s in topological_steps(flow)]
    regions = []
    for body, edges in groups:
        if body == {name for edge in edges for name in edge} and all(s == h for s, h in edges):
            continue  # a recursive step on its own
        regions.append(Region(tuple(n for n in order if n in body), tuple(sorted(edges))))
    return sorted(regions, key=lambda r: order.index(r.entry))


def region_inputs(flow: Flow, region: Region) -> dict[str, list[str]]:
    """Inputs of a region's steps after the first pass: ``{t}``, ``{parent}`` and ``{prev}`` carry ``.k``.

    ``{parent}`` is the id of a foreach inside the loop (its children's
    parent), ``{t}-*`` its join's children.  A step with several parents (a
    pass may start there or reach it from the step before) lists them all
    as optional; the DAG keeps the one that started it, as ``flowc run``
    names exactly that parent.
    """
    inputs = {}
    for name in region.steps:
        step = flow.step(name)
        parents = [p for p in step.previous if p in region.steps]
        optional = "?" if not step.is_join and len(parents) > 1 else ""
        tokens = [_token(flow, region, p, name) for p in parents]
        inputs[name] = [f"{p}/{token}{optional}" for p, token in zip(parents, tokens, strict=True)]
    return inputs


def _token(flow: Flow, region: Region, parent: str, name: str) -> str:
    """How ``name``'s task id in a later pass names its parent's (task-contract input paths)."""
    if (parent, name) in region.back_edges:
        return "{prev}"
    depth, parent_depth = len(flow.foreach_stack(name)), len(flow.foreach_stack(parent))
    if parent_depth == depth + 1:
        return "{t}-*"
    return "{parent}" if parent_depth + 1 == depth else "{t}"
