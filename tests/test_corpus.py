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
  datastore and print what the flow computes.

What flowc cannot handle yet is an ``xfail`` naming the reason, per aspect.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import argo_schema
import pytest
import sfn_support
import yaml
from airflow_env import AirflowEnv, airflow_fixture  # noqa: F401 - the fixture
from argo_sim import Simulator
from click.testing import CliRunner
from flowc.backends.argo import emit as argo_emit
from flowc.backends.base import CompileOptions
from flowc.transpile import analyze_file
from test_oracle_metaflow import _compare, flowc_view, metaflow_graphs

from flowc.commands.check import command as check_command
from flowc.commands.compile import command as compile_command

CORPUS = Path(__file__).resolve().parent / "corpus"
DATASTORE = "s3://flowc-bucket/corpus"
TARGETS = ("argo", "sfn", "airflow")
#: Project modules the corpus flows import (not flows themselves).
HELPER_MODULES = {"corpus_common.py", "corpus_base_flows.py"}
RUN_ALL = os.environ.get("FLOWC_CORPUS_RUN_ALL") == "1"


@dataclass(frozen=True)
class Case:
    """One corpus flow and what is expected of it."""

    #: File name in tests/corpus.
    file: str
    #: ``--flow`` when the file defines several flow classes.
    flow: str | None = None
    #: ``--param`` values for ``flowc run``; None: not run (packages, cloud-only decorators).
    run: tuple[str, ...] | None = None
    #: Text the run must print (what Metaflow 2.19 prints for the same run).
    prints: tuple[str, ...] = ()
    #: After the run: (step, card id or "", text) the step's card must show, rendered without error.
    cards: tuple[tuple[str, str, str], ...] = ()
    #: Run by default; the other runnable flows run with FLOWC_CORPUS_RUN_ALL=1.
    smoke: bool = False
    #: Target → rule the compile must fail with (a documented limitation of that target).
    rejects: dict[str, str] = field(default_factory=dict)
    #: Aspect (check, oracle, params, argo, sfn, airflow, run, cards, argo-sim) → why flowc fails it
    #: today; argo-sim and sfn-sim also inherit the reason given for run or the target.
    xfail: dict[str, str] = field(default_factory=dict)

    @property
    def path(self) -> Path:
        return CORPUS / self.file

    def flow_args(self) -> list[str]:
        return ["--flow", self.flow] if self.flow else []


_SWITCH_JOIN = "sfn FLC401: a foreach join reached from the cases of a switch in the body"

