"""Decorators, names, triggers and compile errors of the Argo backend."""

from __future__ import annotations

import json
from typing import Any

import argo_schema
import pytest
import yaml
from flowc.backends.argo import emit
from flowc.backends.argo.limits import MAX_CRON_NAME, field_name, label_value, object_name, short_hash
from flowc.backends.base import CompileError, CompileOptions
from flowc.transpile import Flow, analyze_source


def flow_of(source: str) -> Flow:
    analysis = analyze_source(source, "flow.py")
    assert analysis.flow is not None and not analysis.errors, [p.format() for p in analysis.problems]
    return analysis.flow


def compile_source(source: str, **settings: str) -> list[dict[str, Any]]:
    options = CompileOptions(
        datastore="s3://b/f",
        package_url="s3://b/p.tgz",
        package_sha256="0" * 64,
        flow_file="flow.py",
        settings=settings,
    )
    documents = [yaml.safe_load(d.text) for d in emit(flow_of(source), options)]
    for document in documents:
        for version in argo_schema.VERSIONS:
            assert not argo_schema.errors(document, version), argo_schema.errors(document, version)
    return documents


def template_of(document: dict[str, Any], step: str) -> dict[str, Any]:
    templates = {t["name"]: t for t in document["spec"]["templates"]}
    for template in templates.values():
        for task in template.get("dag", {}).get("tasks", []):
            args = {p["name"]: p["value"] for p in task.get("arguments", {}).get("parameters", [])}
            if args.get("step") == step and "container" in templates[task["template"]]:
                return templates[task["template"]]
    raise KeyError(step)


DECORATED = """
from flowc import FlowSpec, kubernetes, resources, retry, secrets, step, timeout


class DecoratedFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.train)

    @kubernetes(image="ml:1", cpu=4, memory="16Gi", gpu=1, service_account="trainer",
                node_selector={"pool": "gpu"}, tolerations=[{"key": "gpu", "operator": "Exists"}])
    @secrets(sources=["db-creds"])
    @retry(times=2, minutes_between_retries=3)
    @timeout(hours=1, minutes=30)
    @step
    def train(self):
        self.next(self.end)

    @resources(cpu=0.5, memory=512, disk=1024)
    @step
    def end(self):
        pass
"""


def test_decorators_map_to_the_container_template() -> None:
    document = compile_source(DECORATED)[0]
    train = template_of(document, "train")
    container = train["container"]
    assert container["image"] == "ml:1"
    assert container["resources"] == {
        "limits": {"nvidia.com/gpu": "1"},
        "requests": {"cpu": "4", "memory": "16Gi"},
    }
    assert container["envFrom"] == [{"secretRef": {"name": "db-creds"}}]
    assert train["serviceAccountName"] == "trainer"
    assert train["nodeSelector"] == {"pool": "gpu"}
    assert train["tolerations"] == [{"key": "gpu", "operator": "Exists"}]
    assert train["retryStrategy"] == {"limit": "2", "retryPolicy": "Always", "backoff": {"duration": "3m"}}
    assert train["activeDeadlineSeconds"] == 5400
    assert "{{retries}}" in container["args"]
    end = template_of(document, "end")["container"]
    assert end["resources"] == {"requests": {"cpu": "0.5", "memory": "512M", "ephemeral-storage": "1024M"}}
    start = template_of(document, "start")
    assert "resources" not in start["container"] and "{{retries}}" not in start["container"]["args"]


def test_unsupported_decorator_is_an_error_at_its_line() -> None:
    source = DECORATED.replace('@secrets(sources=["db-creds"])', '@batch(queue="q")').replace(
        "secrets, step", "batch, secrets, step"
    )
    options = CompileOptions(
        datastore="s3://b/f", package_url="u", package_sha256="0" * 64, flow_file="flow.py"
    )
    with pytest.raises(CompileError) as caught:
        emit(flow_of(source), options)
    problem = caught.value.problems[0]
    assert problem.rule == "FLC401" and "@batch" in problem.message
    assert problem.span.line == source.splitlines().index('    @batch(queue="q")') + 1


TRIGGERED = """
from flowc import FlowSpec, Parameter, project, step, trigger


@project(name="analytics")
@trigger(events=[{"name": "data.ready", "parameters": {"day": "date"}}, "model.ready"])
class TriggeredFlow(FlowSpec):
    day = Parameter("day", default="today")

    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
"""


