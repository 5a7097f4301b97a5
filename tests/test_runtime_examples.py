"""Every example runs with ``flowc run`` on a local and an S3 root; the client reads the results."""

from __future__ import annotations

import statistics
import subprocess
import sys
from typing import Any

import pytest

from flowc import Flow


def flowc(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "flowc.cli", *args], capture_output=True, text=True, check=False)


def run_example(name: str, root: str, *extra: str) -> Any:
    """Run ``examples/<name>.py`` and return the run through the client."""
    done = flowc("run", f"examples/{name}.py", "--datastore", root, "--run-id", "r1", *extra)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Run r1 succeeded" in done.stdout
    return done


def latest(flow: str, root: str) -> Any:
    run = Flow(flow, datastore=root).latest_run
    assert run is not None and run.id == "r1" and run.successful and run.status == "ok"
    return run


def test_linear_etl(datastore_root: str) -> None:
    done = run_example("linear_etl", datastore_root, "--param", "alpha=0.3")
    assert "[end/t] emea: slope 0.184 per day" in done.stdout
    run = latest("LinearEtlFlow", datastore_root)
    assert run.data.summary == "emea: slope 0.184 per day"
    assert run.data.alpha == 0.3 and run.data.days == 30 and run.data.thresholds == {"low": 5, "high": 500}
    clean = run["clean"].task
    assert clean.data.cleaned[:2] == [100.0, 102.1] and len(clean.data.cleaned) == 29  # day 13 dropped
    slope, intercept = statistics.linear_regression(range(29), clean.data.cleaned)
    assert run.data.trend == {"slope": round(slope, 4), "intercept": round(intercept, 4)}
    # inherited artifacts are passed on by reference: the same blob in every step
    assert clean.artifacts["sales"].sha256 == run["start"].task.artifacts["sales"].sha256


def test_branch_models(datastore_root: str) -> None:
    run_example("branch_models", datastore_root)
    run = latest("BranchModelsFlow", datastore_root)
    assert run.data.model["kind"] == "linear" and run.data.score < run.data.baseline_score
    assert len(run.data.data) == 50 and run.data.seed == 7


def test_foreach_tuning(datastore_root: str) -> None:
    run_example("foreach_tuning", datastore_root)
    run = latest("ForeachTuningFlow", datastore_root)
    assert run.data.best_weight == 0.5 and run.data.best_accuracy == 1.0
    assert [w for w, _ in run.data.all_scores] == [0.5, 1.0, 2.0]
    assert run.data.table.startswith("sepal_length,")
    fits = run["fit"].tasks()
    assert [t.id for t in fits] == ["t-0", "t-1", "t-2"]
    assert [t.data.weight for t in fits] == [0.5, 1.0, 2.0]


def test_mixed_shapes(datastore_root: str) -> None:
    run_example("mixed_shapes", datastore_root)
    run = latest("MixedShapesFlow", datastore_root)
    assert run.data.pairs == [(6, 14), (15, 77), (24, 194)] and run.data.audit_ok is True
    assert run.end_task.step_name == "done"
    assert [t.id for t in run["sums"].tasks()] == ["t-0", "t-1", "t-2"]


def test_nested_foreach(datastore_root: str) -> None:
    run_example("nested_foreach", datastore_root, "--param", "folds=2")
    run = latest("NestedForeachFlow", datastore_root)
    assert run.data.errors == {"north": 1.75, "south": 1.75}  # folds: |2.5 - 4|, |2 - 4|
    assert [t.id for t in run["evaluate"].tasks()] == ["t-0-0", "t-0-1", "t-1-0", "t-1-1"]
    assert run["region_summary"]["t-1"].data.region == "south"


def test_recursive_training(datastore_root: str) -> None:
    run_example("recursive_training", datastore_root)
    run = latest("RecursiveTrainingFlow", datastore_root)
    assert run.data.epoch == 20 and round(run.data.weight, 4) == 1.9861
    ids = [t.id for t in run["train"].tasks()]
    assert ids[:3] == ["t", "t.1", "t.2"] and len(ids) == 20


@pytest.mark.parametrize(("rate", "action"), [("0.02", "retrained"), ("0.5", "alerted data owners")])
def test_switch_quality(datastore_root: str, rate: str, action: str) -> None:
    run_example("switch_quality", datastore_root, "--param", f"missing_rate={rate}")
    run = latest("SwitchQualityFlow", datastore_root)
    assert run.data.action == action
    taken, skipped = ("retrain", "alert") if action == "retrained" else ("alert", "retrain")
    steps = [s.name for s in run.steps()]
    assert taken in steps and skipped not in steps


def test_triggered_report(datastore_root: str) -> None:
    run_example("triggered_report", datastore_root, "--tag", "nightly")
    run = latest("TriggeredReportFlow", datastore_root)
    assert run.data.report == "for ml-team: weights tuned; accuracy recorded"
    assert run.tags == ["nightly"]
    end = run["end"].task
    assert "for ml-team" in end.stdout
    (card,) = end.cards
    assert card.type == "default" and card.html.startswith("<!DOCTYPE html>")
