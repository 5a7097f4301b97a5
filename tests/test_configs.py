"""Metaflow ``Config`` and ``config_expr``: read by the analyzer, honoured by every runtime.

The analyzer reads each config's document when checking or compiling and
puts its values into decorators and parameter defaults; ``flowc run`` and
the deploy documents show those values, and every task reads the value
recorded when the run started (``--config NAME=FILE`` overrides it).
Real Metaflow runs the same flow as an oracle.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest
from flowc.runtime_shim.configs import ConfigValue, freeze
from flowc.transpile import analyze_file, load_flow

from flowc import Flow
from flowc.packaging import flow_package

FLOW = """\
from metaflow import Config, FlowSpec, Parameter, config_expr, environment, project, resources, schedule, step


@project(name=config_expr("settings.project"))
@schedule(cron=config_expr("settings.cron"))
class ConfigFlow(FlowSpec):
    settings = Config("settings", default="settings.json")
    limits = Config("limits", default_value={"retries": 2, "zones": ["a", "b"]})
    alpha = Parameter("alpha", default=settings.alpha)

    @environment(vars={"REGION": config_expr("settings.region")})
    @resources(cpu=settings.cpu, memory=config_expr("settings['memory'] * 2"))
    @step
    def start(self):
        import os

        self.region = os.environ["REGION"]
        self.seen = self.settings.to_dict()
        self.first_gpu = self.settings.gpus[0]
        here = os.path.dirname(os.path.abspath(__file__))
        with open(os.path.join(here, "settings.json"), "w") as handle:
            handle.write('{"changed": true}')  # tasks still see the value recorded at run start
        try:
            self.settings = {}
        except Exception as exc:
            self.refused = type(exc).__name__
        self.next(self.end)

    @resources(cpu=config_expr("limits.retries + settings.cpu"))
    @step
    def end(self):
        self.later = self.settings.to_dict()
        self.zones = list(self.limits.zones)
        print("ORACLE", self.settings.project, self.settings.cpu, self.alpha, self.limits["retries"], self.region)


if __name__ == "__main__":
    ConfigFlow()
"""

SETTINGS = {
    "project": "demo_proj",
    "cron": "0 3 * * *",
    "alpha": 0.5,
    "cpu": 2,
    "memory": 1024,
    "region": "eu-west-1",
    "gpus": ["a100"],
}


def write_flow(directory: Path, source: str = FLOW, settings: dict[str, Any] | None = None) -> Path:
    """``flow.py`` and its ``settings.json`` in ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "settings.json").write_text(json.dumps(settings or SETTINGS), encoding="utf-8")
    path = directory / "flow.py"
    path.write_text(source, encoding="utf-8")
    return path


def flowc(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flowc.cli", *args], capture_output=True, text=True, cwd=cwd, check=False
    )


def problems(
    source: str, tmp_path: Path, files: dict[str, str] | None = None
) -> list[tuple[str, int, int, str]]:
    """``(rule, line, column, message)`` of every problem in ``source``."""
    for name, text in (files or {}).items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    path = tmp_path / "flow.py"
    path.write_text(source, encoding="utf-8")
    return [(p.rule, p.span.line, p.span.column, p.message) for p in analyze_file(str(path)).problems]


# -- the analyzer ---------------------------------------------------------------------


def test_config_values_become_literals_in_the_ir(tmp_path: Path) -> None:
    flow = load_flow(str(write_flow(tmp_path)))
    assert [(c.name, c.attr, c.default_file, c.override, c.parser) for c in flow.configs] == [
        ("settings", "settings", "settings.json", None, "json"),
        ("limits", "limits", None, None, "json"),
    ]
    assert flow.configs[0].value == SETTINGS
    assert dict(flow.decorator("project").args) == {"name": "demo_proj"}  # type: ignore[union-attr]
    assert dict(flow.decorator("schedule").args) == {"cron": "0 3 * * *"}  # type: ignore[union-attr]
    start, end = flow.step("start"), flow.step("end")
    assert dict(start.decorator("resources").args) == {"cpu": 2, "memory": 2048}  # type: ignore[union-attr]
    assert dict(start.decorator("environment").args) == {"vars": {"REGION": "eu-west-1"}}  # type: ignore[union-attr]
    assert dict(end.decorator("resources").args) == {"cpu": 4}  # type: ignore[union-attr]
    assert flow.parameters[0].default == 0.5 and flow.parameters[0].type.value == "float"


