"""The DAG templates: one per scope (main, each foreach body, each recursion loop).

Edges become ``depends`` expressions on ``.Succeeded``: a task whose
predecessor was skipped by a switch is then omitted, never run (a bare
``depends: a`` would also accept ``a.Skipped``).  A join waits for all its
parents (``&&``), a switch merge for the one branch taken (``||``, Argo
evaluates it once every named task has finished).
"""

from __future__ import annotations

from dataclasses import dataclass

from flowc.backends.argo.containers import TemplateKey, split_param
from flowc.backends.argo.limits import field_name
from flowc.backends.argo.scopes import Layout, Scope
from flowc.transpile.ir import Flow, Step, StepKind

#: Argo's default ``MAX_STACK_DEPTH`` (workflow/controller/operator.go): nested template calls.
ARGO_MAX_STACK_DEPTH = 100


class ShapeError(Exception):
    """A flow shape the Argo backend cannot express."""

    def __init__(self, step: str, what: str, hint: str) -> None:
        super().__init__(what)
        self.step = step
        self.what = what
        self.hint = hint


def _tag(expression: str) -> str:
    return "{{" + expression + "}}"


def _inp(name: str) -> str:
    return _tag(f"inputs.parameters.{name}")


def _param(name: str, value: str) -> dict[str, str]:
    return {"name": name, "value": value}


@dataclass
class _Edge:
    source_task: str
    source: str
    target: str


