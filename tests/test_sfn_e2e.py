"""The compiled state machines' tasks run the real shim end to end.

moto executes the state machine (as in test_sfn_moto.py) with the shim's
output.json seeded as the flow is known to decide; then every Batch command
the execution produced is run, in execution order, as a real process from a
real code package in SeaweedFS: the bootstrap fetches and verifies the
package, the shim runs the step, and its artifacts and output.json land in
the datastore.  The test checks that every task succeeds, that the shim's
decisions match what moto was given, and reads results through the client.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import boto3
from flowc.backends.base import CompileOptions
from flowc.backends.sfn import emit
from flowgen import ADVERSARIAL
from sfn_support import REPO, Execution, example_flow, flow_of, output_key, run_in_moto
from test_sfn_foreach_ends import SWITCH_IN_FOREACH
from test_sfn_merges import SKIP_IN_FOREACH

from flowc.client import Run
from flowc.packaging import flow_package, package_url

RUN = "sfn-e2e"


def _client(env: dict[str, str]) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=env["FLOWC_S3_ENDPOINT_URL"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        region_name="us-east-1",
    )


def _run(name: str | Path, s3_server: Any, env: dict[str, str], seeds: dict[tuple[str, str], dict[str, Any]],
         execution_input: dict[str, Any] | None = None) -> tuple[str, Execution]:  # fmt: skip
    path = name if isinstance(name, Path) else REPO / "examples" / f"{name}.py"
    flow = example_flow(path) if path.is_relative_to(REPO) else flow_of(path.read_text(), str(path))
    prefix = f"sfn-{uuid.uuid4().hex[:10]}"
    root = f"s3://{s3_server.bucket}/{prefix}"
    data, sha = flow_package(flow, str(path))
    url = package_url(root, flow, sha)
    s3 = _client(env)
    s3.put_object(Bucket=s3_server.bucket, Key=url.split("/", 3)[3], Body=data)
    options = CompileOptions(root, url, sha, Path(path).name, settings={"python": sys.executable})
    machine = json.loads(emit(flow, options)[0].text)
    seeded = {output_key(flow.name, RUN, step, task, prefix): out for (step, task), out in seeds.items()}
    result = run_in_moto(
        machine, seeded=seeded, name=RUN, bucket=s3_server.bucket, execution_input=execution_input
    )
    assert result.status == "SUCCEEDED", result.cause
    for task in result.tasks:
        done = subprocess.run(
            task.command,
            env={**os.environ, **task.environment},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, (task.args.step, task.args.task_id, done.stderr[-4000:])
    for key, seed in seeded.items():
        real = json.loads(s3.get_object(Bucket=s3_server.bucket, Key=key)["Body"].read())
        for field in ("foreach", "switch"):
            if field in seed:
                assert (real[field] or {}).get("cardinality") == seed[field].get("cardinality"), key
                assert (real[field] or {}).get("next") == seed[field].get("next"), key
    return root, result


def test_foreach_flow_runs_for_real(s3_server: Any, s3_env: dict[str, str]) -> None:
    seeds = {("start", "t"): {"foreach": {"cardinality": 3}}}
    root, result = _run("foreach_tuning", s3_server, s3_env, seeds)
    assert len(result.tasks) == 9
    run = Run("ForeachTuningFlow", RUN, datastore=root)
    assert run.successful
    assert run.data.best_weight in (0.5, 1.0, 2.0)
    assert len(run.data.all_scores) == 3


def test_nested_foreach_flow_runs_for_real(s3_server: Any, s3_env: dict[str, str]) -> None:
    seeds = {("start", "t"): {"foreach": {"cardinality": 2}}}
    seeds |= {("prepare", f"t-{i}"): {"foreach": {"cardinality": 2}} for i in range(2)}
    root, _ = _run("nested_foreach", s3_server, s3_env, seeds, {"folds": "2"})
    run = Run("NestedForeachFlow", RUN, datastore=root)
    assert run.successful
    assert set(run.data.errors) == {"north", "south"}


def test_switch_and_recursion_flows_run_for_real(s3_server: Any, s3_env: dict[str, str]) -> None:
    root, _ = _run("switch_quality", s3_server, s3_env, {("assess", "t"): {"switch": {"next": "retrain"}}})
    assert Run("SwitchQualityFlow", RUN, datastore=root).data.message == "batch quality good: retrained"
    # tolerance 20: the first epoch's loss (26.8) goes round again, the second (16.3) stops.
    seeds = {("train", "t"): {"switch": {"next": "train"}}, ("train", "t.1"): {"switch": {"next": "end"}}}
    root, _ = _run("recursive_training", s3_server, s3_env, seeds, {"tolerance": "20"})
    assert Run("RecursiveTrainingFlow", RUN, datastore=root).data.epoch == 2


def test_branch_flow_runs_for_real(s3_server: Any, s3_env: dict[str, str]) -> None:
    root, _ = _run("branch_models", s3_server, s3_env, {}, {"seed": "3"})
    run = Run("BranchModelsFlow", RUN, datastore=root)
    assert run.successful and run.data.model["kind"] in ("mean", "linear")


def test_adversarial_values_reach_the_step_unchanged(
    s3_server: Any, s3_env: dict[str, str], tmp_path: Path
) -> None:
    values = [*ADVERSARIAL, "$$.Execution.Input", "States.Format('{}', $.x)", "a.$"]
    params = "\n".join(f"    p{i} = Parameter('p{i}', default={v!r})" for i, v in enumerate(values))
    env = {f"V{i}": v for i, v in enumerate(values) if "\x00" not in v}
    source = f"""