def test_override_file_changes_every_value(tmp_path: Path) -> None:
    path = write_flow(tmp_path / "flow")
    prod = tmp_path / "prod.json"
    prod.write_text(json.dumps(SETTINGS | {"cpu": 8, "project": "prod_proj"}), encoding="utf-8")
    flow = load_flow(str(path), configs={"settings": str(prod)})
    assert flow.configs[0].override == str(prod) and flow.configs[0].value["cpu"] == 8  # type: ignore[index,call-overload]
    assert flow.step("start").decorator("resources").get("cpu") == 8  # type: ignore[union-attr]
    assert flow.step("end").decorator("resources").get("cpu") == 10  # type: ignore[union-attr]
    assert flow.decorator("project").get("name") == "prod_proj"  # type: ignore[union-attr]


def test_toml_parser_and_literal_defaults(tmp_path: Path) -> None:
    source = """\
from flowc import Config, FlowSpec, config_expr, retry, step

class TomlFlow(FlowSpec):
    deploy = Config("deploy", default="deploy.toml", parser="tomllib.loads")
    text = Config("text", default_value='{"n": 3}')
    raw = Config("raw", default_value=[1, 2], plain=True)

    @retry(times=deploy.retry.times, minutes_between_retries=text["n"])
    @step
    def start(self):
        self.next(self.end)

    @retry(times=config_expr("raw[1] + deploy.retry.times"), minutes_between_retries=config_expr("None"))
    @step
    def end(self):
        pass
"""
    (tmp_path / "deploy.toml").write_text("[retry]\ntimes = 4\n", encoding="utf-8")
    (tmp_path / "flow.py").write_text(source, encoding="utf-8")
    flow = load_flow(str(tmp_path / "flow.py"))
    assert [c.value for c in flow.configs] == [{"retry": {"times": 4}}, {"n": 3}, [1, 2]]
    assert dict(flow.step("start").decorator("retry").args) == {"times": 4, "minutes_between_retries": 3}  # type: ignore[union-attr]
    assert flow.step("end").decorator("retry").get("times") == 6  # type: ignore[union-attr]


HEAD = "from metaflow import Config, FlowSpec, config_expr, project, resources, step\n\n\n"
TAIL = "\n    @step\n    def end(self):\n        pass\n"


def _flow(body: str, flow_decorator: str = "") -> str:
    return HEAD + flow_decorator + "class F(FlowSpec):\n" + body + TAIL


START = "    @step\n    def start(self):\n        self.next(self.end)\n"


