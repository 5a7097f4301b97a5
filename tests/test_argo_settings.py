"""``--set KEY=VALUE`` for Argo: the known settings, refusal of unknown ones, and ``branch`` at run time.

A ``--set branch=X`` other than the decorator's names the documents after
``X``; every task container then gets ``FLOWC_PROJECT_BRANCH=X`` so that
``current.branch_name`` reports the branch the workflow is named after
(runtime_shim/current.py).  Checked through the Argo and kubelet model
(tests/test_argo_escape.py) into a real shim run of the start step.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import argo_schema
import pytest
import yaml
from flowc.backends.argo import emit
from flowc.backends.argo.settings import KNOWN
from flowc.backends.base import CompileError, CompileOptions
from flowc.transpile import Flow, analyze_source
from flowc_cli import invoke
from test_argo_escape import run_start_task

ROOT = Path(__file__).resolve().parent.parent
BRANCH_ENV = "FLOWC_PROJECT_BRANCH"

#: A valid value for every known setting.
VALID = {
    "namespace": "ml",
    "service_account": "runner",
    "branch": "feature-x",
    "tags": '["nightly"]',
    "max_recursion": "10",
    "event_source": "src",
    "event_name": "ev",
    "sensor_service_account": "sensor",
    "events_url": "http://hooks:8080/done",
    "events": "off",
}


def project_flow(project: str) -> str:
    return f"""from flowc import FlowSpec, current, project, retry, step


@project({project})
class BranchFlow(FlowSpec):
    @step
    def start(self):
        print("BRANCH", current.branch_name, current.project_flow_name)
        self.next(self.work)

    @retry(times=1)
    @step
    def work(self):
        self.next(self.end)

    @step
    def end(self):
        pass
"""


def analysed(text: str) -> Flow:
    analysis = analyze_source(text, "flow.py")
    assert analysis.flow is not None and not analysis.errors, [p.format() for p in analysis.problems]
    return analysis.flow


def compiled(text: str, **settings: str) -> dict[str, Any]:
    options = CompileOptions("s3://b/flowc", "s3://b/p.tgz", "0" * 64, "flow.py", settings=settings)
    document: dict[str, Any] = yaml.safe_load(emit(analysed(text), options)[0].text)
    return document


def task_containers(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Every container that runs the shim (the recursion guard and the exit hook do not)."""
    found = [t["container"] for t in document["spec"]["templates"] if "container" in t]
    assert len(found) > 2, "the flow should need several container templates"
    return found


def branch_env(container: dict[str, Any]) -> list[str]:
    return [e["value"] for e in container["env"] if e["name"] == BRANCH_ENV]


def test_every_known_setting_is_accepted_and_the_result_is_strictly_valid() -> None:
    document = compiled(project_flow('name="iris"'), **VALID)
    assert document["metadata"]["name"] == "iris.feature-x.branch-flow"
    for version in argo_schema.VERSIONS:
        assert not argo_schema.errors(document, version)


@pytest.mark.parametrize("key", ["nmespace", "image", "branch_name", "queue"])
def test_an_unknown_setting_is_refused_with_the_known_ones(key: str) -> None:
    flow = analysed(project_flow('name="iris"'))
    options = CompileOptions("s3://b/flowc", "s3://b/p.tgz", "0" * 64, "flow.py", settings={key: "x"})
    with pytest.raises(CompileError) as caught:
        emit(flow, options)
    (problem,) = caught.value.problems
    assert problem.rule == "FLC403" and problem.message == f"unknown argo setting {key!r}"
    assert problem.hint == "known settings: " + ", ".join(sorted(KNOWN))


@pytest.mark.parametrize(("key", "value"), [("events", "maybe"), ("max_recursion", "0")])
def test_a_known_setting_with_a_bad_value_is_refused(key: str, value: str) -> None:
    flow = analysed(project_flow('name="iris"'))
    options = CompileOptions("s3://b/flowc", "s3://b/p.tgz", "0" * 64, "flow.py", settings={key: value})
    with pytest.raises(CompileError) as caught:
        emit(flow, options)
    (problem,) = caught.value.problems
    assert problem.rule == "FLC403" and f"{key}={value!r}" in problem.message


def test_the_cli_refuses_an_unknown_setting_on_one_screen_without_a_traceback() -> None:
    example = ROOT / "examples" / "linear_etl.py"
    args = [
        "compile",
        str(example),
        *["-t", "argo", "--datastore", "s3://b/f", "-o", "-", "--set", "colour=red"],
    ]
    done = invoke(args)
    assert done.exit_code != 0
    assert "FLC403" in done.output and "unknown argo setting 'colour'" in done.output
    assert "Traceback" not in done.output and len(done.output.splitlines()) < 20


def test_docs_list_every_known_setting_with_its_meaning() -> None:
    docs = (ROOT / "docs" / "argo.md").read_text(encoding="utf-8")
    for key, meaning in KNOWN.items():
        assert re.search(rf"^\| `{key}` \| {re.escape(meaning)} \|$", docs, re.M), key


@pytest.mark.parametrize(
    ("project", "settings", "expected"),
    [
        ('name="iris"', {"branch": "feature-x"}, ["feature-x"]),
        ('name="iris", branch="staging"', {"branch": "feature-x"}, ["feature-x"]),
        ('name="iris", branch="staging"', {"branch": "staging"}, []),
        ('name="iris"', {"branch": "main"}, []),
        ('name="iris"', {}, []),
        ('name="iris", branch="staging"', {}, []),
        ('name="iris", production=True', {"branch": "feature-x"}, []),
    ],
)
def test_every_task_gets_the_branch_only_when_set_changes_it(
    project: str, settings: dict[str, str], expected: list[str]
) -> None:
    for container in task_containers(compiled(project_flow(project), **settings)):
        assert branch_env(container) == expected


def test_a_task_reports_the_branch_the_workflow_is_named_after(tmp_path: Path) -> None:
    """Argo and the kubelet hand the start task its env; the real shim then reports that branch."""
    source = project_flow('name="iris", branch="staging"')
    document = compiled(source, branch="feature-x")
    assert document["metadata"]["labels"]["flowc.dev/branch"] == "feature-x"
    argv, env = run_start_task(document)
    assert env[BRANCH_ENV] == "feature-x"
    args = argv[argv.index("task") + 1 :]
    for flag in ("--datastore", "--package-url", "--package-sha256", "--flow-file"):
        at = args.index(flag)
        del args[at : at + 2]
    (tmp_path / "flow.py").write_text(source)
    command = [sys.executable, "-m", "flowc.runtime_shim", "task", "--datastore", str(tmp_path / "ds")]
    command += ["--flow-file", str(tmp_path / "flow.py"), *args]
    clean = {k: v for k, v in os.environ.items() if not k.startswith("FLOWC_")}
    done = subprocess.run(
        command, capture_output=True, text=True, cwd=tmp_path, env={**clean, **env}, check=False
    )
    assert done.returncode == 0, done.stderr
    (line,) = [line for line in done.stdout.splitlines() if line.startswith("BRANCH ")]
    assert line == "BRANCH feature-x iris.feature-x.BranchFlow"
