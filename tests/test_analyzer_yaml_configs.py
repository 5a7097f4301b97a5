"""YAML configs: ``Config(parser="yaml.safe_load")`` is read when compiling, like JSON and TOML.

The value is parsed with PyYAML where flowc runs and carried in the graph
JSON, so tasks never parse it; real Metaflow runs the same flow to the same
output (the oracle).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from flowc.transpile import analyze_file, load_flow
from flowc.transpile.export import graph_json

CORPUS = Path(__file__).resolve().parent / "corpus"

DOCUMENT = """
model:
  name: ridge
  alpha: 0.5
resources:
  memory: 4096
"""


def flow_source(declaration: str, imports: str = "") -> str:
    return textwrap.dedent(
        f"""\
        {imports}
        from metaflow import Config, FlowSpec, resources, step


        class YamlFlow(FlowSpec):
            {declaration}

            @resources(memory=cfg.resources.memory)
            @step
            def start(self):
                self.next(self.end)

            @step
            def end(self):
                print("model", self.cfg.model.name)
        """
    )


def write(tmp_path: Path, source: str, document: str = DOCUMENT) -> Path:
    (tmp_path / "model.yaml").write_text(document, encoding="utf-8")
    path = tmp_path / "flow.py"
    path.write_text(source, encoding="utf-8")
    return path


def problems(path: Path) -> list[tuple[str, int, int, str]]:
    return [(p.rule, p.span.line, p.span.column, p.message) for p in analyze_file(str(path)).problems]


@pytest.mark.parametrize(
    ("imports", "parser"),
    [
        ("", '"yaml.safe_load"'),
        ("", '"yaml.full_load"'),
        ("import yaml", "yaml.safe_load"),
        ("import yaml as y", "y.safe_load"),
        ("from yaml import safe_load as load_yaml", "load_yaml"),
    ],
)
def test_yaml_parser_names_and_callables(tmp_path: Path, imports: str, parser: str) -> None:
    path = write(
        tmp_path, flow_source(f'cfg = Config("cfg", default="model.yaml", parser={parser})', imports)
    )
    flow = load_flow(str(path))
    (config,) = flow.configs
    assert (config.parser, config.default_file) == ("yaml", "model.yaml")
    assert config.value == {"model": {"name": "ridge", "alpha": 0.5}, "resources": {"memory": 4096}}
    assert dict(flow.step("start").decorators[0].args) == {"memory": 4096}
    assert graph_json(flow)["configs"] == {"cfg": config.value}


def test_yaml_default_value_text(tmp_path: Path) -> None:
    declaration = 'cfg = Config("cfg", default_value="resources: {memory: 64}", parser="yaml.safe_load")'
    path = write(tmp_path, flow_source(declaration).replace("self.cfg.model.name", "self.cfg"))
    assert load_flow(str(path)).configs[0].value == {"resources": {"memory": 64}}


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (
            "model: [ridge\nresources: {}\n",
            "config 'cfg': file 'model.yaml' is not valid YAML for flowc: "
            "expected ',' or ']', but got ':' at line 2 column 10",
        ),
        (
            "trained: 2024-05-01\nresources: {memory: 1}\n",
            "config 'cfg': file 'model.yaml' is not valid YAML for flowc: "
            "date values (2024-05-01) have no JSON form",
        ),
        ("- a\n- b\n", "config 'cfg': file 'model.yaml' holds a list, not an object"),
    ],
    ids=["syntax", "date", "list"],
)
def test_bad_yaml_documents_are_flc501_at_the_default(tmp_path: Path, document: str, expected: str) -> None:
    source = flow_source('cfg = Config("cfg", default="model.yaml", parser="yaml.safe_load")')
    assert problems(write(tmp_path, source, document)) == [("FLC501", 6, 33, expected)]


@pytest.mark.parametrize(
    ("parser", "message"),
    [
        (
            '"yaml.load"',
            "flowc cannot apply the config parser 'yaml.load': yaml.load(text) needs a Loader= argument "
            "since PyYAML 6, so Metaflow's call fails",
        ),
        ('"yaml.safe_dump"', "flowc cannot apply the config parser 'yaml.safe_dump' when compiling"),
        ("str.upper", "argument 'parser' of Config() is not a literal str"),
    ],
)
def test_unusable_parsers_are_flc502_at_the_argument(tmp_path: Path, parser: str, message: str) -> None:
    source = flow_source(f'cfg = Config("cfg", default="model.yaml", parser={parser})')
    assert problems(write(tmp_path, source)) == [("FLC502", 6, 54, message)]


def test_without_pyyaml_the_yaml_parser_says_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "yaml", None)  # find_spec says: not importable
    source = flow_source('cfg = Config("cfg", default="model.yaml", parser="yaml.safe_load")')
    ((rule, line, column, message),) = problems(write(tmp_path, source))
    assert (rule, line, column) == ("FLC502", 6, 54)
    assert (
        message == "the config parser 'yaml.safe_load' needs PyYAML where flowc runs, and it is not installed"
    )
    hint = analyze_file(str(tmp_path / "flow.py")).problems[0].hint
    assert "pip install pyyaml" in hint


def _corpus_copy(tmp_path: Path) -> Path:
    for name in ("yaml_config.py", "corpus_model.yaml"):
        shutil.copy(CORPUS / name, tmp_path / name)
    return tmp_path / "yaml_config.py"


def test_flowc_run_and_a_yaml_override(tmp_path: Path) -> None:
    path = _corpus_copy(tmp_path)
    other = tmp_path / "lasso.yaml"
    other.write_text("model: {name: lasso, alpha: 2}\nresources: {memory: 512}\n", encoding="utf-8")
    outputs = []
    for extra in ([], ["--config", f"cfg={other}"]):
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "flowc.cli",
                "run",
                str(path),
                "--datastore",
                str(tmp_path / "ds"),
                *extra,
            ],
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        outputs.append(done.stdout + done.stderr)
    assert "model: ridge(alpha=0.5)" in outputs[0]
    assert "model: lasso(alpha=2)" in outputs[1]


def test_metaflow_runs_the_yaml_flow_to_the_same_value(tmp_path: Path) -> None:
    path = _corpus_copy(tmp_path)
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
        cwd=tmp_path,
        env=env,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "model: ridge(alpha=0.5)" in done.stdout + done.stderr
    flow = load_flow(str(path))
    assert json.loads(json.dumps(graph_json(flow)["configs"]["cfg"]))["model"]["alpha"] == 0.5
