"""``@exit_hook`` on Airflow: teardown tasks after every other task, run by real Airflow 3.

The DAG files of both operator modes import into a DagBag with one
teardown task per hook function (trigger rule ``all_done_setup_success``,
which without setups waits for its upstream tasks whatever their state)
downstream of every other task.  ``airflow dags test`` (operator=local,
datastore on the SeaweedFS S3 server) then runs the flow once
successfully and once failing: the hooks for that outcome run (a failing
one does not fail a successful run), the others are skipped.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from airflow_env import AirflowEnv, airflow_fixture  # noqa: F401 - the fixture
from conftest import SeaweedFS
from test_airflow_e2e import flowc
from test_exit_hooks import write_flow

#: Prints, for each task of the DAG in a file: trigger rule, teardown flag, upstream task ids.
_TASKS_SCRIPT = """
import json, sys
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder=sys.argv[1])
assert not bag.import_errors, bag.import_errors
(dag,) = bag.dags.values()
print("TASKS " + json.dumps({
    t.task_id: [str(t.trigger_rule.value), t.is_teardown, sorted(t.upstream_task_ids)] for t in dag.tasks
}))
"""

SUCCESS_HOOKS = [
    "exit_hook-on_success-broken",
    "exit_hook-on_success-on_ok",
    "exit_hook-on_success-on_ok_plain",
]
ERROR_HOOKS = ["exit_hook-on_error-on_fail", "exit_hook-on_error-hooks_extra.alert"]


def _compile(flow: Path, out: Path, datastore: str, operator: str) -> Path:
    flowc(
        "compile",
        str(flow),
        "--target",
        "airflow",
        "--datastore",
        datastore,
        "--set",
        f"operator={operator}",
        "-o",
        str(out),
    )
    (dag_file,) = out.glob("*_dag.py")
    return dag_file


def _tasks(airflow: AirflowEnv, dag_file: Path) -> dict[str, list[object]]:
    done = airflow._run([sys.executable, "-c", _TASKS_SCRIPT, str(dag_file)])
    lines = [line for line in done.stdout.splitlines() if line.startswith("TASKS ")]
    assert done.returncode == 0 and lines, done.stdout[-3000:] + done.stderr[-3000:]
    tasks: dict[str, list[object]] = json.loads(lines[-1][len("TASKS ") :])
    return tasks


@pytest.mark.parametrize("operator", ["local", "kubernetes"])
def test_hook_tasks_are_teardowns_after_every_other_task(
    operator: str, airflow: AirflowEnv, tmp_path: Path
) -> None:
    dag_file = _compile(write_flow(tmp_path / "flow"), tmp_path / "dags", "s3://bucket/flows", operator)
    assert airflow.load([dag_file])[str(dag_file)]["errors"] == {}
    tasks = _tasks(airflow, dag_file)
    hooks = SUCCESS_HOOKS + ERROR_HOOKS
    # On Kubernetes the arguments task is where a hook starts; its pod follows it.
    entry = {h: h + "-args" if operator == "kubernetes" else h for h in hooks}
    work = sorted(t for t, (_, teardown, _) in tasks.items() if not teardown)
    assert work == (
        ["end", "end-args", "start", "start-args"] if operator == "kubernetes" else ["end", "start"]
    )
    for hook in hooks:
        for task in {entry[hook], hook}:
            rule, teardown, _ = tasks[task]
            assert (rule, teardown) == ("all_done_setup_success", True), (task, tasks[task])
        assert tasks[entry[hook]][2] == work
        if operator == "kubernetes":
            assert tasks[hook][2] == [entry[hook]]
    text = dag_file.read_text(encoding="utf-8")
    if operator == "kubernetes":
        assert text.count("skip_on_exit_code=4") == len(hooks)


def test_flows_without_hooks_get_no_hook_code(tmp_path: Path) -> None:
    flowc(
        "compile",
        "examples/linear_etl.py",
        "--target",
        "airflow",
        "--datastore",
        "s3://b/p",
        "-o",
        str(tmp_path),
    )
    (dag_file,) = tmp_path.glob("*_dag.py")
    assert "exit_hook" not in dag_file.read_text(encoding="utf-8")


def test_airflow_runs_the_hooks_of_the_runs_outcome(
    airflow: AirflowEnv, s3_server: SeaweedFS, s3_env: dict[str, str], tmp_path: Path
) -> None:
    root = f"s3://{s3_server.bucket}/airflow-exit-hooks/" + re.sub(r"\W", "_", tmp_path.name)
    flow = write_flow(tmp_path / "flow")
    flowc("push", str(flow), "--datastore", root)
    dag_file = _compile(flow, tmp_path / "dags", root, "local")
    outcomes = {}
    for name, conf in (("ok", {}), ("failing", {"fail": True})):
        out = tmp_path / name
        out.mkdir()
        result = airflow.dag_test(dag_file, "HookedFlow", conf, env={**s3_env, "HOOK_OUT": str(out)})
        states = {task: state for (task, _), state in result.tasks.items()}
        written = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in out.glob("*.json")}
        outcomes[name] = (result, states, written)

    result, states, written = outcomes["ok"]
    assert result.state == "success", result.summary()  # the broken hook does not fail the run
    assert [states[h] for h in SUCCESS_HOOKS] == ["failed", "success", "success"], states
    assert [states[h] for h in ERROR_HOOKS] == ["skipped", "skipped"], states
    assert written == {
        "on_ok": {
            "run_id": result.flowc_run_id,
            "successful": True,
            "pathspec": f"HookedFlow/{result.flowc_run_id}",
        },
        "on_ok_plain": {},
    }

    result, states, written = outcomes["failing"]
    assert result.state == "failed", result.summary()  # the hooks do not hide the failure
    assert [states[h] for h in SUCCESS_HOOKS] == ["skipped"] * 3, states
    assert [states[h] for h in ERROR_HOOKS] == ["success", "success"], states
    assert written["on_fail"] == {"run_id": result.flowc_run_id, "successful": False, "failed_step": "start"}
    assert sorted(written) == ["alert", "on_fail"]
