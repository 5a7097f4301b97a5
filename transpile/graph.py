"""Graph checks and derived structure, in time linear in the number of steps.

Everything here iterates (no recursion, so no recursion limit) and visits
each step and edge a bounded number of times, so back-to-back split/join
pairs cost nothing extra (Metaflow's path walk is exponential in them).
"""

from __future__ import annotations

from collections import deque

from flowc.transpile.context import Context
from flowc.transpile.ir import StepKind
from flowc.transpile.steps import RawStep
from flowc.transpile.transitions import check_transitions


class Structure:
    """What the graph pass derives for each step."""

    # A plain class: a dataclass costs ~0.3 ms of import time (exec of its methods).
    def __init__(
        self,
        kinds: dict[str, StepKind],
        previous: dict[str, tuple[str, ...]],
        split_parents: dict[str, tuple[str, ...]],
        matching_join: dict[str, str],
    ) -> None:
        self.kinds = kinds
        self.previous = previous
        self.split_parents = split_parents
        self.matching_join = matching_join


def step_kind(raw: RawStep, start: str | None, end: str | None) -> StepKind:
    """The kind of a step, as Metaflow types its nodes."""
    if raw.name == end:
        return StepKind.END
    if raw.switch is not None:
        return StepKind.SWITCH
    if raw.foreach is not None or raw.num_parallel is not None:
        return StepKind.FOREACH
    if len(raw.targets) > 1:
        return StepKind.BRANCH
    if raw.name == start:
        return StepKind.START
    if raw.num_args == 2:
        return StepKind.JOIN
    return StepKind.LINEAR


def analyse_graph(ctx: Context, steps: dict[str, RawStep], start: str | None, end: str | None) -> Structure:
    """Check transitions, reachability, cycles and split/join balance."""
    kinds = {name: step_kind(raw, start, end) for name, raw in steps.items()}
    # The end step's own transition is reported as FLC112; following it would
    # add loop and start-step noise.
    edges = {
        name: [t for t in raw.targets if t in steps] if kinds[name] is not StepKind.END else []
        for name, raw in steps.items()
    }
    previous: dict[str, set[str]] = {name: set() for name in steps}
    for name, targets in edges.items():
        for target in targets:
            previous[target].add(name)
    structure = Structure(kinds, {n: tuple(sorted(p)) for n, p in previous.items()}, {}, {})
    check_transitions(ctx, steps, kinds, previous, start, end)
    if start is None or start not in steps:
        return structure
    broken = _broken(steps, end)
    reachable = _reachable(start, edges)
    for name, raw in steps.items():
        # With a transition already reported as invalid, what it was meant
        # to reach is unknown: then only steps nothing names are reported.
        if name not in reachable and not (broken and previous[name]):
            ctx.report(
                "FLC115",
                raw.span,
                None,
                f"step {name!r} is unreachable from {start!r}",
                f"add self.next(self.{name}) to an earlier step, or delete the step",
            )
    if broken:
        # Loops and balance follow the transitions; they would only report
        # the consequences of the broken one.
        return structure
    loops = _loop_edges(steps, edges, kinds, start)
    forward = {n: [t for t in ts if (n, t) not in loops] for n, ts in edges.items()}
    order = _topological(reachable, forward)
    if order is None:
        _report_cycle(ctx, steps, reachable, forward)
        return structure
    _balance(ctx, steps, kinds, forward, loops, order, structure, start)
    return structure


def _broken(steps: dict[str, RawStep], end: str | None) -> bool:
    """Whether some transition is missing, malformed or goes to an unknown step."""
    return any(
        raw.invalid_next
        or (raw.next_call is None and name != end)
        or any(t not in steps for t in raw.targets)
        for name, raw in steps.items()
    )


def _reachable(start: str, edges: dict[str, list[str]]) -> set[str]:
    seen = {start}
    queue = deque([start])
    while queue:
        for target in edges[queue.popleft()]:
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return seen


