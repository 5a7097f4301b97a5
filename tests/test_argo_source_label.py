"""Each Argo DAG task's ``source`` parameter names the file and line of its step."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_argo_source_label_names_the_module_a_base_flow_step_is_written_in(tmp_path: Path) -> None:
    (tmp_path / "bases.py").write_text(
        "from metaflow import FlowSpec, step\n\n\nclass Base(FlowSpec):\n    @step\n    def start(self):\n"
        "        self.next(self.end)\n"
    )
    flow = tmp_path / "flow.py"
    flow.write_text(
        "from bases import Base\nfrom metaflow import step\n\n\nclass Child(Base):\n    @step\n    def end(self):\n        pass\n"
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "flowc.cli",
            "compile",
            str(flow),
            "-t",
            "argo",
            "--datastore",
            "s3://bucket/x",
            "-o",
            "-",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert '"bases.py:6"' in done.stdout and '"flow.py:7"' in done.stdout