def test_trigger_events_and_parameters_make_a_sensor() -> None:
    template, sensor = compile_source(TRIGGERED, event_source="webhook", namespace="ml")
    assert sensor["kind"] == "Sensor" and sensor["metadata"]["namespace"] == "ml"
    filters = [d["filters"]["data"][0]["value"] for d in sensor["spec"]["dependencies"]]
    assert filters == [["data.ready"], ["model.ready"]]
    assert {d["eventSourceName"] for d in sensor["spec"]["dependencies"]} == {"webhook"}
    trigger = sensor["spec"]["triggers"][0]["template"]["argoWorkflow"]
    assert trigger["parameters"] == [
        {
            "src": {"dependencyName": "event-0", "dataKey": "body.payload.date"},
            "dest": "spec.arguments.parameters.0.value",
        }
    ]
    resource = trigger["source"]["resource"]
    assert resource["spec"]["workflowTemplateRef"]["name"] == template["metadata"]["name"]
    assert template["metadata"]["name"] == "analytics.main.triggered-flow"
    assert template["metadata"]["labels"]["flowc.dev/project"] == "analytics"


def test_long_names_are_shortened_deterministically() -> None:
    long = "Very" * 30 + "Flow"
    name = object_name(long)
    assert len(name) == 63 and name.endswith(short_hash(long)) and name == object_name(long)
    assert len(object_name(long, MAX_CRON_NAME)) == 52
    assert object_name(long) != object_name(long + "2")
    step = "s" * 200
    assert len(field_name(step)) == 128 and field_name(step) != field_name(step + "x")
    assert len(label_value("x" * 100)) <= 63


def test_a_long_flow_name_fits_every_document() -> None:
    source = (
        TRIGGERED.replace("TriggeredFlow", "Triggered" + "Long" * 20 + "Flow")
        .replace("@trigger(", "@schedule(hourly=True)\n@trigger(")
        .replace("project, step", "project, schedule, step")
    )
    documents = compile_source(source)
    assert [len(d["metadata"]["name"]) <= (52 if d["kind"] == "CronWorkflow" else 63) for d in documents] == [
        True,
        True,
        True,
    ]


def test_bad_settings_are_flc403() -> None:
    for settings in ({"tags": "not json"}, {"max_recursion": "0"}):
        with pytest.raises(CompileError) as caught:
            compile_source(DECORATED, **settings)
        assert caught.value.problems[0].rule == "FLC403"


def test_open_tags_in_pod_fields_are_refused() -> None:
    source = DECORATED.replace('service_account="trainer"', 'service_account="{{workflow.name}}"')
    with pytest.raises(CompileError) as caught:
        compile_source(source)
    assert caught.value.problems[0].rule == "FLC401" and "{{" in caught.value.problems[0].message


def test_flow_level_environment_decorators_compile_the_shim_installs_them() -> None:
    source = (
        "from metaflow import FlowSpec, conda_base, step\n\n\n"
        "@conda_base(python='3.10')\n"
        "class EnvFlow(FlowSpec):\n"
        "    @step\n    def start(self):\n        self.next(self.end)\n\n"
        "    @step\n    def end(self):\n        pass\n"
    )
    assert compile_source(source)


STORAGE = """
from flowc import FlowSpec, kubernetes, resources, step


class StorageFlow(FlowSpec):
    @resources(shared_memory=512)
    @kubernetes(memory=8000, cpu=2, use_tmpfs=True, port=8080, qos="Guaranteed",
                persistent_volume_claims={"data": "/mnt/data", "cache": "/mnt/cache"},
                extended_resources={"vpc.amazonaws.com/efa": 1},
                security_context={"run_as_user": 1000, "allow_privilege_escalation": False,
                                  "capabilities": {"drop": ["ALL"]}})
    @step
    def start(self):
        self.next(self.end)

    @kubernetes(tmpfs_size=100, tmpfs_path="/scratch", tmpfs_tempdir=False, image_pull_secrets=["b", "a"],
                executable="/opt/py/bin/python3")
    @step
    def end(self):
        pass
"""


def test_storage_ports_and_qos_as_metaflow_sets_them() -> None:
    (document,) = compile_source(STORAGE)
    start = template_of(document, "start")
    assert start["volumes"] == [
        {"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": "512Mi"}},
        {"name": "tmpfs", "emptyDir": {"medium": "Memory", "sizeLimit": "4000Mi"}},
        {"name": "pvc-0", "persistentVolumeClaim": {"claimName": "cache"}},
        {"name": "pvc-1", "persistentVolumeClaim": {"claimName": "data"}},
    ]
    container = start["container"]
    assert container["volumeMounts"] == [
        {"name": "dshm", "mountPath": "/dev/shm"},
        {"name": "tmpfs", "mountPath": "/metaflow_temp"},
        {"name": "pvc-0", "mountPath": "/mnt/cache"},
        {"name": "pvc-1", "mountPath": "/mnt/data"},
    ]
    assert {"name": "METAFLOW_TEMPDIR", "value": "/metaflow_temp"} in container["env"]
    assert container["ports"] == [{"containerPort": 8080}]
    assert container["resources"] == {
        "limits": {"vpc.amazonaws.com/efa": "1", "cpu": "2", "memory": "8000M"},
        "requests": {"cpu": "2", "memory": "8000M", "vpc.amazonaws.com/efa": "1"},
    }
    assert container["securityContext"] == {
        "runAsUser": 1000,
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
    }
    assert document["spec"]["imagePullSecrets"] == [{"name": "a"}, {"name": "b"}]
    end = template_of(document, "end")
    assert end["volumes"] == [{"name": "tmpfs", "emptyDir": {"medium": "Memory", "sizeLimit": "100Mi"}}]
    assert end["container"]["volumeMounts"] == [{"name": "tmpfs", "mountPath": "/scratch"}]
    assert end["container"]["command"][:2] == ["/opt/py/bin/python3", "-c"]
    assert start["container"]["command"][0] == "python"
    assert all(e["name"] != "METAFLOW_TEMPDIR" for e in end["container"]["env"])


