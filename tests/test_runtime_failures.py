"""Failures: a raising step, a retry, a corrupted blob, S3 going away, a wrong package hash."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from conftest import SeaweedFS
from flowc.runtime_shim.bootstrap import bootstrap_command
from flowc.runtime_shim.datastore import Datastore
from flowc.runtime_shim.errors import IntegrityError
from flowc.runtime_shim.package import build_package

from flowc import Flow


def flowc(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flowc.cli", *args], capture_output=True, text=True, check=False
    )


def write_flow(tmp_path: Path, body: str) -> str:
    path = tmp_path / "flow.py"
    path.write_text(textwrap.dedent(body))
    return str(path)


RAISING = """\
from flowc import FlowSpec, step


class BoomFlow(FlowSpec):
    @step
    def start(self):
        self.x = 1
        self.next(self.boom)

    @step
    def boom(self):
        self.partial = "set before the error"
        raise ValueError("no good")
        self.next(self.end)

    @step
    def end(self):
        pass
"""


def test_raising_step_fails_the_run_and_leaves_nothing_visible(tmp_path: Path, datastore_root: str) -> None:
    flow_file = write_flow(tmp_path, RAISING)
    done = flowc("run", flow_file, "--datastore", datastore_root, "--run-id", "r1")
    assert done.returncode == 1
    output = done.stdout + done.stderr
    assert (
        f"step 'boom' failed in task BoomFlow/r1/boom/t (attempt 0) at {flow_file}:13: ValueError: no good"
        in output
    )
    assert "Run r1 failed" in output and "flowc resume" in output
    run = Flow("BoomFlow", datastore=datastore_root)["r1"]
    assert not run.successful and run.status == "failed" and run.data is None
    task = run["boom"].task
    assert task is not None and not task.successful and task.artifacts == {}
    assert task.exception is not None and task.exception["type"] == "ValueError"
    assert Datastore(datastore_root).read_output("BoomFlow", "r1", "boom", "t") is None
    assert "end" not in [s.name for s in run.steps()]


RETRYING = """\
from flowc import FlowSpec, current, retry, step


class RetryFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.flaky)

    @retry(times=2)
    @step
    def flaky(self):
        if current.retry_count == 0:
            raise RuntimeError("first attempt fails")
        self.attempt_seen = current.retry_count
        self.next(self.end)

    @step
    def end(self):
        pass
"""


def test_retry_succeeds_on_the_second_attempt(tmp_path: Path, datastore_root: str) -> None:
    flow_file = write_flow(tmp_path, RETRYING)
    done = flowc("run", flow_file, "--datastore", datastore_root, "--run-id", "r1")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "[flaky/t] attempt 0 failed; retrying" in done.stdout
    run = Flow("RetryFlow", datastore=datastore_root)["r1"]
    task = run["flaky"].task
    assert run.successful and task.successful and task.attempt == 1 and task.data.attempt_seen == 1
    first = Datastore(datastore_root).read_metadata("RetryFlow", "r1", "flaky", "t", 0)
    assert first is not None and first["status"] == "failed" and first["artifacts"] == {}


def _corrupt(root: str, flow: str, sha: str, s3: SeaweedFS | None) -> None:
    key = Datastore.blob_key(flow, sha)
    if root.startswith("s3://"):
        assert s3 is not None
        bucket, _, prefix = root[5:].partition("/")
        s3.client().put_object(Bucket=bucket, Key=f"{prefix}/{key}", Body=b"\x80tampered")
    else:
        Path(root, key).write_bytes(b"\x80tampered")


def test_corrupted_blob_raises_an_integrity_error(
    tmp_path: Path, datastore_root: str, request: pytest.FixtureRequest
) -> None:
    flow_file = write_flow(tmp_path, RAISING.replace('raise ValueError("no good")', "pass"))
    assert flowc("run", flow_file, "--datastore", datastore_root, "--run-id", "r1").returncode == 0
    run = Flow("BoomFlow", datastore=datastore_root)["r1"]
    sha = run["boom"].task.artifacts["partial"].sha256
    s3 = request.getfixturevalue("s3_server") if datastore_root.startswith("s3://") else None
    _corrupt(datastore_root, "BoomFlow", sha, s3)
    fresh = Flow("BoomFlow", datastore=datastore_root)["r1"]["end"].task
    with pytest.raises(IntegrityError, match=f"corrupted: its sha256 is [0-9a-f]{{64}}, expected {sha}"):
        fresh.data.partial  # noqa: B018 - the access is the test
    # a task reading the corrupted artifact stops with an infrastructure error (exit 3)
    shim = subprocess.run(
        [
            sys.executable,
            "-m",
            "flowc.runtime_shim",
            "task",
            "--datastore",
            datastore_root,
            "--flow-file",
            flow_file,
            "--flow",
            "BoomFlow",
            "--run-id",
            "r1",
            "--step",
            "end",
            "--task-id",
            "t2",
            "--input-paths",
            "boom/t",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert shim.returncode == 0  # end never reads `partial`: inherited by reference, not loaded
    reader = write_flow(tmp_path, RAISING.replace("pass\n", "print(self.partial)\n"))
    shim = subprocess.run(
        [
            sys.executable,
            "-m",
            "flowc.runtime_shim",
            "task",
            "--datastore",
            datastore_root,
            "--flow-file",
            reader,
            "--flow",
            "BoomFlow",
            "--run-id",
            "r1",
            "--step",
            "end",
            "--task-id",
            "t3",
            "--input-paths",
            "boom/t",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert shim.returncode == 1 and "IntegrityError" in shim.stderr and sha in shim.stderr


WAITING = """\
import os, time
from flowc import FlowSpec, Parameter, step


