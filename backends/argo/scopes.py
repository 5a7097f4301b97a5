"""Where each step runs: the main DAG, a foreach body, or a recursion loop.

Argo DAGs are acyclic and fan out only through ``withSequence``, so flowc
gives each foreach body and each recursion loop a DAG template of its own.
These *scopes* nest like the flow's constructs (their step sets are nested
or disjoint); a scope appears in its parent's DAG as one task.
"""

from __future__ import annotations

from flowc.transpile.ir import Flow, Step, StepKind

# Scope and Layout are plain classes, not dataclasses: nodes of one tree,
# compared by identity, and several times cheaper to define at import.


class Scope:
    """One DAG template's worth of steps."""

    __slots__ = ("anchor", "children", "kind", "latch", "members", "parent", "steps")

    def __init__(self, kind: str, anchor: str, members: frozenset[str], latch: str = "") -> None:
        #: ``"main"``, ``"foreach"`` or ``"loop"``.
        self.kind = kind
        #: The foreach step (for ``foreach``) or the loop's entry step (for ``loop``).
        self.anchor = anchor
        #: Every step inside, nested scopes included.
        self.members = members
        #: For ``loop``: the switch step whose case goes back to ``anchor``.
        self.latch = latch
        #: The enclosing scope (``None`` for main).
        self.parent: Scope | None = None
        #: Steps whose innermost scope is this one, in file order.
        self.steps: list[str] = []
        #: Directly nested scopes, in file order of their anchors.
        self.children: list[Scope] = []

    def __repr__(self) -> str:
        return f"Scope({self.kind!r}, {self.anchor!r})"

    @property
    def depth(self) -> int:
        """How many foreach scopes enclose this one, itself included."""
        own = 1 if self.kind == "foreach" else 0
        return own + (self.parent.depth if self.parent else 0)

    def chain(self) -> list[Scope]:
        """This scope and its ancestors, outermost first."""
        return ([*self.parent.chain()] if self.parent else []) + [self]


class Layout:
    """All scopes of a flow and each step's innermost scope."""

    __slots__ = ("back_edges", "main", "scope_of")

    def __init__(
        self, main: Scope, scope_of: dict[str, Scope], back_edges: frozenset[tuple[str, str]]
    ) -> None:
        #: The flow's top-level DAG.
        self.main = main
        #: Each step's innermost scope.
        self.scope_of = scope_of
        #: Switch cases that go back to the same or an earlier step.
        self.back_edges = back_edges

    def all_scopes(self) -> list[Scope]:
        """Every scope, parents before children."""
        out = [self.main]
        for scope in out:
            out.extend(scope.children)
        return out


def back_edges(flow: Flow) -> set[tuple[str, str]]:
    """Switch cases that go back to the same or an earlier step (recursion)."""
    order = {s.name: i for i, s in enumerate(_topological(flow))}
    return {
        (s.name, t)
        for s in flow.steps
        if s.kind is StepKind.SWITCH
        for t in s.next
        if order.get(t, -1) <= order[s.name]
    }


def _topological(flow: Flow) -> list[Step]:
    """Steps in an order where forward edges go forward (DFS from start)."""
    seen: set[str] = set()
    done: list[str] = []

    def visit(name: str) -> None:
        """Iterative DFS (flows of thousands of steps would overflow recursion)."""
        stack = [(name, iter(flow.step(name).next))]
        seen.add(name)
        while stack:
            node, successors = stack[-1]
            child = next(successors, None)
            if child is None:
                stack.pop()
                done.append(node)
            elif child not in seen:
                seen.add(child)
                stack.append((child, iter(flow.step(child).next)))

    visit(flow.start)
    for step in flow.steps:
        if step.name not in seen:
            visit(step.name)
    return [flow.step(n) for n in reversed(done)]


def _loop_members(flow: Flow, entry: str, latch: str, back: set[tuple[str, str]]) -> frozenset[str]:
    """Steps on a forward path from ``entry`` to ``latch``."""
    forward = _reach(flow, entry, back, reverse=False)
    backward = _reach(flow, latch, back, reverse=True)
    return frozenset(forward & backward)


def _reach(flow: Flow, origin: str, back: set[tuple[str, str]], reverse: bool) -> set[str]:
    found = {origin}
    todo = [origin]
    while todo:
        name = todo.pop()
        step = flow.step(name)
        if reverse:
            nexts = [p for p in step.previous if (p, name) not in back]
        else:
            nexts = [n for n in step.next if (name, n) not in back]
        for other in nexts:
            if other not in found:
                found.add(other)
                todo.append(other)
    return found


def join_groups(
    flow: Flow, join: Step, split: Step | None, back: frozenset[tuple[str, str]]
) -> list[list[str]]:
    """The parents of ``join`` by branch of ``split``, the split it closes, in ``previous`` order.

    Parents in one group are alternatives (the cases of a switch inside that
    branch): exactly one of them runs per branch.  ``back``: recursion edges.
    """
    heads = list(split.next) if split is not None and split.kind is StepKind.BRANCH else []
    branches = [_reach_until(flow, head, join.name, back) for head in heads]
    groups: dict[int, list[str]] = {}
    for parent in join.previous:
        branch = next((i for i, steps in enumerate(branches) if parent in steps), -1)
        groups.setdefault(branch, []).append(parent)
    return list(groups.values())


def _reach_until(flow: Flow, origin: str, stop: str, back: frozenset[tuple[str, str]]) -> set[str]:
    """Steps reachable from ``origin`` without passing ``stop`` or a recursion edge."""
    found = {origin}
    todo = [origin]
    while todo:
        name = todo.pop()
        for other in flow.step(name).next:
            if other != stop and other not in found and (name, other) not in back:
                found.add(other)
                todo.append(other)
    return found


def _foreach_members(flow: Flow, split: Step) -> frozenset[str]:
    return frozenset(s.name for s in flow.steps if split.name in s.split_parents)


def layout(flow: Flow) -> Layout:
    """The scopes of ``flow`` (raises ``ValueError`` if loops overlap without nesting)."""
    back = back_edges(flow)
    everything = frozenset(s.name for s in flow.steps)
    candidates = [
        Scope("foreach", s.name, _foreach_members(flow, s)) for s in flow.steps if s.kind is StepKind.FOREACH
    ]
    candidates += [
        Scope("loop", entry, _loop_members(flow, entry, latch, back), latch=latch)
        for latch, entry in sorted(back)
    ]
    main = Scope("main", flow.start, everything)
    # Larger scopes first, so each scope's parent is already placed.
    candidates.sort(key=lambda s: (-len(s.members), s.kind, s.anchor))
    placed = [main]
    for scope in candidates:
        parents = [p for p in placed if scope.members <= p.members]
        parent = min(parents, key=lambda p: len(p.members))
        for other in placed:
            if other.members & scope.members and not (scope.members <= other.members):
                raise ValueError(f"the constructs at {scope.anchor!r} and {other.anchor!r} overlap")
        scope.parent = parent
        placed.append(scope)
    order = {s.name: i for i, s in enumerate(flow.steps)}
    scope_of: dict[str, Scope] = {}
    for step in flow.steps:
        holders = [s for s in placed if step.name in s.members]
        innermost = min(holders, key=lambda s: len(s.members))
        scope_of[step.name] = innermost
        innermost.steps.append(step.name)
    for scope in placed[1:]:
        assert scope.parent is not None
        scope.parent.children.append(scope)
    for scope in placed:
        scope.children.sort(key=lambda s: order[s.anchor])
    return Layout(main, scope_of, frozenset(back))