CASES = [
    # Shapes.
    Case("hello_linear.py", run=(), prints=("the artifact is now: HELLO CORPUS!",)),
    Case("branch_merge_artifacts.py", run=(), prints=("shared: 10 only left: 42", "score 3")),
    Case("nested_branches.py", run=(), prints=("features: [10, 24, 3, 3, 5]",)),
    Case("foreach_genre_stats.py", run=(), prints=("crime: 2 (newest Fargo)", "animation: 2 (newest Coco)")),
    Case("nested_foreach_grid.py", run=(), prints=("winner: tree (0.01, 1.0301)",)),
    Case(
        "crossval_multistep_foreach.py",
        run=(),
        prints=("model=0 accuracy=0.167 registered=False",),
        smoke=True,
    ),
    Case("join_idioms.py", run=(), prints=("best: s2 count: 3 sides: ['L', 'R']",)),
    Case(
        "foreach_stack_nested.py",
        run=(),
        prints=("0of2=r0/0of3=c0 6",),
    ),
    Case("switch_on_parameter.py", run=("mode=quick",), prints=("[end/t] start\n",)),
    Case("nested_switch.py", run=(), prints=("action: paged data on-call",)),
    Case(
        "switch_inside_foreach.py",
        run=(),
        prints=("[3, 8, 1400, 2100]",),
        smoke=True,
        xfail={
            "sfn": _SWITCH_JOIN,
        },
    ),
    Case("recursive_poll.py", run=("attempts_needed=4",), prints=("ready after 4 attempts",), smoke=True),
    # Parameters, files and configs.
    Case(
        "params_every_type.py",
        run=("owner=corpus", "regions=eu,us"),
        prints=(
            "baseline by corpus: total=48 depths=[2, 4] regions=['eu', 'us'] backfill=None publish=True",
        ),
        smoke=True,
    ),
    Case("include_file_csv.py", run=(), prints=("densest: Stavanger, Oslo",)),
    Case(
        "json_param_foreach.py",
        run=(),
        prints=("deployments: ['eu<-large:64,small:8', 'us<-large:64,small:8']",),
    ),
    Case(
        "deploy_time_params.py",
        run=(),
        prints=("@corpus-data:{'rows': 100}",),
    ),
    Case("config_driven.py", run=(), prints=("losses: [('eu', 1.6667), ('us', 1.6667)]",), smoke=True),
    # Classes: inheritance, mixins, module layout.
    Case("base_class_override.py", run=(), prints=("values: [3, 5, 7]",)),
    Case("multilevel_inheritance.py", run=(), prints=("scaled: 145",)),
    Case(
        "mixin_include_file.py",
        run=("sample=2",),
        prints=("loaded 2 rows: Oslo,Bergen",),
        smoke=True,
    ),
    Case(
        "sibling_module_mixin.py",
        run=("seed=1",),
        prints=("picked [17, 72, 97] for 5 epochs",),
    ),
    Case(
        "computed_pypi_base.py",
        xfail={
            aspect: "FLC304: @pypi_base(python=CONST imported from a module, packages=helper(...)) is not a literal"
            for aspect in ("check", "argo", "sfn", "airflow")
        },
    ),
    Case("module_alias_import.py", run=(), prints=("total 14",)),
    # Decorators and deployment.
    Case("decorators_kitchen_sink.py", rejects={"sfn": "FLC401"}),
    Case("batch_compute.py", rejects={"argo": "FLC401", "airflow": "FLC401"}),
    Case("pypi_conda_envs.py"),
    Case(
        "catch_and_retry.py",
        run=(),
        prints=("parse failed: builtins.ValueError - invalid literal for int() with base 10: 'x'",),
    ),
    Case(
        "current_introspection.py",
        run=(),
        prints=("origin ok: True", "places: [('work', 't-0', 0), ('work', 't-1', 1)] running: True"),
        smoke=True,
    ),
    Case(
        "card_components.py",
        run=(),
        prints=("best: alpha",),
        cards=(
            ("start", "", "candidates"),
            ("score", "", "Guess my number"),
            ("end", "summary", "Best candidate"),
            ("end", "details", "All scores"),
        ),
        smoke=True,
    ),
    Case(
        "html_card.py",
        run=(),
        prints=("html bytes: 118",),
        cards=(("start", "", "<h1>Squares</h1>"),),
        smoke=True,
    ),
    Case("typed_helpers_wide_branch.py", run=(), prints=("typedhelpers stats: {'max': 42.0, 'mean': 36.0",)),
    Case("star_import.py", run=(), prints=("hello world",)),
    Case(
        "base_in_sibling_module.py",
        flow="CronParamFlow",
        run=(),
        prints=("message: hi hi",),
    ),
    Case(
        "yaml_config.py",
        run=(),
        prints=("model: ridge(alpha=0.5)",),
        xfail={
            aspect: "FLC502: Config(parser='yaml.safe_load') is refused"
            for aspect in ("check", "argo", "sfn", "airflow", "run")
        },
    ),
    Case("schedule_timezone_events.py", run=(), prints=("morning run",)),
    Case("trigger_events_list.py", run=(), prints=("training v1",)),
    Case(
        "kubernetes_extras.py",
        run=(),
        prints=("trained on cuda",),
        rejects={"sfn": "FLC401", "airflow": "FLC401"},
    ),
    Case("long_project_names.py", run=(), prints=("markets: ['dk', 'no', 'se']",)),
    Case("trigger_param_list.py", run=(), prints=("orders ok",)),
    Case("trigger_on_finish_project_dict.py", run=(), prints=("published",)),
    Case("schedule_weekly_branch.py", run=(), prints=("digest over 7 days",)),
    Case("decorator_forms.py", run=(), prints=("total 6",)),
    Case(
        "switch_skip_or_fanout.py",
        run=("mode=compare",),
        prints=("summary: cheapest costs 2",),
        smoke=True,
    ),
    Case("retry_loop_per_item.py", run=(), prints=("polled: [(1, 1), (2, 2), (3, 3)]",), smoke=True),
    Case(
        "switch_in_branch_arm.py",
        run=(),
        prints=("scores: [0.5, 0.7]",),
        smoke=True,
        xfail={
            "run": "runner: flowc run stops after the switch's case and reports success; join and end never run"
        },
    ),
    Case("switch_bool_int_keys.py", run=("full=true",), prints=("path: heavy+two",)),
    Case("00-tutorial-hello.py", run=(), prints=("Metaflow says: Hi!",)),
    Case(
        "s3_and_client_api.py",
        xfail={
            aspect: "FLC309: metaflow.S3 and the Client API (Flow(...).latest_successful_run) in steps are refused"
            for aspect in ("check", "argo", "sfn", "airflow")
        },
    ),
    # Metaflow says "corpus_penguins.user.<username>" for a local run; flowc's branch is "main".
    Case("project_production_branch.py", run=(), prints=("development corpus_penguins.",)),
    Case(
        "user_decorator_factory.py",
        xfail={
            aspect: "FLC301: a decorator factory that applies @kubernetes conditionally is refused"
            for aspect in ("check", "argo", "sfn", "airflow")
        },
    ),
    Case(
        "environment_from_os.py",
        xfail={
            aspect: "FLC304: @environment(vars={...: os.getenv(...)}) is not a literal"
            for aspect in ("check", "argo", "sfn", "airflow")
        },
    ),
    Case(
        "exit_hook_notify.py",
        xfail={
            aspect: "FLC301/FLC309: flowc has no @exit_hook" for aspect in ("check", "argo", "sfn", "airflow")
        },
    ),
    Case(
        "parallel_training.py",
        rejects={"argo": "FLC401", "sfn": "FLC401", "airflow": "FLC401"},
        xfail={
            aspect: "FLC309: current.parallel is not provided (flowc wants self.index)"
            for aspect in ("check", "argo", "sfn", "airflow")
        },
    ),
    Case("project_schedule_daily.py", run=(), prints=("doubled: 2",)),
    Case(
        "schedule_aws_cron.py",
        rejects={"airflow": "FLC401"},
        xfail={
            "argo": "Argo: the six-field AWS cron is copied into the CronWorkflow (Argo parses five fields)"
        },
    ),
    Case("trigger_event_params.py", run=(), prints=("Done! 🏁 True",)),
    Case("trigger_on_finish_multi.py", run=(), prints=("JoinTablesFlow done: orders+users",)),
]

