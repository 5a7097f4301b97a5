"""Real-world corpus: flows written the way public Metaflow projects write them.

Every flow in ``tests/corpus`` reproduces the shape and API usage of flows
found in public repositories (Metaflow's tutorials and QA flows, training
pipelines, scheduled forecasting jobs, event-driven flows), with its own
names and standard-library bodies.  For each flow:

* ``flowc check`` is clean (warnings allowed);
* Metaflow's own ``FlowGraph`` (and linter) agrees with flowc's graph;
* ``flowc compile`` succeeds for Argo, Step Functions and Airflow, and the
  Argo documents pass the strict schema check; where a target documents
  that it cannot express a construct, the compile must fail with exactly
  that rule (``rejects``), one screen, no traceback;
* the flows marked runnable complete with ``flowc run`` on a local
  datastore and print what Metaflow prints for the same run; their cards
  render; and the Argo template (tests/argo_sim.py) and the state machine
  (moto's Step Functions engine), driven by that run's foreach widths and
  switch choices, start exactly the tasks the run ran;
* every state machine passes asl-validator and statelint, every Airflow
  DAG file imports into a DagBag;
* @project branches deploy side by side on every target.

The cases live in tests/corpus/_cases.py.

What flowc cannot handle yet is an ``xfail`` naming the reason, per aspect.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sfn_support
import yaml
from airflow_env import AirflowEnv, airflow_fixture  # noqa: F401 - the fixture
from argo_sim import Simulator
from corpus._cases import BY_ID, CASES, CORPUS, Case
from corpus._support import (
    FLOWC_FRAME,
    PARAMETERS_SCRIPT,
    RUN_ALL,
    assert_argo_valid,
    deployed_name,
    invoke,
    params_for,
)
from flowc.backends.argo import emit as argo_emit
from flowc.backends.base import CompileOptions
from flowc.transpile import analyze_file
from test_oracle_metaflow import _compare, flowc_view, metaflow_graphs

from flowc import Flow as FlowClient
from flowc.commands import check as check_command
from flowc.commands import compile as compile_command

DATASTORE = "s3://flowc-bucket/corpus"
TARGETS = ("argo", "sfn", "airflow")
#: Project modules the corpus flows import (not flows themselves).
HELPER_MODULES = {"corpus_common.py", "corpus_base_flows.py"}


def test_every_corpus_flow_has_a_case() -> None:
    flows = {p.name for p in CORPUS.glob("*.py") if not p.name.startswith("_")} - HELPER_MODULES
    assert flows == {case.file for case in CASES}


@pytest.mark.parametrize(("name", "target"), params_for("check"))
def test_check_is_clean(name: str, target: str) -> None:
    case = BY_ID[name]
    code, output = invoke(check_command, [str(case.path), *case.flow_args()])
    assert code == 0, output
    analysis = analyze_file(str(case.path), flow_name=case.flow)
    assert not analysis.errors, analysis.errors


@pytest.fixture(scope="module")
def metaflow_views(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Metaflow's graph of every corpus flow, computed in one interpreter."""
    workdir = tmp_path_factory.mktemp("corpus_oracle")
    # Helper modules, data and config files, next to the copies Metaflow imports.
    shutil.copytree(CORPUS, workdir, dirs_exist_ok=True)
    jobs = []
    for name, case in BY_ID.items():
        analysis = analyze_file(str(case.path), flow_name=case.flow)
        flow_name = analysis.flow.name if analysis.flow else case.flow
        if flow_name:
            jobs.append((name, case.path, flow_name))
    graphs = metaflow_graphs([(path, flow) for _, path, flow in jobs], workdir)
    return {name: graph for (name, _, _), graph in zip(jobs, graphs, strict=True)}


@pytest.mark.parametrize(("name", "target"), params_for("oracle"))
def test_metaflow_graph_agrees(name: str, target: str, metaflow_views: dict[str, dict[str, Any]]) -> None:
    case = BY_ID[name]
    analysis = analyze_file(str(case.path), flow_name=case.flow)
    assert analysis.flow is not None, analysis.errors
    _compare(flowc_view(analysis.flow), metaflow_views[name], case.file)


