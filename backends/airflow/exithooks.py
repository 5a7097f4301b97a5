"""``@exit_hook`` on Airflow: one teardown task per hook function, after every other task.

Each task waits for all the DAG's other tasks whatever their state (a
teardown without setups runs once its upstream tasks are done) and runs
the shim with ``--step exit_hook:on_success:FN`` or
``exit_hook:on_error:FN`` (docs/task-contract.md): the shim reads the run's
outcome from the datastore (did the end step succeed?) and calls ``FN``
only when it matches, else exits 4 and the task is skipped.  Airflow leaves
teardown tasks out of the DAG run's state, so a failing hook does not turn
a successful run into a failed one, and the hooks do not hide a failure.
Hooks run in the end step's environment (its pod settings on Kubernetes).
"""

from __future__ import annotations

from flowc.backends.airflow.literal import py_literal
from flowc.backends.airflow.operator_args import Kwargs, pod_kwargs
from flowc.backends.airflow.render import Chain, statement
from flowc.transpile.ir import Flow

#: The shim's exit code for a hook not called because the run's outcome does not match.
NOT_CALLED = 4


def hook_tasks(flow: Flow) -> list[tuple[str, str, str]]:
    """``(task id, gate, function)`` of each hook task, in the order written."""
    found: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    for hook in flow.exit_hooks:
        for gate, names in (("on_success", hook.on_success), ("on_error", hook.on_error)):
            for function in names:
                task_id, count = f"exit_hook-{gate}-{function}", 1
                while task_id in seen:
                    count += 1
                    task_id = f"exit_hook-{gate}-{function}-{count}"
                seen.add(task_id)
                found.append((task_id, gate, function))
    return found


def hook_statements(
    flow: Flow,
    kubernetes: bool,
    image: str,
    namespace: str,
    secrets: tuple[str, ...],
    env: dict[str, str],
) -> str:
    """The DAG body's statements for the hooks (unindented), ``""`` for a flow without any."""
    tasks = hook_tasks(flow)
    if not tasks:
        return ""
    lines = []
    for number, (task_id, gate, function) in enumerate(tasks, 1):
        var = f"exit_hook_{number}"
        call: Kwargs = [("function", py_literal(function)), ("gate", py_literal(gate))]
        teardown: Chain = [(".as_teardown", [])]
        if not kubernetes:
            head: Chain = [("run_exit_hook.override", [("task_id", py_literal(task_id))]), ("", call)]
            lines.append(statement(var, head + teardown))
            continue
        args: Chain = [("exit_hook_arguments.override", [("task_id", py_literal(task_id + "-args"))])]
        lines.append(statement(f"{var}_args", [*args, ("", call), *teardown]))
        kwargs: Kwargs = [("task_id", py_literal(task_id)), ("name", py_literal(task_id))]
        kwargs += pod_kwargs(flow.step(flow.end), image, namespace, secrets, env)
        kwargs += [("cmds", "COMMAND"), ("arguments", f"{var}_args"), ("skip_on_exit_code", str(NOT_CALLED))]
        lines.append(statement(var, [("KubernetesPodOperator", kwargs), *teardown]))
    hooks = ", ".join(f"exit_hook_{n}" + ("_args" if kubernetes else "") for n in range(1, len(tasks) + 1))
    lines.append("# The hooks run once every other task is done, whatever its state.")
    lines.append(f"for hook in [{hooks}]:")
    lines.append("    [t for t in dag.tasks if not t.is_teardown] >> hook")
    return "\n".join(lines) + "\n"