@pytest.mark.parametrize(
    ("body", "files", "expected"),
    [
        pytest.param(
            '    cfg = Config("cfg", default="missing.json")\n' + START,
            {},
            ("FLC501", 5, 33, "config 'cfg': file 'missing.json' not found next to the flow file"),
            id="missing-file",
        ),
        pytest.param(
            '    cfg = Config("cfg", default="bad.json")\n' + START,
            {"bad.json": '{"cpu": 2,\n  "x": }\n'},
            (
                "FLC501",
                5,
                33,
                "config 'cfg': file 'bad.json' is not valid JSON: Expecting value at line 2 column 8",
            ),
            id="bad-json",
        ),
        pytest.param(
            '    cfg = Config("cfg", default="list.json")\n' + START,
            {"list.json": "[1, 2]"},
            ("FLC501", 5, 33, "config 'cfg': file 'list.json' holds a list, not an object"),
            id="not-an-object",
        ),
        pytest.param(
            '    cfg = Config("cfg", default_value={"cpu": 1})\n\n    @resources(cpu=config_expr("cfg.cpus"))\n'
            + START,
            {},
            ("FLC503", 7, 37, "config cfg has no key 'cpus' (did you mean 'cpu'?)"),
            id="unknown-key-in-config-expr",
        ),
        pytest.param(
            '    cfg = Config("cfg", default_value={"db": {"host": "h"}})\n\n    @resources(memory=cfg["db"].port)\n'
            + START,
            {},
            ("FLC503", 7, 33, "config cfg['db'] has no key 'port'"),
            id="unknown-nested-key",
        ),
        pytest.param(
            '    cfg = Config("cfg", default_value={"cpu": 1})\n\n    @resources(cpu=config_expr("cgf.cpu"))\n'
            + START,
            {},
            ("FLC503", 7, 33, "config_expr() names no config 'cgf' (did you mean 'cfg'?)"),
            id="unknown-config-name",
        ),
        pytest.param(
            '    cfg = Config("cfg", default_value={"cpu": 1}, parser="pickle.loads")\n' + START,
            {},
            ("FLC502", 5, 58, "flowc cannot apply the config parser 'pickle.loads' when compiling"),
            id="unsupported-parser",
        ),
        pytest.param(
            '    cfg = Config("cfg", default="a.json", default_value={})\n' + START,
            {"a.json": "{}"},
            ("FLC502", 5, 57, "Config() takes default= (a file) or default_value= (a value), not both"),
            id="default-and-default-value",
        ),
        pytest.param(
            "    @resources(cpu=cfg.cpu)\n" + START + '\n    cfg = Config("cfg", default_value={"cpu": 1})\n',
            {},
            ("FLC504", 5, 20, "config 'cfg' is used before it is declared (line 10)"),
            id="used-before-declared",
        ),
        pytest.param(
            '    cfg = Config("cfg", default_value={"name": "x"})\n\n    @resources(cpu=config_expr("cfg.name.upper()"))\n'
            + START,
            {},
            (
                "FLC504",
                7,
                33,
                "flowc cannot evaluate 'cfg.name.upper()' in config_expr('cfg.name.upper()') when compiling",
            ),
            id="method-call",
        ),
        pytest.param(
            '    cfg = Config("cfg", default_value={})\n    other = Config("cfg", default_value={})\n'
            + START,
            {},
            ("FLC502", 6, 13, "config 'cfg' is declared twice (first on line 5)"),
            id="declared-twice",
        ),
        pytest.param(
            '    start = Config("start", default_value={})\n' + START,
            {},
            ("FLC502", 5, 13, "config 'start' has the same name as a step or parameter"),
            id="clashes-with-step",
        ),
        pytest.param(
            '    cfg = Config("cfg", default_value={"cpu": 1})\n\n    @resources(cpu=cfg.cpu * 2)\n' + START,
            {},
            ("FLC504", 7, 20, "Metaflow cannot compute with 'cfg.cpu' outside config_expr()"),
            id="arithmetic-outside-config-expr",
        ),
    ],
)
def test_config_problems_point_at_the_mistake(
    tmp_path: Path, body: str, files: dict[str, str], expected: tuple[str, int, int, str]
) -> None:
    found = problems(_flow(body), tmp_path, files)
    assert expected in found, found


def test_computed_defaults_are_refused_where_written(tmp_path: Path) -> None:
    body = '    cfg = Config("cfg", default=os.environ["CFG"])\n    raw = Config("raw", default_value=dict(a=1))\n'
    found = problems("import os\n" + _flow(body + START), tmp_path)
    assert [(p[0], p[1], p[2]) for p in found] == [("FLC502", 6, 33), ("FLC502", 7, 39)], found


def test_flow_decorator_must_use_config_expr(tmp_path: Path) -> None:
    body = '    cfg = Config("cfg", default_value={"project": "p"})\n' + START
    wrong = problems(_flow(body, "@project(name=cfg.project)\n"), tmp_path)
    assert wrong == [
        ("FLC504", 4, 15, "config attribute 'cfg' does not exist yet where flow decorators are evaluated")
    ]
    right = tmp_path / "right"
    right.mkdir()
    assert problems(_flow(body, '@project(name=config_expr("cfg").project)\n'), right) == []


def test_override_problems_are_reported_at_the_config(tmp_path: Path) -> None:
    path = write_flow(tmp_path)
    (tmp_path / "bad.json").write_text("{nope}", encoding="utf-8")
    analysis = analyze_file(str(path), configs={"settings": str(tmp_path / "bad.json"), "setings": "x.json"})
    found = [(p.rule, p.span.line, p.span.column, p.message) for p in analysis.problems]
    assert (
        "FLC501",
        7,
        16,
        f"config 'settings': --config file {str(tmp_path / 'bad.json')!r} is not valid JSON: "
        "Expecting property name enclosed in double quotes at line 1 column 2",
    ) in found
    assert (
        "FLC501",
        6,
        1,
        "--config setings=... names no config of this flow (did you mean 'settings'?)",
    ) in found


