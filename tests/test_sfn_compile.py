"""What the sfn target emits for decorators, settings and limits, and how it fails."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from flowc.backends.base import CompileError
from flowc.backends.sfn import emit, limits
from flowgen import linear_flow
from sfn_support import REPO, definition, documents, flow_of, options, run_in_moto, validate


def _flow(steps: str, head: str = "", imports: str = "") -> str:
    extra = f", {imports}" if imports else ""
    return f"""
from flowc import FlowSpec, Parameter, step{extra}

{head}
class DemoFlow(FlowSpec):
{steps}
"""


def _linear(decorators: str, params: str = "", flow_deco: str = "", imports: str = "") -> str:
    body = f"""{params}
    @step
    def start(self):
        self.next(self.work)

{decorators}
    @step
    def work(self):
        self.next(self.end)

    @step
    def end(self):
        pass
"""
    return _flow(body, flow_deco, imports)


def _errors(source: str, **settings: str) -> list[str]:
    with pytest.raises(CompileError) as caught:
        emit(flow_of(source), options(**settings))
    return [f"{p.rule} {p.message}" for p in caught.value.problems]


def _all_states(states: dict[str, Any]) -> dict[str, Any]:
    out = dict(states)
    for state in states.values():
        for branch in state.get("Branches", []):
            out |= _all_states(branch["States"])
        if "ItemProcessor" in state:
            out |= _all_states(state["ItemProcessor"]["States"])
    return out


def test_resources_are_merged_into_container_overrides() -> None:
    source = _linear(
        '    @resources(cpu=2, memory=4096, gpu=1)\n    @kubernetes(memory="16Gi", cpu=0.5)',
        imports="resources, kubernetes",
    )
    work = definition(flow_of(source))["States"]["work"]
    assert work["Parameters"]["ContainerOverrides"]["ResourceRequirements"] == [
        {"Type": "GPU", "Value": "1"},
        {"Type": "MEMORY", "Value": "16384"},
        {"Type": "VCPU", "Value": "2"},
    ]


def test_kubernetes_arguments_batch_cannot_express_are_errors() -> None:
    source = _linear('    @kubernetes(node_selector="gpu=true", disk=1000)', imports="kubernetes")
    errors = _errors(source)
    assert any("FLC401" in e and "node_selector" in e for e in errors)
    assert any("FLC401" in e and "disk" in e for e in errors)


def test_batch_queue_image_and_role_go_to_the_job_and_its_definition() -> None:
    source = _linear(
        '    @batch(queue="gpu-queue", image="me/img:1", iam_role="arn:aws:iam::1:role/r", aws_batch_tags={"team": "ml"})',
        imports="batch",
    )
    docs = documents(flow_of(source))
    work = json.loads(docs["state-machine.json"])["States"]["work"]["Parameters"]
    assert work["JobQueue"] == "gpu-queue"
    assert work["Tags"] == {"team": "ml"}
    defs = {
        d["jobDefinitionName"]: d for d in json.loads(docs["batch-job-definitions.json"])["jobDefinitions"]
    }
    mine = defs[work["JobDefinition"]]["containerProperties"]
    assert (mine["image"], mine["jobRoleArn"]) == ("me/img:1", "arn:aws:iam::1:role/r")
    assert len(defs) == 2  # the default image for the other steps, and this one


def test_a_named_job_definition_replaces_the_generated_ones() -> None:
    docs = documents(flow_of(_linear("")), job_definition="team-def", queue="q1")
    assert set(docs) == {"state-machine.json"}
    machine = json.loads(docs["state-machine.json"])
    assert {machine["States"][s]["Parameters"]["JobDefinition"] for s in ("start", "work", "end")} == {
        "team-def"
    }
    assert machine["States"]["work"]["Parameters"]["JobQueue"] == "q1"


def test_retry_catch_timeout_environment_and_secrets() -> None:
    source = _linear(
        "    @retry(times=4, minutes_between_retries=0)\n    @catch(var='err')\n    @timeout(minutes=2)\n"
        "    @environment(vars={'A': 'x', 'B': 3})\n    @secrets(sources=['db-password'])",
        imports="retry, catch, timeout, environment, secrets",
    )
    work = definition(flow_of(source))["States"]["work"]
    assert work["Retry"] == [
        {"ErrorEquals": ["States.ALL"], "MaxAttempts": 4, "IntervalSeconds": 1, "BackoffRate": 1.0}
    ]
    assert work["Catch"] == [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.caught", "Next": "end"}]
    assert work["TimeoutSeconds"] == 120 + limits.TIMEOUT_GRACE_SECONDS
    assert work["Parameters"]["Timeout"] == {"AttemptDurationSeconds": 120 + limits.TIMEOUT_GRACE_SECONDS}
    env = {e["Name"]: e["Value"] for e in work["Parameters"]["ContainerOverrides"]["Environment"]}
    assert env == {"A": "x", "B": "3", "FLOWC_SECRET_SOURCES": '["db-password"]'}


def test_catch_on_the_last_step_still_ends_the_execution() -> None:
    source = _flow(
        "    @step\n    def start(self):\n        self.next(self.end)\n\n"
        "    @catch(var='e')\n    @step\n    def end(self):\n        pass\n",
        imports="catch",
    )
    states = definition(flow_of(source))["States"]
    assert states["end"]["Catch"][0]["Next"] == "end-caught"
    assert states["end-caught"] == {"Type": "Pass", "End": True, "OutputPath": None}


def test_settings_are_checked() -> None:
    errors = _errors(_linear(""), queu="x", distributed_map="maybe", max_recursion="0")
    assert any("FLC403" in e and "'queu'" in e for e in errors)
    assert any("FLC403" in e and "distributed_map" in e for e in errors)
    assert any("FLC403" in e and "max_recursion" in e for e in errors)
    bad_root = options()
    with pytest.raises(CompileError) as caught:
        emit(flow_of(_linear("")), type(bad_root)(**{**_fields(bad_root), "datastore": "s3://x/it's"}))
    assert caught.value.problems[0].rule == "FLC403"


def _fields(value: Any) -> dict[str, Any]:
    return {k: getattr(value, k) for k in value.__dataclass_fields__}


FOREACH = REPO / "examples" / "foreach_tuning.py"


def test_distributed_map_by_flag_or_declared_width() -> None:
    flow = flow_of(FOREACH.read_text(), str(FOREACH))
    inline = definition(flow)["States"]["start-map"]
    assert inline["ItemProcessor"]["ProcessorConfig"] == {"Mode": "INLINE"}
    for settings in ({"distributed_map": "true"}, {"foreach_width.start": "500"}):
        chunks = definition(flow, **settings)["States"]["start-chunks"]
        mapped = chunks["ItemProcessor"]["States"]["start-map"]
        assert mapped["ItemProcessor"]["ProcessorConfig"] == {
            "Mode": "DISTRIBUTED",
            "ExecutionType": "STANDARD",
        }
    assert definition(flow, max_concurrency="8")["States"]["start-map"]["MaxConcurrency"] == 8


def test_history_estimate_warns_for_wide_nested_foreach(capsys: pytest.CaptureFixture[str]) -> None:
    steps = "    @step\n    def start(self):\n        self.next(self.outer, foreach='xs')\n\n"
    steps += "    @step\n    def outer(self):\n        self.next(self.a, foreach='ys')\n\n"
    for here, there in (("a", "b"), ("b", "c"), ("c", "inner_join")):
        steps += f"    @step\n    def {here}(self):\n        self.next(self.{there})\n\n"
    steps += "    @step\n    def inner_join(self, inputs):\n        self.next(self.outer_join)\n\n"
    steps += "    @step\n    def outer_join(self, inputs):\n        self.next(self.end)\n\n"
    steps += "    @step\n    def end(self):\n        pass\n"
    flow = flow_of(_flow(steps))
    definition(flow, foreach_width="40")
    assert "FLC402 warning" in capsys.readouterr().err
    definition(flow, foreach_width="5")
    assert capsys.readouterr().err == ""
    definition(flow)
    assert capsys.readouterr().err == ""


def test_long_step_names_are_shortened_deterministically(tmp_path: Path) -> None:
    long_a = "a" * 70 + "_first"
    long_b = "a" * 70 + "_second"
    source = _flow(
        f"    @step\n    def start(self):\n        self.next(self.{long_a})\n\n"
        f"    @step\n    def {long_a}(self):\n        self.next(self.{long_b}, foreach='xs')\n\n"
        f"    @step\n    def {long_b}(self):\n        self.next(self.join)\n\n"
        "    @step\n    def join(self, inputs):\n        self.next(self.end)\n\n"
        "    @step\n    def end(self):\n        pass\n"
    )
    first = documents(flow_of(source))
    assert first == documents(flow_of(source))
    names = _all_states(json.loads(first["state-machine.json"])["States"])
    assert all(limits.is_valid_state_name(n) and len(n) <= 80 for n in names)
    assert len({n for n in names if n.startswith("a" * 60)}) == 5  # task, output, items, map; task
    path = tmp_path / "state-machine.json"
    path.write_text(first["state-machine.json"])
    validate([path])


def test_a_200_step_flow_compiles_offline_and_validates(tmp_path: Path) -> None:
    text = documents(flow_of(linear_flow(200)))["state-machine.json"]
    assert len(text.encode()) < limits.MAX_DEFINITION_BYTES
    path = tmp_path / "state-machine.json"
    path.write_text(text)
    validate([path])


def test_definition_over_one_megabyte_is_an_error() -> None:
    errors = _errors(linear_flow(1500))
    assert any(e.startswith("FLC402") and "1,048,576" in e for e in errors)


def test_parameters_over_the_input_limit_are_an_error() -> None:
    big = "x" * (300 * 1024)
    errors = _errors(_linear("", params=f"    blob = Parameter('blob', default={big!r})"))
    assert any(e.startswith("FLC402") and "input limit" in e for e in errors)


def test_required_parameters_are_checked_before_any_task() -> None:
    source = _linear(
        "", params="    who = Parameter('who', required=True)\n    n = Parameter('n', default=2)"
    )
    machine = definition(flow_of(source))
    missing = run_in_moto(machine, name="missing-1")
    assert (missing.status, missing.error, missing.tasks) == ("FAILED", "flowc.MissingParameter", [])
    given = run_in_moto(machine, name="given-1", execution_input={"who": "me"})
    assert given.status == "SUCCEEDED", given.cause
    assert given.by_step()["start"][0].args.params == {"who": "me", "n": "2"}


def test_schedule_keeps_its_time_zone_and_converts_cron() -> None:
    head = '@schedule(cron="30 6 * * 1-5", timezone="America/New_York")'
    docs = documents(
        flow_of(_linear("", flow_deco=head, imports="schedule")), region="eu-west-1", account="42"
    )
    schedule = json.loads(docs["schedule.json"])
    assert schedule["ScheduleExpression"] == "cron(30 6 ? * 2-6 *)"
    assert schedule["ScheduleExpressionTimezone"] == "America/New_York"
    assert schedule["Target"]["Arn"] == "arn:aws:states:eu-west-1:42:stateMachine:DemoFlow"
    hourly = documents(flow_of(_linear("", flow_deco="@schedule(hourly=True)", imports="schedule")))
    assert json.loads(hourly["schedule.json"])["ScheduleExpression"] == "cron(0 * * * ? *)"
    assert "ScheduleExpressionTimezone" not in json.loads(hourly["schedule.json"])


def test_trigger_event_maps_fields_to_parameters() -> None:
    head = '@trigger(event={"name": "data_ready", "parameters": {"table": "table_name"}})'
    source = _linear(
        "", params="    table = Parameter('table', default='x')", flow_deco=head, imports="trigger"
    )
    rule = json.loads(documents(flow_of(source))["event-rule.json"])
    assert json.loads(rule["Rule"]["EventPattern"]) == {"detail-type": ["data_ready"]}
    (target,) = rule["Targets"]["Targets"]
    assert target["InputTransformer"] == {
        "InputPathsMap": {"p0": "$.detail.table_name"},
        "InputTemplate": '{"table": <p0>}',
    }


def test_trigger_on_an_empty_list_of_flows_is_an_error() -> None:
    head = "@trigger_on_finish(flows=[])"
    errors = _errors(_linear("", flow_deco=head, imports="trigger_on_finish"))
    assert any(e.startswith("FLC401") and "without flows" in e for e in errors)


def test_parallel_is_refused_with_a_hint_every_target_follows() -> None:
    steps = """
    @step
    def start(self):
        self.next(self.train, num_parallel=3)

    @parallel
    @step
    def train(self):
        self.next(self.join)

    @step
    def join(self, inputs):
        self.next(self.end)

    @step
    def end(self):
        pass
