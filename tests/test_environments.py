"""``@pypi``/``@conda`` environments: resolved from the graph JSON, installed once per machine, offline.

Every install here reads a wheel built in the test's temp dir (``PIP_NO_INDEX``
and ``PIP_FIND_LINKS``): nothing is downloaded.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from flowc.runtime_shim.bootstrap import bootstrap_command
from flowc.runtime_shim.envcache import EnvironmentFailure, install
from flowc.runtime_shim.environments import Environment, python_mismatch, python_warning, requirement, resolve
from flowc.runtime_shim.errors import TaskUsageError
from flowc.transpile import load_flow
from flowc.transpile.export import graph_json

from flowc.packaging import flow_package

PACKAGE = "flowc-envtest"
MODULE = "flowc_envtest"

STEP_FLOW = f"""\
import importlib.util

from metaflow import FlowSpec, pypi, step


class StepEnvFlow(FlowSpec):
    @step
    def start(self):
        self.start_saw = importlib.util.find_spec("{MODULE}") is not None
        self.items = [1, 2, 3]
        self.next(self.each, foreach="items")

    @pypi(packages={{"{PACKAGE}": "0.1"}})
    @step
    def each(self):
        import {MODULE}

        self.got = f"{{{MODULE}.VALUE}} {{self.input}}"
        self.next(self.join)

    @step
    def join(self, inputs):
        self.got = sorted(i.got for i in inputs)
        self.start_saw = inputs[0].start_saw
        self.next(self.end)

    @step
    def end(self):
        print("got:", self.got, "start saw the package:", self.start_saw)
"""

#: Imports the package at module top: every task needs it before the flow loads.
BASE_FLOW = f"""\
from metaflow import FlowSpec, pypi_base, step

import {MODULE}


@pypi_base(packages={{"{PACKAGE}": "0.1"}}, python="2.7")
class BaseEnvFlow(FlowSpec):
    @step
    def start(self):
        self.got = {MODULE}.VALUE
        self.next(self.end)

    @step
    def end(self):
        print("got:", self.got)
"""

MISSING_FLOW = """\
from metaflow import FlowSpec, pypi, step


class MissingEnvFlow(FlowSpec):
    @pypi(packages={"flowc-missing-pkg": "0.1"})
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
"""

MIXED_FLOW = """\
from metaflow import FlowSpec, conda, conda_base, pypi, step


