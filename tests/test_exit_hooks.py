"""``@exit_hook``: the analyzer's checks, the graph JSON, ``flowc run``, Argo and Step Functions.

The flows here are Metaflow flows, unchanged: hooks are module-level
functions (or strings naming them) that write a file, so the tests see
which ran and what ``run=`` they were given.  Airflow is in
test_exit_hooks_airflow.py.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import argo_schema
import pytest
import yaml
from flowc.backends.argo import emit as argo_emit
from flowc.backends.argo.exithooks import ON_ERROR, ON_SUCCESS
from flowc.backends.base import CompileError, CompileOptions
from flowc.backends.sfn import emit as sfn_emit
from flowc.transpile import analyze_file, analyze_source
from flowc.transpile.export import graph_json

ROOT = Path(__file__).resolve().parent.parent

#: A flow with hooks of every accepted form; HOOK_OUT is the folder they write to.
HOOKED_FLOW = '''
import json
import os

from metaflow import FlowSpec, Parameter, exit_hook, step


def _write(name, **fields):
    with open(os.path.join(os.environ["HOOK_OUT"], name + ".json"), "w") as handle:
        json.dump(fields, handle)


def broken():
    raise ValueError("this hook breaks")


def on_ok(run):
    _write("on_ok", run_id=run.id, successful=run.successful, pathspec=run.pathspec)


def on_ok_plain():
    _write("on_ok_plain")


def on_fail(**kwargs):
    run = kwargs["run"]
    _write("on_fail", run_id=run.id, successful=run.successful, failed_step=run["start"].task.data.where)


@exit_hook(on_success=[broken, on_ok, "on_ok_plain"], on_error=[on_fail])
@exit_hook(on_error=["hooks_extra.alert"])
class HookedFlow(FlowSpec):
    """Hooks of every form."""

    fail = Parameter("fail", default=False, type=bool)

    @step
    def start(self):
        self.where = "start"
        self.next(self.end)

    @step
    def end(self):
        if self.fail:
            raise RuntimeError("asked to fail")
'''

HOOKS_EXTRA = """
import os


def alert(run=None):
    with open(os.path.join(os.environ["HOOK_OUT"], "alert.json"), "w") as handle:
        handle.write("{}")
"""


def write_flow(folder: Path) -> Path:
    """The hooked flow and its helper module in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "hooks_extra.py").write_text(HOOKS_EXTRA, encoding="utf-8")
    path = folder / "hooked_flow.py"
    path.write_text(HOOKED_FLOW, encoding="utf-8")
    return path


def problems_of(
    source: str, tmp_path: Path, extra: dict[str, str] | None = None
) -> set[tuple[str, int, int]]:
    for name, text in (extra or {}).items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    path = tmp_path / "flow.py"
    path.write_text(source, encoding="utf-8")
    return {(p.rule, p.span.line, p.span.column) for p in analyze_file(str(path)).problems}


HEAD = "from metaflow import FlowSpec, exit_hook, step\nimport os\n\n\ndef hook(run=None):\n    pass\n\n\nX = 1\n\n\n"
TAIL = (
    "class F(FlowSpec):\n    @step\n    def start(self):\n        self.next(self.end)\n\n"
    "    @step\n    def end(self):\n        pass\n"
)


# --- analyzer ------------------------------------------------------------------------------


def test_the_hooks_reach_the_ir_and_the_graph_json(tmp_path: Path) -> None:
    flow = analyze_file(str(write_flow(tmp_path))).flow
    assert flow is not None
    assert [(h.on_success, h.on_error) for h in flow.exit_hooks] == [
        (("broken", "on_ok", "on_ok_plain"), ("on_fail",)),
        ((), ("hooks_extra.alert",)),
    ]
    assert [d.name for d in flow.decorators] == []
    assert graph_json(flow)["exit_hooks"] == [
        {"on_success": ["broken", "on_ok", "on_ok_plain"], "on_error": ["on_fail"]},
        {"on_success": [], "on_error": ["hooks_extra.alert"]},
    ]


def test_flows_without_hooks_keep_their_graph_json() -> None:
    flow = analyze_file(str(ROOT / "examples" / "linear_etl.py")).flow
    assert flow is not None and flow.exit_hooks == ()
    assert "exit_hooks" not in graph_json(flow)


