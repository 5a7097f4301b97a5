"""The Argo backend on the examples: golden files, strict schemas, hera round-trip, CLI."""

from __future__ import annotations

import difflib
import glob
import json
import os
import re
import warnings
from typing import Any

import argo_schema
import pytest
import yaml
from flowc.backends.argo import emit
from flowc.backends.base import CompileOptions, Document
from flowc.transpile import load_flow
from flowc_cli import Result, invoke

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = sorted(glob.glob(os.path.join(ROOT, "examples", "*.py")))
GOLDEN = os.path.join(ROOT, "golden", "argo")
UPDATE = os.environ.get("FLOWC_UPDATE_GOLDEN") == "1"

#: Fixed package coordinates, so goldens do not change with every shim edit.
PACKAGE_URL = "s3://flowc-golden/flowc/packages/example.tgz"
PACKAGE_SHA = "0" * 64


def options(path: str, **settings: str) -> CompileOptions:
    return CompileOptions(
        datastore="s3://flowc-golden/flowc",
        package_url=PACKAGE_URL,
        package_sha256=PACKAGE_SHA,
        flow_file=os.path.basename(path),
        settings=settings,
    )


def compile_path(path: str, **settings: str) -> list[Document]:
    return emit(load_flow(path), options(path, **settings))


def load_all(documents: list[Document]) -> list[dict[str, Any]]:
    return [yaml.load(d.text, Loader=yaml.CSafeLoader) for d in documents]


def assert_valid(document: dict[str, Any]) -> None:
    for version in argo_schema.VERSIONS:
        problems = argo_schema.errors(document, version)
        assert not problems, f"{document['kind']} invalid against Argo {version}:\n" + "\n".join(
            problems[:20]
        )


def _name(path: str) -> str:
    return os.path.splitext(os.path.basename(path))[0]


_SNIPPET = re.compile(r'^( +)- "-c"\n\1- \|\n(?:\1  .*\n|\n)+', re.M)


def _without_snippet(text: str) -> str:
    """``text`` with the ``python -c`` bootstrap snippet blocks cut out."""
    return _SNIPPET.sub(lambda m: f'{m.group(1)}- "-c"\n{m.group(1)}- <snippet>\n', text)


@pytest.mark.parametrize("path", EXAMPLES, ids=_name)
def test_golden(path: str) -> None:
    folder = os.path.join(GOLDEN, _name(path))
    documents = compile_path(path)
    if UPDATE:
        os.makedirs(folder, exist_ok=True)
        for old in glob.glob(os.path.join(folder, "*.yaml")):
            os.unlink(old)
        for document in documents:
            with open(os.path.join(folder, document.filename), "w", encoding="utf-8") as handle:
                handle.write(document.text)
    expected = sorted(os.listdir(folder)) if os.path.isdir(folder) else []
    assert sorted(d.filename for d in documents) == expected, "run: FLOWC_UPDATE_GOLDEN=1 make test"
    for document in documents:
        with open(os.path.join(folder, document.filename), encoding="utf-8") as handle:
            want = handle.read()
        if want != document.text and _without_snippet(want) == _without_snippet(document.text):
            # The bootstrap snippet belongs to the runtime shim: its edits should not fail this test.
            warnings.warn(
                f"{folder}: only the bootstrap snippet changed; FLOWC_UPDATE_GOLDEN=1 make test", stacklevel=1
            )
        elif want != document.text:
            diff = "".join(
                difflib.unified_diff(
                    want.splitlines(keepends=True), document.text.splitlines(keepends=True), "golden", "now"
                )
            )
            pytest.fail(
                f"{folder}/{document.filename} differs:\n{diff}\nrun: FLOWC_UPDATE_GOLDEN=1 make test"
            )


@pytest.mark.parametrize("path", EXAMPLES, ids=_name)
def test_examples_strictly_valid_and_round_trip_through_hera(path: str) -> None:
    from hera.events.models import Sensor
    from hera.workflows.models import CronWorkflow, WorkflowTemplate

    models = {"WorkflowTemplate": WorkflowTemplate, "CronWorkflow": CronWorkflow, "Sensor": Sensor}
    for document in load_all(compile_path(path)):
        assert_valid(document)
        kind = document["kind"]
        if kind == "Sensor":
            document = _split_sensor(document)
            del document["kind"]
        assert _round_trip(models[kind], document) == document, "hera dropped or changed keys"


