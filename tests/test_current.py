"""Metaflow's ``current`` under flowc: project facts, username, tempdir, get, card refresh/get.

Flows run with ``flowc run`` (one shim process per task, as on every
target) and the values a step saw are read back through flowc's client.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from flowc.backends.argo.documents import branch as argo_branch
from flowc.backends.base import CompileOptions
from flowc.runtime_shim.bootstrap import bootstrap_command
from flowc.runtime_shim.current import USER_ENV, Current, project_branch
from flowc.transpile import analyze_source
from flowc.transpile.export import graph_json

from flowc.client import Flow
from flowc.packaging import flow_package

#: A flow whose steps record every fact of ``current`` this module is about.
FACTS_FLOW = """\
import os

from metaflow import FlowSpec, current, project, step


{decorator}
class FactsFlow(FlowSpec):
    @step
    def start(self):
        self.facts = {{
            "project_name": current.project_name,
            "branch_name": current.branch_name,
            "is_production": current.is_production,
            "project_flow_name": current.project_flow_name,
            "is_user_branch": current.is_user_branch,
            "username": current.username,
            "get": current.get("branch_name"),
            "get_default": current.get("no_such_fact", "fallback"),
            "in": "project_name" in current,
        }}
        self.tempdir = current.tempdir
        with open(os.path.join(current.tempdir, "scratch.txt"), "w") as handle:
            handle.write("kept for the step")
        self.tempdir_kept = current.tempdir == self.tempdir and os.path.isfile(
            os.path.join(self.tempdir, "scratch.txt")
        )
        self.next(self.end)

    @step
    def end(self):
        self.start_tempdir_gone = not os.path.exists(self.tempdir)
        self.end_tempdir = current.tempdir
"""

#: Environment variables these tests control; they are removed unless a test sets them.
CONTROLLED = (*USER_ENV, "FLOWC_PROJECT_BRANCH")


def run_flow(tmp_path: Path, text: str, env: dict[str, str] | None = None) -> Any:
    """``flowc run`` the flow ``text`` with ``env`` added; returns the run through the client."""
    (tmp_path / "flow.py").write_text(text)
    environ = {k: v for k, v in os.environ.items() if k not in CONTROLLED} | (env or {})
    done = subprocess.run(
        [sys.executable, "-m", "flowc.cli", "run", "flow.py", "--datastore", "ds", "--run-id", "1"],
        cwd=tmp_path,
        env=environ,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    run = Flow(name_of(text), datastore=str(tmp_path / "ds"))["1"]
    assert run.successful
    return run


def name_of(text: str) -> str:
    return next(line.split()[1].split("(")[0] for line in text.splitlines() if line.startswith("class "))


def facts_flow(decorator: str = "") -> str:
    return FACTS_FLOW.format(decorator=decorator)


def test_a_project_flow_sees_every_fact(tmp_path: Path) -> None:
    run = run_flow(tmp_path, facts_flow('@project(name="demo", branch="feature")'), {"FLOWC_USER": "alice"})
    assert run.data.facts == {
        "project_name": "demo",
        "branch_name": "feature",
        "is_production": False,
        "project_flow_name": "demo.feature.FactsFlow",
        "is_user_branch": False,
        "username": "alice",
        "get": "feature",
        "get_default": "fallback",
        "in": True,
    }


@pytest.mark.parametrize(
    ("decorator", "override", "branch", "production", "user_branch"),
    [
        ('@project(name="demo")', None, "main", False, False),
        ('@project(name="demo", branch="feature")', "user.bob", "user.bob", False, True),
        ('@project(name="demo")', "prod", "prod", True, False),
        # production=True names the deployment "prod" whatever the override, as Argo's names do
        ('@project(name="demo", production=True)', "user.bob", "prod", True, False),
    ],
)
def test_the_branch_follows_the_override_like_deployed_names(
    tmp_path: Path, decorator: str, override: str | None, branch: str, production: bool, user_branch: bool
) -> None:
    env = {"FLOWC_PROJECT_BRANCH": override} if override else {}
    facts = run_flow(tmp_path, facts_flow(decorator), env).data.facts
    assert (facts["branch_name"], facts["is_production"], facts["is_user_branch"]) == (
        branch,
        production,
        user_branch,
    )
    assert facts["project_flow_name"] == f"demo.{branch}.FactsFlow"


def test_without_project_the_facts_are_none(tmp_path: Path) -> None:
    facts = run_flow(tmp_path, facts_flow(), {"FLOWC_PROJECT_BRANCH": "ignored"}).data.facts
    assert facts == {
        "project_name": None,
        "branch_name": None,
        "is_production": None,
        "project_flow_name": None,
        "is_user_branch": None,
        "username": None,  # no FLOWC_USER, METAFLOW_USER or login in the environment
        "get": None,
        "get_default": "fallback",
        "in": False,
    }


def test_tempdir_lives_as_long_as_its_task(tmp_path: Path) -> None:
    run = run_flow(tmp_path, facts_flow())
    start_dir = run.data.tempdir
    assert run["start"].tasks()[0].artifacts["tempdir_kept"].data is True
    assert run.data.start_tempdir_gone is True  # removed when start ended, before end began
    assert not os.path.exists(start_dir) and not os.path.exists(run.data.end_tempdir)
    assert run.data.end_tempdir != start_dir


CARD_FLOW = """\
from metaflow import FlowSpec, card, current, step
from metaflow.cards import Markdown