BY_ID = {case.file.removesuffix(".py"): case for case in CASES}


def _params(aspect: str, targets: tuple[str, ...] = ("",)) -> list[Any]:
    """``pytest.param`` per case (× target), xfail where the case says so."""
    params = []
    for name, case in BY_ID.items():
        for target in targets:
            key = target or aspect
            needs_run = aspect in ("run", "cards", "argo-sim", "sfn-sim")
            if needs_run and (case.run is None or not (case.smoke or RUN_ALL)):
                continue
            if aspect == "cards" and not case.cards:
                continue
            simulated = aspect.removesuffix("-sim") if aspect.endswith("-sim") else None
            if simulated and simulated in case.rejects:
                continue
            inherited = (key, "run", simulated) if simulated else (key,)
            reasons = [case.xfail[k] for k in inherited if k and k in case.xfail]
            marks = [pytest.mark.xfail(reason=reasons[0])] if reasons else []
            ident = f"{name}-{target}" if target else name
            params.append(pytest.param(name, target, id=ident, marks=marks))
    return params


def _invoke(command: Any, args: list[str]) -> tuple[int, str]:
    """Run a flowc command in-process; a Python exception is a test failure, never a result."""
    result = CliRunner().invoke(command, args)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(
            f"flowc {args} raised {result.exception!r}\n{result.output}"
        ) from result.exception
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.output


