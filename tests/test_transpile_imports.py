"""The analyzer imports the machinery of rare features only when a flow uses them.

Start-up time is most of a compile, so reading a plain flow must not pay for
config formats (TOML, YAML), the user-decorator scan, time zones or
spelling suggestions.  Each case runs in a fresh interpreter and lists the
modules the analysis left behind.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

#: Modules a plain flow's analysis must not import.
LAZY = (
    "tomllib",
    "yaml",
    "zoneinfo",
    "difflib",
    "flowc.transpile.configs",
    "flowc.transpile.config_refs",
    "flowc.transpile.config_formats",
    "flowc.transpile.bindings",
    "flowc.transpile.exit_hooks",
)

PLAIN = """
from metaflow import FlowSpec, Parameter, retry, step


class PlainFlow(FlowSpec):
    alpha = Parameter("alpha", default=0.5, help="learning rate")

    @step
    def start(self):
        self.items = [1, 2, 3]
        self.next(self.work, foreach="items")

    @retry(times=2)
    @step
    def work(self):
        self.next(self.join)

    @step
    def join(self, inputs):
        self.next(self.end)

    @step
    def end(self):
        pass
"""

WITH_TOML_CONFIG = """
from metaflow import Config, FlowSpec, step


class ConfiguredFlow(FlowSpec):
    settings = Config("settings", default="settings.toml", parser="tomllib.loads")

    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
"""

_PROBE = """
import json, sys
from flowc.transpile.analyzer import analyze_file
analysis = analyze_file(sys.argv[1])
print(json.dumps({
    "problems": [p.format() for p in analysis.problems],
    "flow": analysis.flow.name if analysis.flow else None,
    "lazy": sorted(m for m in sys.argv[2:] if m in sys.modules),
}))
"""


def _analyse(path: Path) -> dict[str, object]:
    """Analyse ``path`` in a fresh interpreter: its problems, flow name and the lazy modules loaded."""
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, str(path), *LAZY],
        capture_output=True,
        text=True,
        check=True,
        cwd=path.parent,
    )
    found: dict[str, object] = json.loads(result.stdout)
    return found


def test_plain_flow_imports_no_rare_machinery(tmp_path: Path) -> None:
    flow = tmp_path / "plain_flow.py"
    flow.write_text(textwrap.dedent(PLAIN))
    found = _analyse(flow)
    assert found["problems"] == []
    assert found["flow"] == "PlainFlow"
    assert found["lazy"] == []


def test_toml_config_imports_its_parser(tmp_path: Path) -> None:
    """The control: a TOML config loads the config modules and tomllib, so the probe sees imports."""
    flow = tmp_path / "configured_flow.py"
    flow.write_text(textwrap.dedent(WITH_TOML_CONFIG))
    (tmp_path / "settings.toml").write_text('region = "eu"\n')
    found = _analyse(flow)
    assert found["problems"] == []
    assert found["flow"] == "ConfiguredFlow"
    assert found["lazy"] == [
        "flowc.transpile.config_formats",
        "flowc.transpile.config_refs",
        "flowc.transpile.configs",
        "tomllib",
    ]
