"""The exit hook that announces a finished run, and the Sensor that listens for it."""

from __future__ import annotations

import dataclasses
import json
import os
from typing import Any
from urllib.parse import urlsplit

import argo_schema
import pytest
import yaml
from flowc.backends.argo import emit
from flowc.backends.argo.events import SUCCEEDED
from flowc.backends.base import CompileError, CompileOptions
from flowc.transpile import analyze_source, load_flow

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "examples")


def compile_example(name: str, **settings: str) -> list[dict[str, Any]]:
    path = os.path.join(EXAMPLES, f"{name}.py")
    options = CompileOptions(
        datastore="s3://b/f",
        package_url="s3://b/p.tgz",
        package_sha256="0" * 64,
        flow_file=f"{name}.py",
        settings=settings,
    )
    documents = [yaml.safe_load(d.text) for d in emit(load_flow(path), options)]
    for document in documents:
        for version in argo_schema.VERSIONS:
            assert not argo_schema.errors(document, version), argo_schema.errors(document, version)
    return documents


def templates(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["name"]: t for t in document["spec"]["templates"]}


def publish(document: dict[str, Any]) -> dict[str, Any]:
    """The ``http`` request the exit hook makes, found through ``onExit``."""
    by_name = templates(document)
    hook = by_name[document["spec"]["onExit"]]
    (task,) = hook["dag"]["tasks"]
    assert task["when"] == SUCCEEDED == "{{workflow.status}} == Succeeded"
    http: dict[str, Any] = by_name[task["template"]]["http"]
    return http


def published_body(http: dict[str, Any], run: str = "wf-abc12") -> Any:
    """The body after Argo's substitution of the run id (the only tag in it)."""
    body = http["body"]
    assert body.count("{{") == 1 and body.count("}}") == 1
    return json.loads(body.replace("{{workflow.name}}", run))


def test_every_workflow_template_posts_json_when_it_succeeded() -> None:
    http = publish(compile_example("linear_etl")[0])
    assert http["method"] == "POST"
    assert {"name": "Content-Type", "value": "application/json"} in http["headers"]
    assert http["url"] == "http://flowc-eventsource-svc.argo-events.svc:12000/flowc"


def test_upstream_event_matches_the_downstream_sensor() -> None:
    upstream = publish(compile_example("foreach_tuning")[0])
    body = published_body(upstream)
    assert body == {
        "name": "flowc.flow.iris.main.ForeachTuningFlow.finished",
        "payload": {"flow": "ForeachTuningFlow", "run_id": "wf-abc12", "project": "iris", "branch": "main"},
    }
    sensor = next(d for d in compile_example("triggered_report") if d["kind"] == "Sensor")
    (dependency,) = sensor["spec"]["dependencies"]
    (data_filter,) = dependency["filters"]["data"]
    # A webhook EventSource delivers {"header": ..., "body": <the JSON posted>}.
    event = {"body": body}
    assert data_filter["path"] == "body.name" and data_filter["type"] == "string"
    assert event["body"][data_filter["path"].split(".")[1]] in data_filter["value"]
    # The default URL is the service of exactly the source and event the Sensor names.
    url = urlsplit(upstream["url"])
    assert url.hostname == f"{dependency['eventSourceName']}-eventsource-svc.argo-events.svc"
    assert url.path == f"/{dependency['eventName']}"


def test_event_source_settings_move_both_ends_together() -> None:
    settings = {"event_source": "hub", "event_name": "done"}
    http = publish(compile_example("foreach_tuning", **settings)[0])
    sensor = compile_example("triggered_report", **settings)[-1]
    dependency = sensor["spec"]["dependencies"][0]
    assert (dependency["eventSourceName"], dependency["eventName"]) == ("hub", "done")
    assert http["url"] == "http://hub-eventsource-svc.argo-events.svc:12000/done"


def test_events_url_setting() -> None:
    url = "https://events.example.com:8443/hooks/flowc"
    http = publish(compile_example("linear_etl", events_url=url)[0])
    assert http["url"] == url


