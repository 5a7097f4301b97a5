"""Inheritance: mixins, base flows in project modules, Python's MRO; Metaflow as the oracle.

Metaflow finds steps and parameters with ``dir(cls)``, so everything reachable
through the MRO counts: plain mixins, base flows imported from modules next
to the flow file.  The analyzer reads those modules (never imports them) and
reports their problems at their own ``path:line:col``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from flowc.transpile import Flow, analyze_file
from flowc_cli import invoke
from test_oracle_metaflow import _compare, flowc_view, metaflow_graphs

STEPS = """
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
"""


def project(root: Path, files: dict[str, str]) -> Path:
    """Write ``files`` (dedented) under ``root``; returns the path of ``flow.py``."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return root / "flow.py"


def flow_of(path: Path, flow_name: str | None = None) -> Flow:
    analysis = analyze_file(str(path), flow_name)
    assert not analysis.errors, analysis.errors
    assert analysis.flow is not None
    return analysis.flow


def found(path: Path) -> list[tuple[str, str, int, int]]:
    """``(rule, file name, line, column)`` of every problem of the flow at ``path``."""
    return [
        (p.rule, os.path.relpath(p.span.path, path.parent), p.span.line, p.span.column)
        for p in analyze_file(str(path)).problems
    ]


#: Runs in a fresh interpreter: Metaflow's parameters (name, default) of each flow class.
_PARAMETERS = r"""
import contextlib, importlib.util, io, json, sys
result = []
for index, (path, name) in enumerate(json.load(sys.stdin)):
    spec = importlib.util.spec_from_file_location(f"inherit_{index}", path)
    module = importlib.util.module_from_spec(spec)
    with contextlib.redirect_stdout(io.StringIO()):
        spec.loader.exec_module(module)
    flow = getattr(module, name)
    result.append(sorted(
        [p.name, p._override_kwargs.get("default")] for _, p in flow._get_parameters() if not p.IS_CONFIG_PARAMETER
    ))
json.dump(result, sys.stdout)
"""