@conda_base(libraries={"numpy": "1.26.4"}, python="3.11")
class MixedEnvFlow(FlowSpec):
    @pypi(packages={"pandas": ">=2,<3"})
    @step
    def start(self):
        self.next(self.end)

    @conda(packages={"scipy": "1.13"}, disabled=True)
    @step
    def end(self):
        pass
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny wheel built offline with setuptools."""
    src = tmp_path_factory.mktemp("src")
    (src / MODULE).mkdir()
    (src / MODULE / "__init__.py").write_text('VALUE = "hello from the wheel"\n')
    (src / "pyproject.toml").write_text(
        f'[project]\nname = "{PACKAGE}"\nversion = "0.1"\n\n'
        '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n'
    )
    out = tmp_path_factory.mktemp("wheels")
    command = [sys.executable, "-m", "pip", "wheel", "--no-index", "--no-build-isolation", "--no-deps"]
    subprocess.run([*command, "-q", "-w", str(out), str(src)], check=True, capture_output=True)
    (built,) = out.glob("*.whl")
    return built


@pytest.fixture
def env(tmp_path: Path, wheel: Path) -> dict[str, str]:
    """Process environment: an index holding only the test wheel, and a fresh cache."""
    links = tmp_path / "links"
    links.mkdir()
    shutil.copy(wheel, links)
    base = {k: v for k, v in os.environ.items() if k not in ("FLOWC_PACKAGES", "PYTHONPATH")}
    return base | {
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(links),
        "PIP_CONFIG_FILE": os.devnull,
        "FLOWC_ENV_CACHE": str(tmp_path / "cache"),
    }


def write(tmp_path: Path, source: str, name: str = "flow.py") -> str:
    path = tmp_path / name
    path.write_text(source)
    return str(path)


def flowc(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flowc.cli", *args], capture_output=True, text=True, check=False, env=env
    )


def lines_with(text: str, needle: str) -> list[str]:
    return [line for line in text.splitlines() if needle in line]


def environments_in(cache: str) -> list[str]:
    return sorted(n for n in os.listdir(cache) if not n.startswith(".") and not n.endswith(".log"))


# -- the requirement set ------------------------------------------------------------


def graph_of(tmp_path: Path, source: str) -> dict[str, object]:
    return graph_json(load_flow(write(tmp_path, source, "g.py")))


def test_step_packages_update_the_flow_base_and_win_per_package(tmp_path: Path) -> None:
    source = MIXED_FLOW.replace('"pandas": ">=2,<3"', '"pandas": ">=2,<3", "NumPy": "2.0"')
    graph = graph_of(tmp_path, source)
    start = resolve(graph, "start")
    assert start is not None
    assert start.requirements == ["NumPy==2.0", "pandas>=2,<3"]  # numpy from the base, overridden
    assert start.python == "3.11" and start.source == "@conda_base + @pypi"
    assert resolve(graph, "end") is None  # disabled=True on the step


def test_a_flow_base_alone_applies_to_every_step_and_disabled_turns_it_off(tmp_path: Path) -> None:
    graph = graph_of(tmp_path, BASE_FLOW)
    assert graph["decorators"] == [
        {"name": "pypi_base", "args": {"packages": {PACKAGE: "0.1"}, "python": "2.7"}}
    ]
    for step in ("start", "end"):
        found = resolve(graph, step)
        assert found is not None and found.requirements == [f"{PACKAGE}==0.1"]
    off = BASE_FLOW.replace('python="2.7"', "disabled=True")
    assert resolve(graph_of(tmp_path, off), "start") is None
    on_again = off.replace("FlowSpec, pypi_base", "FlowSpec, pypi, pypi_base").replace(
        "    @step\n    def start", "    @pypi(disabled=False)\n    @step\n    def start"
    )
    again = resolve(graph_of(tmp_path, on_again), "start")
    assert again is not None and again.requirements == [f"{PACKAGE}==0.1"]
    assert resolve(graph_of(tmp_path, on_again), "end") is None
    assert "decorators" not in graph_of(tmp_path, STEP_FLOW)  # graphs without a base are unchanged


def test_conda_libraries_and_channels_become_pypi_requirements(tmp_path: Path) -> None:
    source = MIXED_FLOW.replace('{"numpy": "1.26.4"}', '{"conda-forge::numpy": "1.26.*", "tqdm": ""}')
    found = resolve(graph_of(tmp_path, source), "start")
    assert found is not None
    assert found.requirements == ["numpy==1.26.*", "pandas>=2,<3", "tqdm"]


def test_requirement_strings() -> None:
    assert requirement("pandas", "2.2.2") == "pandas==2.2.2"
    assert requirement("pandas", " >=2,<3 ") == "pandas>=2,<3"
    assert requirement("pandas", "=2.2") == "pandas==2.2"
    assert requirement("pandas", "") == "pandas"
    assert requirement("bioconda::samtools", "1.9") == "samtools==1.9"


def test_package_names_that_pip_would_read_as_options_are_refused(tmp_path: Path) -> None:
    source = STEP_FLOW.replace(f'"{PACKAGE}": "0.1"', '"--index-url=http://evil": ""')
    with pytest.raises(TaskUsageError, match="step 'each'"):
        resolve(graph_of(tmp_path, source), "each")


@pytest.mark.parametrize(
    ("pin", "expected"),
    [
        ("3.11", False),
        ("3.11.*", False),
        ("3.10", True),
        (">=3.8,<3.12", False),
        ("<3.9", True),
        (">3.11", False),
        (">3.11.7", True),
        ("~=3.10", False),
        ("!=3.11", True),
        ("3.11.7", False),
        ("3.11.2", True),
        ("latest", None),
    ],
)
def test_python_pins_against_the_running_interpreter(pin: str, expected: bool | None) -> None:
    assert python_mismatch(pin, (3, 11, 7)) is expected


def test_python_warnings_say_what_runs_instead() -> None:
    running = sys.version.split()[0]
    major_minor = f"{sys.version_info.major}.{sys.version_info.minor}"
    assert python_warning(Environment("s", "@pypi", (), major_minor)) is None
    wrong = python_warning(Environment("s", "@pypi", (), "2.7"))
    assert wrong is not None and f"asks for Python '2.7' (@pypi) but runs on Python {running}" in wrong
    odd = python_warning(Environment("s", "@conda", (), "pypy"))
    assert odd is not None and f"cannot compare with the Python it runs on: {running}" in odd


def test_an_unusable_cache_is_an_infrastructure_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(EnvironmentFailure, match="step 's': cannot build environment") as caught:
        install("s", "@pypi", ["x==1"], str(blocker / "cache"))
    assert caught.value.exit_code == 3


# -- running flows --------------------------------------------------------------------


def test_flowc_run_installs_once_and_later_tasks_and_runs_reuse_it(
    tmp_path: Path, env: dict[str, str]
) -> None:
    flow_file = write(tmp_path, STEP_FLOW)
    first = flowc(env, "run", flow_file, "--datastore", str(tmp_path / "ds"), "--run-id", "r1")
    out = first.stdout + first.stderr
    assert first.returncode == 0, out
    assert "got: ['hello from the wheel 1', 'hello from the wheel 2', 'hello from the wheel 3']" in out
    assert "start saw the package: False" in out  # only the @pypi step gets it
    # three foreach tasks at once: one installs, the others wait for it and reuse it
    assert len(lines_with(out, "installs flowc-envtest==0.1")) == 1, out
    assert len(lines_with(out, "reuses environment")) == 2, out
    cache = env["FLOWC_ENV_CACHE"]
    (built,) = environments_in(cache)
    marker = json.loads((Path(cache) / built / "flowc-env.json").read_text())
    assert marker["requirements"] == [f"{PACKAGE}==0.1"]
    # with the wheel gone, a second install would fail: the run must reuse the cache
    for old in Path(env["PIP_FIND_LINKS"]).iterdir():
        old.unlink()
    second = flowc(env, "run", flow_file, "--datastore", str(tmp_path / "ds"), "--run-id", "r2")
    out = second.stdout + second.stderr
    assert second.returncode == 0, out
    assert not lines_with(out, "'each' installs") and len(lines_with(out, "reuses environment")) == 3
    assert environments_in(cache) == [built]


def test_flowc_packages_image_skips_installation(tmp_path: Path, env: dict[str, str]) -> None:
    image = tmp_path / "image-site"  # stands for a task image with the package baked in
    (image / MODULE).mkdir(parents=True)
    (image / MODULE / "__init__.py").write_text('VALUE = "baked"\n')
    baked = env | {"FLOWC_PACKAGES": "image", "PYTHONPATH": str(image)}
    flow_file = write(tmp_path, STEP_FLOW)
    done = flowc(baked, "run", flow_file, "--datastore", str(tmp_path / "ds"), "--run-id", "r1")
    out = done.stdout + done.stderr
    assert done.returncode == 0, out
    assert "got: ['baked 1', 'baked 2', 'baked 3']" in out
    assert len(lines_with(out, "FLOWC_PACKAGES=image: step 'each' uses the task image's packages")) == 3
    assert not lines_with(out, "'each' installs") and not os.path.exists(env["FLOWC_ENV_CACHE"])


def test_a_missing_package_is_one_line_naming_package_and_step(tmp_path: Path, env: dict[str, str]) -> None:
    flow_file = write(tmp_path, MISSING_FLOW)
    graph = tmp_path / "graph.json"
    graph.write_text(json.dumps(graph_json(load_flow(flow_file)) | {"file": "flow.py"}))
    shim = [sys.executable, "-m", "flowc.runtime_shim", "task", "--datastore", str(tmp_path / "ds")]
    shim += ["--flow-file", flow_file, "--flow", "MissingEnvFlow", "--run-id", "r1", "--step", "start"]
    shim += ["--task-id", "t", "--graph-json", str(graph)]
    done = subprocess.run(shim, capture_output=True, text=True, check=False, env=env)
    assert done.returncode == 3, done.stderr  # infrastructure: no user code ran
    assert "Traceback" not in done.stderr + done.stdout
    (line,) = lines_with(done.stderr, "flowc: infrastructure error")
    assert "cannot install flowc-missing-pkg==0.1 for step 'start' (@pypi)" in line
    assert "no matching distribution" in line and "FLOWC_PACKAGES=image" in line
    assert not (tmp_path / "ds").exists()  # nothing of the task is visible
    run = flowc(env, "run", flow_file, "--datastore", str(tmp_path / "ds"), "--run-id", "r2")
    assert run.returncode == 1 and "Traceback" not in run.stdout + run.stderr
    assert lines_with(run.stdout + run.stderr, "cannot install flowc-missing-pkg==0.1 for step 'start'")


def test_a_code_package_carries_the_flow_base_to_the_task(tmp_path: Path, env: dict[str, str]) -> None:
    """As on a cluster: bootstrap from the package; the graph inside names @pypi_base."""
    flow_dir = tmp_path / "flow"
    flow_dir.mkdir()
    flow_file = write(flow_dir, BASE_FLOW)
    data, sha = flow_package(load_flow(flow_file), flow_file)
    package = tmp_path / "package.tgz"
    package.write_bytes(data)
    shim_args = ["task", "--datastore", str(tmp_path / "ds"), "--flow-file", "flow.py"]
    shim_args += ["--flow", "BaseEnvFlow", "--run-id", "r1", "--step", "start", "--task-id", "t"]
    done = subprocess.run(
        bootstrap_command(package.as_uri(), sha, shim_args, python=sys.executable),
        capture_output=True,
        text=True,
        check=False,
        env=env,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert '"next": ["end"]' in done.stdout
    assert lines_with(done.stderr, "step 'start' installs flowc-envtest==0.1 (@pypi_base)")
    (warning,) = lines_with(done.stderr, "warning")
    assert "asks for Python '2.7'" in warning and f"runs on Python {sys.version.split()[0]}" in warning


@pytest.mark.parametrize("target", ["argo", "sfn", "airflow"])
def test_every_target_compiles_environment_decorators(tmp_path: Path, target: str) -> None:
    flow_file = write(tmp_path, MIXED_FLOW)
    done = flowc(
        dict(os.environ),
        "compile",
        flow_file,
        "--target",
        target,
        "--datastore",
        "s3://flowc-bucket/flowc",
        "--output",
        str(tmp_path / "out"),
    )
    assert done.returncode == 0, done.stderr
    assert "FLC401" not in done.stderr and any((tmp_path / "out").iterdir())
