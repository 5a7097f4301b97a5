"""Random flows of every shape compile to valid, deterministic, compact Argo documents."""

from __future__ import annotations

import json
import re
from typing import Any

import argo_schema
import flowgen
import yaml
from flowc.backends.argo import emit
from flowc.backends.base import CompileOptions
from flowc.transpile import Flow, analyze_source
from hypothesis import HealthCheck, given, settings

MIB = 1024 * 1024
OPTIONS = CompileOptions(
    datastore="s3://b/flowc", package_url="s3://b/p.tgz", package_sha256="0" * 64, flow_file="flow.py"
)


def analyse(source: str) -> Flow:
    analysis = analyze_source(source, "flow.py")
    assert analysis.flow is not None and not analysis.errors, [p.format() for p in analysis.problems]
    return analysis.flow


def compile_text(source: str) -> tuple[Flow, list[str]]:
    flow = analyse(source)
    return flow, [d.text for d in emit(flow, OPTIONS)]


def check_dags(flow: Flow, template: dict[str, Any]) -> None:
    """Each step runs in exactly one DAG task; every dependency names a task of the same DAG."""
    seen: list[str] = []
    for tmpl in template["spec"]["templates"]:
        tasks = tmpl.get("dag", {}).get("tasks", [])
        names = {t["name"] for t in tasks}
        for task in tasks:
            for dep in re.findall(r"([A-Za-z0-9-]+)\.Succeeded", task.get("depends", "")):
                assert dep in names, (tmpl["name"], task["name"], dep)
            args = {p["name"]: p["value"] for p in task.get("arguments", {}).get("parameters", [])}
            if task["template"].startswith(("task", "start")):
                seen.append(args["step"])
    assert sorted(seen) == sorted(s.name for s in flow.steps)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(flowgen.flows())
def test_random_flows_compile_valid_and_deterministic(source: str) -> None:
    flow, texts = compile_text(source)
    assert compile_text(source)[1] == texts
    documents = [yaml.load(t, Loader=yaml.CSafeLoader) for t in texts]
    for document in documents:
        for version in argo_schema.VERSIONS:
            assert not argo_schema.errors(document, version)
    check_dags(flow, documents[0])
    from hera.workflows.models import WorkflowTemplate

    model = WorkflowTemplate.model_validate(documents[0])
    assert json.loads(model.model_dump_json(exclude_none=True, by_alias=True)) == documents[0]


def test_seeded_flows_cover_every_shape() -> None:
    kinds = set()
    for seed in range(60):
        flow, texts = compile_text(flowgen.generate(seed))
        document = yaml.load(texts[0], Loader=yaml.CSafeLoader)
        check_dags(flow, document)
        kinds |= {t["name"].split("-")[0] for t in document["spec"]["templates"]}
    assert {"main", "foreach", "loop", "recursion"} <= kinds


def test_thousand_step_linear_flow_is_under_a_mebibyte() -> None:
    _, texts = compile_text(flowgen.linear_flow(1000))
    assert len(texts[0].encode()) <= MIB
    document = yaml.load(texts[0], Loader=yaml.CSafeLoader)
    assert not argo_schema.errors(document, "v4.1.2")
    assert len([t for t in document["spec"]["templates"] if "container" in t]) == 2


def test_two_hundred_way_branch_is_under_a_mebibyte() -> None:
    _, texts = compile_text(flowgen.branch_flow(200))
    assert len(texts[0].encode()) <= MIB
    document = yaml.load(texts[0], Loader=yaml.CSafeLoader)
    assert not argo_schema.errors(document, "v4.1.2")
    join = next(t for t in document["spec"]["templates"][0]["dag"]["tasks"] if t["name"] == "join")
    assert join["depends"].count(" && ") == 199
