"""``@trigger`` on Airflow: events as assets, payload fields as parameters.

The DAG is scheduled on ``Asset("flowc-event:a") & Asset("flowc-event:b")``;
end to end, a DAG run consuming real asset events (recorded as the REST API
records them) must pass the mapped payload fields to the start step.
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from airflow_env import AirflowEnv, airflow_fixture  # noqa: F401 - the fixture
from conftest import SeaweedFS
from flowc.backends.airflow import emit
from flowc.backends.base import CompileError, CompileOptions
from flowc.transpile import analyze_source
from flowc.transpile.ir import Flow

from flowc import Flow as ClientFlow

ROOT = Path(__file__).resolve().parent.parent

FLOW = '''
from flowc import FlowSpec, Parameter, step, trigger


@trigger(events=[{"name": "data_ready", "parameters": {"alpha": "rate", "label": "tag"}}, DECLARED])
class EventFlow(FlowSpec):
    """Runs when both events have arrived; the first one's payload sets two parameters."""

    alpha = Parameter("alpha", type=float, default=0.5)
    label = Parameter("label", default="none")
    count = Parameter("count", type=int, default=1)

    @step
    def start(self):
        self.seen = [self.alpha, self.label, self.count]
        self.next(self.end)

    @step
    def end(self):
        pass
'''

SECOND = '{"name": "model.published", "parameters": ["count"]}'


def _flow(declared: str = SECOND, source: str = FLOW) -> Flow:
    analysis = analyze_source(textwrap.dedent(source).replace("DECLARED", declared), "event_flow.py")
    assert analysis.flow is not None, [p.format() for p in analysis.problems]
    return analysis.flow


def _options(mode: str = "local") -> CompileOptions:
    return CompileOptions("s3://b/flowc", "s3://b/flowc/p.tgz", "0" * 64, "flow.py", {"operator": mode})


def _problems(flow: Flow) -> list[str]:
    with pytest.raises(CompileError) as info:
        emit(flow, _options())
    assert {p.rule for p in info.value.problems} == {"FLC401"}
    return [p.message for p in info.value.problems]


def test_the_dag_waits_for_every_event_asset() -> None:
    text = emit(_flow(), _options())[0].text
    assert 'schedule=Asset("flowc-event:data_ready") & Asset("flowc-event:model.published"),' in text
    assert '"data_ready": {"alpha": "rate", "label": "tag"},' in text
    assert '"model.published": {"count": "count"},' in text


def test_one_event_named_by_a_string() -> None:
    source = re.sub(r"@trigger\(.*\n", '@trigger(event="data_ready")\n', FLOW)
    text = emit(_flow(SECOND, source), _options())[0].text
    assert 'schedule=Asset("flowc-event:data_ready"),' in text


@pytest.mark.parametrize(
    ("declared", "fragment"),
    [
        ('{"name": "model.published", "parameters": ["size"]}', "'size', which is not a parameter"),
        ('"a/b"', "event 'a/b' as an asset"),
        ('{"parameters": ["count"]}', "event None as an asset"),
        ('{"name": "x", "parameters": [1]}', "the parameters [1] of @trigger event 'x'"),
    ],
)
def test_events_airflow_cannot_map(declared: str, fragment: str) -> None:
    (message,) = _problems(_flow(declared))
    assert fragment in message


def test_trigger_with_schedule_or_required_parameter() -> None:
    scheduled = FLOW.replace("@trigger(", "@schedule(daily=True)\n@trigger(").replace(
        "import FlowSpec,", "import FlowSpec, schedule,"
    )
    assert any("@schedule together with @trigger" in m for m in _problems(_flow(SECOND, scheduled)))
    required = FLOW.replace('default="none"', "required=True")
    assert any("required parameter 'label'" in m for m in _problems(_flow(SECOND, required)))


@pytest.mark.parametrize("mode", ["kubernetes", "local"])
def test_trigger_dag_imports_scheduled_on_all_events(airflow: AirflowEnv, tmp_path: Path, mode: str) -> None:
    document = emit(_flow(), _options(mode))[0]
    path = tmp_path / document.filename
    path.write_text(document.text)
    loaded = airflow.load([path])[str(path)]
    assert loaded["errors"] == {}
    assert loaded["schedule_expression"] == {
        "EventFlow": {"AssetAll": ["flowc-event:data_ready", "flowc-event:model.published"]}
    }


def _flowc(*args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "flowc.cli", *args], capture_output=True, text=True, check=False, cwd=ROOT
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_event_payload_fields_reach_the_start_step(
    airflow: AirflowEnv, s3_server: SeaweedFS, s3_env: dict[str, str], tmp_path: Path
) -> None:
    root = f"s3://{s3_server.bucket}/airflow-e2e/trigger-" + re.sub(r"\W", "_", tmp_path.name)
    source = tmp_path / "event_flow.py"
    source.write_text(textwrap.dedent(FLOW).replace("DECLARED", SECOND))
    _flowc("push", str(source), "--datastore", root)
    dags = tmp_path / "dags"
    _flowc(
        "compile",
        str(source),
        "--target",
        "airflow",
        "--datastore",
        root,
        "--set",
        "operator=local",
        "-o",
        str(dags),
    )
    (dag_file,) = dags.glob("*_dag.py")
    events = {
        # "rate" arrives as JSON, "tag" as text with characters a shell or Jinja would take
        "flowc-event:data_ready": {"rate": 0.125, "tag": "{{ x }} $(id) 'q'", "unused": 1},
        "flowc-event:model.published": {"count": "7"},
    }
    result = airflow.dag_test_with_events(dag_file, "EventFlow", events, env=s3_env)
    assert result.state == "success", result.summary()
    run = ClientFlow("EventFlow", datastore=root)[result.flowc_run_id]
    assert run["start"].task is not None
    assert run["start"].task.data.seen == [0.125, "{{ x }} $(id) 'q'", 7]
