"""A small interpreter of the DAG subset flowc emits, to check what would run on Argo.

It follows Argo's rules for what flowc uses: ``depends`` over
``.Succeeded`` (evaluated once every task it names is finished; false →
Omitted), ``when`` (false → Skipped), ``withSequence``, nested DAG
templates, ``{{...}}`` references (strict: an unresolvable one is an error,
as in Argo 3.7.11+/4.0.2+) to the template's inputs and to the outputs and
``status`` of the task's ancestors only (the tasks its ``depends`` names,
transitively, as Argo's ``buildLocalScopeFromTask``), the ``asInt(...) + 1``
expression, ``{{=...}}`` chains of lazy ``cond ? a : b``, and DAG outputs
with a default or such an expression.  Container
templates are not run: an *oracle* decides their outputs (foreach width,
switch case) and every call is recorded as the shim would see it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: (step, task id) → (cardinality, chosen switch case step)
Oracle = Callable[[str, str], tuple[int, str]]


@dataclass
class Call:
    """One container run: what the shim would be asked to do."""

    step: str
    task_id: str
    input_paths: str
    split: list[int]
    cardinality: int
    switch: str


class Unresolved(Exception):
    """A ``{{...}}`` reference Argo could not resolve."""


_REF = re.compile(r"\{\{(.*?)\}\}")
_EXPR = re.compile(r"^=asInt\(inputs\.parameters\.(\w+)\) \+ 1$")


def substitute(text: str, scope: dict[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        key = match.group(1).strip()
        expr = _EXPR.match(key)
        if expr:
            return str(int(scope[f"inputs.parameters.{expr.group(1)}"]) + 1)
        if key.startswith("="):
            return evaluate(key[1:], scope)
        if key not in scope:
            raise Unresolved(key)
        return scope[key]

    return _REF.sub(one, text)


_TERNARY = re.compile(r"^(\S+) == '([^']*)' \? (\S+) : (.+)$")
_INDEX = re.compile(r"\['([^']*)'\]")


def _lookup(path: str, scope: dict[str, str]) -> str:
    """An ``expr`` variable (``tasks['a'].outputs...``) from the flat scope; missing → error, as in Argo."""
    key = _INDEX.sub(lambda m: "." + m.group(1), path)
    if key not in scope:
        raise Unresolved(key)
    return scope[key]


def evaluate(expression: str, scope: dict[str, str]) -> str:
    """The ``expr`` forms flowc emits: ``a == 'x' ? b : c``, ``c`` itself such a form or a
    variable (lazy and right-associative, like expr)."""
    match = _TERNARY.match(expression)
    if not match:
        assert re.fullmatch(r"[\w.'\[\]-]+", expression), f"unsupported expression {expression!r}"
        return _lookup(expression, scope)
    test, literal, yes, no = match.groups()
    return _lookup(yes, scope) if _lookup(test, scope) == literal else evaluate(no, scope)


def _truth(expression: str) -> bool:
    python = expression.replace("&&", " and ").replace("||", " or ")
    return bool(eval(python, {"__builtins__": {}}, {}))


class Simulator:
    """Runs a WorkflowTemplate's ``main`` DAG against an oracle."""

    def __init__(self, document: dict[str, Any], oracle: Oracle) -> None:
        self.templates = {t["name"]: t for t in document["spec"]["templates"]}
        self.oracle = oracle
        self.calls: list[Call] = []
        self.depth = 0

    def run(self) -> list[Call]:
        self.template("main", {})
        return self.calls

    def template(self, name: str, inputs: dict[str, str]) -> dict[str, str]:
        tmpl = self.templates[name]
        declared = [p["name"] for p in tmpl.get("inputs", {}).get("parameters", [])]
        assert sorted(declared) == sorted(inputs), (name, declared, inputs)
        if "container" in tmpl:
            return self.container(tmpl, inputs)
        self.depth += 1
        assert self.depth < 100, "Argo's template stack depth exceeded"
        scope = {f"inputs.parameters.{k}": v for k, v in inputs.items()}
        status = self.dag(tmpl["dag"]["tasks"], scope)
        self.depth -= 1
        outputs = {}
        for param in tmpl.get("outputs", {}).get("parameters", []):
            source = param["valueFrom"]
            if "expression" in source:
                outputs[param["name"]] = evaluate(source["expression"], scope)
                continue
            try:
                outputs[param["name"]] = substitute(source["parameter"], scope)
            except Unresolved:
                outputs[param["name"]] = substitute(source["default"], scope)
        assert "Failed" not in status.values()
        return outputs

    def container(self, tmpl: dict[str, Any], inputs: dict[str, str]) -> dict[str, str]:
        if tmpl["name"] == "recursion-limit":
            raise AssertionError(f"recursion bound reached at {inputs['step']}")
        split = [int(inputs[k]) for k in sorted(inputs) if re.fullmatch(r"i\d+", k)]
        cardinality, switch = self.oracle(inputs["step"], inputs["task-id"])
        call = Call(
            inputs["step"], inputs["task-id"], inputs.get("input-paths", ""), split, cardinality, switch
        )
        self.calls.append(call)
        return {"cardinality": str(cardinality), "switch": switch}

    def dag(self, tasks: list[dict[str, Any]], scope: dict[str, str]) -> dict[str, str]:
        """Runs the tasks; afterwards ``scope`` also holds every task's status and outputs."""
        status: dict[str, str] = {}
        entries: dict[str, dict[str, str]] = {}
        pending = list(tasks)
        named = {t["name"]: t for t in tasks}
        while pending:
            ready = [t for t in pending if all(d in status for d in self._deps(t))]
            assert ready, f"deadlock: {[t['name'] for t in pending]}"
            for task in ready:
                pending.remove(task)
                local = dict(scope)
                for ancestor in self._ancestors(task, named):
                    local.update(entries[ancestor])
                status[task["name"]], outputs = self.task(task, local, status)
                entries[task["name"]] = {f"tasks.{task['name']}.status": status[task["name"]], **outputs}
        for entry in entries.values():
            scope.update(entry)
        return status

    @staticmethod
    def _deps(task: dict[str, Any]) -> list[str]:
        return re.findall(r"([A-Za-z0-9-]+)\.Succeeded", task.get("depends", ""))

    def _ancestors(self, task: dict[str, Any], named: dict[str, dict[str, Any]]) -> set[str]:
        found: set[str] = set()
        todo = self._deps(task)
        while todo:
            name = todo.pop()
            if name not in found:
                found.add(name)
                todo += self._deps(named[name])
        return found

    def task(
        self, task: dict[str, Any], scope: dict[str, str], status: dict[str, str]
    ) -> tuple[str, dict[str, str]]:
        """The task's status and the scope entries its outputs add."""
        depends = task.get("depends")
        if depends:
            expression = re.sub(
                r"([A-Za-z0-9-]+)\.Succeeded", lambda m: str(status[m.group(1)] == "Succeeded"), depends
            )
            if not _truth(expression):
                return "Omitted", {}
        if "when" in task and not _truth(substitute(task["when"], scope)):
            return "Skipped", {}
        args = {p["name"]: p["value"] for p in task.get("arguments", {}).get("parameters", [])}
        items: list[int | None] = [None]
        if "withSequence" in task:
            items = list(range(int(substitute(task["withSequence"]["count"], scope))))
        entries = {}
        for item in items:
            local = dict(scope) if item is None else {**scope, "item": str(item)}
            outputs = self.template(task["template"], {k: substitute(v, local) for k, v in args.items()})
            for key, value in outputs.items():
                entries[f"tasks.{task['name']}.outputs.parameters.{key}"] = value
        return "Succeeded", entries
