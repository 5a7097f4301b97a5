"""``@project`` on Airflow: one DAG per branch, the branch in every task, upstream assets.

A flow with ``@project(name=P)`` is the DAG ``P.<branch>.<Flow>`` (the branch:
``prod`` with ``production=True``, else ``--set branch``, the decorator's, or
``main``), so two branches deploy side by side; ``@trigger_on_finish`` names
upstream assets the way Metaflow resolves upstream flows.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from airflow_env import AirflowEnv, airflow_fixture  # noqa: F401 - the fixture
from flowc.backends.airflow import emit
from flowc.backends.base import CompileError
from test_airflow_emit import LINEAR, flow_of, options, problems

HEAD = "from flowc import project\n"
ROOT = Path(__file__).resolve().parent.parent


def _dag_id(text: str) -> str:
    match = re.search(r'^    dag_id="([^"]+)",$', text, re.MULTILINE)
    assert match, text
    return match.group(1)


@pytest.mark.parametrize(
    ("decorators", "settings", "expected"),
    [
        ("", {}, "DemoFlow"),
        ("@project(name='shop')\n", {}, "shop.main.DemoFlow"),
        ("@project(name='shop', branch='staging')\n", {}, "shop.staging.DemoFlow"),
        ("@project(name='shop', branch='staging')\n", {"branch": "canary"}, "shop.canary.DemoFlow"),
        ("@project(name='shop', production=True)\n", {}, "shop.prod.DemoFlow"),
        ("@project(name='shop', production=True)\n", {"branch": "canary"}, "shop.prod.DemoFlow"),
    ],
)
def test_dag_id_names_project_and_branch(decorators: str, settings: dict[str, str], expected: str) -> None:
    for mode in ("kubernetes", "local"):
        text = emit(flow_of(LINEAR, HEAD + decorators), options(operator=mode, **settings))[0].text
        assert _dag_id(text) == expected
        assert f'outlets=[Asset("flowc://{expected}")]' in text
        assert 'FLOW_NAME = "DemoFlow"' in text  # the shim's --flow stays the class name


def test_two_branches_are_two_dags() -> None:
    flow = flow_of(LINEAR, HEAD + "@project(name='shop')\n")
    ids = {_dag_id(emit(flow, options(branch=b))[0].text) for b in ("staging", "canary")}
    assert ids == {"shop.staging.DemoFlow", "shop.canary.DemoFlow"}


def test_a_branch_airflow_cannot_name_is_flc402() -> None:
    found = problems(flow_of(LINEAR, HEAD + "@project(name='shop')\n"), branch="feature/x")
    assert [rule for rule, _, _ in found] == ["FLC402"]
    assert "shop.feature/x.DemoFlow" in found[0][2]


def test_every_task_gets_the_branch_only_when_set_replaces_the_decorators() -> None:
    flow = flow_of(LINEAR, HEAD + "@project(name='shop', branch='staging')\n")
    local = emit(flow, options(operator="local", branch="canary"))[0].text
    assert (
        'ENVIRONMENT: dict[str, dict[str, str]] = {\n    "start": {"FLOWC_PROJECT_BRANCH": "canary"},\n'
        in local
    )
    assert '    "end": {"FLOWC_PROJECT_BRANCH": "canary"},\n' in local
    pods = emit(flow, options(branch="canary"))[0].text
    assert pods.count('env_vars=literal({"FLOWC_PROJECT_BRANCH": "canary"}),') == 2
    for same in ({}, {"branch": "staging"}):
        assert "FLOWC_PROJECT_BRANCH" not in emit(flow, options(operator="local", **same))[0].text
    production = flow_of(LINEAR, HEAD + "@project(name='shop', production=True)\n")
    assert "FLOWC_PROJECT_BRANCH" not in emit(production, options(branch="canary"))[0].text


@pytest.mark.parametrize(
    ("decorators", "settings", "assets"),
    [
        ("@trigger_on_finish(flow='Up')\n", {}, ["Up"]),
        ("@project(name='shop')\n@trigger_on_finish(flow='Up')\n", {}, ["shop.main.Up"]),
        ("@project(name='shop')\n@trigger_on_finish(flow='Up')\n", {"branch": "x"}, ["shop.x.Up"]),
        ("@trigger_on_finish(flow='ml.test.exp.Up')\n", {}, ["ml.test.exp.Up"]),
        (
            "@project(name='shop')\n@trigger_on_finish(flows=['Up', {'name': 'Other', 'project_branch': 'prod'}])\n",
            {},
            ["shop.main.Up", "shop.prod.Other"],
        ),
        (
            "@trigger_on_finish(flow={'name': 'Up', 'project': 'ml', 'project_branch': 'prod'})\n",
            {},
            ["ml.prod.Up"],
        ),
    ],
)
def test_upstream_assets_resolve_like_metaflow(
    decorators: str, settings: dict[str, str], assets: list[str]
) -> None:
    text = emit(flow_of(LINEAR, HEAD + decorators), options(**settings))[0].text
    expected = ", ".join(f'Asset("flowc://{a}")' for a in assets)
    assert f"schedule=[{expected}]," in text


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ("flow='shop.Up'", "one dot is neither form"),
        ("flow={'name': 'Up', 'project': 'ml'}", "only one of project and branch"),
        ("flow={'project': 'ml'}", "without a name"),
    ],
)
def test_upstreams_airflow_cannot_name_are_flc401(spec: str, fragment: str) -> None:
    with pytest.raises(CompileError) as info:
        emit(flow_of(LINEAR, f"{HEAD}@trigger_on_finish({spec})\n"), options())
    (problem,) = info.value.problems
    assert problem.rule == "FLC401" and problem.span.line == 3 and fragment in problem.message


UPSTREAM = "@project(name='shop', branch='staging')\n"
DOWNSTREAM = "@project(name='shop', branch='staging')\n@trigger_on_finish(flow='UpFlow')\n"


@pytest.mark.parametrize("mode", ["kubernetes", "local"])
def test_downstream_waits_on_the_asset_the_same_branch_publishes(
    airflow: AirflowEnv, mode: str, tmp_path: Path
) -> None:
    """Both deployed with ``--set branch=canary``: Airflow pairs the outlet and the schedule,
    and a pod's environment names the branch."""
    paths = []
    for name, decorators in (("UpFlow", UPSTREAM), ("DownFlow", DOWNSTREAM)):
        flow = flow_of(LINEAR, HEAD + decorators, name=name)
        document = emit(flow, options(operator=mode, branch="canary"))[0]
        paths.append(tmp_path / document.filename)
        paths[-1].write_text(document.text, encoding="utf-8")
    report = airflow.load(paths)
    up, down = (report[str(p)] for p in paths)
    assert up["errors"] == {} and down["errors"] == {}
    assert up["outlets"] == {"shop.canary.UpFlow": ["flowc://shop.canary.UpFlow/"]}
    assert down["schedule_assets"] == {"shop.canary.DownFlow": ["flowc://shop.canary.UpFlow/"]}
    if mode == "kubernetes":
        assert airflow.render_pod(paths[0], "start")["env_vars"] == {"FLOWC_PROJECT_BRANCH": "canary"}