def _sccs(nodes: list[str], edges: dict[str, list[str]]) -> dict[str, int]:
    """Strongly connected components (iterative Tarjan): step → component id."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    component: dict[str, int] = {}
    counter = 0
    for root in nodes:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            targets = edges.get(node, [])
            if i < len(targets):
                work.append((node, i + 1))
                target = targets[i]
                if target not in index:
                    work.append((target, 0))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            if low[node] == index[node]:
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component[member] = index[node]
                    if member == node:
                        break
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return component


def _loop_edges(
    steps: dict[str, RawStep], edges: dict[str, list[str]], kinds: dict[str, StepKind], start: str
) -> set[tuple[str, str]]:
    """Switch cases that go back to the same or an earlier step (recursion).

    These are the switch edges that close a cycle on a depth-first walk from
    ``start``: a case to a step still on the walk's path.  A case going
    forward inside a larger loop (a switch in a foreach body that a later
    step loops around) is not one.
    """
    component = _sccs(list(steps), edges)
    return {
        (source, target)
        for source, target in _back_edges(start, edges)
        if kinds[source] is StepKind.SWITCH and component.get(source) == component.get(target)
    }


def _back_edges(start: str, edges: dict[str, list[str]]) -> set[tuple[str, str]]:
    """Edges to a step on the current path of an iterative depth-first walk."""
    back: set[tuple[str, str]] = set()
    on_path, seen = {start}, {start}
    stack: list[tuple[str, int]] = [(start, 0)]
    while stack:
        name, position = stack[-1]
        targets = edges.get(name, [])
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
    return back


def _topological(nodes: set[str], edges: dict[str, list[str]]) -> list[str] | None:
    """Kahn's order over ``nodes``; ``None`` if a cycle remains."""
    indegree = {n: 0 for n in nodes}
    for n in nodes:
        for t in edges[n]:
            if t in indegree:
                indegree[t] += 1
    ready = deque(sorted(n for n, d in indegree.items() if d == 0))
    order: list[str] = []
    while ready:
        n = ready.popleft()
        order.append(n)
        for t in edges[n]:
            if t in indegree:
                indegree[t] -= 1
                if indegree[t] == 0:
                    ready.append(t)
    return order if len(order) == len(nodes) else None


def _report_cycle(
    ctx: Context, steps: dict[str, RawStep], nodes: set[str], edges: dict[str, list[str]]
) -> None:
    component = _sccs(sorted(nodes), edges)
    groups: dict[int, list[str]] = {}
    for name in nodes:
        groups.setdefault(component[name], []).append(name)
    for members in groups.values():
        cyclic = len(members) > 1 or members[0] in edges[members[0]]
        if not cyclic:
            continue
        first = min(members, key=lambda n: (steps[n].span.line, n))
        path = " -> ".join(sorted(members, key=lambda n: steps[n].span.line))
        ctx.report(
            "FLC116",
            steps[first].next_span or steps[first].span,
            None,
            f"the steps {path} form a loop that no switch controls",
            "loops must go through a switch case (recursion); otherwise fix the self.next() targets",
        )


def _balance(
    ctx: Context,
    steps: dict[str, RawStep],
    kinds: dict[str, StepKind],
    forward: dict[str, list[str]],
    loops: set[tuple[str, str]],
    order: list[str],
    structure: Structure,
    start: str,
) -> None:
    """Propagate the stack of open splits along the DAG and check every merge.

    A path's state is ``(splits, branches)``: the open split steps,
    outermost first, and for each the branch (successor) the path took.
    """
    State = tuple[tuple[str, ...], tuple[str, ...]]
    incoming: dict[str, list[tuple[str, State]]] = {n: [] for n in order}
    incoming[start].append((start, ((), ())))
    failed = False
    for name in order:
        arrivals = incoming[name]
        if not arrivals:
            continue
        raw = steps[name]
        kind = kinds[name]
        if raw.num_args == 2 and name != start:
            state = _close_split(ctx, raw, steps, arrivals, structure)
        else:
            state = _merge(ctx, raw, arrivals, steps)
        if state is None:
            failed = True
            continue
        splits, branches = state
        structure.split_parents[name] = splits
        if kind is StepKind.END and splits:
            ctx.report(
                "FLC119",
                raw.span,
                None,
                f"the end step {name!r} is reached while the split at {splits[-1]!r} is still open",
                f"add a join step (def join(self, inputs)) for {splits[-1]!r} before {name!r}",
            )
        for target in forward[name]:
            if kind in (StepKind.BRANCH, StepKind.FOREACH):
                out: State = ((*splits, name), (*branches, target))
            else:
                out = state
            incoming[target].append((name, out))
    if not failed:
        _check_loop_targets(ctx, steps, loops, structure)