@pytest.mark.parametrize(
    ("decorator", "expected"),
    [
        ("@exit_hook(on_success=[lambda: None])", {("FLC312", 12, 24)}),
        ("@exit_hook(on_success=[X])", {("FLC312", 12, 24)}),
        ("@exit_hook(on_success=[later])", {("FLC312", 12, 24)}),
        ("@exit_hook(on_success=[nowhere])", {("FLC312", 12, 24)}),
        ("@exit_hook(on_success=[os.path.join])", {("FLC312", 12, 24)}),
        ("@exit_hook(on_success=['not a name'])", {("FLC312", 12, 24)}),
        ("@exit_hook(on_error=['missing'])", {("FLC312", 12, 22)}),
        ("@exit_hook(on_error=['helpers.absent'])", {("FLC312", 12, 22)}),
        ("@exit_hook(on_error=hook)", {("FLC303", 12, 21)}),
        ("@exit_hook()", {("FLC307", 12, 1)}),
        ("@exit_hook(on_success=[])", {("FLC307", 12, 1)}),
        ("@exit_hook(hook)", {("FLC302", 12, 12), ("FLC307", 12, 1)}),
        ("@exit_hook(on_succes=[hook])", {("FLC302", 12, 12), ("FLC307", 12, 1)}),
        ("@exit_hook(on_success=[hook], options=os.environ)", {("FLC304", 12, 39)}),
    ],
)
def test_bad_hooks_are_located_errors(
    decorator: str, expected: set[tuple[str, int, int]], tmp_path: Path
) -> None:
    helpers = {"helpers.py": "def present():\n    pass\n"}
    later = "\n\ndef later():\n    pass\n"
    assert problems_of(HEAD + decorator + "\n" + TAIL + later, tmp_path, helpers) == expected


@pytest.mark.parametrize(
    "decorator",
    [
        "@exit_hook(on_success=[hook], on_error=('hook',), options={'image': 'python:3.12'})",
        "@exit_hook(on_error=['helpers.present', 'installed_package.module.notify'])",
        "@exit_hook(on_success=[hook])\n@exit_hook(on_error=[hook])",
        "@exit_hook(on_success=[imported])",
        "@exit_hook(on_success=[NAMED, 'hel' 'pers.present'])",
    ],
)
def test_good_hooks_pass(decorator: str, tmp_path: Path) -> None:
    helpers = {"helpers.py": "def present():\n    pass\n"}
    head = HEAD.replace(
        "import os\n", "import os\nfrom helpers import present as imported\n\nNAMED = 'hook'\n"
    )
    assert problems_of(head + decorator + "\n" + TAIL, tmp_path, helpers) == set()


def test_a_base_flows_hooks_come_first() -> None:
    source = (
        "from metaflow import FlowSpec, exit_hook, step\n\n\ndef a():\n    pass\n\n\ndef b():\n    pass\n\n\n"
        "@exit_hook(on_success=[a])\nclass Base(FlowSpec):\n    pass\n\n\n"
        "@exit_hook(on_success=[b])\n" + TAIL.replace("class F(FlowSpec)", "class F(Base)")
    )
    analysis = analyze_source(source, "flow.py", "F")
    assert analysis.flow is not None, analysis.problems
    assert [h.on_success for h in analysis.flow.exit_hooks] == [("a",), ("b",)]


# --- flowc run -----------------------------------------------------------------------------


def _run(flow: Path, root: Path, out: Path, *params: str) -> subprocess.CompletedProcess[str]:
    out.mkdir(parents=True, exist_ok=True)
    args = [sys.executable, "-m", "flowc.cli", "run", str(flow), "--datastore", str(root), "--run-id", "r1"]
    for param in params:
        args += ["--param", param]
    return subprocess.run(
        args,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        env={**os.environ, "HOOK_OUT": str(out)},
    )


def _written(out: Path) -> dict[str, dict[str, object]]:
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in out.glob("*.json")}


def test_flowc_run_calls_the_success_hooks_after_a_successful_run(tmp_path: Path) -> None:
    done = _run(write_flow(tmp_path / "flow"), tmp_path / "ds", tmp_path / "out")
    output = done.stdout + done.stderr
    assert done.returncode == 0, output  # the broken hook does not change the outcome
    written = _written(tmp_path / "out")
    assert sorted(written) == ["on_ok", "on_ok_plain"]
    assert written["on_ok"] == {"run_id": "r1", "successful": True, "pathspec": "HookedFlow/r1"}
    assert "[exit_hook] hook 'broken' failed: ValueError: this hook breaks" in output
    assert output.index("hook 'broken' failed") < output.index("succeeded")


def test_flowc_run_calls_the_error_hooks_after_a_failed_run(tmp_path: Path) -> None:
    done = _run(write_flow(tmp_path / "flow"), tmp_path / "ds", tmp_path / "out", "fail=true")
    assert done.returncode == 1, done.stdout + done.stderr
    written = _written(tmp_path / "out")
    assert sorted(written) == ["alert", "on_fail"]
    assert written["on_fail"] == {"run_id": "r1", "successful": False, "failed_step": "start"}


