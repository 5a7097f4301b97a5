"""What the state machine needs to know about the graph beyond the IR.

* **Loops.** A switch case that goes back to its own step or to an earlier
  one closes a loop.  Each loop has a *head* (the case's target) and keeps a
  counter in the state data at ``$.loops.<head>``: ``k`` (back edges taken),
  ``sfx`` (``""`` then ``".k"``) and ``in`` (the head's ``--input-paths``
  for the current iteration).
* **Task ids** follow docs/task-contract.md: ``t``, then ``-<i>`` per
  enclosing foreach (indices at ``$.i0``, ``$.i1`` ...), with the suffix of
  every loop at that foreach level appended after the level's index.
* **Input paths** name each parent by its task id; the parents of a loop
  head are read from its loop record, because they differ between the
  first and later iterations.
"""

from __future__ import annotations

from collections.abc import Iterable

from flowc.backends.sfn.intrinsic import Fmt, join
from flowc.transpile.ir import Flow, Step, StepKind


class Plan:
    """Loops, task ids and input paths of one flow."""

    def __init__(self, flow: Flow) -> None:
        self.flow = flow
        self.back_edges: set[tuple[str, str]] = _back_edges(flow)
        #: Loop head → steps of the loop (head included), for every head.
        self.loops: dict[str, frozenset[str]] = {}
        for source, head in sorted(self.back_edges):
            body = self.loops.get(head, frozenset({head})) | _natural_loop(
                flow, source, head, self.back_edges
            )
            self.loops[head] = body
        self._joins = {s.matching_join: s for s in flow.steps if s.matching_join}

    # -- structure -------------------------------------------------------------

    def depth(self, step: str) -> int:
        """How many foreach splits enclose ``step``."""
        return len(self.flow.foreach_stack(step))

    def is_back_edge(self, source: str, target: str) -> bool:
        """Whether ``source → target`` returns to an earlier step (a loop)."""
        return (source, target) in self.back_edges

    def is_head(self, step: str) -> bool:
        """Whether ``step`` starts a loop."""
        return step in self.loops

    def loops_of(self, step: str) -> list[str]:
        """Heads of the loops containing ``step``, outermost first."""
        heads = [h for h, body in self.loops.items() if step in body]
        return sorted(heads, key=lambda h: (-len(self.loops[h]), h))

    def split_of(self, join_step: str) -> Step:
        """The branch or foreach step that ``join_step`` closes."""
        return self._joins[join_step]

    def forward_previous(self, step: str) -> list[str]:
        """Predecessors of ``step`` through forward edges, sorted."""
        return [p for p in self.flow.step(step).previous if not self.is_back_edge(p, step)]

    # -- task ids and input paths ----------------------------------------------------

    def task_id(self, step: str) -> Fmt:
        """The task id of ``step`` in the current iteration, from the state data."""
        depth = self.depth(step)
        by_level: dict[int, list[str]] = {}
        for head in self.loops_of(step):
            by_level.setdefault(self.depth(head), []).append(head)
        out = Fmt("t")
        for level in range(depth + 1):
            if level:
                out = out + Fmt("-{}", (f"$.i{level - 1}",))
            for head in by_level.get(level, []):
                out = out + Fmt("{}", (f"$.loops.{head}.sfx",))
        return out

    def input_paths(self, step: str) -> Fmt | None:
        """The ``--input-paths`` value of ``step`` (``None`` for the start step)."""
        if step == self.flow.start:
            return None
        if self.is_head(step):
            return Fmt.of(f"$.loops.{step}.in")
        return self.entry_paths(step)

    def entry_paths(self, step: str) -> Fmt:
        """``--input-paths`` of ``step`` reached through a forward edge."""
        node = self.flow.step(step)
        parents = self.forward_previous(step)
        if node.is_join:
            split = self.split_of(step)
            if split.kind is StepKind.FOREACH:
                (last,) = parents
                return Fmt(f"{last}/") + self.task_id(split.name) + Fmt("-*")
            return join(self._branch_entries(split, step, parents), ",")
        optional = "?" if len(parents) > 1 else ""
        return join([self._entry(p, optional) for p in parents], ",")

    def back_edge_paths(self, source: str) -> Fmt:
        """``--input-paths`` of a loop head entered again from ``source``."""
        return self._entry(source, "")

    def _entry(self, parent: str, suffix: str) -> Fmt:
        return Fmt(f"{parent}/") + self.task_id(parent) + Fmt(suffix)

    def _branch_entries(self, split: Step, join_step: str, parents: list[str]) -> list[Fmt]:
        """One entry per branch; optional when a branch may end in several steps."""
        groups: dict[str, list[str]] = {}
        for head in split.next:
            reach = self._reach(head, join_step)
            groups[head] = [p for p in parents if p in reach]
        entries = []
        for parent in parents:
            group = next(g for g in groups.values() if parent in g)
            entries.append(self._entry(parent, "?" if len(group) > 1 else ""))
        return entries

    def _reach(self, first: str, stop: str) -> set[str]:
        seen: set[str] = set()
        todo = [first]
        while todo:
            name = todo.pop()
            if name in seen or name == stop:
                continue
            seen.add(name)
            todo.extend(n for n in self.flow.step(name).next if not self.is_back_edge(name, n))
        return seen


def _back_edges(flow: Flow) -> set[tuple[str, str]]:
    """Edges to a step still on the depth-first search stack (only switches make them)."""
    found: set[tuple[str, str]] = set()
    state: dict[str, int] = {}  # 1: on the stack, 2: done
    stack: list[tuple[str, Iterable[str]]] = [(flow.start, iter(flow.step(flow.start).next))]
    state[flow.start] = 1
    while stack:
        name, children = stack[-1]
        child = next(iter(children), None)
        if child is None:
            state[name] = 2
            stack.pop()
            continue
        if state.get(child) == 1:
            found.add((name, child))
        elif child not in state:
            state[child] = 1
            stack.append((child, iter(flow.step(child).next)))
    return found


def _natural_loop(flow: Flow, source: str, head: str, back: set[tuple[str, str]]) -> frozenset[str]:
    """Steps from which ``source`` is reached without passing ``head``: the loop's body."""
    body = {head, source}
    todo = [source]
    while todo:
        name = todo.pop()
        if name == head:
            continue
        for parent in flow.step(name).previous:
            if (parent, name) not in back and parent not in body:
                body.add(parent)
                todo.append(parent)
    return frozenset(body)