@pytest.fixture(scope="module")
def metaflow_parameters(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """Parameter names Metaflow finds on every corpus flow (mixins and bases included)."""
    workdir = tmp_path_factory.mktemp("corpus_params")
    shutil.copytree(CORPUS, workdir / "corpus")
    jobs = {}
    for name, case in BY_ID.items():
        analysis = analyze_file(str(case.path), flow_name=case.flow)
        flow_name = analysis.flow.name if analysis.flow else case.flow or ""
        assert flow_name, f"{case.file}: name the flow class with Case(flow=...)"
        jobs[name] = (str(workdir / "corpus" / case.file), flow_name)
    done = subprocess.run(
        [sys.executable, "-c", PARAMETERS_SCRIPT],
        input=json.dumps(list(jobs.values())),
        capture_output=True,
        text=True,
        cwd=workdir / "corpus",
        env={**os.environ, "USERNAME": "corpus", "PYTHONPATH": str(workdir / "corpus")},
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    found: dict[str, list[str]] = json.loads(done.stdout)
    return {name: found[path] for name, (path, _) in jobs.items()}


@pytest.mark.parametrize(("name", "target"), params_for("params"))
def test_parameters_match_metaflow(name: str, target: str, metaflow_parameters: dict[str, list[str]]) -> None:
    case = BY_ID[name]
    analysis = analyze_file(str(case.path), flow_name=case.flow)
    assert analysis.flow is not None, analysis.errors
    assert sorted(p.name for p in analysis.flow.parameters) == metaflow_parameters[name]


@dataclass(frozen=True)
class Compiled:
    """One ``flowc compile`` of a corpus flow for one target."""

    code: int
    output: str
    files: list[Path]


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Case, str], Compiled]:
    """Compiles each (flow, target) once, in-process, shared by the tests that read the output."""
    done: dict[tuple[str, str], Compiled] = {}
    root = tmp_path_factory.mktemp("corpus_compiled")

    def compile_once(case: Case, target: str) -> Compiled:
        if (case.file, target) not in done:
            out = root / target / case.file.removesuffix(".py")
            args = [str(case.path), "--target", target, "--datastore", DATASTORE, "-o", str(out)]
            code, output = invoke(compile_command, [*args, *case.flow_args()])
            files = sorted(p for p in out.rglob("*") if p.is_file())
            done[case.file, target] = Compiled(code, output, files)
        return done[case.file, target]

    return compile_once


@pytest.mark.parametrize(("name", "target"), params_for("compile", TARGETS))
def test_compiles(name: str, target: str, compiled: Callable[[Case, str], Compiled]) -> None:
    case = BY_ID[name]
    result = compiled(case, target)
    if target in case.rejects:
        assert result.code == 1, result.output
        assert case.rejects[target] in result.output, result.output
        assert len(result.output.splitlines()) < 25, result.output
        return
    assert result.code == 0, result.output
    assert result.files, "nothing written"
    if target == "argo":
        assert_argo_valid(result.files)


def _compiling(target: str) -> list[Case]:
    """The cases expected to compile for ``target`` today."""
    return [c for c in CASES if target not in c.rejects and target not in c.xfail and "check" not in c.xfail]


def test_state_machines_pass_asl_validator_and_statelint(compiled: Callable[[Case, str], Compiled]) -> None:
    machines = []
    for case in _compiling("sfn"):
        result = compiled(case, "sfn")
        assert result.code == 0, result.output
        machines += [p for p in result.files if p.name == "state-machine.json"]
    assert len(machines) > 30
    sfn_support.validate(machines)


def test_airflow_dags_import_into_a_dagbag(
    compiled: Callable[[Case, str], Compiled], airflow: AirflowEnv
) -> None:
    dag_files = []
    for case in _compiling("airflow"):
        result = compiled(case, "airflow")
        assert result.code == 0, result.output
        dag_files += [p for p in result.files if p.suffix == ".py"]
    assert len(dag_files) > 30
    report = airflow.load(dag_files)
    broken = {
        path: loaded["errors"]
        for path, loaded in report.items()
        if loaded["errors"] or len(loaded["dags"]) != 1
    }
    assert not broken, broken


@dataclass(frozen=True)
class LocalRun:
    """One ``flowc run`` of a corpus flow."""

    datastore: Path
    returncode: int
    output: str


@pytest.fixture(scope="module")
def local_runs(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Case], LocalRun]:
    """Runs each flow once with ``flowc run`` (run id ``corpus``), shared by the tests that need it."""
    done: dict[str, LocalRun] = {}

    def run(case: Case) -> LocalRun:
        if case.file not in done:
            assert case.run is not None
            root = tmp_path_factory.mktemp("corpus_run") / "ds"
            params = [arg for value in case.run for arg in ("--param", value)]
            command = [sys.executable, "-m", "flowc.cli", "run", str(case.path), "--datastore", str(root)]
            result = subprocess.run(
                [*command, "--run-id", "corpus", *params, *case.flow_args()],
                capture_output=True,
                text=True,
                check=False,
                timeout=300,
            )
            done[case.file] = LocalRun(root, result.returncode, result.stdout + result.stderr)
        return done[case.file]

    return run


