"""``@exit_hook`` on Argo, executed: the exit handler's hook containers run for real.

A flow runs with ``flowc run`` under the run id Argo would give it (the
workflow's name); then the WorkflowTemplate's ``exit-hook`` handler is
played the way Argo plays it once the workflow has ended: each task's
``when`` evaluated on ``{{workflow.status}}``, its template's arguments
substituted (test_argo_escape's model of Argo's passes and the kubelet)
and the resulting container command started as a process, bootstrap and
code package included.  The hooks write files, so the test sees which ran.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from flowc.backends.argo import emit
from flowc.backends.base import CompileOptions
from flowc.transpile import load_flow
from test_argo_escape import argo_pass, kubelet
from test_exit_hooks import write_flow

from flowc.packaging import flow_package


def _when(condition: str, status: str) -> bool:
    """Argo's ``when`` for the forms the exit handler uses: ``a == b`` joined by ``||``."""
    text = condition.replace("{{workflow.status}}", status)
    return any(left.strip() == right.strip() for left, right in (c.split("==") for c in text.split("||")))


def _exit_handler(
    document: dict[str, Any], workflow: str, status: str
) -> list[tuple[str, list[str], dict[str, str]]]:
    """(task, argv, environment) of each exit-handler container Argo would start for ``status``."""
    spec = argo_pass(document["spec"], {"workflow.name": workflow})
    templates = {t["name"]: t for t in spec["templates"]}
    started = []
    for task in templates[spec["onExit"]]["dag"]["tasks"]:
        template = templates[task["template"]]
        if "container" not in template or not _when(task["when"], status):
            continue  # the finished event is an http template, run by the workflow agent
        inputs = {f"inputs.parameters.{p['name']}": p["value"] for p in task["arguments"]["parameters"]}
        template = argo_pass(argo_pass(template, inputs), {"pod.name": "pod-1", "retries": "0"})
        argv, env = kubelet(template["container"])
        started.append((task["name"], [sys.executable, *argv[1:]], env))
    return started


@pytest.mark.parametrize(("status", "params"), [("Succeeded", []), ("Failed", ["--param", "fail=true"])])
def test_the_exit_handler_runs_the_hooks_of_the_workflow_status(
    status: str, params: list[str], tmp_path: Path
) -> None:
    flow_file = write_flow(tmp_path / "flow")
    flow = load_flow(str(flow_file))
    data, sha = flow_package(flow, str(flow_file))
    package = tmp_path / "package.tgz"
    package.write_bytes(data)
    root = tmp_path / "ds"
    options = CompileOptions(str(root), str(package), sha, "hooked_flow.py", settings={"events": "off"})
    document = yaml.safe_load(emit(flow, options)[0].text)

    local_hooks = tmp_path / "local"
    local_hooks.mkdir()
    run = [
        sys.executable,
        "-m",
        "flowc.cli",
        "run",
        str(flow_file),
        "--datastore",
        str(root),
        "--run-id",
        "wf-1",
    ]
    env = {**os.environ, "HOOK_OUT": str(local_hooks)}
    done = subprocess.run([*run, *params], capture_output=True, text=True, check=False, env=env, timeout=300)
    assert done.returncode == (0 if status == "Succeeded" else 1), done.stdout + done.stderr

    out = tmp_path / "argo"
    out.mkdir()
    codes = {}
    for task, argv, pod_env in _exit_handler(document, "wf-1", status):
        env = {**os.environ, **pod_env, "HOOK_OUT": str(out)}
        codes[task] = subprocess.run(argv, capture_output=True, text=True, check=False, env=env, timeout=300)
    written = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in out.glob("*.json")}
    returncodes = {task: result.returncode for task, result in codes.items()}
    if status == "Succeeded":
        assert returncodes == {"success-broken": 1, "success-on-ok": 0, "success-on-ok-plain": 0}
        assert "[exit_hook] hook 'broken' failed" in codes["success-broken"].stdout
        assert written == {
            "on_ok": {"run_id": "wf-1", "successful": True, "pathspec": "HookedFlow/wf-1"},
            "on_ok_plain": {},
        }
    else:
        assert returncodes == {"error-on-fail": 0, "error-hooks-extra-alert": 0}
        assert written == {
            "on_fail": {"run_id": "wf-1", "successful": False, "failed_step": "start"},
            "alert": {},
        }
    # The local run called the same hooks with the same outcome.
    assert sorted(p.stem for p in local_hooks.glob("*.json")) == sorted(written)