def _round_trip(model: Any, document: dict[str, Any]) -> Any:
    return json.loads(model.model_validate(document).model_dump_json(exclude_none=True, by_alias=True))


def _split_sensor(document: dict[str, Any]) -> dict[str, Any]:
    """Hera's Sensor model has no apiVersion/kind and keeps the submitted resource as
    opaque bytes: round-trip the resource through hera's Workflow model on its own."""
    from hera.workflows.models import Workflow

    document = {k: v for k, v in document.items() if k not in ("apiVersion", "kind")} | {"kind": "Sensor"}
    for trigger in document["spec"]["triggers"]:
        source = trigger["template"]["argoWorkflow"]["source"]
        assert _round_trip(Workflow, source["resource"]) == source["resource"]
        source["resource"] = {}
    return document


def test_schema_check_is_strict() -> None:
    document = load_all(compile_path(EXAMPLES[0]))[0]
    document["spec"]["entrypiont"] = "main"
    document["spec"]["templates"][0]["dag"]["tasks"][0]["withParams"] = "[]"
    problems = " ".join(argo_schema.errors(document, "v4.1.2"))
    assert "entrypiont" in problems and "withParams" in problems


def test_every_document_kind_appears() -> None:
    kinds = {d["kind"] for path in EXAMPLES for d in load_all(compile_path(path))}
    assert kinds == {"WorkflowTemplate", "CronWorkflow", "Sensor"}


def test_cron_workflow_uses_schedules_and_timezone() -> None:
    cron = load_all(compile_path(os.path.join(ROOT, "examples", "foreach_tuning.py")))[1]
    assert cron["spec"]["schedules"] == ["0 3 * * *"]
    assert cron["spec"]["timezone"] == "Europe/Berlin"
    assert "schedule" not in cron["spec"]
    assert len(cron["metadata"]["name"]) <= 52


def test_every_dag_task_names_its_source_line() -> None:
    path = os.path.join(ROOT, "examples", "linear_etl.py")
    flow = load_flow(path)
    template = load_all(compile_path(path))[0]
    tasks = template["spec"]["templates"][0]["dag"]["tasks"]
    for task in tasks:
        args = {p["name"]: p["value"] for p in task["arguments"]["parameters"]}
        assert args["source"] == f"linear_etl.py:{flow.step(args['step']).span.line}"


def _cli(*args: str) -> Result:
    return invoke(args)


def test_cli_writes_one_file_per_kind_and_check_detects_changes(tmp_path: Any) -> None:
    example = os.path.join(ROOT, "examples", "foreach_tuning.py")
    common = ["compile", example, "--target", "argo", "--datastore", "s3://b/f", "-o", str(tmp_path)]
    common += ["--package-url", PACKAGE_URL, "--package-sha256", PACKAGE_SHA]
    assert _cli(*common).exit_code == 0
    assert sorted(os.listdir(tmp_path)) == ["cron-workflow.yaml", "workflow-template.yaml"]
    assert _cli(*common, "--check").exit_code == 0
    (tmp_path / "workflow-template.yaml").write_text("stale\n")
    result = _cli(*common, "--check")
    assert result.exit_code == 1
    assert "-stale" in result.output and "+apiVersion: argoproj.io/v1alpha1" in result.output


def test_cli_stdout_is_multi_document_yaml() -> None:
    example = os.path.join(ROOT, "examples", "triggered_report.py")
    result = _cli("compile", example, "--target", "argo", "--datastore", "s3://b/f", "-o", "-")
    assert result.exit_code == 0
    kinds = [d["kind"] for d in yaml.safe_load_all(result.stdout)]
    assert kinds == ["WorkflowTemplate", "Sensor"]


def test_cli_reports_what_argo_cannot_express_without_a_traceback(tmp_path: Any) -> None:
    flow = tmp_path / "flow.py"
    flow.write_text(
        "from flowc import FlowSpec, batch, step\n\n\nclass F(FlowSpec):\n"
        "    @batch(queue='q')\n    @step\n    def start(self):\n        self.next(self.end)\n\n"
        "    @step\n    def end(self):\n        pass\n"
    )
    result = invoke(["compile", str(flow), "--target", "argo", "--datastore", "s3://b/f"])
    assert result.exit_code == 1
    assert f"{flow}:5:5: FLC401 Argo Workflows cannot express @batch" in result.output
    assert "Traceback" not in result.output
