"""Optional parameters without a literal default: ``$(FLOWC_DEFAULT)`` means "the flow's own default".

Such a parameter (a default computed when the flow runs, FLC205, or none
at all) gets the sentinel as its value in ``spec.arguments``, so Argo does
not demand it at submission; the start task then passes no value for it
and the shim computes the default, as a local run does.  A value given at
submit time still arrives byte for byte, the sentinel's own text included.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import argo_schema
import pytest
import yaml
from flowc.backends.argo import emit
from flowc.backends.argo.escape import DEFAULT_SENTINEL, kube_escape
from flowc.backends.base import CompileOptions
from flowc.runtime_shim.cli import parse
from flowc.transpile import analyze_source
from test_argo_escape import NASTY, run_start_task

SOURCE = """import os
from flowc import FlowSpec, Parameter, step


def computed():
    return "computed-" + str(len(os.sep))


class DynamicFlow(FlowSpec):
    when = Parameter("when", default=computed(), help="a day")
    count = Parameter("count", type=int, default=3)
    maybe = Parameter("maybe-x")
    needed = Parameter("needed", required=True)

    @step
    def start(self):
        print("VALUES", repr((self.when, self.count, self.maybe, self.needed)))
        self.next(self.end)

    @step
    def end(self):
        pass
"""

OPTIONS = CompileOptions(
    datastore="s3://b/flowc", package_url="s3://b/p.tgz", package_sha256="0" * 64, flow_file="flow.py"
)


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    analysis = analyze_source(SOURCE, "flow.py")
    assert analysis.flow is not None and not analysis.errors, [p.format() for p in analysis.problems]
    loaded: dict[str, Any] = yaml.safe_load(emit(analysis.flow, OPTIONS)[0].text)
    return loaded


def test_only_the_required_parameter_has_no_value(document: dict[str, Any]) -> None:
    params = {p["name"]: p for p in document["spec"]["arguments"]["parameters"]}
    assert params["when"] == {"name": "when", "value": DEFAULT_SENTINEL, "description": "a day"}
    assert params["maybe-x"] == {"name": "maybe-x", "value": DEFAULT_SENTINEL}
    assert params["count"] == {"name": "count", "value": "3"}
    assert params["needed"] == {"name": "needed"}


def test_no_literal_can_equal_the_sentinel() -> None:
    """Every literal flowc writes is escaped, and escaping doubles the ``$`` the sentinel starts with."""
    assert DEFAULT_SENTINEL.startswith("$(") and kube_escape(DEFAULT_SENTINEL) != DEFAULT_SENTINEL
    for text in [*NASTY, DEFAULT_SENTINEL, "$" + DEFAULT_SENTINEL]:
        assert kube_escape(text) != DEFAULT_SENTINEL


def _shim_args(document: dict[str, Any], submitted: dict[str, str]) -> list[str]:
    argv, _ = run_start_task(document, submitted)
    return argv[argv.index("task") + 1 :]


def test_the_sentinel_reaches_the_shim_as_no_value(document: dict[str, Any]) -> None:
    args = parse(_shim_args(document, {"needed": "n"}))
    assert args.params == {"count": "3", "needed": "n"}


@pytest.mark.parametrize("text", [*NASTY, DEFAULT_SENTINEL, "$$(FLOWC_DEFAULT)"])
def test_a_submitted_value_arrives_unchanged(document: dict[str, Any], text: str) -> None:
    """Submitted values are kubelet text: the documented escaping gives back every string,
    the sentinel's own text too."""
    submitted = {"when": kube_escape(text), "maybe-x": kube_escape(text), "needed": "n"}
    args = parse(_shim_args(document, submitted))
    assert args.params == {"when": text, "count": "3", "maybe-x": text, "needed": "n"}


def _run_shim(document: dict[str, Any], submitted: dict[str, str], tmp_path: Path) -> str:
    """Runs the start task for real against a local datastore; returns what the step printed."""
    tmp_path.mkdir()
    flow_file = tmp_path / "flow.py"
    flow_file.write_text(SOURCE)
    args = _shim_args(document, submitted)
    local = []
    skip = {"--datastore", "--package-url", "--package-sha256", "--flow-file"}
    index = 0
    while index < len(args):
        if args[index] in skip:
            index += 2
            continue
        local.append(args[index])
        index += 1
    command = [sys.executable, "-m", "flowc.runtime_shim", "task", "--datastore", str(tmp_path / "ds")]
    command += ["--flow-file", str(flow_file), *local]
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLOWC_")}
    done = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, env=env, check=False)
    assert done.returncode == 0, done.stderr
    (line,) = [line for line in done.stdout.splitlines() if line.startswith("VALUES ")]
    return line


def test_the_shim_computes_the_default_or_takes_the_value(document: dict[str, Any], tmp_path: Path) -> None:
    assert _run_shim(document, {"needed": "n"}, tmp_path / "a") == "VALUES ('computed-1', 3, None, 'n')"
    given = {"when": kube_escape("{{workflow.name}} $(x)"), "maybe-x": "$$(FLOWC_DEFAULT)", "needed": "n"}
    printed = _run_shim(document, given, tmp_path / "b")
    assert printed == "VALUES ('{{workflow.name}} $(x)', 3, '$(FLOWC_DEFAULT)', 'n')"


def test_strictly_valid(document: dict[str, Any]) -> None:
    for version in argo_schema.VERSIONS:
        assert not argo_schema.errors(document, version)
