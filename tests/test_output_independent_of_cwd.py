"""The same flow compiles to the same bytes whether its path is given relative or absolute."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("target", ["argo", "sfn", "airflow"])
def test_relative_and_absolute_paths_give_identical_output(tmp_path: Path, target: str) -> None:
    project = tmp_path / "repo"
    (project / "flows").mkdir(parents=True)
    shutil.copy(ROOT / "examples" / "branch_models.py", project / "flows" / "branch_models.py")
    outputs = []
    for cwd, path in (
        (project, "flows/branch_models.py"),
        (tmp_path, str(project / "flows" / "branch_models.py")),
    ):
        out = tmp_path / f"out-{len(outputs)}"
        done = subprocess.run(
            [sys.executable, "-m", "flowc.cli", "compile", path, "-t", target, "--datastore", "s3://bucket/x", "-o", str(out)],
            capture_output=True,
            text=True,
            check=False,
            cwd=cwd,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        outputs.append({p.name: p.read_bytes() for p in sorted(out.iterdir())})
    assert outputs[0] == outputs[1]