def test_every_corpus_flow_has_a_case() -> None:
    flows = {p.name for p in CORPUS.glob("*.py")} - HELPER_MODULES
    assert flows == {case.file for case in CASES}


@pytest.mark.parametrize(("name", "target"), _params("check"))
def test_check_is_clean(name: str, target: str) -> None:
    case = BY_ID[name]
    code, output = _invoke(check_command, [str(case.path), *case.flow_args()])
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


@pytest.mark.parametrize(("name", "target"), _params("oracle"))
def test_metaflow_graph_agrees(name: str, target: str, metaflow_views: dict[str, dict[str, Any]]) -> None:
    case = BY_ID[name]
    analysis = analyze_file(str(case.path), flow_name=case.flow)
    assert analysis.flow is not None, analysis.errors
    _compare(flowc_view(analysis.flow), metaflow_views[name], case.file)


#: Runs in a fresh interpreter: the parameters (not configs) Metaflow sees on each flow class.
_PARAMETERS = r"""
import contextlib, importlib.util, io, json, sys
result = {}
for index, (path, name) in enumerate(json.load(sys.stdin)):
    spec = importlib.util.spec_from_file_location(f"corpus_params_{index}", path)
    module = importlib.util.module_from_spec(spec)
    with contextlib.redirect_stdout(io.StringIO()):
        spec.loader.exec_module(module)
    flow = getattr(module, name)
    result[path] = sorted(p.name for _, p in flow._get_parameters() if not p.IS_CONFIG_PARAMETER)
json.dump(result, sys.stdout)
"""


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
        [sys.executable, "-c", _PARAMETERS],
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


@pytest.mark.parametrize(("name", "target"), _params("params"))
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
            code, output = _invoke(compile_command, [*args, *case.flow_args()])
            files = sorted(p for p in out.rglob("*") if p.is_file())
            done[case.file, target] = Compiled(code, output, files)
        return done[case.file, target]

    return compile_once


@pytest.mark.parametrize(("name", "target"), _params("compile", TARGETS))
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
        _assert_argo_valid(result.files)


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


def _assert_argo_valid(files: list[Path]) -> None:
    documents = [
        doc
        for path in files
        if path.suffix in (".yaml", ".yml")
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8"))
        if doc
    ]
    assert any(doc["kind"] == "WorkflowTemplate" for doc in documents)
    for document in documents:
        if document["kind"] == "CronWorkflow":
            for schedule in document["spec"]["schedules"]:
                # Argo's ValidateCronWorkflow parses with robfig/cron ParseStandard: five fields.
                fields = re.sub(r"^CRON_TZ=\S+ ", "", schedule).split()
                assert schedule.startswith("@") or len(fields) == 5, f"not a standard cron: {schedule!r}"
    for document in documents:
        for version in argo_schema.VERSIONS:
            problems = argo_schema.errors(document, version)
            assert not problems, f"{document['kind']} ({version}):\n" + "\n".join(problems[:20])


_FLOWC_FRAME = re.compile(r'File "[^"]*/(runtime_shim|transpile|backends|flowc)/[^"]*", line')


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