@pytest.mark.parametrize(
    ("argument", "message", "hint"),
    [
        ('namespace="ML_Team"', "@kubernetes(namespace='ML_Team')", "use at most 63 lowercase letters"),
        (
            'compute_pool="p"',
            "@kubernetes(compute_pool=...)",
            "select the nodes with node_selector=... instead",
        ),
        ('qos="Best"', "@kubernetes(qos='Best')", "use qos='Guaranteed' or 'Burstable'"),
    ],
)
def test_refused_kubernetes_arguments_say_what_to_do(argument: str, message: str, hint: str) -> None:
    source = STORAGE.replace("@kubernetes(tmpfs_size=100", f"@kubernetes({argument}, tmpfs_size=100")
    with pytest.raises(CompileError) as caught:
        compile_source(source)
    (problem,) = caught.value.problems
    assert problem.rule == "FLC401" and message in problem.message and problem.hint.startswith(hint)


RECURSIVE = """
from flowc import FlowSpec, step


class SpinFlow(FlowSpec):
    @step
    def start(self):
        self.items = [1]
        self.next(self.spin, foreach="items")

    @step
    def spin(self):
        self.state = "done"
        self.next({"again": self.spin, "done": self.after}, condition="state")

    @step
    def after(self):
        self.next(self.join)

    @step
    def join(self, inputs):
        self.next(self.end)

    @step
    def end(self):
        pass
"""


def test_a_recursion_bound_over_argos_stack_names_the_largest_that_fits() -> None:
    # main → foreach body → loop: three templates, so 97 rounds fit in Argo's 100.
    compile_source(RECURSIVE, max_recursion="97")
    with pytest.raises(CompileError) as caught:
        compile_source(RECURSIVE, max_recursion="98")
    (problem,) = caught.value.problems
    assert problem.rule == "FLC401" and "98 rounds" in problem.message
    assert problem.hint == "--set max_recursion=97 or less"


def test_storage_round_trips_through_hera() -> None:
    from hera.workflows.models import WorkflowTemplate

    (document,) = compile_source(STORAGE)
    dumped = WorkflowTemplate.model_validate(document).model_dump_json(exclude_none=True, by_alias=True)
    assert json.loads(dumped) == document


NAMESPACED = """
from flowc import FlowSpec, kubernetes, step


class NamespacedFlow(FlowSpec):
    @kubernetes(namespace="ml", cpu=1)
    @step
    def start(self):
        self.next(self.end)

    @kubernetes(namespace=NS)
    @step
    def end(self):
        pass
"""


def test_the_steps_namespace_is_the_workflows() -> None:
    (template,) = compile_source(NAMESPACED.replace("NS", '"ml"'))
    assert template["metadata"]["namespace"] == "ml"
    (template,) = compile_source(NAMESPACED.replace("@kubernetes(namespace=NS)", ""))
    assert template["metadata"]["namespace"] == "ml"
    (template,) = compile_source(NAMESPACED.replace("NS", '"ml"'), namespace="ml")
    assert template["metadata"]["namespace"] == "ml"


@pytest.mark.parametrize(
    ("end_namespace", "setting", "message", "line"),
    [
        ('"data"', None, "@kubernetes(namespace='data') in a workflow in namespace 'ml'", 11),
        ('"ml"', "prod", "@kubernetes(namespace='ml') in a workflow in namespace 'prod'", 6),
    ],
)
def test_steps_in_another_namespace_than_the_workflow_are_refused(
    end_namespace: str, setting: str | None, message: str, line: int
) -> None:
    settings = {"namespace": setting} if setting else {}
    with pytest.raises(CompileError) as caught:
        compile_source(NAMESPACED.replace("NS", end_namespace), **settings)
    (problem,) = caught.value.problems
    assert problem.rule == "FLC401" and message in problem.message
    assert problem.span.line == line and "same one" in problem.hint


def test_a_namespace_setting_must_be_a_namespace_name() -> None:
    with pytest.raises(CompileError) as caught:
        compile_source(NAMESPACED.replace("NS", '"ml"'), namespace="Not A Namespace")
    assert [p.rule for p in caught.value.problems] == ["FLC403"]
    assert "is not a Kubernetes namespace name" in caught.value.problems[0].message
