"""Every generated DAG file imports into Airflow's DagBag with zero import errors.

Covers the golden files (every example, both operator modes), flows of every
shape from the seeded generator, and a flow full of adversarial strings whose
values must reach Airflow unchanged (nothing of them is ever executed).
"""

from __future__ import annotations

from pathlib import Path

import flowgen
import pytest
from airflow_env import AirflowEnv, airflow_fixture  # noqa: F401 - the fixture
from flowc.backends.airflow import emit
from flowc.backends.base import CompileError, CompileOptions
from flowc.transpile import analyze_source
from flowc.transpile.ir import Flow

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "golden" / "airflow"

#: Seeds of the generated flows (loops back to an earlier step inside a foreach among
#: them); each is compiled in both modes when Airflow can.
SEEDS = range(60)

ADVERSARIAL_FLOW = '''
from flowc import FlowSpec, Parameter, environment, step


class AdversarialFlow(FlowSpec):
    """Docstring with \\"\\"\\" quotes, {{ jinja }} and $(shell)."""

    note = Parameter("note", default=NOTE, help=HELP)

    @environment(vars={"X": NOTE})
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
'''


def _options(mode: str, flow_file: str = "flow.py") -> CompileOptions:
    return CompileOptions(
        datastore="s3://bucket/flowc",
        package_url="s3://bucket/flowc/p.tgz",
        package_sha256="0" * 64,
        flow_file=flow_file,
        settings={"operator": mode},
    )


def _write(flow: Flow, mode: str, folder: Path) -> Path:
    document = emit(flow, _options(mode))[0]
    path = folder / mode / flow.name / document.filename
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(document.text, encoding="utf-8")
    return path


def test_golden_files_import_cleanly(airflow: AirflowEnv) -> None:
    paths = sorted(GOLDEN.glob("*/*.py"))
    assert len(paths) >= 16
    report = airflow.load(paths)
    for path, loaded in report.items():
        assert loaded["errors"] == {}, path
        assert len(loaded["dags"]) == 1, path


@pytest.mark.parametrize("mode", ["kubernetes", "local"])
def test_trigger_on_finish_waits_for_the_upstream_asset(
    airflow: AirflowEnv, mode: str, tmp_path: Path
) -> None:
    """The example's upstream has ``@project(name="iris")``: a downstream outside the
    project names it ``iris.main.ForeachTuningFlow`` (a bare name is another flow)."""
    upstream = GOLDEN / mode / "foreach_tuning.py"
    source = (ROOT / "examples" / "triggered_report.py").read_text(encoding="utf-8")
    assert 'flow="iris.main.ForeachTuningFlow"' in source
    analysis = analyze_source(source, "triggered_report.py")
    assert analysis.flow is not None
    downstream = _write(analysis.flow, mode, tmp_path)
    report = airflow.load([upstream, downstream])
    asset = "flowc://iris.main.ForeachTuningFlow/"
    assert report[str(upstream)]["outlets"] == {"iris.main.ForeachTuningFlow": [asset]}
    assert report[str(downstream)]["schedule_assets"] == {"TriggeredReportFlow": [asset]}


def test_generated_flows_import_cleanly(airflow: AirflowEnv, tmp_path: Path) -> None:
    paths, expected = [], {}
    rejected = 0
    for seed in SEEDS:
        source = flowgen.generate(seed, style="flowc", metaflow_compatible=seed % 2 == 0)
        analysis = analyze_source(source, f"gen_{seed}.py")
        assert analysis.flow is not None, seed
        for mode in ("kubernetes", "local"):
            try:
                path = _write(analysis.flow, mode, tmp_path / str(seed))
            except CompileError as exc:
                assert all(p.rule == "FLC401" for p in exc.problems), exc
                rejected += 1
                continue
            paths.append(path)
            expected[str(path)] = analysis.flow
    assert len(paths) >= 60, f"only {len(paths)} generated DAGs compiled ({rejected} rejected)"
    report = airflow.load(paths)
    for path, loaded in report.items():
        assert loaded["errors"] == {}, path
        flow = expected[path]
        (tasks,) = loaded["dags"].values()
        assert {s.name for s in flow.steps} <= set(tasks), path