def test_check_and_cli_errors(tmp_path: Path) -> None:
    path = write_flow(tmp_path)
    assert flowc("check", str(path)).returncode == 0
    (tmp_path / "broken.json").write_text("{oops", encoding="utf-8")
    checked = flowc("check", str(path), "--config", f"settings={tmp_path / 'broken.json'}")
    assert checked.returncode == 1 and "FLC501" in checked.stderr and "Traceback" not in checked.stderr
    bad = flowc("run", str(path), "--config", "settings", "--datastore", str(tmp_path / "ds"))
    assert bad.returncode == 2 and "expected NAME=FILE" in bad.stderr and "Traceback" not in bad.stderr
    missing = flowc(
        "compile", str(path), "-t", "argo", "--datastore", "s3://b/p", "--config", "settings=nope.json"
    )
    assert missing.returncode == 1 and "FLC501" in missing.stderr and "Traceback" not in missing.stderr


# -- the runtime ----------------------------------------------------------------------


def test_flowc_run_reads_the_recorded_config(tmp_path: Path) -> None:
    path = write_flow(tmp_path / "flow")
    root = str(tmp_path / "ds")
    done = flowc("run", str(path), "--datastore", root, "--run-id", "r1")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ORACLE demo_proj 2 0.5 2 eu-west-1" in done.stdout
    run = Flow("ConfigFlow", datastore=root)["r1"]
    start = run["start"].task.data
    assert start.seen == SETTINGS and start.first_gpu == "a100" and start.region == "eu-west-1"
    assert start.refused == "AttributeError"
    # start rewrote settings.json; end still saw the value recorded when the run started
    assert json.loads((tmp_path / "flow" / "settings.json").read_text()) == {"changed": True}
    assert run["end"].task.data.later == SETTINGS and run["end"].task.data.zones == ["a", "b"]


def test_flowc_run_with_an_override(tmp_path: Path) -> None:
    path = write_flow(tmp_path / "flow")
    prod = tmp_path / "prod.json"
    prod.write_text(json.dumps(SETTINGS | {"cpu": 6, "region": "us-east-2", "alpha": 0.25}), encoding="utf-8")
    root = str(tmp_path / "ds")
    done = flowc("run", str(path), "--datastore", root, "--run-id", "r1", "--config", f"settings={prod}")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ORACLE demo_proj 6 0.25 2 us-east-2" in done.stdout
    assert Flow("ConfigFlow", datastore=root)["r1"]["end"].task.data.later["cpu"] == 6


def test_flowc_resume_takes_the_same_override(tmp_path: Path) -> None:
    path = write_flow(tmp_path / "flow")
    prod = tmp_path / "prod.json"
    prod.write_text(json.dumps(SETTINGS | {"cpu": 6, "region": "us-east-2", "alpha": 0.25}), encoding="utf-8")
    root = str(tmp_path / "ds")
    first = flowc("run", str(path), "--datastore", root, "--run-id", "r1", "--config", f"settings={prod}")
    assert first.returncode == 0, first.stdout + first.stderr
    again = flowc(
        "resume", str(path), "r1", "--from", "end", "--datastore", root, "--config", f"settings={prod}"
    )
    assert again.returncode == 0, again.stdout + again.stderr
    assert "ORACLE demo_proj 6 0.25 2 us-east-2" in again.stdout


def test_a_config_file_that_is_not_utf8_text_is_not_called_missing(tmp_path: Path) -> None:
    (tmp_path / "blob.json").write_bytes(b"\xff\xfe\x00{")
    source = "from flowc import Config, FlowSpec, step\n\n\nclass F(FlowSpec):\n"
    source += '    cfg = Config("cfg", default="blob.json")\n' + START
    source += "\n    @step\n    def end(self):\n        pass\n"
    found = problems(source, tmp_path)
    assert ("FLC501", 5, 33, "config 'cfg': file 'blob.json' is not readable UTF-8 text") in found


def test_config_values_are_read_only_mappings() -> None:
    value = freeze({"db": {"host": "h", "ports": [1, 2]}})
    assert isinstance(value, ConfigValue) and value.db.host == "h" and value["db"]["ports"] == [1, 2]
    assert value == {"db": {"host": "h", "ports": [1, 2]}}
    with pytest.raises(TypeError):
        value.db = 1  # type: ignore[misc]
    with pytest.raises(AttributeError, match="no key 'nope'"):
        _ = value.nope
    with pytest.raises(TypeError):
        value["db"]["ports"][0] = 3  # type: ignore[index]
    assert pickle.loads(pickle.dumps(value)) == value
    assert value.to_dict() == {"db": {"host": "h", "ports": [1, 2]}}


