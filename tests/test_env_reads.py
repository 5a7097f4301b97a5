"""Decorator and Parameter arguments read from flowc's environment, as Metaflow reads them at deploy time."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from flowc.transpile import Flow, Problem, Severity, analyze_file, analyze_source
from runflow import run_flow

from flowc.client import Flow as FlowClient

ROOT = Path(__file__).resolve().parent.parent
VAR = "FLOWC_TEST_ENV_READ"
VALUE = "registry.example.com/train:7"


def flow_text(header: str, decorator: str, params: str = "", footer: str = "") -> str:
    """A two-step flow whose start step carries ``decorator``."""
    return (
        f"{header}\nfrom metaflow import FlowSpec, Parameter, environment, kubernetes, retry, step\n\n"
        "VAR_NAME = 'FLOWC_TEST_ENV_READ'\n\n"
        f"class EnvFlow(FlowSpec):\n{params}"
        f"    {decorator}\n    @step\n    def start(self):\n        self.next(self.end)\n\n"
        f"    @step\n    def end(self):\n        pass\n{footer}"
    )


def where(text: str, snippet: str) -> tuple[int, int]:
    """Line and column (1-based) of the first ``snippet`` in ``text``."""
    before = text[: text.index(snippet)]
    return before.count("\n") + 1, len(before) - before.rfind("\n")


def analyse(text: str) -> tuple[Flow | None, list[Problem]]:
    analysis = analyze_source(text, "flow.py")
    return analysis.flow, list(analysis.problems)


def image_of(flow: Flow | None) -> object:
    assert flow is not None
    deco = flow.step("start").decorator("kubernetes")
    assert deco is not None
    return deco.get("image")


#: (imports, expression, its value with VAR set to VALUE, its value with VAR unset).
ACCEPTED = [
    ("import os", f'os.getenv("{VAR}")', VALUE, None),
    ("import os", f'os.getenv("{VAR}", "dflt")', VALUE, "dflt"),
    ("import os", f'os.getenv("{VAR}", default="dflt")', VALUE, "dflt"),
    ("import os", f'os.environ.get("{VAR}")', VALUE, None),
    ("import os", f'os.environ.get("{VAR}", "dflt")', VALUE, "dflt"),
    ("import os", f'os.environ["{VAR}"]', VALUE, ...),
    ("import os as system", f'system.getenv("{VAR}", "dflt")', VALUE, "dflt"),
    ("import os.path", f'os.environ.get("{VAR}", "dflt")', VALUE, "dflt"),
    ("from os import getenv", f'getenv("{VAR}", "dflt")', VALUE, "dflt"),
    ("from os import getenv as ge", f'ge("{VAR}", "dflt")', VALUE, "dflt"),
    ("from os import environ", f'environ["{VAR}"]', VALUE, ...),
    ("from os import environ as env", f'env.get("{VAR}", "dflt")', VALUE, "dflt"),
    ("import os", 'os.getenv(VAR_NAME, "dflt")', VALUE, "dflt"),
    ("import os", f'os.getenv("{VAR}", "dflt") + "-gpu"', VALUE + "-gpu", "dflt-gpu"),
]


#: Each accepted form with the variable set and unset (``os.environ[NAME]`` unset is an error, tested below).
CASES = [
    pytest.param(header, expr, is_set, expected, id=f"{header}: {expr} ({'set' if is_set else 'unset'})")
    for header, expr, when_set, when_unset in ACCEPTED
    for is_set, expected in ((True, when_set), (False, when_unset))
    if expected is not ...
]


@pytest.mark.parametrize(("header", "expr", "is_set", "expected"), CASES)
def test_accepted_forms_read_the_environment_of_the_analysis(
    monkeypatch: pytest.MonkeyPatch,
    header: str,
    expr: str,
    is_set: bool,
    expected: str | None,
) -> None:
    if is_set:
        monkeypatch.setenv(VAR, VALUE)
    else:
        monkeypatch.delenv(VAR, raising=False)
    text = flow_text(header, f"@kubernetes(image={expr})")
    flow, problems = analyse(text)
    assert [p.rule for p in problems] == ["FLC313"], problems
    (warning,) = problems
    assert warning.severity is Severity.WARNING
    assert (warning.span.line, warning.span.column) == where(text, expr)
    assert image_of(flow) == expected


REFUSED = [
    ("import os", f'int(os.getenv("{VAR}", "1"))'),  # calls other than the reads stay refused
    ("import os", f'str(os.environ["{VAR}"])'),
    ("import os", "os.getenv(VAR_NAME.lower())"),
    ("import os", f'os.getenv("{VAR}", "a", "b")'),
    ("import os", f'os.getenv(*["{VAR}"])'),
    ("import os", f'os.getenv(key="{VAR}")'),
    ("import os", f'os.environ.setdefault("{VAR}", "d")'),
    ("import os", f'os.environ.copy()["{VAR}"]'),
    ("import os", f'os.getenv(b"{VAR}")'),
    ("import os", "os.getenv(3)"),
    ("import shutil as os", f'os.getenv("{VAR}", "d")'),  # not the os module
    ("import os", f'getenv("{VAR}", "d")'),  # getenv never imported
    ("from posixpath import environ", f'environ["{VAR}"]'),
    ("import os\nos = None", f'os.getenv("{VAR}", "d")'),  # rebound
]


@pytest.mark.parametrize(("header", "expr"), REFUSED, ids=[r[1] for r in REFUSED])
def test_other_expressions_stay_flc304(monkeypatch: pytest.MonkeyPatch, header: str, expr: str) -> None:
    monkeypatch.setenv(VAR, VALUE)
    _, problems = analyse(flow_text(header, f"@kubernetes(image={expr})"))
    assert {p.rule for p in problems} == {"FLC304"}, problems


def test_conversion_of_a_read_is_refused_with_a_hint_to_drop_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEM", "8192")
    text = flow_text("import os", '@kubernetes(memory=int(os.getenv("MEM", "4096")))')
    _, problems = analyse(text)
    (error,) = problems
    assert (error.rule, error.span.line, error.span.column) == ("FLC304", *where(text, "int("))
    assert "does not run int() on it: drop int()" in error.hint
    flow, problems = analyse(text.replace('int(os.getenv("MEM", "4096"))', 'os.getenv("MEM", "4096")'))
    assert [p.rule for p in problems] == ["FLC313"] and flow is not None
    deco = flow.step("start").decorator("kubernetes")
    assert deco is not None and deco.get("memory") == "8192"


def test_warning_names_the_decorator_variable_and_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKING_URI", "http://mlflow:5000")
    decorator = '@environment(vars={"TRACKING_URI": os.getenv("TRACKING_URI", "http://127.0.0.1:5000")})'
    text = flow_text("import os", decorator)
    flow, problems = analyse(text)
    assert where(text, "os.getenv") == (7, 40)
    (warning,) = problems
    assert warning.to_json() == {
        "rule": "FLC313",
        "severity": "warning",
        "path": "flow.py",
        "line": 7,
        "column": 40,
        "message": "@environment reads TRACKING_URI from the environment at compile time: "
        "the documents depend on it",
        "hint": "pass it with --set / flowc.toml, or accept that deploys differ by machine",
    }
    assert flow is not None
    deco = flow.step("start").decorator("environment")
    assert deco is not None and deco.get("vars") == {"TRACKING_URI": "http://mlflow:5000"}


def test_missing_variable_is_an_error_at_the_expression(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(VAR, raising=False)
    text = flow_text("import os", f'@retry(times=1, minutes_between_retries=os.environ["{VAR}"])')
    _, problems = analyse(text)
    (error,) = problems
    assert (error.rule, error.severity) == ("FLC314", Severity.ERROR)
    assert (error.span.line, error.span.column) == where(text, "os.environ[") == (7, 45)
    assert error.hint == f"set {VAR} in the environment of flowc, or give a default"
    assert VAR in error.message


def test_module_level_constant_reads_where_it_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(VAR, VALUE)
    header = f'import os\nIMAGE = os.getenv("{VAR}", "dflt")\nGPU_IMAGE: str = IMAGE + "-gpu"'
    text = flow_text(header, "@kubernetes(image=GPU_IMAGE)")
    flow, problems = analyse(text)
    assert image_of(flow) == VALUE + "-gpu"
    (warning,) = problems
    assert (warning.rule, warning.span.line, warning.span.column) == ("FLC313", *where(text, "GPU_IMAGE)"))
    assert warning.message.startswith(
        f"@kubernetes reads {VAR} from the environment at compile time (through GPU_IMAGE)"
    )


def test_module_level_constant_with_a_missing_variable_is_reported_in_its_definition(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(VAR, raising=False)
    header = f'import os\nIMAGE = os.environ["{VAR}"]'
    _, problems = analyse(flow_text(header, "@kubernetes(image=IMAGE)"))
    assert [(p.rule, p.span.line, p.span.column) for p in problems] == [("FLC314", 2, 9)]


@pytest.mark.parametrize(
    ("header", "footer"),
    [
        (f'import os\nIMAGE = os.getenv("{VAR}")\nIMAGE = "other"', ""),  # bound twice
        ("import os", f'IMAGE = os.getenv("{VAR}")\n'),  # bound below the class
    ],
    ids=["bound-twice", "bound-below"],
)
def test_module_level_names_python_would_not_see_stay_flc304(
    monkeypatch: pytest.MonkeyPatch, header: str, footer: str
) -> None:
    monkeypatch.setenv(VAR, VALUE)
    _, problems = analyse(flow_text(header, "@kubernetes(image=IMAGE)", footer=footer))
    assert [p.rule for p in problems] == ["FLC304"], problems


@pytest.mark.parametrize("is_set", [True, False], ids=["set", "unset"])
def test_parameter_default_from_the_environment(monkeypatch: pytest.MonkeyPatch, is_set: bool) -> None:
    if is_set:
        monkeypatch.setenv(VAR, "prod-bucket")
    else:
        monkeypatch.delenv(VAR, raising=False)
    params = f'    bucket = Parameter("bucket", default=os.environ.get("{VAR}", "dev"))\n'
    text = flow_text("import os", "@retry(times=1)", params)
    flow, problems = analyse(text)
    assert flow is not None
    (param,) = flow.parameters
    assert (param.type.value, param.default) == ("str", "prod-bucket" if is_set else "dev")
    (warning,) = problems
    assert (warning.rule, warning.severity, warning.span.line, warning.span.column) == (
        "FLC313",
        Severity.WARNING,
        *where(text, "os.environ.get"),
    )
    assert warning.message.startswith(f"Parameter(default=...) reads {VAR} from the environment")


def test_reads_mix_with_config_references(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(VAR, VALUE)
    (tmp_path / "settings.json").write_text(json.dumps({"region": "eu-west-1"}))
    text = (
        "import os\nfrom metaflow import Config, FlowSpec, environment, step\n\n"
        "class EnvFlow(FlowSpec):\n    settings = Config('settings', default='settings.json')\n\n"
        f"    @environment(vars={{'IMAGE': os.getenv('{VAR}'), 'REGION': settings.region}})\n"
        "    @step\n    def start(self):\n        self.next(self.end)\n\n"
        "    @step\n    def end(self):\n        pass\n"
    )
    (tmp_path / "flow.py").write_text(text)
    analysis = analyze_file(str(tmp_path / "flow.py"))
    assert [p.rule for p in analysis.problems] == ["FLC313"], analysis.problems
    assert analysis.flow is not None
    deco = analysis.flow.step("start").decorator("environment")
    assert deco is not None and deco.get("vars") == {"IMAGE": VALUE, "REGION": "eu-west-1"}


def _compile(target: str, out: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    flow = ROOT / "tests" / "corpus" / "environment_from_os.py"
    options = ["--target", target, "--datastore", "s3://bucket/flows", "-o", str(out)]
    return subprocess.run(
        [sys.executable, "-m", "flowc.cli", "compile", str(flow), *options],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        cwd=ROOT,
    )


@pytest.mark.parametrize("uri", ["http://mlflow.internal:5000", None], ids=["set", "unset"])
def test_compiled_documents_hold_the_compiling_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, uri: str | None
) -> None:
    import os

    env = {k: v for k, v in os.environ.items() if k != "TRACKING_URI"}
    if uri is not None:
        env["TRACKING_URI"] = uri
    done = _compile("argo", tmp_path / "argo", env)
    assert done.returncode == 0, done.stderr
    assert "FLC313 warning: @environment reads TRACKING_URI" in done.stderr
    docs = [d for p in sorted((tmp_path / "argo").rglob("*.yaml")) for d in yaml.safe_load_all(p.read_text())]
    found = [
        e["value"]
        for doc in docs
        for template in doc.get("spec", {}).get("templates", [])
        for e in (template.get("container") or {}).get("env", [])
        if e.get("name") == "TRACKING_URI"
    ]
    assert found == [uri or "http://127.0.0.1:5000"]


RUN_FLOW = f"""
import os

from metaflow import FlowSpec, environment, step


class EnvRunFlow(FlowSpec):
    @environment(vars={{"SERVER": os.getenv("{VAR}", "http://127.0.0.1:5000")}})
    @step
    def start(self):
        self.server = os.environ["SERVER"]
        self.next(self.end)

    @step
    def end(self):
        pass
"""


def test_flowc_run_task_sees_the_value(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(VAR, "http://tracking.example:5000")
    path = tmp_path / "env_run.py"
    path.write_text(RUN_FLOW)
    root = str(tmp_path / "ds")
    done = run_flow(path, root)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "FLC313" in done.stderr
    run = FlowClient("EnvRunFlow", datastore=root)["r1"]
    assert run["start"].task.data.server == "http://tracking.example:5000"