@pytest.mark.parametrize("mode", ["kubernetes", "local"])
def test_adversarial_strings_reach_airflow_unchanged(airflow: AirflowEnv, tmp_path: Path, mode: str) -> None:
    paths, notes = [], []
    for i, text in enumerate(
        (*flowgen.ADVERSARIAL, '"""', "'''", "\\", "\x00\x7f\u2028", '"); import os; ("')
    ):
        source = f"NOTE = {text!r}\nHELP = {text[::-1]!r}\n" + ADVERSARIAL_FLOW.replace(
            "AdversarialFlow", f"Adversarial{i}Flow"
        )
        analysis = analyze_source(source, "flow.py")
        assert analysis.flow is not None, analysis.problems
        paths.append(_write(analysis.flow, mode, tmp_path))
        notes.append(text)
    report = airflow.load(paths)
    for path, text in zip(paths, notes, strict=False):
        loaded = report[str(path)]
        assert loaded["errors"] == {}, (text, loaded["errors"])
        (params,) = loaded["params"].values()
        assert params == {"note": text}


def test_pods_render_only_the_attempt_number(airflow: AirflowEnv, tmp_path: Path) -> None:
    text = "{{ 7 * 7 }} {% if true %}x{% endif %} $(id) {#"
    source = f"NOTE = {text!r}\nHELP = ''\n" + ADVERSARIAL_FLOW
    analysis = analyze_source(source, "flow.py")
    assert analysis.flow is not None
    path = _write(analysis.flow, "kubernetes", tmp_path)
    rendered = airflow.render_pod(path, "start")
    assert rendered["env_vars"] == {"X": text}
    assert rendered["image"] == "python:3.11-slim"
    assert rendered["cmds"][0:2] == ["python", "-c"]
    assert rendered["cmds"][3:] == ["s3://bucket/flowc/p.tgz", "0" * 64, "task", "--attempt", "2"]


POD_FLOW = """
from flowc import FlowSpec, kubernetes, resources, step


class PodFlow(FlowSpec):
    @kubernetes(image="repo/img:1", cpu=2, memory="8Gi", gpu=1, secrets=["s3-creds"], node_selector="pool=gpu",
                tolerations=[{"key": "gpu", "operator": "Exists", "effect": "NoSchedule"}], service_account="runner",
                labels={"team": "ml"}, annotations={"note": "{{ not jinja }}"}, image_pull_policy="Always")
    @resources(disk=10240)
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
"""


def test_every_pod_argument_is_accepted_by_the_operator(airflow: AirflowEnv, tmp_path: Path) -> None:
    analysis = analyze_source(POD_FLOW, "flow.py")
    assert analysis.flow is not None, analysis.problems
    path = _write(analysis.flow, "kubernetes", tmp_path)
    assert "k8s.V1Toleration(" in path.read_text() and "k8s.V1SecretEnvSource(" in path.read_text()
    report = airflow.load([path])
    assert report[str(path)]["errors"] == {}


LOOP_BACK_FLOW = """
from flowc import FlowSpec, step


class LoopBackFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.train)

    @step
    def train(self):
        self.next(self.evaluate)

    @step
    def evaluate(self):
        self.verdict = "done"
        self.next({"again": self.train, "done": self.end}, condition="verdict")

    @step
    def end(self):
        pass
"""


@pytest.mark.parametrize("mode", ["kubernetes", "local"])
def test_loop_back_to_an_earlier_step_imports_unrolled(
    airflow: AirflowEnv, tmp_path: Path, mode: str
) -> None:
    analysis = analyze_source(LOOP_BACK_FLOW, "flow.py")
    assert analysis.flow is not None, analysis.problems
    path = _write(analysis.flow, mode, tmp_path)
    loaded = airflow.load([path])[str(path)]
    assert loaded["errors"] == {}
    (tasks,) = loaded["dags"].values()
    last = "train-iter-19", "evaluate-iter-19", "evaluate-iter-19-switch", "evaluate-iter-19-to-end"
    assert set(last) <= set(tasks) and "train-iter-20" not in tasks
