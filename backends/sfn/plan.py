"""What the state machine needs to know about the graph beyond the IR.

* **Loops.** A switch case that goes back to its own step or to an earlier
  one closes a loop; its target is the loop's *head*.  Loops whose bodies
  overlap (nested recursions) at the same foreach depth form one *loop
  group*, which shares one iteration counter, as ``flowc run`` numbers them
  (:mod:`flowc.transpile.loops`).  A group keeps its record in the state
  data at ``$.loops.<group>`` (named after its outermost head): ``k`` (back
  edges taken), ``sfx`` (``""`` then ``".k"``) and ``in`` (the
  ``--input-paths`` of the head about to run).
* **Task ids** follow docs/task-contract.md: ``t``, then ``-<i>`` per
  enclosing foreach (indices at ``$.i0``, ``$.i1`` ...), with the suffix of
  the step's loop group at that foreach level appended after the level's
  index (``t-3.2``).
* **Input paths** name each parent by its task id; the parents of a loop
  head are read from its group's record, because they differ between the
  first and later iterations.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

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
        #: Loop head → the key of its loop group (the group's outermost head).
        self.group_of: dict[str, str] = _groups(self.loops, self.depth)
        #: Group key → the steps of all its loops.
        self.members: dict[str, frozenset[str]] = {}
        for head, key in self.group_of.items():
            self.members[key] = self.members.get(key, frozenset()) | self.loops[head]

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

    def groups_of(self, step: str) -> list[str]:
        """Keys of the loop groups containing ``step``, outermost foreach level first."""
        return sorted((k for k, body in self.members.items() if step in body), key=self.depth)

    def group_at(self, step: str) -> str | None:
        """The loop group containing ``step`` at ``step``'s own foreach level, if any."""
        depth = self.depth(step)
        return next((k for k in self.groups_of(step) if self.depth(k) == depth), None)

    def split_of(self, join_step: str) -> Step:
        """The branch or foreach step that ``join_step`` closes."""
        return self._joins[join_step]

    def forward_previous(self, step: str) -> list[str]:
        """Predecessors of ``step`` through forward edges, sorted."""
        return [p for p in self.flow.step(step).previous if not self.is_back_edge(p, step)]

    # -- task ids and input paths ----------------------------------------------------

    def task_id(self, step: str) -> Fmt:
        """The task id of ``step`` in the current iteration, from the state data."""
        by_level = {self.depth(key): key for key in self.groups_of(step)}
        out = Fmt("t")
        for level in range(self.depth(step) + 1):
            if level:
                out = out + Fmt("-{}", (f"$.i{level - 1}",))
            if level in by_level:
                out = out + Fmt("{}", (f"$.loops.{by_level[level]}.sfx",))
        return out

    def input_paths(self, step: str) -> Fmt | None:
        """The ``--input-paths`` value of ``step`` (``None`` for the start step)."""
        if step == self.flow.start:
            return None
        group = self.group_at(step)
        if group is not None and self.via_record(step):
            return Fmt.of(f"$.loops.{group}.in")
        if self.via_edge(step):
            return Fmt.of(f"$.via_{step}.paths")
        return self.entry_paths(step)

    def via_edge(self, step: str) -> bool:
        """Whether ``step``'s parent is known only from the edge it was reached by.

        After a switch case that skips ahead (``s → {a: x, b: m}``, ``x → m``)
        both ``s`` and ``x`` may have run before ``m``: optional entries would
        name both, so each edge into ``m`` sets ``$.via_<m>`` to its own parent.
        """
        parents = self.forward_previous(step)
        if self.flow.step(step).is_join or len(parents) < 2 or self.via_record(step):
            return False
        if any(self.flow.step(p).is_split for p in parents):
            return False  # a split enters its regions directly; no edge state to set
        return any(q in self._reach(p, step) for p in parents for q in parents if p != q)

    def via_record(self, step: str) -> bool:
        """Whether ``step``'s parents differ between entries, so that its input paths
        are set in its loop group's record: a loop head, or a step of a loop also
        reached from outside the loop."""
        group = self.group_at(step)
        if group is None:
            return False
        inside = {p in self.members[group] for p in self.forward_previous(step)}
        return self.is_head(step) or inside == {True, False}

    def entry_paths(self, step: str, parents: list[str] | None = None) -> Fmt:
        """``--input-paths`` of ``step`` reached through a forward edge (from one of
        ``parents``, by default any)."""
        node = self.flow.step(step)
        if parents is None or parents == self.forward_previous(step):
            parents = self.forward_previous(step)
        elif parents:
            return join([self._entry(p, "?" if len(parents) > 1 else "") for p in parents], ",")
        if node.is_join:
            split = self.split_of(step)
            if split.kind is StepKind.FOREACH:
                # One glob per last step of the body (switch cases meeting at
                # the join); the shim takes one task per index from their union.
                prefix = self.task_id(split.name) + Fmt("-*")
                return join([Fmt(f"{last}/") + prefix for last in parents], ",")
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
    """The loop's body: steps on a forward path from ``head`` to ``source``."""
    after = _forward_closure(head, lambda n: flow.step(n).next, lambda a, b: (a, b) in back)
    before = _forward_closure(source, lambda n: flow.step(n).previous, lambda a, b: (b, a) in back)
    return frozenset(after & before)


def _forward_closure(
    origin: str, neighbours: Callable[[str], Iterable[str]], is_back: Callable[[str, str], bool]
) -> set[str]:
    found, todo = {origin}, [origin]
    while todo:
        name = todo.pop()
        for other in neighbours(name):
            if other not in found and not is_back(name, other):
                found.add(other)
                todo.append(other)
    return found


def _groups(loops: dict[str, frozenset[str]], depth: Callable[[str], int]) -> dict[str, str]:
    """Loop head → its group's key: heads at one foreach depth whose loops share a
    step are one group, keyed by the head of its largest loop."""
    group = {head: head for head in loops}

    def find(head: str) -> str:
        while group[head] != head:
            head = group[head]
        return head

    heads = sorted(loops, key=lambda h: (-len(loops[h]), h))
    for position, first in enumerate(heads):
        for second in heads[position + 1 :]:
            if depth(first) == depth(second) and loops[first] & loops[second]:
                a, b = sorted((find(first), find(second)), key=heads.index)
                group[b] = a
    return {head: find(head) for head in heads}