import os

from flowc import FlowSpec, Parameter, environment, step


class AdversarialFlow(FlowSpec):
{params}

    @environment(vars={env!r})
    @step
    def start(self):
        self.env_seen = {{k: os.environ.get(k) for k in {sorted(env)!r}}}
        self.next(self.end)

    @step
    def end(self):
        pass
"""
    path = tmp_path / "adversarial.py"
    path.write_text(source, encoding="utf-8")
    given = {f"p{i}": v for i, v in enumerate(reversed(values)) if i % 2}
    root, _ = _run(path, s3_server, s3_env, {}, given)
    data = Run("AdversarialFlow", RUN, datastore=root).data
    for i, value in enumerate(values):
        assert getattr(data, f"p{i}") == given.get(f"p{i}", value), i
    assert data.env_seen == env


def test_a_foreach_body_ending_in_switch_cases_runs_for_real(
    s3_server: Any, s3_env: dict[str, str], tmp_path: Path
) -> None:
    """The join's ``halve/t-*,triple/t-*`` is resolved by the real shim against S3."""
    path = tmp_path / "switch_in_foreach.py"
    path.write_text(SWITCH_IN_FOREACH, encoding="utf-8")
    seeds: dict[tuple[str, str], dict[str, Any]] = {("start", "t"): {"foreach": {"cardinality": 5}}}
    for index in range(5):
        seeds[("route", f"t-{index}")] = {"switch": {"next": "triple" if index % 2 == 0 else "halve"}}
    root, result = _run(path, s3_server, s3_env, seeds)
    (gather,) = result.by_step()["gather"]
    assert gather.args.input_paths == "halve/t-*,triple/t-*"
    assert Run("SwitchInForeachFlow", RUN, datastore=root).data.outs == [3, 1, 9, 2, 15]


def test_a_step_after_a_skipping_switch_builds_on_the_parent_it_came_from(
    s3_server: Any, s3_env: dict[str, str], tmp_path: Path
) -> None:
    """``y`` after ``x`` sees ``x``'s artifact, not the switch's (the end step asserts it)."""
    path = tmp_path / "skip_in_foreach.py"
    path.write_text(SKIP_IN_FOREACH, encoding="utf-8")
    seeds: dict[tuple[str, str], dict[str, Any]] = {("start", "t"): {"foreach": {"cardinality": 3}}}
    for index, case in enumerate(["y", "x", "x"]):
        seeds[("route", f"t-{index}")] = {"switch": {"next": case}}
    root, result = _run(path, s3_server, s3_env, seeds)
    assert [t.args.input_paths for t in result.by_step()["y"]] == ["route/t-0", "x/t-1", "x/t-2"]
    assert Run("SkipInForeachFlow", RUN, datastore=root).data.tags == [None, "x", "x"]
