"""Compiled state machines run in moto's Step Functions engine.

The Batch jobs are stand-ins (see tests/sfn_support.py); the S3 reads of the
shim's output.json, the Map/Parallel/Choice wiring and the argument states
run as emitted.  Each test checks which tasks ran and with what arguments.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flowc.backends.sfn import limits
from sfn_support import REPO, definition, example_flow, output_key, run_in_moto

RUN = "run-7"


def example(name: str) -> Path:
    return REPO / "examples" / f"{name}.py"


def test_foreach_runs_a_two_step_body_per_index_and_joins_them() -> None:
    flow = example_flow(example("foreach_tuning"))
    seeded = {output_key(flow.name, RUN, "start", "t"): {"foreach": {"var": "candidates", "cardinality": 3}}}
    result = run_in_moto(definition(flow), seeded=seeded, name=RUN)
    assert result.status == "SUCCEEDED", result.cause
    assert result.ids("fit") == ["t-0", "t-1", "t-2"]
    assert result.ids("score") == ["t-0", "t-1", "t-2"]
    for task in result.by_step()["score"]:
        index = task.args.task_id.split("-")[1]
        assert task.args.input_paths == f"fit/t-{index}"
        assert task.args.split_indices == [int(index)]
        assert task.args.run_id == RUN
    (pick,) = result.by_step()["pick"]
    assert (pick.args.task_id, pick.args.input_paths, pick.args.split_indices) == ("t", "score/t-*", [])
    (start,) = result.by_step()["start"]
    assert start.args.params == {"table": "data/iris_sample.csv", "weights": "0.5,1.0,2.0"}
    order = [t.args.step for t in result.tasks]
    assert (order[0], order[-1]) == ("start", "end")


def test_nested_foreach_runs_inner_maps_of_different_widths() -> None:
    flow = example_flow(example("nested_foreach"))
    seeded = {
        output_key(flow.name, RUN, "start", "t"): {"foreach": {"cardinality": 2}},
        output_key(flow.name, RUN, "prepare", "t-0"): {"foreach": {"cardinality": 3}},
        output_key(flow.name, RUN, "prepare", "t-1"): {"foreach": {"cardinality": 1}},
    }
    result = run_in_moto(definition(flow), seeded=seeded, name=RUN, execution_input={"folds": "3"})
    assert result.status == "SUCCEEDED", result.cause
    assert result.ids("prepare") == ["t-0", "t-1"]
    assert result.ids("evaluate") == ["t-0-0", "t-0-1", "t-0-2", "t-1-0"]
    evaluate = {t.args.task_id: t.args for t in result.by_step()["evaluate"]}
    assert evaluate["t-0-2"].split_indices == [0, 2]
    assert evaluate["t-0-2"].input_paths == "prepare/t-0"
    summaries = {t.args.task_id: t.args for t in result.by_step()["region_summary"]}
    assert summaries["t-1"].input_paths == "evaluate/t-1-*"
    assert summaries["t-1"].split_indices == [1]
    (overall,) = result.by_step()["overall"]
    assert overall.args.input_paths == "region_summary/t-*"
    assert result.by_step()["start"][0].args.params == {"folds": "3"}


def test_switch_runs_only_the_chosen_case() -> None:
    flow = example_flow(example("switch_quality"))
    for chosen, skipped in (("alert", "retrain"), ("retrain", "alert")):
        seeded = {output_key(flow.name, RUN, "assess", "t"): {"switch": {"value": "x", "next": chosen}}}
        result = run_in_moto(definition(flow), seeded=seeded, name=RUN)
        assert result.status == "SUCCEEDED", result.cause
        steps = [t.args.step for t in result.tasks]
        assert steps == ["start", "assess", chosen, "report", "end"]
        assert skipped not in steps
        (report,) = result.by_step()["report"]
        assert report.args.input_paths == "alert/t?,retrain/t?"


def test_recursion_loops_with_iteration_suffixes_until_done() -> None:
    flow = example_flow(example("recursive_training"))
    decisions = {"t": "train", "t.1": "train", "t.2": "end"}
    seeded = {
        output_key(flow.name, RUN, "train", tid): {"switch": {"value": "x", "next": nxt}}
        for tid, nxt in decisions.items()
    }
    result = run_in_moto(definition(flow), seeded=seeded, name=RUN, execution_input={"learning_rate": 0.5})
    assert result.status == "SUCCEEDED", result.cause
    trains = [(t.args.task_id, t.args.input_paths) for t in result.tasks if t.args.step == "train"]
    assert trains == [("t", "start/t"), ("t.1", "train/t"), ("t.2", "train/t.1")]
    (end,) = result.by_step()["end"]
    assert end.args.input_paths == "train/t.2"
    assert result.by_step()["start"][0].args.params == {"learning_rate": "0.5", "tolerance": "0.001"}


def test_recursion_stops_at_the_declared_bound() -> None:
    flow = example_flow(example("recursive_training"))
    seeded = {
        output_key(flow.name, RUN, "train", tid): {"switch": {"next": "train"}} for tid in ("t", "t.1", "t.2")
    }
    result = run_in_moto(definition(flow, max_recursion="3"), seeded=seeded, name=RUN)
    assert result.status == "FAILED"
    assert result.error == "flowc.RecursionLimit"
    assert [t.args.task_id for t in result.tasks if t.args.step == "train"] == ["t", "t.1", "t.2"]


def test_branches_run_in_parallel_and_the_join_names_each() -> None:
    flow = example_flow(example("branch_models"))
    result = run_in_moto(definition(flow), name=RUN, execution_input={"seed": 11})
    assert result.status == "SUCCEEDED", result.cause
    assert sorted(t.args.step for t in result.tasks) == ["baseline", "choose", "end", "linear", "start"]
    (choose,) = result.by_step()["choose"]
    assert choose.args.input_paths == "baseline/t,linear/t"
    assert result.by_step()["start"][0].args.params == {"seed": "11"}


def test_branch_inside_foreach_and_foreach_inside_branch() -> None:
    flow = example_flow(example("mixed_shapes"))
    seeded = {
        output_key(flow.name, RUN, "features", "t"): {"foreach": {"cardinality": 2}},
        output_key(flow.name, RUN, "audit", "t"): {"foreach": {"cardinality": 3}},
    }
    result = run_in_moto(definition(flow), seeded=seeded, name=RUN)
    assert result.status == "SUCCEEDED", result.cause
    assert result.ids("shard") == ["t-0", "t-1"]
    assert result.ids("sums") == ["t-0", "t-1"]
    combine = {t.args.task_id: t.args.input_paths for t in result.by_step()["combine"]}
    assert combine == {"t-0": "squares/t-0,sums/t-0", "t-1": "squares/t-1,sums/t-1"}
    assert result.ids("audit_table") == ["t-0", "t-1", "t-2"]
    (finish,) = result.by_step()["finish"]
    assert finish.args.input_paths == "audit_done/t,collect/t"


@pytest.mark.parametrize("width", [3, 8, 10])
def test_distributed_map_runs_every_index_once_across_chunks(
    width: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Chunks of 4 instead of 1,000, so that full and partial chunks run quickly.
    monkeypatch.setattr(limits, "ARRAY_RANGE_MAX_ITEMS", 4)
    flow = example_flow(example("foreach_tuning"))
    seeded = {output_key(flow.name, RUN, "start", "t"): {"foreach": {"cardinality": width}}}
    machine = definition(flow, distributed_map="true")
    inner = machine["States"]["start-chunks"]["ItemProcessor"]["States"]["start-map"]
    assert inner["ItemProcessor"]["ProcessorConfig"]["Mode"] == "DISTRIBUTED"
    result = run_in_moto(machine, seeded=seeded, name=RUN, record_in_s3=True)
    assert result.status == "SUCCEEDED", result.cause
    assert sorted(result.ids("fit"), key=lambda t: int(t[2:])) == [f"t-{i}" for i in range(width)]
    assert {t.args.input_paths for t in result.by_step()["score"]} == {f"fit/t-{i}" for i in range(width)}
    assert all(t.args.run_id == RUN for t in result.tasks)
    assert result.by_step()["pick"][0].args.input_paths == "score/t-*"


def test_execution_input_reaches_the_shim_typed() -> None:
    from flowc.runtime_shim.params import convert

    flow = example_flow(example("linear_etl"))
    given = {"alpha": 0.25, "days": 7, "verbose": True, "thresholds": '{"low": 1, "high": 9}'}
    result = run_in_moto(definition(flow), name=RUN, execution_input=given)
    assert result.status == "SUCCEEDED", result.cause
    raw = result.by_step()["start"][0].args.params
    kinds = {p.name: p.type.value for p in flow.parameters}
    typed = {name: convert(value, kinds[name], name) for name, value in raw.items()}
    assert typed == {
        "alpha": 0.25,
        "days": 7,
        "verbose": True,
        "thresholds": {"low": 1, "high": 9},
        "region": "emea",
    }


DYNAMIC_DEFAULT = """
import os
from flowc import FlowSpec, Parameter, step


class DynamicDefaultFlow(FlowSpec):
    region = Parameter("region", default=os.environ.get("REGION", "EU").lower())
    size = Parameter("size", default=3)

    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
"""


def test_a_parameter_with_a_computed_default_is_left_to_the_shim(tmp_path: Path) -> None:
    from sfn_support import flow_of, validate

    machine = definition(flow_of(DYNAMIC_DEFAULT))
    path = tmp_path / "state-machine.json"
    path.write_text(json.dumps(machine))
    validate([path])
    alone = run_in_moto(machine, name="dyn-1")
    assert alone.status == "SUCCEEDED", alone.cause
    (start,) = alone.by_step()["start"]
    assert start.args.params == {"size": "3"}  # region absent: the shim computes its default
    given = run_in_moto(machine, name="dyn-2", execution_input={"region": "us {{x}} $.y"})
    (start,) = given.by_step()["start"]
    assert start.args.params == {"size": "3", "region": "us {{x}} $.y"}
