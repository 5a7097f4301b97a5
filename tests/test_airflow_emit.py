"""The Airflow emitter without Airflow: errors, settings, limits, literals and the CLI."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from flowc.backends.airflow import dag_filename, emit
from flowc.backends.airflow.literal import py_literal
from flowc.backends.base import CompileError, CompileOptions
from flowc.transpile import analyze_source
from flowc.transpile.ir import Flow
from hypothesis import given
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent

HEAD = (
    "from flowc import FlowSpec, Parameter, batch, environment, retry, schedule, step, timeout, trigger,"
    " trigger_on_finish\n"
)


def flow_of(body: str, decorators: str = "", name: str = "DemoFlow") -> Flow:
    source = (
        HEAD
        + textwrap.dedent(decorators)
        + f"class {name}(FlowSpec):\n"
        + textwrap.indent(textwrap.dedent(body), "    ")
    )
    analysis = analyze_source(source, "demo.py")
    assert analysis.flow is not None, [p.format() for p in analysis.problems]
    return analysis.flow


def options(**settings: str) -> CompileOptions:
    return CompileOptions("s3://b/flowc", "s3://b/flowc/p.tgz", "0" * 64, "demo.py", settings=settings)


def problems(flow: Flow, **settings: str) -> list[tuple[str, int, str]]:
    with pytest.raises(CompileError) as info:
        emit(flow, options(**settings))
    return [(p.rule, p.span.line, p.message) for p in info.value.problems]


LINEAR = """
@step
def start(self):
    self.next(self.end)

@step
def end(self):
    pass
"""

SWITCH_IN_FOREACH = """
@step
def start(self):
    self.items = [1, 2]
    self.next(self.pick, foreach="items")

@step
def pick(self):
    self.kind = "a"
    self.next({"a": self.a, "b": self.b}, condition="kind")

@step
def a(self):
    self.next(self.merge)

@step
def b(self):
    self.next(self.merge)

@step
def merge(self):
    self.next(self.join)

@step
def join(self, inputs):
    self.next(self.end)

@step
def end(self):
    pass
"""

LOOP_BACK = """
@step
def start(self):
    self.next(self.a)

@step
def a(self):
    self.next(self.b)

@step
def b(self):
    self.status = "done"
    self.next({"again": self.a, "done": self.end}, condition="status")

@step
def end(self):
    pass
