"""Loops in a flow's graph, for numbering the iterations of recursive steps.

Shared by the local runner and the backends, so every target gives a loop's
tasks the same ids.

A switch case may lead back to an earlier step (``evaluate`` → ``train``) or
to the step itself.  Every task of a step inside such a loop gets the
contract's ``.k`` suffix: the loop body shares one iteration counter, which
goes up by one on each back edge, so a step's tasks never share an id.
"""

from __future__ import annotations

from flowc.transpile.ir import Flow


class Loops:
    """Back edges and loop membership of a flow's step graph."""

    def __init__(self, flow: Flow) -> None:
        self._next = {s.name: tuple(s.next) for s in flow.steps}
        self.back_edges = self._find_back_edges(flow.start)
        self._loop_of = self._loop_members()

    def iteration(self, source: str, target: str, current: int) -> int:
        """The iteration number of ``target`` reached from ``source`` at ``current``."""
        if (source, target) in self.back_edges:
            return current + 1
        loop = self._loop_of.get(source)
        return current if loop is not None and target in loop else 0

    def leaves_loop(self, source: str, target: str) -> bool:
        """Whether ``source`` → ``target`` goes from inside a loop to outside it."""
        loop = self._loop_of.get(source)
        return loop is not None and target not in loop

    def _find_back_edges(self, start: str) -> frozenset[tuple[str, str]]:
        """Edges to a step still on the depth-first path from ``start``."""
        back: set[tuple[str, str]] = set()
        on_path: set[str] = set()
        seen: set[str] = set()
        stack: list[tuple[str, int]] = [(start, 0)]
        on_path.add(start)
        seen.add(start)
        while stack:
            name, position = stack[-1]
            targets = self._next.get(name, ())
            if position == len(targets):
                stack.pop()
                on_path.discard(name)
                continue
            stack[-1] = (name, position + 1)
            target = targets[position]
            if target in on_path:
                back.add((name, target))
            elif target not in seen:
                seen.add(target)
                on_path.add(target)
                stack.append((target, 0))
        return frozenset(back)

    def _loop_members(self) -> dict[str, frozenset[str]]:
        """For each step on a loop, the steps of its loop: on a cycle through a back edge."""
        members: dict[str, set[str]] = {}
        for source, head in self.back_edges:
            body = self._reachable(head) & self._reaching(source)
            for name in body:
                members.setdefault(name, set()).update(body)
        return {name: frozenset(body) for name, body in members.items()}

    def _reachable(self, origin: str) -> set[str]:
        found, todo = {origin}, [origin]
        while todo:
            for target in self._next.get(todo.pop(), ()):
                if target not in found:
                    found.add(target)
                    todo.append(target)
        return found

    def _reaching(self, goal: str) -> set[str]:
        return {name for name in self._next if goal in self._reachable(name)}
