"""The client API over both roots: listing, ordering, lookups, artifacts, logs, resume."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest
from flowc.runtime_shim.datastore import Datastore

from flowc import Flow, Run, Step, Task


def flowc(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flowc.cli", *args], capture_output=True, text=True, check=False
    )


@pytest.fixture
def two_runs(datastore_root: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Two runs of linear_etl under $FLOWC_DATASTORE (the client's default root)."""
    monkeypatch.setenv("FLOWC_DATASTORE", datastore_root)
    for run_id, alpha in (("r-old", "0.3"), ("r-new", "0.9")):
        done = flowc("run", "examples/linear_etl.py", "--run-id", run_id, "--param", f"alpha={alpha}")
        assert done.returncode == 0, done.stdout + done.stderr
    return datastore_root


def test_runs_newest_first_and_lookups(two_runs: str) -> None:
    flow = Flow("LinearEtlFlow")
    assert [r.id for r in flow.runs()] == ["r-new", "r-old"]
    assert flow.latest_run is not None and flow.latest_run.id == "r-new"
    assert flow.latest_successful_run is not None and flow.latest_successful_run.id == "r-new"
    assert flow["r-old"].data.alpha == 0.3 and flow["r-new"].data.alpha == 0.9
    run = flow["r-old"]
    assert isinstance(run, Run) and [s.name for s in run] == sorted(["start", "clean", "fit", "end"])
    step = run["fit"]
    assert isinstance(step, Step) and [t.id for t in step] == ["t"]
    task = step["t"]
    assert isinstance(task, Task) and task.pathspec == "LinearEtlFlow/r-old/fit/t" and task.successful
    assert task.finished and task.attempt == 0 and task.exception is None
    with pytest.raises(KeyError):
        flow["r-missing"]
    with pytest.raises(KeyError):
        run["nope"]
    with pytest.raises(KeyError):
        step["t-9"]
    with pytest.raises(AttributeError, match="has no artifact 'nope'"):
        task.data.nope  # noqa: B018


def test_artifacts_carry_their_sha256(two_runs: str) -> None:
    task = Flow("LinearEtlFlow")["r-old"]["fit"].task
    assert task is not None
    ds = Datastore(two_runs)
    for name, artifact in task.artifacts.items():
        key = Datastore.blob_key("LinearEtlFlow", artifact.sha256)
        data, path, _temporary, _sha = ds.storage.fetch(key)
        if data is None:
            assert path is not None
            with open(path, "rb") as handle:
                data = handle.read()
        assert hashlib.sha256(data).hexdigest() == artifact.sha256, name
    assert task.artifacts["trend"].data == task.data.trend
    # the same parameter value in two runs is one blob
    other = Flow("LinearEtlFlow")["r-new"]["fit"].task
    assert other is not None and other.artifacts["days"].sha256 == task.artifacts["days"].sha256
    assert other.artifacts["alpha"].sha256 != task.artifacts["alpha"].sha256


def test_logs_and_tags(two_runs: str) -> None:
    run = Flow("LinearEtlFlow")["r-new"]
    end = run["end"].task
    assert end is not None and end.stdout.startswith("emea: slope") and end.stderr == ""
    assert run.created_at > 0 and run.finished and run.status == "ok"


def test_resume_from_a_step_reuses_earlier_tasks(two_runs: str) -> None:
    refused = flowc("resume", "examples/linear_etl.py", "r-old")
    assert refused.returncode == 2 and "run r-old succeeded; say which step" in refused.stderr
    done = flowc("resume", "examples/linear_etl.py", "r-old", "--from", "fit")
    assert done.returncode == 0, done.stdout + done.stderr
    assert (
        "[start/t] reused from run r-old" in done.stdout and "[clean/t] reused from run r-old" in done.stdout
    )
    run = Flow("LinearEtlFlow").latest_run
    assert run is not None and run.id not in ("r-old", "r-new") and run.successful
    assert run.data.summary == Flow("LinearEtlFlow")["r-old"].data.summary
    clean = run["clean"].task
    assert clean is not None and clean.metadata["cloned_from"] == "r-old" and clean.stdout == ""
    fit = run["fit"].task
    assert fit is not None and "cloned_from" not in fit.metadata and fit.metadata["origin_run_id"] == "r-old"


def test_a_failed_run_has_no_data(tmp_path: Path, datastore_root: str) -> None:
    flow_file = tmp_path / "failing.py"
    flow_file.write_text(
        "from flowc import FlowSpec, step\n\n\nclass FailingFlow(FlowSpec):\n    @step\n    def start(self):\n"
        "        raise KeyError('x')\n        self.next(self.end)\n\n    @step\n    def end(self):\n        pass\n"
    )
    assert flowc("run", str(flow_file), "--datastore", datastore_root, "--run-id", "f1").returncode == 1
    run = Flow("FailingFlow", datastore=datastore_root).latest_run
    assert run is not None and run.id == "f1"
    assert not run.successful and run.finished and run.status == "failed" and run.data is None
    task = run["start"].task
    assert task is not None and not task.successful and task.exception["type"] == "KeyError"  # type: ignore[index]
    assert Flow("FailingFlow", datastore=datastore_root).latest_successful_run is None


def test_metadata_points_the_client_at_another_datastore(
    two_runs: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flowc import default_metadata, get_metadata, metadata

    monkeypatch.setenv("FLOWC_DATASTORE", str(tmp_path))
    try:
        assert get_metadata() == f"datastore@{tmp_path}"
        assert Flow("LinearEtlFlow").latest_run is None
        assert metadata(f"local@{two_runs}") == f"datastore@{two_runs}"
        latest = Flow("LinearEtlFlow").latest_run
        assert latest is not None and latest.id == "r-new"
    finally:
        assert default_metadata() == f"datastore@{tmp_path}"
    assert Flow("LinearEtlFlow").latest_run is None


def test_metadata_refuses_a_metadata_service() -> None:
    from flowc import metadata

    with pytest.raises(ValueError, match="no metadata service"):
        metadata("service@https://metadata.example.com")
