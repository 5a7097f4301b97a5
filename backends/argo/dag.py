"""The DAG templates: one per scope (main, each foreach body, each recursion loop).

How tasks are named and connected lives in :mod:`.wiring`; this module lays
the tasks out: one per step (or one per incoming edge of a tricky merge),
one per nested scope, and, in a loop, the recursive call and its guard.
"""

from __future__ import annotations

from flowc.backends.argo.containers import TemplateKey, split_param
from flowc.backends.argo.limits import field_name
from flowc.backends.argo.scopes import Layout, Scope
from flowc.backends.argo.wiring import Edge, ShapeError, Wiring, inp, tag
from flowc.backends.base import source_label
from flowc.transpile.ir import Flow

#: Argo's default ``MAX_STACK_DEPTH`` (workflow/controller/operator.go): nested template calls.
ARGO_MAX_STACK_DEPTH = 100

__all__ = ["ARGO_MAX_STACK_DEPTH", "DagBuilder", "ShapeError"]


def _param(name: str, value: str) -> dict[str, str]:
    return {"name": name, "value": value}


class DagBuilder(Wiring):
    """Builds the DAG templates of a flow laid out in scopes."""

    def __init__(
        self, flow: Flow, lay: Layout, keys: dict[str, TemplateKey], flow_file: str, bound: int
    ) -> None:
        super().__init__(flow, lay)
        self.keys = keys
        self.flow_file = flow_file
        self.bound = bound

    @staticmethod
    def template_name(scope: Scope) -> str:
        """The DAG template of ``scope``."""
        return "main" if scope.kind == "main" else field_name(f"{scope.kind}-{scope.anchor}")

    def passthrough(self, scope: Scope) -> list[dict[str, str]]:
        """Arguments handing ``scope``'s ids down unchanged."""
        return [_param(name, inp(name)) for _, name in self.components(scope)]

    def step_tasks(self, name: str, scope: Scope) -> list[dict[str, object]]:
        """The task running ``name`` (one per incoming edge for a split merge)."""
        step = self.flow.step(name)
        node = field_name(name)
        if node not in self.via:
            edges = self.incoming(node, scope, [name])
            return [self._step_task(node, name, scope, self.depends(step, edges), None)]
        tasks = []
        for task, parent in self.via[node]:
            edges = [e for e in self.incoming(task, scope, [name]) if e.source == parent]
            tasks.append(self._step_task(task, name, scope, self.depends(step, edges), parent))
        return tasks

    def _step_task(
        self, task_name: str, name: str, scope: Scope, wiring: dict[str, str], parent: str | None
    ) -> dict[str, object]:
        step = self.flow.step(name)
        key = self.keys[name]
        task: dict[str, object] = {"name": task_name, "template": key.name(), **wiring}
        params = [_param("step", name), _param("task-id", self.task_id(scope))]
        if not key.start:
            loop = scope.kind == "loop" and scope.anchor == name
            paths = inp("entry") if loop else self.input_paths(step, scope, only=parent)
            params.append(_param("input-paths", paths))
        params.append(_param("source", source_label(self.flow, step, self.flow_file)))
        params += [_param(split_param(level), inp(split_param(level))) for level in range(key.depth)]
        task["arguments"] = {"parameters": params}
        return task

    def scope_calls(self, child: Scope, scope: Scope) -> list[dict[str, object]]:
        """The task running nested scope ``child`` from ``scope``'s DAG (one per edge into a split merge)."""
        name = self.scope_task(child)
        members = sorted(child.members, key=self.order.__getitem__)
        edges = self.incoming(name, scope, members)
        if name not in self.via:
            return [self._scope_call(name, child, scope, edges, None)]
        return [
            self._scope_call(task, child, scope, [e for e in edges if e.source == parent], parent)
            for task, parent in self.via[name]
        ]

    def _scope_call(
        self, task_name: str, child: Scope, scope: Scope, edges: list[Edge], parent: str | None
    ) -> dict[str, object]:
        task: dict[str, object] = {"name": task_name, "template": self.template_name(child)}
        entry = self.flow.step(child.anchor)
        task.update(self.depends(entry if child.kind == "loop" else None, edges))
        params = self.passthrough(scope)
        own = self.components(child)[-1][1]
        if child.kind == "foreach":
            task["withSequence"] = {"count": self.output(field_name(child.anchor), "cardinality")}
            params.append(_param(own, tag("item")))
        else:
            paths = self.input_paths(entry, scope, only=parent)
            params += [_param(own, ""), _param("iter", "0"), _param("entry", paths)]
        task["arguments"] = {"parameters": params}
        return task

    def loop_tail(self, scope: Scope) -> list[dict[str, object]]:
        """The recursive call and the depth guard at the end of a loop's DAG."""
        latch = field_name(scope.latch)
        chosen = f"'{tag(f'tasks.{latch}.outputs.parameters.switch')}' == '{scope.anchor}'"
        last = self.bound - 1
        following = tag("=asInt(inputs.parameters.iter) + 1")
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
            "when": f"{chosen} && {inp('iter')} < {last}",
            "arguments": {"parameters": params},
        }
        guard: dict[str, object] = {
            "name": "Limit",
            "template": "recursion-limit",
            "depends": f"{latch}.Succeeded",
            "when": f"{chosen} && {inp('iter')} >= {last}",
            "arguments": {"parameters": [_param("step", scope.latch)]},
        }
        return [again, guard]

    @staticmethod
    def exit_expression(scope: Scope) -> str:
        """The case the last round's switch took to leave the loop (an Argo ``expr`` expression).

        The recursing call hands its own ``exit`` up; the round that did not
        recurse left through its switch's output.  Keyed on the switch's
        choice rather than on ``Next``'s status: only outputs, which Argo
        puts in the DAG's scope for every task that produced them.
        """
        chosen = f"tasks['{field_name(scope.latch)}'].outputs.parameters.switch"
        deeper = "tasks['Next'].outputs.parameters.exit"
        return f"{chosen} == '{scope.anchor}' ? {deeper} : {chosen}"

    def template(self, scope: Scope) -> dict[str, object]:
        """The DAG template of ``scope``."""
        items: list[tuple[tuple[int, int], list[dict[str, object]]]] = []
        for name in scope.steps:
            items.append(((self.order[name], 0), self.step_tasks(name, scope)))
        for child in scope.children:
            rank = 1 if child.kind == "foreach" else -1
            items.append(((self.order[child.anchor], rank), self.scope_calls(child, scope)))
        tasks = [task for _, group in sorted(items, key=lambda pair: pair[0]) for task in group]
        template: dict[str, object] = {"name": self.template_name(scope)}
        inputs = [name for _, name in self.components(scope)]
        if scope.kind == "loop":
            inputs += ["iter", "entry"]
            tasks += self.loop_tail(scope)
        if inputs:
            template["inputs"] = {"parameters": [{"name": n} for n in inputs]}
        if scope.kind == "loop":
            source = tag("tasks.Next.outputs.parameters.last-id")
            value_from = {"default": self.task_id(scope), "parameter": source}
            outputs: list[dict[str, object]] = [{"name": "last-id", "valueFrom": value_from}]
            if self.several_exits(scope):
                outputs.append({"name": "exit", "valueFrom": {"expression": self.exit_expression(scope)}})
            template["outputs"] = {"parameters": outputs}
        template["dag"] = {"tasks": tasks}
        return template

    def templates(self) -> list[dict[str, object]]:
        """Every DAG template, main first."""
        for scope in self.lay.all_scopes():
            if scope.kind != "loop":
                continue
            if self.lay.scope_of.get(scope.latch) is not scope:
                raise ShapeError(
                    scope.latch, "a loop closed from inside a nested construct", "close it at its level"
                )
            fits = ARGO_MAX_STACK_DEPTH - len(scope.chain())
            if self.bound > fits:
                raise ShapeError(
                    scope.anchor,
                    f"a recursion of {self.bound} rounds here: Argo nests at most "
                    f"{ARGO_MAX_STACK_DEPTH} template calls",
                    f"--set max_recursion={fits} or less",
                )
        return [self.template(scope) for scope in self.lay.all_scopes()]