def test_metaflow_alias_and_flowc_export_config() -> None:
    from flowc.runtime_shim.flowload import metaflow_alias

    import flowc

    alias = metaflow_alias()
    assert alias.Config is flowc.Config and alias.config_expr is flowc.config_expr


# -- packages and deploy documents ------------------------------------------------------


def test_package_ships_the_config_file_and_the_recorded_value(tmp_path: Path) -> None:
    path = write_flow(tmp_path)
    data, _ = flow_package(load_flow(str(path)), str(path))
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        assert json.loads(tar.extractfile("settings.json").read()) == SETTINGS  # type: ignore[union-attr]
        graph = json.loads(tar.extractfile("_flowc/graphs/ConfigFlow.json").read())  # type: ignore[union-attr]
    assert graph["configs"] == {"settings": SETTINGS, "limits": {"retries": 2, "zones": ["a", "b"]}}


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("argo", ['cpu: "2"', "flowc.dev/project: demo_proj", 'schedules:\n  - "0 3 * * *"']),
        ("sfn", ['"alpha": "0.5"', '"Value": "eu-west-1"']),
        ("airflow", ['requests={"cpu": "2"', '"REGION": "eu-west-1"', "Param(0.5"]),
    ],
)
def test_compiled_documents_show_config_values(tmp_path: Path, target: str, expected: list[str]) -> None:
    path = write_flow(tmp_path)
    done = flowc(
        "compile",
        str(path),
        "-t",
        target,
        "--datastore",
        "s3://flowc-bucket/root",
        "-o",
        str(tmp_path / "out"),
    )
    assert done.returncode == 0, done.stderr
    text = "".join(p.read_text() for p in sorted((tmp_path / "out").iterdir()))
    for snippet in expected:
        assert snippet in text, (snippet, text[:3000])


def test_compile_override_reaches_argo_resources(tmp_path: Path) -> None:
    path = write_flow(tmp_path / "flow")
    prod = tmp_path / "prod.json"
    prod.write_text(json.dumps(SETTINGS | {"cpu": 16}), encoding="utf-8")
    base = flowc("compile", str(path), "-t", "argo", "--datastore", "s3://flowc-bucket/root")
    over = flowc(
        "compile",
        str(path),
        "-t",
        "argo",
        "--datastore",
        "s3://flowc-bucket/root",
        "--config",
        f"settings={prod}",
    )
    assert base.returncode == over.returncode == 0, base.stderr + over.stderr
    assert 'cpu: "2"' in base.stdout and 'cpu: "16"' not in base.stdout
    assert 'cpu: "16"' in over.stdout and 'cpu: "18"' in over.stdout  # end: limits.retries + settings.cpu


# -- the Metaflow oracle -----------------------------------------------------------------