def test_branch_setting_reaches_the_payload() -> None:
    http = publish(compile_example("foreach_tuning", branch="staging")[0])
    assert published_body(http)["payload"]["branch"] == "staging"


def test_events_off_removes_the_hook() -> None:
    document = compile_example("linear_etl", events="off")[0]
    assert "onExit" not in document["spec"]
    assert not any("http" in t for t in document["spec"]["templates"])
    assert not {"exit-hook", "publish-finished"} & set(templates(document))


@pytest.mark.parametrize(
    "settings",
    [
        {"events_url": "ftp://x/y"},
        {"events_url": "http://x/{{workflow.name}}"},
        {"events_url": "http://x/a b"},
        {"branch": "b{{workflow.name}}"},
    ],
)
def test_unsafe_settings_are_refused(settings: dict[str, str]) -> None:
    with pytest.raises(CompileError) as info:
        compile_example("foreach_tuning", **settings)
    (problem,) = info.value.problems
    assert problem.rule == "FLC403"
    assert ("events_url" in problem.message) == ("events_url" in settings)


PROJECT_WITH_TAG = """
from flowc import FlowSpec, project, step


@project(name="p{{workflow.name}}")
class TaggedFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
"""


def test_project_name_with_a_tag_is_refused_only_when_announced() -> None:
    analysis = analyze_source(PROJECT_WITH_TAG, "flow.py")
    assert analysis.flow is not None and not analysis.errors
    options = CompileOptions(
        datastore="s3://b/f", package_url="u", package_sha256="0" * 64, flow_file="flow.py"
    )
    with pytest.raises(CompileError) as info:
        emit(analysis.flow, options)
    assert "@project name" in str(info.value)
    off = dataclasses.replace(options, settings={"events": "off"})
    assert emit(analysis.flow, off)


def flow_source(name: str, decorators: str) -> str:
    """A two-step flow ``name`` under ``decorators`` (line 4 is the first decorator)."""
    return (
        "from flowc import FlowSpec, project, step, trigger_on_finish\n\n\n"
        f"{decorators}class {name}(FlowSpec):\n"
        "    @step\n    def start(self):\n        self.next(self.end)\n\n"
        "    @step\n    def end(self):\n        pass\n"
    )


def emit_source(name: str, decorators: str, **settings: str) -> list[dict[str, Any]]:
    analysis = analyze_source(flow_source(name, decorators), "flow.py")
    assert analysis.flow is not None and not analysis.errors, analysis.errors
    options = CompileOptions(
        datastore="s3://b/f", package_url="u", package_sha256="0" * 64, flow_file="flow.py", settings=settings
    )
    return [yaml.safe_load(d.text) for d in emit(analysis.flow, options)]


def awaited(documents: list[dict[str, Any]]) -> list[str]:
    """The ``body.name`` values the Sensor's dependencies wait for, in order."""
    sensor = next(d for d in documents if d["kind"] == "Sensor")
    return [dep["filters"]["data"][0]["value"][0] for dep in sensor["spec"]["dependencies"]]


def announced(documents: list[dict[str, Any]]) -> str:
    name: str = published_body(publish(documents[0]))["name"]
    return name


SHOP = "@project(name='shop')\n"
SHOP_STAGING = "@project(name='shop', branch='staging')\n"


