"""@secrets fetched by the task from Secrets Manager (moto's server on loopback)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from flowc import Flow

FLOW = """
import os
from flowc import FlowSpec, step


class SecretFlow(FlowSpec):
    @step
    def start(self):
        self.user = os.environ["DB_USER"]
        self.port = os.environ["DB_PORT"]
        self.next(self.end)

    @step
    def end(self):
        pass
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def secrets_endpoint() -> Iterator[str]:
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


def _env(endpoint: str, sources: list[str]) -> dict[str, str]:
    return {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "FLOWC_SECRETS_ENDPOINT_URL": endpoint,
        "FLOWC_SECRET_SOURCES": json.dumps(sources),
    }


def _run(tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    flow = tmp_path / "secret_flow.py"
    flow.write_text(FLOW)
    command = [sys.executable, "-m", "flowc.cli", "run", str(flow), "--datastore", str(tmp_path / "ds")]
    return subprocess.run(command, env=env, capture_output=True, text=True, check=False)


def test_secret_keys_become_environment_variables(secrets_endpoint: str, tmp_path: Path) -> None:
    env = _env(secrets_endpoint, ["aws-secrets-manager.db-creds"])
    client = boto3.client(
        "secretsmanager",
        endpoint_url=secrets_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    client.create_secret(
        Name="db-creds", SecretString=json.dumps({"DB_USER": "ana $(x) {{y}}", "DB_PORT": 5432})
    )
    done = _run(tmp_path, env)
    assert done.returncode == 0, done.stdout + done.stderr
    data = Flow("SecretFlow", datastore=str(tmp_path / "ds")).latest_run.data
    assert data.user == "ana $(x) {{y}}"
    assert data.port == "5432"


def test_a_missing_secret_fails_before_the_step_runs(secrets_endpoint: str, tmp_path: Path) -> None:
    done = _run(tmp_path, _env(secrets_endpoint, ["no-such-secret"]))
    assert done.returncode != 0
    assert "no-such-secret" in done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