"""


def test_linear_flow_compiles_to_one_file() -> None:
    (document,) = emit(flow_of(LINEAR), options())
    assert document.filename == "demo_flow_dag.py"
    ast.parse(document.text)
    assert document.text.startswith("# Airflow DAG for the flowc flow DemoFlow")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("ForeachTuningFlow", "foreach_tuning_flow_dag.py"),
        ("ETLFlow", "etl_flow_dag.py"),
        ("A2BFlow", "a2_b_flow_dag.py"),
    ],
)
def test_dag_filename(name: str, expected: str) -> None:
    assert dag_filename(flow_of(LINEAR, name=name)) == expected


def test_switch_inside_foreach_guards_its_case_paths() -> None:
    text = emit(flow_of(SWITCH_IN_FOREACH), options(operator="local"))[0].text
    assert '"a": ["all", [["pick", "case"]]],' in text
    assert '"merge": ["any", [["a", "path"], ["b", "path"]]],' in text
    assert '"merge": ["a/{t}?", "b/{t}?"],' in text
    assert "follow_switch.override" not in text.split("with DAG(")[1]  # no Airflow branching per index
    kubernetes = emit(flow_of(SWITCH_IN_FOREACH), options())[0].text
    assert 'if sys.argv[-2:-1] == [\\"--flowc-airflow-inactive\\"]:' in kubernetes


def test_loop_back_to_an_earlier_step_unrolls_the_whole_body() -> None:
    text = emit(flow_of(LOOP_BACK), options(operator="local", max_iterations="3"))[0].text
    assert '"a": ["a", "a-iter-1", "a-iter-2"],' in text and '"b": ["b", "b-iter-1", "b-iter-2"],' in text
    assert '"a": ["b/{prev}"],' in text and '"b": ["a/{t}"],' in text  # LOOP_INPUTS
    assert '"a": ["start/{t}"],' in text and '"end": ["b/{last}"],' in text  # no back edge at pass 0
    assert 'targets={"a": "a-iter-1", "end": "b-to-end"},' in text
    assert 'targets={"end": "b-iter-2-to-end"},' in text  # the last pass can only leave
    assert 'run_step.override(task_id="a-iter-2")(step="a", iteration=2)' in text
    assert "b_iter1_switch >> a_iter2_task" in text
    assert "LOOP_INPUTS" not in emit(flow_of(SWITCH_IN_FOREACH), options(operator="local"))[0].text


def test_loop_back_inside_a_foreach_is_guarded_per_pass() -> None:
    body = LOOP_BACK.replace("self.next(self.a)", "self.items = [1]\n    self.next(self.a, foreach='items')")
    body = body.replace('"done": self.end', '"done": self.after').replace(
        "@step\ndef end",
        "@step\ndef after(self):\n    self.next(self.join)\n\n"
        "@step\ndef join(self, inputs):\n    self.next(self.end)\n\n@step\ndef end",
    )
    text = emit(flow_of(body), options(operator="local", max_iterations="3"))[0].text
    guards = text.split("GUARDS: ")[1].split("\n}\n")[0]
    assert '"a-iter-1": ["all", [["b", "case"]]],' in guards  # pass 1 runs where pass 0 looped
    assert '"b-iter-2": ["all", [["a-iter-2", "path"]]],' in guards
    assert '"after": ["any", [["b", "case"], ["b-iter-1", "case"], ["b-iter-2", "case"]]],' in guards
    assert '\n    "a": ' not in guards and '\n    "b": ' not in guards  # pass 0 runs at every index
    assert '"after": ["b/{last}"],' in text and '"a": ["b/{prev}"],' in text
    assert "follow_switch" not in text.split("with DAG(")[1]  # no Airflow branching per index
    assert ").expand(split=start_splits)\n    a_iter2_task >> b_iter2_task\n" in text  # mapped, pass by pass


def test_unsupported_decorators_are_all_reported_at_once() -> None:
    body = LINEAR.replace("@step\ndef start", "@batch(cpu=2)\n@step\ndef start")
    found = problems(flow_of(body, "@trigger(event='data/ready')\n"))
    assert sorted(rule for rule, _, _ in found) == ["FLC401", "FLC401"]
    assert any("@batch" in m for _, _, m in found) and any("@trigger" in m for _, _, m in found)


def test_required_parameter_without_default_on_a_schedule() -> None:
    body = 'size = Parameter("size", type=int, required=True)\n' + LINEAR
    assert emit(flow_of(body), options())  # manual runs give the value in the run conf
    found = problems(flow_of(body, "@schedule(daily=True)\n"))
    assert [(rule, line) for rule, line, _ in found] == [("FLC401", 4)]


def test_schedule_and_trigger_on_finish_together() -> None:
    decorators = "@schedule(daily=True)\n@trigger_on_finish(flow='Up')\n"
    assert [rule for rule, _, _ in problems(flow_of(LINEAR, decorators))] == ["FLC401"]


def test_ids_longer_than_airflow_allows() -> None:
    long = "s" * 251
    body = LINEAR.replace("self.next(self.end)", f"self.next(self.{long})") + (
        f"\n@step\ndef {long}(self):\n    self.next(self.end)\n"
    )
    found = problems(flow_of(body))
    assert {rule for rule, _, _ in found} == {"FLC402"}
    assert found and all("characters long (Airflow allows 250)" in m for _, _, m in found)


def test_non_ascii_step_names_are_refused() -> None:
    body = LINEAR.replace("self.next(self.end)", "self.next(self.größe)") + (
        "\n@step\ndef größe(self):\n    self.next(self.end)\n"
    )
    analysis = analyze_source(HEAD + "class DemoFlow(FlowSpec):\n" + textwrap.indent(body, "    "), "demo.py")
    if analysis.flow is None:  # the analyzer may already refuse it
        assert analysis.errors
        return
    assert {rule for rule, _, _ in problems(analysis.flow)} == {"FLC402"}


@pytest.mark.parametrize(
    ("settings", "fragment"),
    [
        ({"operator": "bash"}, "operator='bash'"),
        ({"max_iterations": "1"}, "max_iterations='1'"),
        ({"max_map_length": "lots"}, "max_map_length='lots'"),
        ({"start_date": "yesterday"}, "start_date='yesterday'"),
        ({"colour": "blue"}, "unknown Airflow setting 'colour'"),
    ],
)
def test_bad_settings(settings: dict[str, str], fragment: str) -> None:
    found = problems(flow_of(LINEAR), **settings)
    assert [rule for rule, _, _ in found] == ["FLC403"]
    assert fragment in found[0][2]


def test_schedule_with_time_zone_and_fixed_start_date() -> None:
    flow = flow_of(LINEAR, "@schedule(cron='0 3 * * *', timezone='Europe/Berlin')\n")
    text = emit(flow, options(start_date="2025-02-03"))[0].text
    assert 'schedule="0 3 * * *",' in text
    assert 'start_date=pendulum.datetime(2025, 2, 3, tz="Europe/Berlin"),' in text
    assert "now(" not in text


@pytest.mark.parametrize(
    ("cron", "expected"),
    [
        ("0 3 ? * MON-FRI *", "0 3 * * MON-FRI"),
        ("15 6 1 * ? *", "15 6 1 * *"),
        ("0 12 ? * 2,6 *", "0 12 * * 1,5"),  # AWS counts days from Sunday = 1
        ("*/10 * * * *", "*/10 * * * *"),
    ],
)
def test_six_field_aws_crons_become_five_fields(cron: str, expected: str) -> None:
    flow = flow_of(LINEAR, f"@schedule(cron={cron!r})\n")
    assert f"schedule={py_literal(expected)}," in emit(flow, options())[0].text


@pytest.mark.parametrize(
    ("cron", "fragment"),
    [("0 3 ? * MON 2030", "the year field '2030'"), ("0 3 L * ? *", "AWS-only day-of-month 'L'")],
)
def test_six_field_crons_without_five_field_meaning_are_flc401_at_the_decorator(
    cron: str, fragment: str
) -> None:
    found = problems(flow_of(LINEAR, f"@schedule(cron={cron!r})\n"))
    assert [(rule, line) for rule, line, _ in found] == [("FLC401", 2)]
    assert found[0][2].startswith("Airflow cannot express ") and fragment in found[0][2]


def test_trigger_on_finish_schedules_on_the_upstream_asset() -> None:
    text = emit(flow_of(LINEAR, "@trigger_on_finish(flows=['Up', 'Other'])\n"), options())[0].text
    assert 'schedule=[Asset("flowc://Up"), Asset("flowc://Other")],' in text
    assert 'outlets=[Asset("flowc://DemoFlow")]' in text


def test_retry_timeout_and_environment_become_operator_arguments() -> None:
    body = LINEAR.replace(
        "@step\ndef start",
        "@retry(times=4, minutes_between_retries=5)\n@timeout(minutes=2)\n@environment(vars={'A': '{{ x }}'})\n@step\ndef start",
    )
    flow = flow_of(body)
    kubernetes = emit(flow, options())[0].text
    assert "retries=4," in kubernetes and "retry_delay=timedelta(minutes=5)," in kubernetes
    assert "execution_timeout=timedelta(seconds=180)," in kubernetes  # 120 s + the grace period
    assert 'env_vars=literal({"A": "{{ x }}"}),' in kubernetes
    local = emit(flow, options(operator="local"))[0].text
    assert '"start": {"A": "{{ x }}"},' in local


def test_recursion_is_unrolled_to_the_bound() -> None:
    source = (ROOT / "examples" / "recursive_training.py").read_text()
    analysis = analyze_source(source, "recursive_training.py")
    assert analysis.flow is not None
    text = emit(analysis.flow, options(max_iterations="3", operator="local"))[0].text
    assert '"train": ["train", "train-iter-1", "train-iter-2"],' in text
    assert "train-iter-3" not in text
    assert 'targets={"end": "train-iter-2-to-end"},' in text  # the last iteration may only leave


@given(
    st.recursive(
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.text(),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
        max_leaves=12,
    )
)
def test_py_literal_round_trips(value: object) -> None:
    source = py_literal(value)  # type: ignore[arg-type]
    assert ast.literal_eval(source) == value
    assert source.isascii() and "\n" not in source


def flowc(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flowc.cli", *args], capture_output=True, text=True, check=False, cwd=ROOT
    )


def test_cli_reports_problems_without_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "demo.py"
    body = LOOP_BACK.replace("@step\ndef b", "@batch\n@step\ndef b")
    path.write_text(HEAD + "class DemoFlow(FlowSpec):\n" + textwrap.indent(textwrap.dedent(body), "    "))
    done = flowc(
        "compile", str(path), "--target", "airflow", "--datastore", "s3://b/f", "-o", str(tmp_path / "out")
    )
    assert done.returncode == 1
    assert f"{path}:14:5: FLC401 Airflow cannot express @batch" in done.stderr
    assert "Traceback" not in done.stderr


def test_cli_check_mode(tmp_path: Path) -> None:
    args = [
        "compile",
        "examples/switch_quality.py",
        "--target",
        "airflow",
        "--datastore",
        "s3://b/f",
        "-o",
        str(tmp_path),
    ]
    assert flowc(*args).returncode == 0
    assert flowc(*args, "--check").returncode == 0
    (dag,) = tmp_path.glob("*.py")
    dag.write_text(dag.read_text().replace("catchup=False", "catchup=True"))
    changed = flowc(*args, "--check")
    assert changed.returncode == 1 and "+    catchup=False," in changed.stdout


def test_secrets_setting_reaches_every_pod() -> None:
    text = emit(flow_of(LINEAR), options(secrets="flowc-s3, extra"))[0].text
    source = 'env_from=literal([k8s.V1EnvFromSource(secret_ref=k8s.V1SecretEnvSource(name="flowc-s3")), '
    assert text.count(source) == 2  # start and end
    assert "from kubernetes.client import models as k8s" in text
    assert "env_from" not in emit(flow_of(LINEAR), options(secrets="flowc-s3", operator="local"))[0].text
