"""The task definitions inside ``with DAG(...)``: one short statement per task."""

from __future__ import annotations

from flowc.backends.airflow.literal import py_literal
from flowc.backends.airflow.operator_args import Kwargs, pod_kwargs, retry_kwargs, timeout_kwargs
from flowc.backends.airflow.plan import Node, Plan, Relay, RunTask, SplitsTask, SwitchTask
from flowc.transpile.ir import Flow

INDENT = "    "


#: A call chain: ``[("run_step.override", kwargs), (".partial", kwargs)]``.
Chain = list[tuple[str, Kwargs]]


def _args(kwargs: Kwargs) -> str:
    return ", ".join(f"{k}={v}" for k, v in kwargs)


def statement(target: str, chain: Chain) -> str:
    """``target = a(k=v)(...)``: on one line when it fits, else long calls one argument per line."""
    inline = f"{target} = " + "".join(f"{head}({_args(kwargs)})" for head, kwargs in chain)
    if len(INDENT + inline) <= 100:
        return inline
    parts = []
    for head, kwargs in chain:
        if len(kwargs) > 1 or len(_args(kwargs)) > 40:
            parts.append(f"{head}(\n" + "".join(f"{INDENT}{k}={v},\n" for k, v in kwargs) + ")")
        else:
            parts.append(f"{head}({_args(kwargs)})")
    return f"{target} = " + "".join(parts)


class Renderer:
    """Turns a :class:`Plan` into the statements of the DAG body."""

    def __init__(
        self,
        flow: Flow,
        plan: Plan,
        kubernetes: bool,
        image: str,
        namespace: str,
        secrets: tuple[str, ...] = (),
        end_asset: str = "",
        env: dict[str, str] | None = None,
    ) -> None:
        self.flow = flow
        self.plan = plan
        self.kubernetes = kubernetes
        self.image = image
        self.namespace = namespace
        self.secrets = secrets
        #: The asset the end task publishes (``flowc://<dag id>``).
        self.end_asset = end_asset or "flowc://" + flow.name
        #: Environment variables of every pod, besides each step's own.
        self.env = env or {}

    def body(self) -> str:
        """All statements, indented for the ``with DAG(...)`` block."""
        blocks = [self._node(node) for node in self.plan.nodes]
        return "\n".join(INDENT + line for block in blocks for line in block.splitlines()) + "\n"

    def _node(self, node: Node) -> str:
        if isinstance(node, RunTask):
            return self._run(node)
        if isinstance(node, SplitsTask):
            call = [("step", py_literal(node.step)), ("outputs", self._output(node.source))]
            return statement(
                node.var, [("foreach_splits.override", [("task_id", py_literal(node.task_id))]), ("", call)]
            )
        if isinstance(node, SwitchTask):
            call = [
                ("step", py_literal(node.step)),
                ("output", self._output(node.source)),
                ("targets", py_literal(dict(node.targets))),
            ]
            return statement(
                node.var, [("follow_switch.override", [("task_id", py_literal(node.task_id))]), ("", call)]
            )
        assert isinstance(node, Relay)
        return (
            f"{node.var} = EmptyOperator(task_id={py_literal(node.task_id)})\n{node.upstream} >> {node.var}"
        )

    def _output(self, var: str) -> str:
        """The XCom of a run task: a TaskFlow call is one already, an operator has ``.output``."""
        return f"{var}.output" if self.kubernetes else var

    def _task_kwargs(self, task: RunTask) -> Kwargs:
        step = self.flow.step(task.step)
        kwargs: Kwargs = [("task_id", py_literal(task.task_id))]
        kwargs += retry_kwargs(step) + timeout_kwargs(step)
        if task.is_end:
            kwargs.append(("outlets", f"[Asset({py_literal(self.end_asset)})]"))
        return kwargs

    def _run(self, task: RunTask) -> str:
        call: Kwargs = [("step", py_literal(task.step))]
        call += [("iteration", str(task.iteration))] if task.iteration else []
        rule = [("trigger_rule", f"TriggerRule.{task.trigger_rule}")] if task.trigger_rule else []
        if self.kubernetes:
            return "\n".join(self._pod(task, call, rule))
        chain: Chain = [("run_step.override", self._task_kwargs(task) + rule)]
        if task.mapped_over:
            chain += [(".partial", call), (".expand", [("split", task.mapped_over)])]
        else:
            chain += [("", call)]
        lines = [statement(task.var, chain)]
        lines += [f"{up} >> {task.var}" for up in task.upstream]
        return "\n".join(lines)

    def _pod(self, task: RunTask, call: Kwargs, rule: Kwargs) -> list[str]:
        """The arguments task and the pod for one step."""
        args_var = task.args_var
        assert args_var is not None
        args_call = call + ([("splits", task.mapped_over)] if task.mapped_over else [])
        args_chain: Chain = [
            ("shim_arguments.override", [("task_id", py_literal(task.task_id + "-args")), *rule])
        ]
        args_line = statement(args_var, [*args_chain, ("", args_call)])
        kwargs = [*self._task_kwargs(task), ("name", py_literal(task.task_id))]
        kwargs += pod_kwargs(self.flow.step(task.step), self.image, self.namespace, self.secrets, self.env)
        kwargs += [("cmds", "COMMAND"), ("do_xcom_push", "True")]
        if task.mapped_over:
            chain: Chain = [("KubernetesPodOperator.partial", kwargs), (".expand", [("arguments", args_var)])]
        else:
            chain = [("KubernetesPodOperator", [*kwargs, ("arguments", args_var)])]
        # The arguments task is where the step starts: upstream tasks must finish before it.
        return [args_line, statement(task.var, chain)] + [f"{up} >> {args_var}" for up in task.upstream]