class WaitFlow(FlowSpec):
    signal_dir = Parameter("signal_dir", default="")

    @step
    def start(self):
        self.value = 41
        self.next(self.slow)

    @step
    def slow(self):
        open(os.path.join(self.signal_dir, "started"), "w").close()
        deadline = time.time() + 60
        while not os.path.exists(os.path.join(self.signal_dir, "go")) and time.time() < deadline:
            time.sleep(0.05)
        self.value += 1
        self.next(self.end)

    @step
    def end(self):
        self.result = self.value
"""


def test_s3_server_stopped_mid_run_then_resume(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    server = SeaweedFS(tmp_path / "weed", bucket="outage")
    server.start()
    try:
        for name, value in server.env.items():
            monkeypatch.setenv(name, value)
        root = "s3://outage/flowc"
        flow_file = write_flow(tmp_path, WAITING)
        signals = tmp_path / "signals"
        signals.mkdir()
        args = [
            sys.executable,
            "-m",
            "flowc.cli",
            "run",
            flow_file,
            "--datastore",
            root,
            "--run-id",
            "r1",
            "--param",
            f"signal_dir={signals}",
        ]
        process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 60
        while not (signals / "started").exists():
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.05)
        server.stop()
        (signals / "go").touch()
        out, _ = process.communicate(timeout=120)
        assert process.returncode == 1, out
        assert "infrastructure error in task WaitFlow/r1/slow/t" in out and "Run r1 failed" in out
        server.start()
        resumed = flowc("resume", flow_file, "r1", "--datastore", root)
        assert resumed.returncode == 0, resumed.stdout + resumed.stderr
        assert "[start/t] reused from run r1" in resumed.stdout
        run = Flow("WaitFlow", datastore=root).latest_run
        assert run is not None and run.id != "r1" and run.successful and run.data.result == 42
        original = Flow("WaitFlow", datastore=root)["r1"]["start"].task
        assert run["start"].task.artifacts["value"].sha256 == original.artifacts["value"].sha256
    finally:
        server.stop()


def test_wrong_package_hash_is_refused_before_running(tmp_path: Path) -> None:
    flow_dir = tmp_path / "code"
    flow_dir.mkdir()
    marker = tmp_path / "ran"
    (flow_dir / "flow.py").write_text(RAISING.replace("self.x = 1", f'open({str(marker)!r}, "w").close()'))
    data, sha = build_package(str(flow_dir))
    package = tmp_path / "package.tgz"
    package.write_bytes(data)
    wrong = "0" * 64
    shim_args = [
        "task",
        "--datastore",
        str(tmp_path / "ds"),
        "--flow-file",
        "flow.py",
        "--flow",
        "BoomFlow",
        "--run-id",
        "r1",
        "--step",
        "start",
        "--task-id",
        "t",
    ]
    direct = subprocess.run(
        [
            sys.executable,
            "-m",
            "flowc.runtime_shim",
            *shim_args,
            "--package-url",
            str(package),
            "--package-sha256",
            wrong,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert direct.returncode == 3 and f"has sha256 {sha}, expected {wrong}; refusing" in direct.stderr
    boot = subprocess.run(
        bootstrap_command(str(package), wrong, shim_args, python=sys.executable),
        capture_output=True,
        text=True,
        check=False,
    )
    assert boot.returncode == 3 and "refusing to run" in boot.stderr
    assert not marker.exists() and not (tmp_path / "ds").exists()
    # with the right hash, the bootstrap runs the task from the unpacked package
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    good = subprocess.run(
        bootstrap_command(package.as_uri(), sha, shim_args, python=sys.executable),
        capture_output=True,
        text=True,
        check=False,
        env=env,
        cwd=tmp_path,
    )
    assert good.returncode == 0, good.stderr
    assert marker.exists() and '"next": ["boom"]' in good.stdout