class RefreshCardFlow(FlowSpec):
    @card
    @card(type="blank", id="notes")
    @step
    def start(self):
        current.card.append(Markdown("# Before *refresh*"))
        self.refreshed = current.card.refresh()
        current.card["notes"].append(Markdown("noted"))
        current.card["notes"].refresh()
        current.card.append(Markdown("After refresh"))
        self.default_texts = [[c.text for c in items] for items in current.card.get("default")]
        self.blank_texts = [[c.text for c in items] for items in current.card.get("blank")]
        self.none_found = current.card.get("vega")
        self.next(self.end)

    @step
    def end(self):
        pass
"""


def test_refresh_is_harmless_and_the_card_still_renders(tmp_path: Path) -> None:
    run = run_flow(tmp_path, CARD_FLOW)
    assert run.data.refreshed is None
    assert run.data.default_texts == [["# Before *refresh*", "After refresh"]]
    assert run.data.blank_texts == [["noted"]]
    assert run.data.none_found == []
    cards = {card.id: card.html for card in run["start"].tasks()[0].cards}
    assert set(cards) == {None, "notes"}
    assert "Before <em>refresh</em>" in cards[None] and "After refresh" in cards[None]
    assert "noted" in cards["notes"] and "After refresh" not in cards["notes"]


# --- the rules, without running a flow -------------------------------------------------------


def test_flowc_check_accepts_every_fact() -> None:
    for text in (facts_flow('@project(name="demo")'), CARD_FLOW):
        assert [p.format() for p in analyze_source(text, "flow.py").problems] == []


@pytest.mark.parametrize(
    ("args", "override"),
    list(itertools.product(["", ", branch='feat'", ", production=True", ", production=False"], [None, "x"])),
)
def test_branch_rule_is_argos(args: str, override: str | None) -> None:
    text = f"from metaflow import *\n\n@project(name='demo'{args})\n" + textwrap.dedent(
        """\
        class P(FlowSpec):
            @step
            def start(self):
                self.next(self.end)

            @step
            def end(self):
                pass
        """
    )
    flow = analyze_source(text, "flow.py").flow
    assert flow is not None
    settings = {"branch": override} if override else {}
    options = CompileOptions("s3://b/p", "s3://b/p/x.tgz", "0" * 64, "flow.py", settings=settings)
    (project,) = graph_json(flow)["decorators"]
    assert project_branch(project["args"], override) == argo_branch(flow, options)


def test_graph_json_lists_project_only_when_there_is_one() -> None:
    plain = analyze_source(facts_flow(), "flow.py").flow
    with_project = analyze_source(facts_flow('@project(name="demo", branch="b")'), "flow.py").flow
    assert plain is not None and with_project is not None
    assert "decorators" not in graph_json(plain)  # graphs without it stay byte for byte the same
    assert graph_json(with_project)["decorators"] == [
        {"name": "project", "args": {"name": "demo", "branch": "b"}}
    ]


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"FLOWC_USER": "a", "METAFLOW_USER": "b", "USER": "c"}, "a"),
        ({"METAFLOW_USER": "b", "USER": "c", "LOGNAME": "d"}, "b"),
        ({"USERNAME": "e", "LOGNAME": "d"}, "e"),
        ({"LOGNAME": "d"}, "d"),
        ({"FLOWC_USER": ""}, None),
    ],
)
def test_username_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], expected: str | None
) -> None:
    for name in USER_ENV:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    facts = Current()
    assert facts.username is None  # outside a task
    facts.is_running_flow = True
    assert facts.username == expected


def test_outside_a_task_there_is_no_tempdir() -> None:
    assert Current().tempdir is None


def test_a_task_without_a_graph_reads_project_from_the_flow_class(tmp_path: Path) -> None:
    """``flowc task --flow-file`` with no graph JSON: the class's own ``@project`` record is used."""
    (tmp_path / "flow.py").write_text(facts_flow('@project(name="demo", branch="solo")'))
    args = ["--datastore", "ds", "--flow-file", "flow.py", "--flow", "FactsFlow"]
    args += ["--run-id", "9", "--step", "start", "--task-id", "t"]
    environ = {k: v for k, v in os.environ.items() if k not in CONTROLLED}
    done = subprocess.run(
        [sys.executable, "-m", "flowc.runtime_shim", "task", *args],
        cwd=tmp_path,
        env=environ,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    facts = Flow("FactsFlow", datastore=str(tmp_path / "ds"))["9"]["start"].tasks()[0].artifacts["facts"].data
    assert facts["project_flow_name"] == "demo.solo.FactsFlow"


def test_a_task_from_a_code_package_reads_project_from_its_graph(tmp_path: Path) -> None:
    """The deployed path: bootstrap, package with ``_flowc/graphs/<Flow>.json``, no flowc on the path."""
    source = tmp_path / "src"
    source.mkdir()
    (source / "flow.py").write_text(facts_flow('@project(name="demo", production=True)'))
    flow = analyze_source((source / "flow.py").read_text(), str(source / "flow.py")).flow
    assert flow is not None
    data, sha = flow_package(flow, str(source / "flow.py"))
    (tmp_path / "package.tgz").write_bytes(data)
    args = ["task", "--datastore", str(tmp_path / "ds"), "--flow-file", "flow.py", "--flow", "FactsFlow"]
    args += ["--run-id", "5", "--step", "start", "--task-id", "t"]
    environ = {k: v for k, v in os.environ.items() if k not in (*CONTROLLED, "PYTHONPATH")}
    done = subprocess.run(
        bootstrap_command(str(tmp_path / "package.tgz"), sha, args, python=sys.executable),
        cwd=tmp_path,
        env=environ | {"METAFLOW_USER": "deployer"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    task = Flow("FactsFlow", datastore=str(tmp_path / "ds"))["5"]["start"].tasks()[0]
    facts = task.artifacts["facts"].data
    assert (facts["project_flow_name"], facts["is_production"]) == ("demo.prod.FactsFlow", True)
    assert facts["username"] == "deployer"
    assert not os.path.exists(task.artifacts["tempdir"].data)


def test_the_graph_wins_over_the_flow_class_record() -> None:
    """The graph holds what the compiler saw (and named the deployment after)."""
    facts = Current()
    facts.flow_name = "F"
    graph = {"decorators": [{"name": "pypi_base", "args": {}}, {"name": "project", "args": {"name": "g"}}]}
    facts.bind(graph, [("project", {"name": "class"})], [])
    assert facts.project_flow_name == "g.main.F"
    facts.reset()
    facts.bind({"steps": []}, [("project", {"name": "class"})], [])
    assert facts.project_name is None  # a graph without @project means the flow has none
    facts.bind(None, [("project", {"name": "class"})], [("card", {"type": "blank"})])
    assert facts.project_name == "class" and facts.card.get("blank") == [[]]