def _close_split(
    ctx: Context,
    raw: RawStep,
    steps: dict[str, RawStep],
    arrivals: list[tuple[str, tuple[tuple[str, ...], tuple[str, ...]]]],
    structure: Structure,
) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    name = raw.name
    opened = [splits for _, (splits, _b) in arrivals if splits]
    if len(opened) < len(arrivals):
        ctx.report(
            "FLC117",
            raw.span,
            None,
            f"join step {name!r} is not preceded by a split",
            f"remove the 'inputs' argument of {name!r}, or add a split before it",
        )
        return None
    prefixes = {splits[:-1] for splits, _ in (s for _, s in arrivals)}
    tops = {splits[-1] for splits, _ in (s for _, s in arrivals)}
    if len(tops) > 1 or len(prefixes) > 1:
        ctx.report(
            "FLC118",
            raw.span,
            None,
            f"join step {name!r} joins branches of different splits ({', '.join(sorted(tops))})",
            "join the inner split first, then the outer one, in separate join steps",
        )
        return None
    split = tops.pop()
    arrived = {branches[-1] for _, (_s, branches) in arrivals}
    expected = set(steps[split].targets)
    if arrived != expected:
        missing = ", ".join(sorted(expected - arrived)) or "none"
        ctx.report(
            "FLC117",
            raw.span,
            None,
            f"join step {name!r} closes the split at {split!r} but not all its branches reach it (missing: {missing})",
            f"make every branch of {split!r} end in {name!r}",
        )
        return None
    if split in structure.matching_join and structure.matching_join[split] != name:
        ctx.report(
            "FLC117",
            raw.span,
            None,
            f"the split at {split!r} is closed twice ({structure.matching_join[split]!r} and {name!r})",
            "close each split with exactly one join step",
        )
        return None
    structure.matching_join[split] = name
    state_splits, state_branches = arrivals[0][1]
    return state_splits[:-1], state_branches[:-1]


def _merge(
    ctx: Context,
    raw: RawStep,
    arrivals: list[tuple[str, tuple[tuple[str, ...], tuple[str, ...]]]],
    steps: dict[str, RawStep],
) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    states = {state for _, state in arrivals}
    if len(states) == 1:
        return next(iter(states))
    splits = {s for s, _ in states}
    senders = ", ".join(sorted({p for p, _ in arrivals}))
    if len(splits) == 1 and next(iter(splits)):
        split = next(iter(splits))[-1]
        ctx.report(
            "FLC126",
            raw.span,
            None,
            f"step {raw.name!r} receives branches of the split at {split!r} (from {senders}) but does not take inputs",
            f"make it a join: def {raw.name}(self, inputs):",
        )
    else:
        ctx.report(
            "FLC118",
            raw.span,
            None,
            f"step {raw.name!r} is reached from {senders}, which belong to different splits",
            "close each split with its own join step before the paths meet",
        )
    return None


def _check_loop_targets(
    ctx: Context, steps: dict[str, RawStep], loops: set[tuple[str, str]], structure: Structure
) -> None:
    for source, target in sorted(loops):
        if structure.split_parents.get(source) != structure.split_parents.get(target):
            ctx.report(
                "FLC121",
                steps[source].next_span or steps[source].span,
                None,
                f"switch step {source!r} loops back to {target!r} across a split or join",
                "a recursive case must return to a step inside the same split",
            )
