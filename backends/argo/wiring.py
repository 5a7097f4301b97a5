"""How tasks connect: task ids, ``depends``/``when``, and ``--input-paths``.

Edges become ``depends`` expressions on ``.Succeeded``: a task whose
predecessor was skipped by a switch is then omitted, never run (a bare
``depends: a`` would also accept ``a.Skipped``).  A join waits for all its
parents (``&&``); a switch merge for the one branch taken (``||``; Argo
evaluates it once every task it names has finished, skipped or omitted).

A merge whose parents include the switch itself (a case going straight to
the merge) or a recursion's exit cannot tell from the datastore which
parent led to it: both the switch and a later parent may have run.  Such a
merge becomes one task per incoming edge (``<merge>-Via-<parent>``), each
guarded by that edge's own condition, so exactly one runs and it names its
real parent.  Only one of them runs, under the merge's usual task id.  A
recursion entered that way gets one call per edge, and whatever reads the
outputs of such a merge (a switch's choice, a foreach's width, a loop's
last round) picks the variant that ran (:meth:`Wiring.output`).
"""

from __future__ import annotations

from typing import NamedTuple

from flowc.backends.argo.containers import split_param
from flowc.backends.argo.limits import field_name
from flowc.backends.argo.scopes import Layout, Scope, join_groups
from flowc.transpile.ir import Flow, Step, StepKind


class ShapeError(Exception):
    """A flow shape the Argo backend cannot express."""

    def __init__(self, step: str, what: str, hint: str) -> None:
        super().__init__(what)
        self.step = step
        self.what = what
        self.hint = hint


def tag(expression: str) -> str:
    """``{{expression}}``."""
    return "{{" + expression + "}}"


def inp(name: str) -> str:
    """A reference to the template's input parameter ``name``."""
    return tag(f"inputs.parameters.{name}")


class Edge(NamedTuple):
    """A transition as seen from one DAG: ``source`` runs as task ``source_task``."""

    source_task: str
    source: str
    target: str


