"""``@secrets`` on Airflow: Kubernetes secrets for pods, Secrets Manager fetched by the shim locally.

Kubernetes mode is checked on the rendered operator arguments and by import;
local mode runs a DAG in real Airflow whose step reads a secret stored in
moto's Secrets Manager server on loopback.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import boto3
import pytest
from airflow_env import AirflowEnv, airflow_fixture  # noqa: F401 - the fixture
from conftest import SeaweedFS
from flowc.backends.airflow import emit
from flowc.backends.base import CompileError, CompileOptions
from flowc.transpile import analyze_source
from flowc.transpile.ir import Flow
from test_runtime_secrets import secrets_endpoint  # noqa: F401 - moto's server, a fixture

from flowc import Flow as ClientFlow

ROOT = Path(__file__).resolve().parent.parent

FLOW = """
import os
from flowc import FlowSpec, kubernetes, secrets, step


class SecretFlow(FlowSpec):
    @kubernetes(secrets=["s3-creds"])
    @secrets(SOURCES)
    @step
    def start(self):
        self.user = os.environ["DB_USER"]
        self.next(self.end)

    @step
    def end(self):
        pass
"""


def _flow(arguments: str = 'sources=["db-creds", "s3-creds"]') -> Flow:
    analysis = analyze_source(textwrap.dedent(FLOW).replace("SOURCES", arguments), "secret_flow.py")
    assert analysis.flow is not None, [p.format() for p in analysis.problems]
    return analysis.flow


def _text(flow: Flow, **settings: str) -> str:
    options = CompileOptions("s3://b/flowc", "s3://b/flowc/p.tgz", "0" * 64, "flow.py", settings=settings)
    return emit(flow, options)[0].text


def _env_from(names: list[str]) -> str:
    refs = ", ".join(f'k8s.V1EnvFromSource(secret_ref=k8s.V1SecretEnvSource(name="{n}"))' for n in names)
    return f"env_from=literal([{refs}])"


def test_pods_get_the_secrets_as_env_from_each_once() -> None:
    text = _text(_flow(), secrets="shared")
    start, end = text.split('task_id="end"')
    assert _env_from(["shared", "s3-creds", "db-creds"]) in start
    assert _env_from(["shared"]) in end
    assert "FLOWC_SECRET_SOURCES" not in text


def test_local_mode_passes_the_sources_to_the_shim() -> None:
    text = _text(_flow('sources=["aws-secrets-manager.db", {"id": "x"}], role="arn:r"'), operator="local")
    environment = text.split("ENVIRONMENT: dict[str, dict[str, str]] = ")[1].split("\n}\n")[0]
    assert '"FLOWC_SECRET_SOURCES": "[\\"aws-secrets-manager.db\\", {\\"id\\": \\"x\\"}]"' in environment
    assert '"FLOWC_SECRET_ROLE": "arn:r"' in environment
    assert "env_from" not in text


@pytest.mark.parametrize(
    ("arguments", "fragment"),
    [('sources=["a"], role="arn:r"', "@secrets(role=...)"), ('sources=[{"id": "a"}]', "source {'id': 'a'}")],
)
def test_what_pods_cannot_take(arguments: str, fragment: str) -> None:
    with pytest.raises(CompileError) as info:
        _text(_flow(arguments))
    (problem,) = info.value.problems
    assert problem.rule == "FLC401" and fragment in problem.message and problem.span.line == 10  # the step


def test_secret_pods_import(airflow: AirflowEnv, tmp_path: Path) -> None:
    path = tmp_path / "secret_flow_dag.py"
    path.write_text(_text(_flow()))
    assert airflow.load([path])[str(path)]["errors"] == {}


def _flowc(*args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "flowc.cli", *args], capture_output=True, text=True, check=False, cwd=ROOT
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_local_task_reads_the_secret_from_secrets_manager(
    airflow: AirflowEnv,
    s3_server: SeaweedFS,
    s3_env: dict[str, str],
    secrets_endpoint: str,  # noqa: F811 - the fixture
    tmp_path: Path,
) -> None:
    env = {**s3_env, "AWS_DEFAULT_REGION": "us-east-1", "FLOWC_SECRETS_ENDPOINT_URL": secrets_endpoint}
    client = boto3.client(
        "secretsmanager",
        endpoint_url=secrets_endpoint,
        region_name="us-east-1",
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
    )
    client.create_secret(Name="db-creds", SecretString=json.dumps({"DB_USER": "ana {{ x }} $(id)"}))
    root = f"s3://{s3_server.bucket}/airflow-e2e/secrets-" + re.sub(r"\W", "_", tmp_path.name)
    source = tmp_path / "secret_flow.py"
    source.write_text(textwrap.dedent(FLOW).replace("SOURCES", 'sources=["aws-secrets-manager.db-creds"]'))
    _flowc("push", str(source), "--datastore", root)
    dags = tmp_path / "dags"
    args = ["--target", "airflow", "--datastore", root, "--set", "operator=local", "-o", str(dags)]
    _flowc("compile", str(source), *args)
    (dag_file,) = dags.glob("*_dag.py")
    result = airflow.dag_test(dag_file, "SecretFlow", env=env)
    assert result.state == "success", result.summary()
    task = ClientFlow("SecretFlow", datastore=root)[result.flowc_run_id]["start"].task
    assert task is not None and task.data.user == "ana {{ x }} $(id)"