@pytest.mark.parametrize(("name", "target"), params_for("run"))
def test_runs_locally(name: str, target: str, tmp_path: Path, local_runs: Callable[[Case], LocalRun]) -> None:
    case = BY_ID[name]
    run = local_runs(case)
    output = run.output
    assert run.returncode == 0, output[-3000:]
    # User code may print tracebacks (a retried step); flowc's own code must not.
    assert not FLOWC_FRAME.search(output), output[-3000:]
    for text in case.prints:
        assert text in output, f"{text!r} not printed:\n{output[-3000:]}"
    flow = analyze_file(str(case.path), flow_name=case.flow).flow
    assert flow is not None
    assert (run.datastore / flow.name / "corpus" / flow.end / "t" / "output.json").is_file(), "end never ran"


@pytest.mark.parametrize(("name", "target"), params_for("cards"))
def test_cards_render(name: str, target: str, tmp_path: Path, local_runs: Callable[[Case], LocalRun]) -> None:
    case = BY_ID[name]
    run = local_runs(case)
    assert run.returncode == 0, run.output[-3000:]
    flow = analyze_file(str(case.path), flow_name=case.flow).flow
    assert flow is not None
    for step_name, card_id, text in case.cards:
        page = tmp_path / f"{step_name}-{card_id}.html"
        view = [sys.executable, "-m", "flowc.cli", "card", "view", f"{flow.name}/corpus/{step_name}/t"]
        selector = ["--id", card_id] if card_id else []
        shown = subprocess.run(
            [*view, *selector, "--datastore", str(run.datastore), "-o", str(page)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert shown.returncode == 0, shown.stdout + shown.stderr
        html = page.read_text(encoding="utf-8")
        assert 'id="card-error"' not in html, html[html.find('id="card-error"') :][:1500]
        assert text in html, f"{text!r} not on the card of {step_name}"


@pytest.mark.parametrize(("name", "target"), params_for("argo-sim"))
def test_argo_runs_the_tasks_flowc_run_ran(
    name: str, target: str, local_runs: Callable[[Case], LocalRun]
) -> None:
    """The Argo WorkflowTemplate, interpreted by tests/argo_sim.py with the foreach widths and
    switch choices of the local run, starts exactly the tasks ``flowc run`` ran (same ids)."""
    case = BY_ID[name]
    run = local_runs(case)
    if run.returncode != 0:
        pytest.skip("the local run failed (test_runs_locally says why)")
    flow = analyze_file(str(case.path), flow_name=case.flow).flow
    assert flow is not None
    outputs = {}
    for path in (run.datastore / flow.name / "corpus").glob("*/*/output.json"):
        document = json.loads(path.read_text(encoding="utf-8"))
        outputs[(document["step"], document["task_id"])] = document

    def oracle(step: str, task_id: str) -> tuple[int, str]:
        document = outputs.get((step, task_id))
        assert document is not None, f"Argo would run {step}/{task_id}, which flowc run did not"
        width = (document["foreach"] or {}).get("cardinality", 0)
        return width, (document["switch"] or {}).get("next", "")

    options = CompileOptions(
        datastore=DATASTORE, package_url=f"{DATASTORE}/p.tgz", package_sha256="0" * 64, flow_file=case.file
    )
    documents = [yaml.safe_load(document.text) for document in argo_emit(flow, options)]
    (template,) = [d for d in documents if d["kind"] == "WorkflowTemplate"]
    calls = Simulator(template, oracle).run()
    ran_on_argo = sorted((call.step, call.task_id) for call in calls)
    assert len(set(ran_on_argo)) == len(ran_on_argo), "a task id runs twice"
    assert ran_on_argo == sorted(outputs)


@pytest.mark.parametrize("target", TARGETS)
def test_project_branches_deploy_side_by_side(target: str, tmp_path: Path) -> None:
    """@project exists so that branches of one flow deploy without replacing each other."""
    source = (CORPUS / "schedule_weekly_branch.py").read_text(encoding="utf-8")
    names = set()
    for branch in ("staging", "canary"):
        path = tmp_path / branch / "schedule_weekly_branch.py"
        path.parent.mkdir()
        path.write_text(source.replace('branch="staging"', f'branch="{branch}"'), encoding="utf-8")
        out = tmp_path / branch / "out"
        code, output = invoke(
            compile_command, [str(path), "-t", target, "--datastore", DATASTORE, "-o", str(out)]
        )
        assert code == 0, output
        names.add(
            deployed_name(target, sorted(p for p in out.rglob("*") if p.is_file() and "sensor" not in p.name))
        )
    assert len(names) == 2, names


def test_trigger_on_finish_keeps_the_project_branch(compiled: Callable[[Case, str], Compiled]) -> None:
    result = compiled(BY_ID["trigger_on_finish_project_dict"], "argo")
    assert result.code == 0, result.output
    (sensor,) = [
        d
        for p in result.files
        for d in yaml.safe_load_all(p.read_text(encoding="utf-8"))
        if d and d["kind"] == "Sensor"
    ]
    assert "prod" in json.dumps(sensor["spec"]["dependencies"])


@pytest.mark.parametrize(("name", "target"), params_for("sfn-sim"))
def test_step_functions_runs_the_tasks_flowc_run_ran(
    name: str, target: str, local_runs: Callable[[Case], LocalRun]
) -> None:
    """The state machine, executed in moto's Step Functions engine with each Batch job standing
    in for the shim (the local run's output.json files seeded in S3), submits exactly the
    tasks ``flowc run`` ran, with the same ids."""
    case = BY_ID[name]
    run = local_runs(case)
    if run.returncode != 0:
        pytest.skip("the local run failed (test_runs_locally says why)")
    flow = analyze_file(str(case.path), flow_name=case.flow).flow
    assert flow is not None
    seeded = {}
    for path in (run.datastore / flow.name / "corpus").glob("*/*/output.json"):
        document = json.loads(path.read_text(encoding="utf-8"))
        key = sfn_support.output_key(flow.name, "corpus", document["step"], document["task_id"])
        seeded[key] = document
    given = dict(value.split("=", 1) for value in case.run or ())
    execution = sfn_support.run_in_moto(
        sfn_support.definition(flow), seeded=seeded, name="corpus", execution_input=given
    )
    assert execution.status == "SUCCEEDED", (execution.error, execution.cause)
    ran = sorted((task.args.step, task.args.task_id) for task in execution.tasks)
    assert len(set(ran)) == len(ran), "a task id runs twice"
    local = sorted(tuple(key.split("/")[-3:-1]) for key in seeded)
    assert ran == local


#: Corpus flows run by real Airflow (``airflow dags test``, operator=local, SeaweedFS S3):
#: the shapes Airflow needs its own machinery for. About 20 s each, so only with
#: FLOWC_CORPUS_RUN_ALL=1.
AIRFLOW_RUNS = ("switch_skip_or_fanout", "crossval_multistep_foreach", "switch_in_nested_foreach")


@pytest.mark.skipif(not RUN_ALL, reason="set FLOWC_CORPUS_RUN_ALL=1 to run corpus flows in Airflow")
@pytest.mark.parametrize("name", AIRFLOW_RUNS)
def test_airflow_dag_run_matches_local_run(
    name: str, airflow: AirflowEnv, s3_server: Any, s3_env: dict[str, str], tmp_path: Path
) -> None:
    case = BY_ID[name]
    root = f"s3://{s3_server.bucket}/corpus-airflow/{name}"
    flow = analyze_file(str(case.path), flow_name=case.flow).flow
    assert flow is not None
    params = [arg for value in case.run or () for arg in ("--param", value)]
    for command in (
        ["push", str(case.path), "--datastore", root],
        [
            "compile",
            str(case.path),
            "-t",
            "airflow",
            "--datastore",
            root,
            "-o",
            str(tmp_path / "dags"),
            "--set",
            "operator=local",
        ],
        ["run", str(case.path), "--datastore", root, "--run-id", "local", *params],
    ):
        done = subprocess.run([sys.executable, "-m", "flowc.cli", *command], capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
    (dag_file,) = (tmp_path / "dags").glob("*_dag.py")
    conf = dict(value.split("=", 1) for value in case.run or ())
    result = airflow.dag_test(dag_file, flow.name, conf, env=s3_env)
    assert result.state == "success", result.summary()

    def tasks(run_id: str) -> dict[tuple[str, str], dict[str, str]]:
        run = FlowClient(flow.name, datastore=root)[run_id]
        assert run.successful, run_id
        return {
            # Artifacts derived from current.run_id differ between the runs by design.
            (step.name, task.id): {n: a.sha256 for n, a in task.artifacts.items() if n != "run_label"}
            for step in run.steps()
            for task in step.tasks()
        }

    assert tasks(result.flowc_run_id) == tasks("local")


@pytest.mark.parametrize("target", TARGETS)
def test_output_does_not_depend_on_how_the_path_is_given(
    target: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Compiling ``tests/corpus/x.py`` from the checkout and ``/abs/.../x.py`` from elsewhere
    writes the same bytes (CI runs ``flowc compile --check`` from other directories)."""
    checkout = CORPUS.parent.parent
    differ = []
    for case in [c for c in _compiling(target) if c.smoke]:
        written = {}
        for how, where, path in (
            ("relative", checkout, case.path.relative_to(checkout)),
            ("absolute", tmp_path, case.path),
        ):
            monkeypatch.chdir(where)
            out = tmp_path / how / case.file
            args = [str(path), "-t", target, "--datastore", DATASTORE, "-o", str(out), *case.flow_args()]
            code, output = invoke(compile_command, args)
            assert code == 0, output
            written[how] = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
        if written["relative"] != written["absolute"]:
            differ.append(case.file)
    assert not differ, differ