class Wiring:
    """Names, ids and connections of the tasks of a flow laid out in scopes."""

    def __init__(self, flow: Flow, lay: Layout) -> None:
        self.flow = flow
        self.lay = lay
        self.order = {s.name: i for i, s in enumerate(flow.steps)}
        #: Join → its parents grouped by branch (a group's parents are alternatives).
        self.joins = self._join_groups()
        #: Node task (a step's, or a loop's call) → (variant task, parent) for each incoming edge.
        self.via: dict[str, list[tuple[str, str]]] = {}
        for step in flow.steps:
            if self._needs_variants(step):
                base = step.name + ("-Loop" if self.enters_loop(step.name) else "")
                self.via[self.node(step.name)] = [
                    (field_name(f"{base}-Via-{parent}"), parent) for parent in self.forward_previous(step)
                ]

    def _join_groups(self) -> dict[str, list[list[str]]]:
        """Each join's parents by branch; a foreach join's parents are one group.

        A foreach body may end in several steps (switch cases meeting at the
        join): the join still waits for the body's one call and lists one
        glob per last step, which the shim takes together (task contract).
        """
        splits = {s.matching_join: s for s in self.flow.steps if s.matching_join}
        return {
            step.name: join_groups(self.flow, step, splits.get(step.name), self.lay.back_edges)
            for step in self.flow.steps
            if step.is_join
        }

    # -- names and ids ------------------------------------------------------
    def components(self, scope: Scope) -> list[tuple[str, str]]:
        """(separator, input name) of each foreach index and loop suffix, outermost first."""
        out: list[tuple[str, str]] = []
        foreach = loops = 0
        for item in scope.chain()[1:]:
            if item.kind == "foreach":
                out.append(("-", split_param(foreach)))
                foreach += 1
            else:
                out.append(("", f"r{loops}"))
                loops += 1
        return out

    def task_id(self, scope: Scope) -> str:
        """The task id of a step whose innermost scope is ``scope``, as an Argo expression."""
        return "t" + "".join(sep + inp(name) for sep, name in self.components(scope))

    @staticmethod
    def scope_task(scope: Scope) -> str:
        """The task that runs ``scope`` in its parent's DAG."""
        return field_name(scope.anchor + ("-Foreach" if scope.kind == "foreach" else "-Loop"))

    def enters_loop(self, step: str) -> bool:
        """Whether ``step`` is the entry of a loop: its parents see the loop's call, not the step."""
        scope = self.lay.scope_of[step]
        return scope.kind == "loop" and scope.anchor == step

    def home(self, step: str) -> Scope:
        """The scope whose DAG holds the task that ``step``'s parents lead to."""
        scope = self.lay.scope_of[step]
        return scope.parent if self.enters_loop(step) and scope.parent else scope

    def node(self, step: str) -> str:
        """The task that ``step``'s parents lead to (its own, or its loop's call)."""
        return self.scope_task(self.lay.scope_of[step]) if self.enters_loop(step) else field_name(step)

    def rep(self, step: str, scope: Scope) -> str | None:
        """The task standing for ``step`` in ``scope``'s DAG (``None``: outside it)."""
        chain = self.lay.scope_of[step].chain()
        if scope not in chain:
            return None
        position = chain.index(scope)
        if position == len(chain) - 1:
            return field_name(step)
        return self.scope_task(chain[position + 1])

    def succeeded(self, task: str) -> str:
        """The ``depends`` term for "``task`` succeeded" (any variant of a split merge)."""
        if task not in self.via:
            return f"{task}.Succeeded"
        return "(" + " || ".join(f"{variant}.Succeeded" for variant, _ in self.via[task]) + ")"

    def output(self, task: str, name: str) -> str:
        """A reference to output ``name`` of ``task``: of the one variant that ran, for a split merge.

        Only the variant that ran has outputs, and an unresolved reference
        fails the workflow, so the choice is a lazy ``expr`` conditional on
        each variant's ``status`` (every variant is an ancestor of the task
        reading it, so Argo puts their status in its scope).
        """
        if task not in self.via:
            return tag(f"tasks.{task}.outputs.parameters.{name}")
        variants = [variant for variant, _ in self.via[task]]
        picked = f"tasks['{variants[-1]}'].outputs.parameters.{name}"
        for variant in reversed(variants[:-1]):
            ran = f"tasks['{variant}'].status == 'Succeeded'"
            picked = f"{ran} ? tasks['{variant}'].outputs.parameters.{name} : {picked}"
        return tag("=" + picked)

    # -- edges --------------------------------------------------------------
    def forward_previous(self, step: Step) -> list[str]:
        """Parents of ``step`` except a recursion's back edge."""
        return [p for p in step.previous if (p, step.name) not in self.lay.back_edges]

    def _is_direct_switch(self, parent: str, step: str) -> bool:
        return self.flow.step(parent).kind is StepKind.SWITCH and self.rep(
            parent, self.home(step)
        ) == field_name(parent)

    def _is_loop_exit(self, parent: str, step: str) -> bool:
        holder = self.lay.scope_of[parent]
        return holder.kind == "loop" and holder.latch == parent and step not in holder.members

    def _needs_variants(self, step: Step) -> bool:
        parents = self.forward_previous(step)
        if step.is_join or len(parents) < 2:
            return False
        return any(self._is_direct_switch(p, step.name) or self._is_loop_exit(p, step.name) for p in parents)

    def incoming(self, task: str, scope: Scope, members: list[str]) -> list[Edge]:
        """Edges into ``members`` from other tasks of ``scope``'s DAG."""
        edges = []
        for name in members:
            for prev in self.forward_previous(self.flow.step(name)):
                source_task = self.rep(prev, scope)
                if source_task is not None and source_task != task:
                    edges.append(Edge(source_task, prev, name))
        return edges

    def depends(self, target: Step | None, edges: list[Edge]) -> dict[str, str]:
        """``depends`` and, after a switch, ``when`` for a task with these incoming edges."""
        sources = sorted({e.source_task for e in edges})
        if not sources:
            return {}
        out: dict[str, str] = {}
        for edge in edges:
            if self.flow.step(edge.source).kind is not StepKind.SWITCH:
                continue
            if edge.source_task == field_name(edge.source):
                assert len(edges) == 1, edge
                out["when"] = f"'{self.output(edge.source_task, 'switch')}' == '{edge.target}'"
            elif self.several_exits(self.lay.scope_of[edge.source]):
                if edge.source_task != self.scope_task(self.lay.scope_of[edge.source]):
                    raise ShapeError(
                        edge.source, "a switch case leaving two constructs at once", "add a step"
                    )
                assert len(edges) == 1, edge
                out["when"] = f"'{self.output(edge.source_task, 'exit')}' == '{edge.target}'"
        if target is None or not target.is_join:
            out["depends"] = self._any(sources)
            return dict(sorted(out.items()))
        groups = [sorted({e.source_task for e in edges if e.source in g}) for g in self.joins[target.name]]
        parts = [self._any(tasks) for tasks in sorted(g for g in groups if g)]
        out["depends"] = parts[0] if len(parts) == 1 else "(" + " && ".join(parts) + ")"
        return dict(sorted(out.items()))

    def _any(self, tasks: list[str]) -> str:
        """The ``depends`` term for "one of ``tasks`` succeeded"."""
        parts = [self.succeeded(t) for t in tasks]
        return parts[0] if len(parts) == 1 else "(" + " || ".join(parts) + ")"

    def several_exits(self, scope: Scope) -> bool:
        """Whether ``scope`` is a loop whose switch has more than one case leaving it."""
        if scope.kind != "loop" or not scope.latch:
            return False
        return len(self.forward_next(self.flow.step(scope.latch))) > 1

    def forward_next(self, step: Step) -> list[str]:
        """Successors of ``step`` except a recursion's back edge."""
        return [n for n in step.next if (step.name, n) not in self.lay.back_edges]

    # -- input paths --------------------------------------------------------
    def input_paths(self, step: Step, scope: Scope, only: str | None = None) -> str:
        """The ``--input-paths`` value of ``step`` seen from ``scope`` (``only``: one parent)."""
        previous = [only] if only else self.forward_previous(step)
        if step.is_join:
            # Required, except a branch's alternatives (the cases of a switch inside it).
            optional = {p for group in self.joins[step.name] if len(group) > 1 for p in group}
        else:
            optional = set(previous) if len(previous) > 1 else set()
        entries = []
        for prev in previous:
            holder = self.lay.scope_of[prev]
            if scope in holder.chain() and holder is not scope:
                entries.append(self._nested_path(prev, holder, scope, step))
            else:
                entries.append(f"{prev}/{self.task_id(holder)}{'?' if prev in optional else ''}")
        return ",".join(entries)

    def _nested_path(self, prev: str, holder: Scope, scope: Scope, step: Step) -> str:
        chain = holder.chain()
        child = chain[chain.index(scope) + 1]
        if child is not holder:
            raise ShapeError(
                step.name, f"a transition from {prev!r} that leaves two constructs at once", "add a step"
            )
        if child.kind == "foreach":
            return f"{prev}/{self.task_id(scope)}-*"
        if prev != child.latch:
            raise ShapeError(
                prev, "a loop left from a step other than its switch", "leave the loop from the switch"
            )
        return f"{prev}/{self.output(self.scope_task(child), 'last-id')}"