def test_metaflow_runs_the_same_flow_to_the_same_values(tmp_path: Path) -> None:
    """Real Metaflow accepts the flow (graph and linter) and its steps print what flowc's do."""
    path = write_flow(tmp_path / "mf")
    home = tmp_path / "home"
    env = {
        **os.environ,
        "HOME": str(home),
        "USERNAME": "oracle",
        "METAFLOW_HOME": str(home / ".metaflowconfig"),
        "METAFLOW_DEFAULT_DATASTORE": "local",
        "METAFLOW_DEFAULT_METADATA": "local",
        "METAFLOW_DATASTORE_SYSROOT_LOCAL": str(tmp_path / "mfds"),
    }
    done = subprocess.run(
        [sys.executable, str(path), "--no-pylint", "run"],
        capture_output=True,
        text=True,
        cwd=path.parent,
        env=env,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "ORACLE demo_proj 2 0.5 2 eu-west-1" in done.stdout + done.stderr


def test_a_broken_declaration_is_reported_once(tmp_path: Path) -> None:
    body = (
        '    cfg = Config("cfg", default_value={"cpu": 1}, parser=object)\n\n    @resources(cpu=cfg.cpu)\n'
        + START
    )
    assert [p[0] for p in problems(_flow(body), tmp_path)] == ["FLC502"]
    missing = tmp_path / "missing"
    missing.mkdir()
    body = (
        '    cfg = Config("cfg", default="nope.json")\n\n    @resources(cpu=cfg.cpu * 2, memory=config_expr("cfg.mem"))\n'
        + START
    )
    assert [p[0] for p in problems(_flow(body), missing)] == ["FLC501"]


_OUTSIDE_A_TASK = """
import json, sys
from flowc.runtime_shim import api, configs
from flowc.runtime_shim.flowload import load_flow_class

configs.install(None)
cls = load_flow_class(sys.argv[1], "ConfigFlow")
deferred = dict(cls._flowc_flow_decorators)["project"]["name"]
seen = {
    "value": cls.settings.value.to_dict(),
    "resources": api.step_decorators(cls.start)[1],
    "deferred": [type(deferred).__name__, deferred.resolve()],
}
configs.install({"settings": json.loads(sys.argv[2])})
again = load_flow_class(sys.argv[1], "ConfigFlow")
seen["recorded"] = [api.step_decorators(again.start)[1][1], dict(again._flowc_flow_decorators)["project"]]
print(json.dumps(seen))
"""


def test_a_flow_imported_outside_a_task_reads_its_default_file(tmp_path: Path) -> None:
    """Without a recorded value the shim's Config reads the file next to the flow (as in a package)."""
    path = write_flow(tmp_path)
    recorded = json.dumps(SETTINGS | {"cpu": 3})
    done = subprocess.run(
        [sys.executable, "-c", _OUTSIDE_A_TASK, str(path), recorded],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["value"] == SETTINGS
    assert seen["resources"] == ["resources", {"cpu": 2, "memory": 2048}]
    # the flow decorator was evaluated before the class (and its Config) existed
    assert seen["deferred"] == ["DeferredExpr", "demo_proj"]
    assert seen["recorded"] == [{"cpu": 3, "memory": 2048}, {"name": "demo_proj"}]


def test_push_and_compile_agree_on_the_package_with_an_override(tmp_path: Path) -> None:
    """The override is inside the package (its graph), so push must build the one compile names."""
    path = write_flow(tmp_path / "flow")
    prod = tmp_path / "prod.json"
    prod.write_text(json.dumps(SETTINGS | {"cpu": 16}), encoding="utf-8")
    pushed = flowc("push", str(path), "--datastore", str(tmp_path / "ds"), "--config", f"settings={prod}")
    assert pushed.returncode == 0, pushed.stderr
    sha = pushed.stdout.split("package-sha256: ")[1].strip()
    argo = ("compile", str(path), "-t", "argo", "--datastore", "s3://flowc-bucket/root")
    assert sha in flowc(*argo, "--config", f"settings={prod}").stdout
    assert sha not in flowc(*argo).stdout


def test_metaflow_also_refuses_a_config_attribute_on_a_flow_decorator(tmp_path: Path) -> None:
    """Why FLC504: Python evaluates class decorators before the class body binds the config."""
    body = '    cfg = Config("cfg", default_value={"project": "p"})\n' + START
    path = tmp_path / "flow.py"
    path.write_text(_flow(body, "@project(name=cfg.project)\n"), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", "import runpy, sys; runpy.run_path(sys.argv[1])", str(path)],
        capture_output=True,
        text=True,
        env={**os.environ, "USERNAME": "oracle"},
        check=False,
    )
    assert done.returncode == 1 and "NameError: name 'cfg' is not defined" in done.stderr, done.stderr


def test_tasks_from_a_code_package_see_the_compiled_override(tmp_path: Path) -> None:
    """What a pod does on every target: fetch the package, run the shim (docs/task-contract.md)."""
    path = write_flow(tmp_path / "flow")
    prod = tmp_path / "prod.json"
    prod.write_text(json.dumps(SETTINGS | {"cpu": 12, "region": "ap-south-1"}), encoding="utf-8")
    data, sha = flow_package(load_flow(str(path), configs={"settings": str(prod)}), str(path))
    package = tmp_path / "package.tgz"
    package.write_bytes(data)
    for leftover in (path, path.parent / "settings.json", prod):  # only the package remains
        leftover.unlink()
    root = str(tmp_path / "ds")
    common = ["--datastore", root, "--package-url", f"file://{package}", "--package-sha256", sha]
    common += ["--flow-file", "flow.py", "--flow", "ConfigFlow", "--run-id", "r1", "--task-id", "t"]
    for step, extra in (("start", []), ("end", ["--input-paths", "start/t"])):
        done = subprocess.run(
            [sys.executable, "-m", "flowc.runtime_shim", "task", *common, "--step", step, *extra],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            check=False,
        )
        assert done.returncode == 0, done.stderr
    assert "ORACLE demo_proj 12 0.5 2 ap-south-1" in done.stdout
    end = Flow("ConfigFlow", datastore=root)["r1"]["end"].task.data
    assert end.later["cpu"] == 12 and end.region == "ap-south-1"
