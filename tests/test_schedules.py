"""Schedules: six-field AWS crons on five-field targets; scheduled runs need every required value."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from flowc.backends.cron import CronError, five_field_cron


@pytest.mark.parametrize(
    ("aws", "unix"),
    [
        ("0 12 * * ? *", "0 12 * * *"),
        ("15 10 ? * 2-6 *", "15 10 * * 1-5"),
        ("0 */2 ? * 1,7 *", "0 */2 * * 0,6"),
        ("0 8 ? * MON-FRI *", "0 8 * * MON-FRI"),
        ("0 0 1 * ? *", "0 0 1 * *"),
        ("*/5 * * * *", "*/5 * * * *"),
    ],
)
def test_aws_crons_become_five_fields(aws: str, unix: str) -> None:
    assert five_field_cron(aws) == unix


@pytest.mark.parametrize("aws", ["0 0 * * ? 2027", "0 0 L * ? *", "0 0 ? * 6#3 *", "0 0 15W * ? *"])
def test_aws_only_fields_are_refused(aws: str) -> None:
    with pytest.raises(CronError):
        five_field_cron(aws)


FLOW = """\
from metaflow import FlowSpec, schedule, step


@schedule(cron={cron!r})
class CronFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
"""


def _compile(tmp_path: Path, cron: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "flow.py"
    path.write_text(FLOW.format(cron=cron))
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "flowc.cli",
            "compile",
            str(path),
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


def test_argo_cron_workflow_gets_the_five_field_form(tmp_path: Path) -> None:
    done = _compile(tmp_path, "15 10 ? * 2-6 *")
    assert done.returncode == 0, done.stderr
    cron = next(d for d in yaml.safe_load_all(done.stdout) if d["kind"] == "CronWorkflow")
    assert cron["spec"]["schedules"] == ["15 10 * * 1-5"]


def test_argo_refuses_a_year_with_a_located_error(tmp_path: Path) -> None:
    done = _compile(tmp_path, "0 0 * * ? 2027")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"{tmp_path / 'flow.py'}:4:1: FLC401" in done.stderr and "year field '2027'" in done.stderr


@pytest.mark.parametrize("target", ["argo", "sfn", "airflow"])
def test_a_schedule_that_cannot_give_a_required_parameter_is_refused(tmp_path: Path, target: str) -> None:
    path = tmp_path / "flow.py"
    path.write_text(
        FLOW.format(cron="0 6 * * *")
        .replace(
            "class CronFlow(FlowSpec):\n",
            'class CronFlow(FlowSpec):\n    bucket = Parameter("bucket", required=True)\n\n',
        )
        .replace("import FlowSpec,", "import FlowSpec, Parameter,")
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "flowc.cli",
            "compile",
            str(path),
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
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"{path}:6:14: FLC401" in done.stderr and "required parameter 'bucket'" in done.stderr