def metaflow_parameters(jobs: list[tuple[Path, str]]) -> list[list[list[Any]]]:
    """Metaflow's ``[name, default]`` pairs for each ``(flow file, class)``, importing it for real."""
    done = subprocess.run(
        [sys.executable, "-c", _PARAMETERS],
        input=json.dumps([(str(p), n) for p, n in jobs]),
        capture_output=True,
        text=True,
        cwd=jobs[0][0].parent,
        env={**os.environ, "USERNAME": "oracle", "PYTHONPATH": str(jobs[0][0].parent)},
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: list[list[list[Any]]] = json.loads(done.stdout)
    return result


def ours(flow: Flow) -> list[list[Any]]:
    return sorted([p.name, p.default] for p in flow.parameters)


# -- mixins and the MRO --------------------------------------------------------------

MIXINS = {
    "flow.py": """
        from metaflow import FlowSpec, IncludeFile, Parameter, step


        class DataMixin:
            data = IncludeFile("data", default="rows.csv", is_text=True)
            alpha = Parameter("alpha", default=1)


        class TuningMixin:
            alpha = Parameter("alpha", default=2)
            beta = Parameter("beta", default=3)


        class MixedFlow(FlowSpec, DataMixin, TuningMixin):
            beta = 30

            @step
            def start(self):
                self.next(self.end)

            @step
            def end(self):
                pass
        """,
    "rows.csv": "a\n1\n",
}


def test_mixin_parameters_follow_the_mro(tmp_path: Path) -> None:
    path = project(tmp_path, MIXINS)
    flow = flow_of(path)
    # DataMixin's alpha comes first in the MRO; the flow's own beta = 30 hides TuningMixin's.
    assert ours(flow) == [["alpha", 1], ["data", "rows.csv"]]
    spans = {p.name: (p.span.line, p.span.column) for p in flow.parameters}
    assert spans == {"data": (5, 12), "alpha": (6, 13)}
    assert ours(flow) == metaflow_parameters([(path, "MixedFlow")])[0]


DIAMOND = """
    from metaflow import FlowSpec, Parameter, step


    class Base(FlowSpec):
        size = Parameter("size", default=1)
{steps}

    class Left(Base):
        size = Parameter("size", default=2)


    class Right(Base):
        size = Parameter("size", default=3)

        @step
        def start(self):
            self.next(self.middle)

        @step
        def middle(self):
            self.next(self.end)


    class {name}({bases}):
        pass
"""


@pytest.mark.parametrize(("bases", "size"), [("Left, Right", 2), ("Right, Left", 3)])
def test_diamond_inheritance_takes_what_python_takes(tmp_path: Path, bases: str, size: int) -> None:
    source = DIAMOND.format(steps=textwrap.indent(STEPS, "    "), name="DiamondFlow", bases=bases)
    path = project(tmp_path, {"flow.py": source})
    flow = flow_of(path)
    assert [(p.name, p.default) for p in flow.parameters] == [("size", size)]
    # Right's start (start -> middle -> end) overrides Base's in both orders.
    assert [s.name for s in flow.steps] == ["end", "start", "middle"]
    assert ours(flow) == metaflow_parameters([(path, "DiamondFlow")])[0]
    (graph,) = metaflow_graphs([(path, "DiamondFlow")], tmp_path)
    _compare(flowc_view(flow), graph, bases)


def test_steps_of_a_plain_mixin_belong_to_the_flow(tmp_path: Path) -> None:
    source = """
        from metaflow import FlowSpec, retry, step


        class EndMixin:
            @retry(times=2)
            @step
            def end(self):
                pass

            def helper(self):
                return 1


        class ShortFlow(FlowSpec, EndMixin):
            @step
            def start(self):
                self.next(self.end)
    """
    path = project(tmp_path, {"flow.py": source})
    flow = flow_of(path)
    assert [(s.name, [d.name for d in s.decorators]) for s in flow.steps] == [
        ("end", ["retry"]),
        ("start", []),
    ]
    (graph,) = metaflow_graphs([(path, "ShortFlow")], tmp_path)
    _compare(flowc_view(flow), graph, "mixin steps")


def test_a_plain_method_hides_the_base_step_of_the_same_name(tmp_path: Path) -> None:
    source = f"""
        from metaflow import FlowSpec, step


        class Base(FlowSpec):
{textwrap.indent(STEPS, " " * 8)}
            @step
            def extra(self):
                self.next(self.end)


        class TrimmedFlow(Base):
            def extra(self):
                return "not a step any more"
    """
    path = project(tmp_path, {"flow.py": source})
    assert [s.name for s in flow_of(path).steps] == ["start", "end"]


# -- base classes in project modules ---------------------------------------------------

PACKAGE = {
    "shared/__init__.py": "",
    "shared/params.py": """
        from metaflow import Parameter


        class SeedMixin:
            seed = Parameter("seed", default=7)
        """,
    "shared/flows.py": """
        from metaflow import FlowSpec, project, retry, step

        from .params import SeedMixin as Seeded


        @project(name="sibling")
        class BaseFlow(FlowSpec, Seeded):
            @retry(times=1)
            @step
            def start(self):
                self.next(self.end)

            @step
            def end(self):
                print("seed", self.seed)
        """,
    "plain_base.py": """
        import shared.flows as flows


        class Middle(flows.BaseFlow):
            pass
        """,
}


@pytest.mark.parametrize(
    ("imports", "base"),
    [
        ("from shared.flows import BaseFlow", "BaseFlow"),
        ("from shared.flows import BaseFlow as Renamed", "Renamed"),
        ("import shared.flows", "shared.flows.BaseFlow"),
        ("import shared.flows as sf", "sf.BaseFlow"),
        ("from shared import flows", "flows.BaseFlow"),
        ("from plain_base import Middle", "Middle"),
        ("from plain_base import *", "Middle"),
    ],
)
def test_base_flow_from_a_project_module(tmp_path: Path, imports: str, base: str) -> None:
    flow_py = f"""
        from metaflow import schedule

        {imports}


        @schedule(daily=True)
        class DeployedFlow({base}):
            pass
    """
    path = project(tmp_path, {**PACKAGE, "flow.py": flow_py})
    flow = flow_of(path)
    assert [(s.name, Path(s.span.path).name, s.span.line) for s in flow.steps] == [
        ("start", "flows.py", 10),
        ("end", "flows.py", 14),
    ]
    assert flow.step("start").decorators[0].name == "retry"
    assert [(p.name, Path(p.span.path).name) for p in flow.parameters] == [("seed", "params.py")]
    # Metaflow merges the base flow's decorators with the flow's own.
    assert [d.name for d in flow.decorators] == ["project", "schedule"]
    assert ours(flow) == metaflow_parameters([(path, "DeployedFlow")])[0]
    (graph,) = metaflow_graphs([(path, "DeployedFlow")], tmp_path)
    _compare(flowc_view(flow), graph, imports)


def test_problems_in_a_project_module_are_reported_where_they_are(tmp_path: Path) -> None:
    base = """
        from metaflow import FlowSpec, Parameter, retry, step


        class BaseFlow(FlowSpec):
            size = Parameter("size", default=1, typ=int)

            @retry(times="twice")
            @step
            def start(self):
                self.next(self.nowhere)

            @step
            def end(self):
                pass
    """
    flow_py = """
        from base import BaseFlow


        class ChildFlow(BaseFlow):
            pass
    """
    path = project(tmp_path, {"base.py": base, "flow.py": flow_py})
    assert found(path) == [
        ("FLC206", "base.py", 5, 41),
        ("FLC303", "base.py", 7, 18),
        ("FLC111", "base.py", 10, 9),
        ("FLC115", "base.py", 13, 5),
    ]
    result = invoke(["check", str(path)])
    assert result.exit_code == 1
    assert f"{tmp_path / 'base.py'}:7:18: FLC303 " in result.output
    assert "Traceback" not in result.output


def test_a_flow_decorator_on_the_flow_and_its_base_is_flc306(tmp_path: Path) -> None:
    base = """
        from metaflow import FlowSpec, project, step


        @project(name="one")
        class BaseFlow(FlowSpec):
{steps}
    """.format(steps=textwrap.indent(STEPS, " " * 8))
    flow_py = """
        from metaflow import project

        from base import BaseFlow


        @project(name="two")
        class ChildFlow(BaseFlow):
            pass
    """
    path = project(tmp_path, {"base.py": base, "flow.py": flow_py})
    assert found(path) == [("FLC306", "flow.py", 6, 1)]
    (graph,) = metaflow_graphs([(path, "ChildFlow")], tmp_path)
    assert "DuplicateFlowDecoratorException" in (graph["lint"] or "")


def test_syntax_error_in_a_project_module(tmp_path: Path) -> None:
    path = project(
        tmp_path,
        {
            "base.py": "class BaseFlow(\n",
            "flow.py": "from base import BaseFlow\n\n\nclass F(BaseFlow):\n    pass\n",
        },
    )
    problems = found(path)
    assert problems[0][:2] == ("FLC001", "base.py")
    assert [p[0] for p in problems] == ["FLC001", "FLC002"]


def test_import_cycles_between_project_modules_end(tmp_path: Path) -> None:
    files = {
        "a.py": "from b import B\n\n\nclass A(B):\n    pass\n",
        "b.py": "from a import A\n\n\nclass B(A):\n    pass\n",
        "flow.py": "from a import A\n\n\nclass LoopFlow(A):\n    pass\n",
    }
    path = project(tmp_path, files)
    assert [p[0] for p in found(path)] == ["FLC002"]


def test_base_from_an_installed_package_is_named_in_the_error(tmp_path: Path) -> None:
    flow_py = """
        from metaflow import step
        from company_flows.base import TeamFlow


        class ReportFlow(TeamFlow):
            @step
            def start(self):
                self.next(self.end)
    """
    path = project(tmp_path, {"flow.py": flow_py})
    (problem,) = analyze_file(str(path)).problems
    assert (problem.rule, problem.span.line, problem.span.column) == ("FLC002", 5, 18)
    assert "'company_flows.base'" in problem.message
    assert "from company_flows.base import TeamFlow" in problem.message
    assert "flowc reads only modules next to the flow file" in problem.hint


def test_a_mixin_from_an_installed_package_is_a_warning(tmp_path: Path) -> None:
    flow_py = f"""
        import abc

        from metaflow import FlowSpec, step
        from company_flows.mixins import Audited


        class AuditedFlow(FlowSpec, Audited, abc.ABC):
{textwrap.indent(STEPS, " " * 8)}
    """
    path = project(tmp_path, {"flow.py": flow_py})
    analysis = analyze_file(str(path))
    assert analysis.flow is not None
    # The standard library's abc.ABC is no reason to warn.
    assert [(p.rule, p.severity.value, p.span.line, p.span.column) for p in analysis.problems] == [
        ("FLC005", "warning", 7, 29)
    ]


def test_sources_without_a_file_read_no_modules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from flowc.transpile import analyze_source

    project(tmp_path, {"base.py": PACKAGE["shared/flows.py"].replace(".params", "params")})
    monkeypatch.chdir(tmp_path)
    analysis = analyze_source("from base import BaseFlow\n\n\nclass F(BaseFlow):\n    pass\n")
    assert [p.rule for p in analysis.problems] == ["FLC002"]


def test_flowc_run_imports_the_project_modules(tmp_path: Path) -> None:
    flow_py = """
        from shared.flows import BaseFlow


        class DeployedFlow(BaseFlow):
            pass
    """
    path = project(tmp_path / "project", {**PACKAGE, "flow.py": flow_py})
    command = [sys.executable, "-m", "flowc.cli", "run", str(path), "--datastore", str(tmp_path / "ds")]
    done = subprocess.run(
        [*command, "--param", "seed=9"],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "seed 9" in done.stdout + done.stderr


# -- literals imported from project modules ---------------------------------------------


def test_constants_imported_from_project_modules_are_literals(tmp_path: Path) -> None:
    files = {
        "defaults.py": "PYTHON = '3.11'\nRETRIES = 2\n",
        "settings.py": "from defaults import PYTHON, RETRIES as BASE_RETRIES\n\nRETRIES = BASE_RETRIES + 1\n",
        "flow.py": """
            from metaflow import FlowSpec, pypi_base, retry, step

            from settings import PYTHON, RETRIES as TIMES


            @pypi_base(python=PYTHON)
            class ConstFlow(FlowSpec):
                @retry(times=TIMES)
                @step
                def start(self):
                    self.next(self.end)

                @step
                def end(self):
                    pass
            """,
    }
    flow = flow_of(project(tmp_path, files))
    assert dict(flow.decorators[0].args) == {"python": "3.11"}
    assert dict(flow.step("start").decorators[0].args) == {"times": 3}


def test_a_computed_name_from_a_project_module_is_still_not_a_literal(tmp_path: Path) -> None:
    files = {
        "settings.py": "import os\n\nRETRIES = int(os.environ.get('RETRIES', '1'))\n",
        "flow.py": """
            from metaflow import FlowSpec, retry, step

            from settings import RETRIES


            class ComputedFlow(FlowSpec):
                @retry(times=RETRIES)
                @step
                def start(self):
                    self.next(self.end)

                @step
                def end(self):
                    pass
            """,
    }
    path = project(tmp_path, files)
    assert found(path) == [("FLC304", "flow.py", 7, 18)]