def test_the_shim_gate_calls_a_hook_only_for_its_outcome(tmp_path: Path) -> None:
    flow = write_flow(tmp_path / "flow")
    assert _run(flow, tmp_path / "ds", tmp_path / "first").returncode == 0
    out = tmp_path / "out"
    out.mkdir()
    base = [sys.executable, "-m", "flowc.runtime_shim", "task", "--datastore", str(tmp_path / "ds")]
    base += ["--flow-file", str(flow), "--flow", "HookedFlow", "--run-id", "r1", "--task-id", "exit-hook"]
    env = {**os.environ, "HOOK_OUT": str(out)}
    codes = {
        step: subprocess.run([*base, "--step", step], env=env, capture_output=True, check=False).returncode
        for step in (
            "exit_hook:on_error:on_fail",
            "exit_hook:on_success:on_ok_plain",
            "exit_hook:nothing_here",
        )
    }
    assert codes == {
        "exit_hook:on_error:on_fail": 4,
        "exit_hook:on_success:on_ok_plain": 0,
        "exit_hook:nothing_here": 1,
    }
    assert sorted(_written(out)) == ["on_ok_plain"]


# --- Argo ----------------------------------------------------------------------------------

OPTIONS = CompileOptions(
    datastore="s3://bucket/flows",
    package_url="s3://bucket/flows/pkg.tgz",
    package_sha256="0" * 64,
    flow_file="hooked_flow.py",
)


def _argo(tmp_path: Path, options: CompileOptions = OPTIONS) -> dict[str, object]:
    flow = analyze_file(str(write_flow(tmp_path))).flow
    assert flow is not None
    (document,) = [yaml.safe_load(d.text) for d in argo_emit(flow, options)]
    for version in argo_schema.VERSIONS:
        assert not argo_schema.errors(document, version), argo_schema.errors(document, version)
    return document


def _exit_tasks(document: dict[str, object]) -> dict[str, dict[str, object]]:
    spec = document["spec"]
    assert isinstance(spec, dict) and spec["onExit"] == "exit-hook"
    (handler,) = [t for t in spec["templates"] if t["name"] == "exit-hook"]
    return {t["name"]: t for t in handler["dag"]["tasks"]}


def test_argo_runs_each_hook_in_the_exit_handler_by_workflow_status(tmp_path: Path) -> None:
    document = _argo(tmp_path)
    tasks = _exit_tasks(document)
    assert list(tasks) == [
        "publish",
        "success-broken",
        "success-on-ok",
        "success-on-ok-plain",
        "error-on-fail",
        "error-hooks-extra-alert",
    ]
    whens = {name: task["when"] for name, task in tasks.items()}
    assert whens["success-on-ok"] == ON_SUCCESS == "{{workflow.status}} == Succeeded"
    assert (
        whens["error-on-fail"] == ON_ERROR == "{{workflow.status}} == Failed || {{workflow.status}} == Error"
    )
    assert whens["publish"] == ON_SUCCESS  # the finished event still goes out
    params = {p["name"]: p["value"] for p in tasks["error-hooks-extra-alert"]["arguments"]["parameters"]}
    assert params == {
        "step": "exit_hook:hooks_extra.alert",
        "task-id": "exit-hook",
        "input-paths": "",
        "source": "hooked_flow.py:31",
    }
    # Through the end step's shared container template: no container per hook.
    templates = [t["name"] for t in document["spec"]["templates"]]
    assert {t["template"] for n, t in tasks.items() if n != "publish"} == {"task"}
    assert templates.count("task") == 1 and len(templates) == 5, templates


def test_argo_exit_handler_keeps_the_hooks_without_events(tmp_path: Path) -> None:
    options = dataclasses.replace(OPTIONS, settings={"events": "off"})
    tasks = _exit_tasks(_argo(tmp_path, options))
    assert "publish" not in tasks and len(tasks) == 5


def test_argo_output_is_deterministic(tmp_path: Path) -> None:
    flow = analyze_file(str(write_flow(tmp_path))).flow
    assert flow is not None
    assert [d.text for d in argo_emit(flow, OPTIONS)] == [d.text for d in argo_emit(flow, OPTIONS)]


# --- Step Functions ------------------------------------------------------------------------


def test_step_functions_refuses_exit_hooks_at_the_decorator(tmp_path: Path) -> None:
    flow = analyze_file(str(write_flow(tmp_path))).flow
    assert flow is not None
    with pytest.raises(CompileError) as caught:
        sfn_emit(flow, OPTIONS)
    found = [(p.rule, p.span.line) for p in caught.value.problems]
    assert found == [("FLC401", 30), ("FLC401", 31)]
    assert "@exit_hook" in caught.value.problems[0].message
