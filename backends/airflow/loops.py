"""Loops back to an earlier step: which steps they hold, and an order ignoring them.

A switch case may lead back to an earlier step (``evaluate`` → ``train``).
The back edges are the ones ``flowc run`` numbers passes by
(:class:`flowc.transpile.loops.Loops`), so both agree on the ``.k``
task ids; plan.py unrolls each such loop whole.
"""

from __future__ import annotations

from flowc.transpile.ir import Flow, Step
from flowc.transpile.loops import Loops


def loop_body(flow: Flow, source: str, head: str) -> list[str]:
    """The steps of the loop closed by the back edge ``source`` → ``head``, head first."""
    found, todo = {head}, [head]
    while todo:
        for child in flow.step(todo.pop()).next:
            if child not in found:
                found.add(child)
                todo.append(child)
    body = {name for name in found if name == source or _reaches(flow, name, source)}
    return [s.name for s in topological_steps(flow) if s.name in body]


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


def body_loops(flow: Flow) -> dict[str, tuple[str, list[str]]]:
    """Head of each loop back to an earlier step → (its switch, the loop's steps head first)."""
    return {
        head: (source, loop_body(flow, source, head))
        for source, head in sorted(Loops(flow).back_edges)
        if source != head
    }


def loop_inputs(flow: Flow, source: str, body: list[str]) -> dict[str, list[str]]:
    """Inputs of a loop's steps after the first iteration: ``{t}`` and ``{prev}`` carry ``.k``."""
    inputs = {body[0]: [f"{source}/{{prev}}"]}
    for name in body[1:]:
        inputs[name] = [f"{p}/{{t}}" for p in flow.step(name).previous]
    return inputs