@pytest.mark.parametrize(("name", "target"), _params("run"))
def test_runs_locally(name: str, target: str, tmp_path: Path, local_runs: Callable[[Case], LocalRun]) -> None:
    case = BY_ID[name]
    run = local_runs(case)
    output = run.output
    assert run.returncode == 0, output[-3000:]
    # User code may print tracebacks (a retried step); flowc's own code must not.
    assert not _FLOWC_FRAME.search(output), output[-3000:]
    for text in case.prints:
        assert text in output, f"{text!r} not printed:\n{output[-3000:]}"
    flow = analyze_file(str(case.path), flow_name=case.flow).flow
    assert flow is not None
    assert (run.datastore / flow.name / "corpus" / flow.end / "t" / "output.json").is_file(), "end never ran"


@pytest.mark.parametrize(("name", "target"), _params("cards"))
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


@pytest.mark.parametrize(("name", "target"), _params("argo-sim"))
def test_argo_runs_the_tasks_flowc_run_ran(
    name: str, target: str, local_runs: Callable[[Case], LocalRun]
) -> None:
    """The Argo WorkflowTemplate, interpreted by tests/argo_sim.py with the foreach widths and
    switch choices of the local run, starts exactly the tasks ``flowc run`` ran (same ids)."""
    case = BY_ID[name]
    run = local_runs(case)
    assert run.returncode == 0, run.output[-3000:]
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


def _deployed_name(target: str, files: list[Path]) -> str:
    """The name a deployment of ``files`` is known by on ``target``."""
    if target == "argo":
        documents = [d for p in files for d in yaml.safe_load_all(p.read_text(encoding="utf-8")) if d]
        (template,) = [d for d in documents if d["kind"] == "WorkflowTemplate"]
        return str(template["metadata"]["name"])
    if target == "airflow":
        match = re.search(r'dag_id="([^"]+)"', next(p for p in files if p.suffix == ".py").read_text())
        assert match
        return match.group(1)
    schedule = json.loads(next(p for p in files if p.name == "schedule.json").read_text(encoding="utf-8"))
    return str(schedule["Name"])


_BRANCHES_COLLIDE = {
    "sfn": "sfn: the state machine is <project>-<Flow> whatever the @project branch",
    "airflow": "airflow: the dag_id is the flow name, @project is ignored",
}


@pytest.mark.parametrize(
    "target",
    [
        pytest.param(
            t, marks=[pytest.mark.xfail(reason=_BRANCHES_COLLIDE[t])] if t in _BRANCHES_COLLIDE else []
        )
        for t in TARGETS
    ],
)
def test_project_branches_deploy_side_by_side(target: str, tmp_path: Path) -> None:
    """@project exists so that branches of one flow deploy without replacing each other."""
    source = (CORPUS / "schedule_weekly_branch.py").read_text(encoding="utf-8")
    names = set()
    for branch in ("staging", "canary"):
        path = tmp_path / branch / "schedule_weekly_branch.py"
        path.parent.mkdir()
        path.write_text(source.replace('branch="staging"', f'branch="{branch}"'), encoding="utf-8")
        out = tmp_path / branch / "out"
        code, output = _invoke(
            compile_command, [str(path), "-t", target, "--datastore", DATASTORE, "-o", str(out)]
        )
        assert code == 0, output
        names.add(
            _deployed_name(
                target, sorted(p for p in out.rglob("*") if p.is_file() and "sensor" not in p.name)
            )
        )
    assert len(names) == 2, names


@pytest.mark.xfail(
    reason="argo: the sensor waits for any branch's NightlyReportFlow, not project_branch='prod'"
)
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


@pytest.mark.parametrize(("name", "target"), _params("sfn-sim"))
def test_step_functions_runs_the_tasks_flowc_run_ran(
    name: str, target: str, local_runs: Callable[[Case], LocalRun]
) -> None:
    """The state machine, executed in moto's Step Functions engine with each Batch job standing
    in for the shim (the local run's output.json files seeded in S3), submits exactly the
    tasks ``flowc run`` ran, with the same ids."""
    case = BY_ID[name]
    run = local_runs(case)
    assert run.returncode == 0, run.output[-3000:]
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