class DagBuilder:
    """Builds the DAG templates of a flow laid out in scopes."""

    def __init__(
        self, flow: Flow, lay: Layout, keys: dict[str, TemplateKey], flow_file: str, bound: int
    ) -> None:
        self.flow = flow
        self.lay = lay
        self.keys = keys
        self.flow_file = flow_file
        self.bound = bound
        self.order = {s.name: i for i, s in enumerate(flow.steps)}

    # -- naming -----------------------------------------------------------
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
        return "t" + "".join(sep + _inp(name) for sep, name in self.components(scope))

    @staticmethod
    def scope_task(scope: Scope) -> str:
        """The task that runs ``scope`` in its parent's DAG."""
        return field_name(scope.anchor + ("-Foreach" if scope.kind == "foreach" else "-Loop"))

    @staticmethod
    def template_name(scope: Scope) -> str:
        """The DAG template of ``scope``."""
        if scope.kind == "main":
            return "main"
        return field_name(f"{scope.kind}-{scope.anchor}")

    def rep(self, step: str, scope: Scope) -> str | None:
        """The task standing for ``step`` in ``scope``'s DAG (``None``: outside it)."""
        chain = self.lay.scope_of[step].chain()
        if scope not in chain:
            return None
        position = chain.index(scope)
        if position == len(chain) - 1:
            return field_name(step)
        return self.scope_task(chain[position + 1])

    def child_of(self, step: str, scope: Scope) -> Scope | None:
        chain = self.lay.scope_of[step].chain()
        position = chain.index(scope)
        return chain[position + 1] if position + 1 < len(chain) else None

    # -- edges ------------------------------------------------------------
    def forward_previous(self, step: Step) -> list[str]:
        return [p for p in step.previous if (p, step.name) not in self.lay.back_edges]

    def incoming(self, task: str, scope: Scope, members: list[str]) -> list[_Edge]:
        edges = []
        for name in members:
            for prev in self.forward_previous(self.flow.step(name)):
                source_task = self.rep(prev, scope)
                if source_task is not None and source_task != task:
                    edges.append(_Edge(source_task, prev, name))
        return edges

    def depends(self, task: str, target: Step | None, edges: list[_Edge]) -> dict[str, str]:
        """``depends`` and, after a switch, ``when`` for a task with these incoming edges."""
        sources = sorted({e.source_task for e in edges})
        if not sources:
            return {}
        out: dict[str, str] = {}
        switch_edges = [e for e in edges if self.flow.step(e.source).kind is StepKind.SWITCH]
        for edge in switch_edges:
            if len(edges) > 1:
                raise ShapeError(
                    edge.target,
                    f"a switch case that goes straight to the step {edge.target!r} where other paths meet",
                    "put a step between the switch and the merge",
                )
            latch = self.flow.step(edge.source)
            if edge.source_task == field_name(edge.source):
                out["when"] = (
                    f"'{_tag(f'tasks.{edge.source_task}.outputs.parameters.switch')}' == '{edge.target}'"
                )
            elif len([n for n in latch.next if (latch.name, n) not in self.lay.back_edges]) > 1:
                raise ShapeError(
                    latch.name, "a recursion with several ways out", "leave the loop through one case"
                )
        joiner = " && " if (target is not None and target.is_join) else " || "
        parts = [f"{s}.Succeeded" for s in sources]
        out["depends"] = parts[0] if len(parts) == 1 else "(" + joiner.join(parts) + ")"
        return dict(sorted(out.items()))

    # -- input paths --------------------------------------------------------
    def input_paths(self, step: Step, scope: Scope) -> str:
        """The ``--input-paths`` value of ``step`` seen from ``scope``."""
        previous = self.forward_previous(step)
        optional = "?" if (len(previous) > 1 and not step.is_join) else ""
        entries = []
        for prev in previous:
            holder = self.lay.scope_of[prev]
            if scope in holder.chain() and holder is not scope:
                entries.append(self._nested_path(prev, holder, scope, step))
            else:
                entries.append(f"{prev}/{self.task_id(holder)}{optional}")
        return ",".join(entries)

    def _nested_path(self, prev: str, holder: Scope, scope: Scope, step: Step) -> str:
        child = self.child_of(prev, scope)
        assert child is not None
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
        return f"{prev}/{_tag(f'tasks.{self.scope_task(child)}.outputs.parameters.last-id')}"

    # -- tasks --------------------------------------------------------------
    def passthrough(self, scope: Scope) -> list[dict[str, str]]:
        return [_param(name, _inp(name)) for _, name in self.components(scope)]

    def step_task(self, name: str, scope: Scope) -> dict[str, object]:
        step = self.flow.step(name)
        key = self.keys[name]
        task: dict[str, object] = {"name": field_name(name), "template": key.name()}
        task.update(self.depends(field_name(name), step, self.incoming(field_name(name), scope, [name])))
        params = [_param("step", name), _param("task-id", self.task_id(scope))]
        if not key.start:
            loop = scope.kind == "loop" and scope.anchor == name
            params.append(_param("input-paths", _inp("entry") if loop else self.input_paths(step, scope)))
        params.append(_param("source", f"{self.flow_file}:{step.span.line}"))
        params += [_param(split_param(level), _inp(split_param(level))) for level in range(key.depth)]
        task["arguments"] = {"parameters": params}
        return task

    def scope_call(self, child: Scope, scope: Scope) -> dict[str, object]:
        name = self.scope_task(child)
        task: dict[str, object] = {"name": name, "template": self.template_name(child)}
        members = sorted(child.members, key=self.order.__getitem__)
        entry = self.flow.step(child.anchor)
        task.update(
            self.depends(name, entry if child.kind == "loop" else None, self.incoming(name, scope, members))
        )
        params = self.passthrough(scope)
        if child.kind == "foreach":
            anchor = field_name(child.anchor)
            task["withSequence"] = {"count": _tag(f"tasks.{anchor}.outputs.parameters.cardinality")}
            params.append(_param(self.components(child)[-1][1], _tag("item")))
        else:
            params += [
                _param(self.components(child)[-1][1], ""),
                _param("iter", "0"),
                _param("entry", self.input_paths(entry, scope)),
            ]
        task["arguments"] = {"parameters": params}
        return task

    def loop_tail(self, scope: Scope) -> list[dict[str, object]]:
        """The recursive call and the depth guard at the end of a loop's DAG."""
        latch = field_name(scope.latch)
        chosen = f"'{_tag(f'tasks.{latch}.outputs.parameters.switch')}' == '{scope.anchor}'"
        last = self.bound - 1
        following = _tag("=asInt(inputs.parameters.iter) + 1")
        params = [
            *self.passthrough(scope)[:-1],
            _param(self.components(scope)[-1][1], "." + following),
            _param("iter", following),
            _param("entry", f"{scope.latch}/{self.task_id(scope)}"),
        ]
        again: dict[str, object] = {
            "name": "Next",
            "template": self.template_name(scope),
            "depends": f"{latch}.Succeeded",
            "when": f"{chosen} && {_inp('iter')} < {last}",
            "arguments": {"parameters": params},
        }
        guard: dict[str, object] = {
            "name": "Limit",
            "template": "recursion-limit",
            "depends": f"{latch}.Succeeded",
            "when": f"{chosen} && {_inp('iter')} >= {last}",
            "arguments": {"parameters": [_param("step", scope.latch)]},
        }
        return [again, guard]

    def template(self, scope: Scope) -> dict[str, object]:
        """The DAG template of ``scope``."""
        items: list[tuple[tuple[int, int], dict[str, object]]] = []
        for name in scope.steps:
            items.append(((self.order[name], 0), self.step_task(name, scope)))
        for child in scope.children:
            rank = 1 if child.kind == "foreach" else -1
            items.append(((self.order[child.anchor], rank), self.scope_call(child, scope)))
        tasks = [task for _, task in sorted(items, key=lambda pair: pair[0])]
        template: dict[str, object] = {"name": self.template_name(scope)}
        inputs = [name for _, name in self.components(scope)]
        if scope.kind == "loop":
            inputs += ["iter", "entry"]
            tasks += self.loop_tail(scope)
        if inputs:
            template["inputs"] = {"parameters": [{"name": n} for n in inputs]}
        if scope.kind == "loop":
            source = _tag("tasks.Next.outputs.parameters.last-id")
            value_from = {"default": self.task_id(scope), "parameter": source}
            template["outputs"] = {"parameters": [{"name": "last-id", "valueFrom": value_from}]}
        template["dag"] = {"tasks": tasks}
        return template

    def templates(self) -> list[dict[str, object]]:
        """Every DAG template, main first."""
        for scope in self.lay.all_scopes():
            if scope.kind == "loop" and self.lay.scope_of.get(scope.latch) is not scope:
                raise ShapeError(
                    scope.latch,
                    "a loop closed from inside a nested construct",
                    "close the loop at its own level",
                )
            if len(scope.chain()) + self.bound > ARGO_MAX_STACK_DEPTH and scope.kind == "loop":
                raise ShapeError(
                    scope.anchor,
                    "a recursion nested too deep for Argo's template stack",
                    "lower --set max_recursion=N",
                )
        return [self.template(scope) for scope in self.lay.all_scopes()]