"""
    with pytest.raises(CompileError) as caught:
        emit(flow_of(_flow(steps, imports="parallel")), options())
    problems = [p for p in caught.value.problems if "@parallel" in p.message]
    assert problems and all(p.rule == "FLC401" and "foreach over range(N)" in p.hint for p in problems)


def test_cli_prints_one_screen_error_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(_linear('    @kubernetes(tolerations=[{"key": "x"}])', imports="kubernetes"))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "flowc.cli",
            "compile",
            str(bad),
            "--target",
            "sfn",
            "--datastore",
            "s3://my-bucket/p",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert f"{bad}:" in done.stderr and "FLC401" in done.stderr and "tolerations" in done.stderr
    assert len(done.stderr.splitlines()) < 25


def test_cli_check_mode(tmp_path: Path) -> None:
    base = [sys.executable, "-m", "flowc.cli", "compile", str(FOREACH), "--target", "sfn"]
    base += ["--datastore", "s3://my-bucket/p", "-o", str(tmp_path)]
    assert subprocess.run(base, capture_output=True, check=False).returncode == 0
    assert subprocess.run([*base, "--check"], capture_output=True, check=False).returncode == 0
    (tmp_path / "schedule.json").write_text("{}\n")
    changed = subprocess.run([*base, "--check"], capture_output=True, text=True, check=False)
    assert changed.returncode == 1 and "schedule.json" in changed.stdout


def test_arguments_are_inline_unless_too_many_intrinsics_would_nest() -> None:
    few = "\n".join(f"    p{i} = Parameter('p{i}', default={i})" for i in range(3))
    many = "\n".join(f"    p{i} = Parameter('p{i}', default={i})" for i in range(9))
    inline = definition(flow_of(_linear("", params=few)))["States"]
    assert "start-args" not in inline
    assert (
        "States.Format('p2={}', $.params.p2)"
        in inline["start"]["Parameters"]["ContainerOverrides"]["Command.$"]
    )
    via_pass = definition(flow_of(_linear("", params=many)))["States"]
    assert via_pass["start-args"]["Parameters"]["a23.$"] == "States.Format('p8={}', $.params.p8)"
    assert via_pass["flowc-params"]["Next"] == "start-args"


def test_a_foreach_declared_wider_than_a_map_can_index_is_an_error() -> None:
    source = FOREACH.read_text()
    assert any(e.startswith("FLC402") and "1,000" in e for e in _errors(source, foreach_width="1000001"))
    definition(flow_of(source), foreach_width="1000000")


def test_package_environments_compile_the_shim_installs_them() -> None:
    definition(flow_of(_linear("    @pypi(packages={'pandas': '2.2'})", imports="pypi")))
    definition(flow_of(_linear("    @pypi(packages={'pandas': '2.2'}, disabled=True)", imports="pypi")))