@pytest.mark.parametrize(
    ("up", "up_settings", "down", "down_settings", "identity"),
    [
        ("", {}, "@trigger_on_finish(flow='UpFlow')\n", {}, "UpFlow"),
        (SHOP, {}, SHOP + "@trigger_on_finish(flow='UpFlow')\n", {}, "shop.main.UpFlow"),
        (
            SHOP,
            {"branch": "x"},
            SHOP + "@trigger_on_finish(flow='UpFlow')\n",
            {"branch": "x"},
            "shop.x.UpFlow",
        ),
        (SHOP_STAGING, {}, "@trigger_on_finish(flow='shop.staging.UpFlow')\n", {}, "shop.staging.UpFlow"),
        (SHOP, {"branch": "a.b"}, "@trigger_on_finish(flow='shop.a.b.UpFlow')\n", {}, "shop.a.b.UpFlow"),
        (
            "@project(name='ml', production=True)\n",
            {},
            SHOP + "@trigger_on_finish(flow={'name': 'UpFlow', 'project': 'ml', 'project_branch': 'prod'})\n",
            {},
            "ml.prod.UpFlow",
        ),
        (
            SHOP_STAGING,
            {},
            SHOP + "@trigger_on_finish(flows=[{'name': 'UpFlow', 'project_branch': 'staging'}])\n",
            {"branch": "other"},
            "shop.staging.UpFlow",
        ),
    ],
)
def test_published_event_is_the_one_the_downstream_waits_for(
    up: str, up_settings: dict[str, str], down: str, down_settings: dict[str, str], identity: str
) -> None:
    event = announced(emit_source("UpFlow", up, **up_settings))
    assert event == f"flowc.flow.{identity}.finished"
    assert awaited(emit_source("DownFlow", down, **down_settings)) == [event]


def test_other_branches_and_projects_do_not_trigger_the_downstream() -> None:
    waits = awaited(emit_source("DownFlow", SHOP_STAGING + "@trigger_on_finish(flow='UpFlow')\n"))
    assert waits == ["flowc.flow.shop.staging.UpFlow.finished"]
    for up, settings in (("", {}), (SHOP, {}), (SHOP, {"branch": "canary"}), ("@project(name='ml')\n", {})):
        assert announced(emit_source("UpFlow", up, **settings)) not in waits


def test_a_bare_name_outside_a_project_is_not_the_project_flow() -> None:
    """The example pair: the upstream has @project, so the downstream names it in full."""
    waits = awaited(emit_source("DownFlow", "@trigger_on_finish(flow='UpFlow')\n"))
    assert announced(emit_source("UpFlow", SHOP)) not in waits


def test_several_upstreams_resolve_each() -> None:
    down = (
        SHOP
        + "@trigger_on_finish(flows=['UpFlow', 'ml.dev.Other', {'name': 'Third', 'project': 'x', 'project_branch': 'y'}])\n"
    )
    assert awaited(emit_source("DownFlow", down, branch="b")) == [
        "flowc.flow.shop.b.UpFlow.finished",
        "flowc.flow.ml.dev.Other.finished",
        "flowc.flow.x.y.Third.finished",
    ]


@pytest.mark.parametrize(
    ("decorators", "fragment"),
    [
        ("@trigger_on_finish(flow='shop.UpFlow')\n", "one dot is neither form"),
        ("@trigger_on_finish(flow={'name': 'shop.UpFlow'})\n", "one dot is neither form"),
        ("@trigger_on_finish(flow={'name': 'UpFlow', 'project': 'ml'})\n", "only one of project and branch"),
        ("@trigger_on_finish(flow={'name': 'UpFlow', 'project_branch': 'b'})\n", "only one of project"),
        ("@trigger_on_finish(flow={'project': 'ml'})\n", "without a name"),
        ("@trigger_on_finish(flows=['UpFlow', 'a.B'])\n", "one dot is neither form"),
    ],
)
def test_upstreams_that_name_no_flow_are_flc401_at_the_decorator(decorators: str, fragment: str) -> None:
    with pytest.raises(CompileError) as info:
        emit_source("DownFlow", decorators)
    (problem,) = info.value.problems
    assert problem.rule == "FLC401" and fragment in problem.message
    assert (problem.span.path, problem.span.line) == ("flow.py", 4)


def test_a_downstream_project_completes_a_partial_dict() -> None:
    down = SHOP + "@trigger_on_finish(flow={'name': 'UpFlow', 'project': 'ml'})\n"
    assert awaited(emit_source("DownFlow", down)) == ["flowc.flow.ml.main.UpFlow.finished"]


def test_example_pair_chains() -> None:
    upstream = announced(compile_example("foreach_tuning"))
    sensor = next(d for d in compile_example("triggered_report") if d["kind"] == "Sensor")
    assert awaited([sensor]) == [upstream] == ["flowc.flow.iris.main.ForeachTuningFlow.finished"]
