"""``flowc.toml``: compile flag defaults and per-target settings from a file."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FLOW = ROOT / "examples" / "linear_etl.py"


def flowc(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flowc.cli", *args], capture_output=True, text=True, cwd=cwd, check=False
    )


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    """A repository with the flow one folder below its root."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "flows").mkdir()
    shutil.copy(FLOW, tmp_path / "flows" / "flow.py")
    return tmp_path


def test_file_above_the_flow_gives_datastore_image_and_settings(project: Path) -> None:
    (project / "flowc.toml").write_text(
        'datastore = "s3://ml-bucket/flowc"\nimage = "registry.example/ml:1.4"\n\n'
        '[sfn]\nqueue = "ml-jobs"\nstate_machine_name = "etl-from-file"\nmax_recursion = 7\n'
    )
    done = flowc("compile", "flows/flow.py", "-t", "sfn", "-o", "-", cwd=project)
    assert done.returncode == 0, done.stderr
    text = done.stdout
    assert "ml-jobs" in text and "registry.example/ml:1.4" in text and "ml-bucket" in text
    assert "etl-from-file" in text


def test_command_line_wins_over_the_file(project: Path) -> None:
    (project / "flowc.toml").write_text('image = "from-file:1"\n[sfn]\nqueue = "file-queue"\n')
    done = flowc(
        "compile", "flows/flow.py", "-t", "sfn", "-o", "-", "--datastore", "s3://other-bucket/x",
        "--image", "from-flag:2", "--set", "queue=flag-queue", cwd=project,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "from-flag:2" in done.stdout and "flag-queue" in done.stdout
    assert "from-file:1" not in done.stdout and "file-queue" not in done.stdout
    assert json.loads(done.stdout)


def test_search_stops_at_the_repository_root(project: Path) -> None:
    (project.parent / "flowc.toml").write_text('datastore = "s3://outside-bucket/x"\n')
    try:
        done = flowc("compile", "flows/flow.py", "-t", "argo", "-o", "-", cwd=project)
    finally:
        (project.parent / "flowc.toml").unlink()
    assert done.returncode == 2
    assert "--datastore" in done.stderr


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        ('datastore = "s3://b-bucket/x"\nimgae = "x"\n', 2, "unexpected 'imgae'"),
        ('datastore = "s3://b-bucket/x"\n[argo]\nnamespace = [1]\n', 3, "must be a string"),
        ('datastore = "s3://b-bucket/x"\n[argo\n', 2, "invalid TOML"),
    ],
)
def test_a_bad_file_is_one_located_error(project: Path, text: str, line: int, needle: str) -> None:
    (project / "flowc.toml").write_text(text)
    done = flowc("compile", "flows/flow.py", "-t", "argo", "-o", "-", cwd=project)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    first = done.stderr.splitlines()[0]
    assert first.startswith(f"{project / 'flowc.toml'}:{line}:") and "FLC403" in first and needle in first


def test_explicit_settings_file(project: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    elsewhere = tmp_path_factory.mktemp("cfg") / "deploy.toml"
    elsewhere.write_text('datastore = "s3://named-bucket/x"\n[argo]\nnamespace = "ml-prod"\n')
    done = flowc(
        "compile", "flows/flow.py", "-t", "argo", "-o", "-", "--settings-file", str(elsewhere), cwd=project
    )
    assert done.returncode == 0, done.stderr
    assert "namespace: ml-prod" in done.stdout and "named-bucket" in done.stdout


def test_operator_flag_is_the_airflow_operator_setting(project: Path) -> None:
    base = ["compile", "flows/flow.py", "-t", "airflow", "--datastore", "s3://ml-bucket/x", "-o", "-"]
    flag = flowc(*base, "--operator", "local", cwd=project)
    setting = flowc(*base, "--set", "operator=local", cwd=project)
    assert flag.returncode == 0 and setting.returncode == 0, flag.stderr + setting.stderr
    assert flag.stdout == setting.stdout and "KubernetesPodOperator" not in flag.stdout
    other = flowc(
        "compile",
        "flows/flow.py",
        "-t",
        "argo",
        "--datastore",
        "s3://ml-bucket/x",
        "--operator",
        "local",
        cwd=project,
    )
    assert other.returncode == 2 and "Airflow option" in other.stderr
