"""Parameter values as Metaflow gives them: separator= lists, float defaults."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from flowc.client import Flow

FLOW = textwrap.dedent(
    """\
    from metaflow import FlowSpec, Parameter, step


    class SeparatorFlow(FlowSpec):
        names = Parameter("names", default="a,b", separator=",")
        empty = Parameter("empty", default="", separator=",")
        plain = Parameter("plain", default="a,b")

        @step
        def start(self):
            self.next(self.end)

        @step
        def end(self):
            self.seen = [self.names, self.empty, self.plain]
    """
)


@pytest.mark.parametrize(
    ("args", "names"),
    [((), ["a", "b"]), (("--param", "names=x;y,z"), ["x;y", "z"]), (("--param", "names=solo"), ["solo"])],
)
def test_separator_splits_defaults_and_given_values(
    tmp_path: Path, args: tuple[str, ...], names: list[str]
) -> None:
    flow = tmp_path / "flow.py"
    flow.write_text(FLOW)
    root = tmp_path / "ds"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "flowc.cli",
            "run",
            str(flow),
            "--datastore",
            str(root),
            "--run-id",
            "r1",
            *args,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    run = Flow("SeparatorFlow", datastore=str(root))["r1"]
    assert run["end"].task.data.seen == [names, "", "a,b"]
    assert run["start"].task.data.names == names


def test_an_int_default_of_a_float_parameter_is_a_float(tmp_path: Path) -> None:
    flow = tmp_path / "flow.py"
    flow.write_text(
        "from metaflow import FlowSpec, Parameter, step\n\n\nclass FloatFlow(FlowSpec):\n"
        '    m = Parameter("m", type=float, default=1)\n\n    @step\n    def start(self):\n'
        "        self.seen = repr(self.m)\n        self.next(self.end)\n\n    @step\n    def end(self):\n        pass\n"
    )
    root = tmp_path / "ds"
    done = subprocess.run(
        [sys.executable, "-m", "flowc.cli", "run", str(flow), "--datastore", str(root), "--run-id", "r1"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert Flow("FloatFlow", datastore=str(root))["r1"]["start"].task.data.seen == "1.0"
