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

import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import argo_schema
import pytest
import yaml
from click.testing import CliRunner
from flowc.transpile import analyze_file
from test_oracle_metaflow import _compare, flowc_view, metaflow_graphs

from flowc.commands.check import command as check_command
from flowc.commands.compile import command as compile_command

CORPUS = Path(__file__).resolve().parent / "corpus"
DATASTORE = "s3://flowc-bucket/corpus"
TARGETS = ("argo", "sfn", "airflow")


@dataclass(frozen=True)
class Case:
    """One corpus flow and what is expected of it."""

    #: File name in tests/corpus.
    file: str
    #: ``--flow`` when the file defines several flow classes.
    flow: str | None = None
    #: ``--param`` values for ``flowc run``; None: not run (packages, cloud-only decorators).
    run: tuple[str, ...] | None = None
    #: Text the run must print (proves the steps did their work).
    prints: tuple[str, ...] = ()
    #: Target → rule the compile must fail with (a documented limitation of that target).
    rejects: dict[str, str] = field(default_factory=dict)
    #: Aspect (check, oracle, argo, sfn, airflow, run) → why flowc fails it today.
    xfail: dict[str, str] = field(default_factory=dict)

    @property
    def path(self) -> Path:
        return CORPUS / self.file

    def flow_args(self) -> list[str]:
        return ["--flow", self.flow] if self.flow else []


CASES = [
    Case("hello_linear.py", run=(), prints=("the artifact is now: HELLO CORPUS!",)),
    Case(
        "params_every_type.py",
        run=("owner=corpus", "regions=eu,us"),
        prints=(
            "baseline by corpus: total=48 depths=[2, 4] regions=['eu', 'us'] backfill=None publish=True",
        ),
    ),
    Case("include_file_csv.py", run=(), prints=("densest: Stavanger, Oslo",)),
    Case("branch_merge_artifacts.py", run=(), prints=("shared: 10 only left: 42", "score 3")),
    Case("foreach_genre_stats.py", run=(), prints=("crime: 2 (newest Fargo)", "animation: 2 (newest Coco)")),
    Case("nested_foreach_grid.py", run=(), prints=("winner: tree (0.01, 1.0301)",)),
    Case("crossval_multistep_foreach.py", run=(), prints=("model=0 accuracy=0.167 registered=False",)),
    Case("switch_on_parameter.py", run=("mode=quick",), prints=("[end/t] start\n",)),
    Case(
        "switch_inside_foreach.py",
        run=(),
        prints=("[3, 8, 1400, 2100]",),
        xfail={
            "argo": "FLC401: a foreach join reached from the cases of a switch in the body",
            "sfn": "FLC401: a foreach join reached from the cases of a switch in the body",
            "run": "shim: the foreach join counts only one case's tasks ('found 2 successful tasks, the split made 4')",
        },
    ),
    Case("recursive_poll.py", run=("attempts_needed=4",), prints=("ready after 4 attempts",)),
]

BY_ID = {case.file.removesuffix(".py"): case for case in CASES}


def _params(aspect: str, targets: tuple[str, ...] = ("",)) -> list[Any]:
    """``pytest.param`` per case (× target), xfail where the case says so."""
    params = []
    for name, case in BY_ID.items():
        for target in targets:
            key = target or aspect
            if aspect == "run" and case.run is None:
                continue
            marks = [pytest.mark.xfail(reason=case.xfail[key])] if key in case.xfail else []
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
    flows = {p.name for p in CORPUS.glob("*.py") if "FlowSpec" in p.read_text(encoding="utf-8")}
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
    for helper in CORPUS.glob("*.py"):
        if "FlowSpec" not in helper.read_text(encoding="utf-8"):
            shutil.copy(helper, workdir / helper.name)
    shutil.copytree(CORPUS / "data", workdir / "data")
    jobs = []
    for name, case in BY_ID.items():
        analysis = analyze_file(str(case.path), flow_name=case.flow)
        if analysis.flow is not None:
            jobs.append((name, case.path, analysis.flow.name))
    graphs = metaflow_graphs([(path, flow) for _, path, flow in jobs], workdir)
    return {name: graph for (name, _, _), graph in zip(jobs, graphs, strict=True)}


@pytest.mark.parametrize(("name", "target"), _params("oracle"))
def test_metaflow_graph_agrees(name: str, target: str, metaflow_views: dict[str, dict[str, Any]]) -> None:
    case = BY_ID[name]
    analysis = analyze_file(str(case.path), flow_name=case.flow)
    assert analysis.flow is not None, analysis.errors
    _compare(flowc_view(analysis.flow), metaflow_views[name], case.file)


@pytest.mark.parametrize(("name", "target"), _params("compile", TARGETS))
def test_compiles(name: str, target: str, tmp_path: Path) -> None:
    case = BY_ID[name]
    out = tmp_path / target
    args = [str(case.path), "--target", target, "--datastore", DATASTORE, "-o", str(out), *case.flow_args()]
    code, output = _invoke(compile_command, args)
    if target in case.rejects:
        assert code == 1, output
        assert case.rejects[target] in output, output
        assert len(output.splitlines()) < 25, output
        return
    assert code == 0, output
    written = sorted(p for p in out.rglob("*") if p.is_file())
    assert written, "nothing written"
    if target == "argo":
        _assert_argo_valid(written)


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
        for version in argo_schema.VERSIONS:
            problems = argo_schema.errors(document, version)
            assert not problems, f"{document['kind']} ({version}):\n" + "\n".join(problems[:20])


@pytest.mark.parametrize(("name", "target"), _params("run"))
def test_runs_locally(name: str, target: str, tmp_path: Path) -> None:
    case = BY_ID[name]
    assert case.run is not None
    params = [arg for value in case.run for arg in ("--param", value)]
    command = [sys.executable, "-m", "flowc.cli", "run", str(case.path), "--datastore", str(tmp_path / "ds")]
    done = subprocess.run(
        [*command, "--run-id", "corpus", *params, *case.flow_args()],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    assert "Traceback" not in output, output[-3000:]
    for text in case.prints:
        assert text in output, f"{text!r} not printed:\n{output[-3000:]}"
