"""Shapes → states: linear steps, Parallel for branches, Map for foreach,
Choice for switches and loops.

A *region* is the part of the graph between a first step and a stop step
(the join closing the enclosing split, or nothing at the top level); it
becomes one ``States`` map: the whole machine, a Parallel branch or a Map's
item processor.  Each step contributes a few states named after it:

``<step>-enter``   Pass   entry into a loop from outside: starts its counter
``<step>-enter-nested`` Pass  a nested loop's head: keeps the counter, sets parents
``<step>-args``    Pass   the task's own arguments into ``$.call``, only when
                          an inline command would nest too many intrinsics
``<step>``         Task   the Batch job running the shim
``<step>-output``  Task   reads the shim's output.json (foreach, switch)
``<step>-items``   Pass   ``States.ArrayRange`` over the foreach cardinality
``<step>-map``     Map    the foreach body, once per index (see :mod:`fanout`
                          for the chunked Distributed Map states)
``<step>-parallel`` Parallel  the branches of a static split
``<step>-switch``  Choice picks the case the step chose
``<a>-to-<b>``     Pass   a loop's back edge: next iteration's counter
``<a>-to-<b>-limit`` Fail the loop group ran ``max_recursion`` times
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flowc.backends.sfn import batch, fanout, limits
from flowc.backends.sfn.intrinsic import Fmt, member, put
from flowc.backends.sfn.plan import Plan
from flowc.backends.sfn.settings import Settings
from flowc.transpile.ir import Flow, Step, StepKind

State = dict[str, Any]
S3_GET_OBJECT = "arn:aws:states:::aws-sdk:s3:getObject"


def name(*parts: str) -> str:
    """A state name from step names and suffixes, within the 80-character limit."""
    return limits.shorten("-".join(parts), limits.MAX_NAME)


class StateBuilder:
    """Builds the states of every region of one flow."""

    def __init__(
        self,
        flow: Flow,
        plan: Plan,
        settings: Settings,
        bucket: str,
        prefix: str,
        boot_count: int,
        task: Callable[[Step, str], State],
    ) -> None:
        self.flow = flow
        self.plan = plan
        self.settings = settings
        self._bucket = bucket
        self._prefix = prefix
        self._boot_count = boot_count
        #: Makes the Batch Task state of a step from its command (without Next/End/Catch).
        self._task = task

    # -- regions ----------------------------------------------------------------------

    def region(
        self, first: str, stop: str | None, nested: bool, source: str | None = None
    ) -> tuple[str, dict[str, State]]:
        """``(StartAt, States)`` for the steps from ``first`` (entered from step
        ``source``) up to ``stop``."""
        states: dict[str, State] = {}
        todo, seen = [first], set()
        while todo:
            step = todo.pop(0)
            if step in seen or step == stop:
                continue
            seen.add(step)
            todo.extend(self._add_step(self.flow.step(step), stop, nested, states))
        return self.entry(first, source), states

    def entry(self, step: str, source: str | None) -> str:
        """The state a forward transition from ``source`` into ``step`` goes to:
        into a loop from outside, ``<step>-enter`` starts the count; from inside,
        ``<step>-enter-nested`` sets the parents of a step that takes them from
        the loop record (a nested loop's head, a loop step also entered from
        outside).  Into a step whose parent depends on the way in
        (:meth:`Plan.via_edge`), ``<source>-to-<step>`` names that parent first."""
        if source is not None and self.plan.via_edge(step):
            return name(source, "to", step)
        return self._loop_entry(step, source)

    def _loop_entry(self, step: str, source: str | None) -> str:
        group = self.plan.group_at(step)
        if group is None:
            return self.task_entry(step)
        if source is None or source not in self.plan.members[group]:
            return name(step, "enter")
        return name(step, "enter", "nested") if self.plan.via_record(step) else self.task_entry(step)

    def task_entry(self, step: str) -> str:
        """The first state running ``step``'s task: its ``-args`` Pass or the Task."""
        return name(step, "args") if self._via_pass(step) else name(step)

    def _via_pass(self, step: str) -> bool:
        count = batch.intrinsic_count(self._arguments(self.flow.step(step)))
        return count > limits.MAX_NESTED_INTRINSICS

    def _goto(self, state: State, source: str, target: str, stop: str | None, nested: bool) -> None:
        """Point ``state`` at ``target`` (or end the region when ``target`` is ``stop``)."""
        if target == stop:
            state["End"] = True
            if nested:
                # Map and Parallel collect every branch's output: keep it empty.
                state["OutputPath"] = None
        else:
            state["Next"] = self.entry(target, source)

    def _add_step(self, step: Step, stop: str | None, nested: bool, states: dict[str, State]) -> list[str]:
        """Add ``step``'s states; return the steps to visit next."""
        states.update(self._enter_states(step.name))
        arguments = self._arguments(step)
        via_pass = self._via_pass(step.name)
        if via_pass:
            states[name(step.name, "args")] = batch.args_state(
                arguments, f"arguments of step {step.name}", name(step.name)
            )
        task = self._task(step, batch.command(self._boot_count, arguments, via_pass))
        states[name(step.name)] = task
        after = task  # the state that continues to the next step
        visit: list[str] = []
        if step.kind is StepKind.FOREACH:
            task["Next"] = name(step.name, "output")
            states[name(step.name, "output")] = self._read_output(step, name(step.name, "items"))
            fanout_states, last = self._foreach_states(step)
            states.update(fanout_states)
            after = states[last]
            visit = [self._join(step)]
        elif step.kind is StepKind.BRANCH:
            task["Next"] = name(step.name, "parallel")
            after = states[name(step.name, "parallel")] = self._parallel_state(step)
            visit = [self._join(step)]
        elif step.kind is StepKind.SWITCH:
            task["Next"] = name(step.name, "output")
            states[name(step.name, "output")] = self._read_output(step, name(step.name, "switch"))
            states.update(self._switch_states(step, stop, nested))
            visit = [t for t in step.next if not self.plan.is_back_edge(step.name, t)]
        elif step.kind is StepKind.END:
            task["End"] = True
            task["OutputPath"] = None
        else:
            visit = [step.next[0]]
        if visit and step.kind is not StepKind.SWITCH:
            self._goto(after, step.name, visit[0], stop, nested)
        if step.decorator("catch") is not None:
            self._catch(step, task, states)
        edges = [] if step.is_split else [t for t in visit if t != stop and self.plan.via_edge(t)]
        for target in edges:
            states[name(step.name, "to", target)] = self._via_state(step.name, target)
        return visit

    def _via_state(self, source: str, target: str) -> State:
        """The edge ``source → target`` names ``source`` as ``target``'s parent."""
        parameters: dict[str, object] = {}
        put(parameters, "paths", self.plan.entry_paths(target, [source]))
        return {
            "Type": "Pass",
            "Comment": f"step {target} reached from step {source}",
            "Parameters": parameters,
            "ResultPath": f"$.via_{target}",
            "Next": self._loop_entry(target, source),
        }

    def _join(self, split: Step) -> str:
        assert split.matching_join is not None
        return split.matching_join

    # -- arguments --------------------------------------------------------------------

    def _arguments(self, step: Step) -> list[Fmt]:
        args = [Fmt("--run-id"), Fmt.of("$.run"), Fmt("--step"), Fmt(step.name)]
        args += [Fmt("--task-id"), self.plan.task_id(step.name)]
        paths = self.plan.input_paths(step.name)
        if paths is not None:
            args += [Fmt("--input-paths"), paths]
        for level in range(self.plan.depth(step.name)):
            args += [Fmt("--split-index"), Fmt("{}", (f"$.i{level}",))]
        if step.name == self.flow.start and self.flow.parameters:
            if any(p.default is None and not p.required for p in self.flow.parameters):
                # An optional parameter without a literal default may be absent from
                # $.params; the shim then computes its default, as a local run does.
                args += [Fmt("--params-json"), Fmt("{}", ("States.JsonToString($.params)",))]
            else:
                for param in self.flow.parameters:
                    args += [Fmt("--param"), Fmt(f"{param.name}=" + "{}", (member("$.params", param.name),))]
        return args

    # -- shapes -------------------------------------------------------------------------

    def _read_output(self, step: Step, next_state: str) -> State:
        """Read ``output.json`` of the task that just ran into ``$.out.value``."""
        prefix = f"{self._prefix}/" if self._prefix else ""
        key = Fmt(f"{prefix}{self.flow.name}/" + "{}" + f"/{step.name}/", ("$.run",))
        key = key + self.plan.task_id(step.name) + Fmt("/output.json")
        return {
            "Type": "Task",
            "Resource": S3_GET_OBJECT,
            "Comment": f"what step {step.name} chose (the shim's output.json)",
            "Parameters": {"Bucket": self._bucket, "Key.$": key.expression()},
            "ResultSelector": {"value.$": "States.StringToJson($.Body)"},
            "ResultPath": "$.out",
            "Retry": [
                {"ErrorEquals": ["States.ALL"], "MaxAttempts": 3, "IntervalSeconds": 2, "BackoffRate": 2.0}
            ],
            "Next": next_state,
        }

    def _foreach_states(self, step: Step) -> tuple[dict[str, State], str]:
        roles = ("items", "map", "chunks", "last", "whole", "full", "tail")
        return fanout.foreach_states(
            {role: name(step.name, role) for role in roles},
            self.plan.depth(step.name),
            self.plan.groups_of(step.name),
            self.region(step.next[0], self._join(step), nested=True, source=step.name),
            self.settings.distributed(step.name),
            self.settings.max_concurrency,
            f"foreach {step.foreach} of step {step.name}",
        )

    def _parallel_state(self, step: Step) -> State:
        branches = []
        for head in step.next:
            start_at, states = self.region(head, self._join(step), nested=True, source=step.name)
            branches.append({"StartAt": start_at, "States": states})
        return {
            "Type": "Parallel",
            "Comment": f"branches of step {step.name}",
            "Branches": branches,
            "ResultPath": None,
        }

    def _switch_states(self, step: Step, stop: str | None, nested: bool) -> dict[str, State]:
        assert step.switch is not None
        variable = "$.out.value.switch.next"
        choices: list[State] = []
        states: dict[str, State] = {}
        for target in step.next:
            if self.plan.is_back_edge(step.name, target):
                limit = name(step.name, "to", target, "limit")
                choices.append(
                    {
                        "And": [
                            {"Variable": variable, "StringEquals": target},
                            {
                                "Variable": f"$.loops.{self.plan.group_of[target]}.k",
                                "NumericGreaterThanEquals": self.settings.max_recursion - 1,
                            },
                        ],
                        "Next": limit,
                    }
                )
                states[limit] = {
                    "Type": "Fail",
                    "Error": "flowc.RecursionLimit",
                    "Cause": f"step {step.name} went back to {target} {self.settings.max_recursion - 1} "
                    "times; raise --set max_recursion=N to allow more",
                }
                again = name(step.name, "to", target)
                states[again] = self._again_state(step.name, target)
                choices.append({"Variable": variable, "StringEquals": target, "Next": again})
            else:
                choice: State = {"Variable": variable, "StringEquals": target}
                self._goto(choice, step.name, target, stop, nested)
                if "End" in choice:
                    raise AssertionError(f"switch {step.name} goes straight to the end of a region")
                choices.append(choice)
        states[name(step.name, "switch")] = {
            "Type": "Choice",
            "Comment": f"switch on {step.switch.condition}",
            "Choices": choices,
        }
        return states

    # -- loops ---------------------------------------------------------------------------

    def _enter_states(self, step: str) -> dict[str, State]:
        """The states entering ``step``'s loop group on forward edges (see :meth:`entry`)."""
        group = self.plan.group_at(step)
        if group is None:
            return {}
        previous = self.plan.forward_previous(step)
        members = self.plan.members[group]
        states = {}
        if not previous or any(p not in members for p in previous):
            states[name(step, "enter")] = self._enter_state(step, group, fresh=True)
        if self.plan.via_record(step) and any(p in members for p in previous):
            states[name(step, "enter", "nested")] = self._enter_state(step, group, fresh=False)
        return states

    def _enter_state(self, step: str, group: str, fresh: bool) -> State:
        """Entry into a loop group at ``step``: from outside (``fresh``), iteration 0
        and no suffix, else the group's count; with the parents on that side when
        they go through the record (:meth:`Plan.via_record`)."""
        parameters: dict[str, object] = {"k": 0, "sfx": ""}
        comment = f"loop at step {step}: first iteration"
        if not fresh:
            parameters = {"k.$": f"$.loops.{group}.k", "sfx.$": f"$.loops.{group}.sfx"}
            comment = f"loop at step {step}, inside the loop at step {group}: same count"
        elif not self.plan.is_head(step):
            comment = f"loop at step {group}, entered at step {step}: first iteration"
        if self.plan.via_record(step):
            members = self.plan.members[group]
            parents = [p for p in self.plan.forward_previous(step) if (p in members) != fresh]
            put(parameters, "in", self.plan.entry_paths(step, parents))
        return {
            "Type": "Pass",
            "Comment": comment,
            "Parameters": parameters,
            "ResultPath": f"$.loops.{group}",
            "Next": self.task_entry(step),
        }

    def _again_state(self, source: str, head: str) -> State:
        """A back edge: count the iteration, set the suffix, name ``source`` as the parent."""
        group = self.plan.group_of[head]
        count = f"States.MathAdd($.loops.{group}.k, 1)"
        parameters: dict[str, object] = {
            "k.$": count,
            "sfx.$": f"States.Format('.{{}}', {count})",
        }
        put(parameters, "in", self.plan.back_edge_paths(source))
        return {
            "Type": "Pass",
            "Comment": f"loop from step {source} back to {head}: next iteration",
            "Parameters": parameters,
            "ResultPath": f"$.loops.{group}",
            "Next": self.task_entry(head),
        }

    def _catch(self, step: Step, task: State, states: dict[str, State]) -> None:
        """@catch: a failed or timed-out job still lets the run go on."""
        if "Next" in task:
            target = task["Next"]
        else:
            target = name(step.name, "caught")
            states[target] = {"Type": "Pass", "End": True, "OutputPath": None}
        task["Catch"] = [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.caught", "Next": target}]
