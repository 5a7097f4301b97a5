"""Strict validation of Argo documents against Argo's own JSON schemas.

The upstream schemas (../shared/schemas/argo, see SOURCE.md there) accept
any unknown key and type IntOrString / Quantity as plain strings.  Strict
mode fixes both: ``additionalProperties: false`` on every object schema that
lists its properties, and IntOrString / Quantity typed as the CRD files type
them (``x-kubernetes-int-or-string``: an integer or a string, quantities
matching the CRD's pattern).
"""

from __future__ import annotations

import copy
import functools
import json
import os
from typing import Any

import jsonschema

SCHEMA_DIR = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "schemas", "argo")
VERSIONS = ("v4.1.2", "v3.7.18")

#: Document kind → definition name in the schemas.
DEFINITIONS = {
    "WorkflowTemplate": "io.argoproj.workflow.v1alpha1.WorkflowTemplate",
    "CronWorkflow": "io.argoproj.workflow.v1alpha1.CronWorkflow",
    "Sensor": "github.com.argoproj.argo_events.pkg.apis.events.v1alpha1.Sensor",
    "Workflow": "io.argoproj.workflow.v1alpha1.Workflow",
}

_EVENTS = "github.com.argoproj.argo_events.pkg.apis.events.v1alpha1."

#: Quantity pattern from crd_full_workflowtemplates.yaml.
QUANTITY_PATTERN = r"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$"
INT_OR_STRING = {"anyOf": [{"type": "integer"}, {"type": "string"}]}
QUANTITY = {"anyOf": [{"type": "integer"}, {"type": "string", "pattern": QUANTITY_PATTERN}]}


def _close_objects(node: Any) -> None:
    """Add ``additionalProperties: false`` to every object schema under ``node``."""
    if isinstance(node, dict):
        if "properties" in node and "additionalProperties" not in node:
            node["additionalProperties"] = False
        for value in node.values():
            _close_objects(value)
    elif isinstance(node, list):
        for value in node:
            _close_objects(value)


def strict_definitions(raw: dict[str, Any]) -> dict[str, Any]:
    """The schema's definitions in strict mode."""
    definitions = copy.deepcopy(raw["definitions"])
    _close_objects(definitions)
    definitions["io.k8s.apimachinery.pkg.util.intstr.IntOrString"] = INT_OR_STRING
    definitions["io.k8s.apimachinery.pkg.api.resource.Quantity"] = QUANTITY
    # Argo Events types are generated without TypeMeta, and K8SResource is raw
    # JSON in Go (a whole object): validate_sensor checks that object on its own.
    sensor = definitions[DEFINITIONS["Sensor"]]["properties"]
    sensor["apiVersion"] = {"const": "argoproj.io/v1alpha1"}
    sensor["kind"] = {"const": "Sensor"}
    definitions[_EVENTS + "K8SResource"] = {"type": "object"}
    return definitions


@functools.cache
def validator(version: str, kind: str) -> jsonschema.protocols.Validator:
    """A strict validator for documents of ``kind`` in Argo ``version``."""
    with open(os.path.join(SCHEMA_DIR, f"schema_{version}.json"), encoding="utf-8") as handle:
        raw = json.load(handle)
    schema = {
        "$schema": raw["$schema"],
        "$ref": f"#/definitions/{DEFINITIONS[kind]}",
        "definitions": strict_definitions(raw),
    }
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema)  # type: ignore[no-any-return]


def errors(document: dict[str, Any], version: str) -> list[str]:
    """Every strict-mode error of ``document`` against Argo ``version`` (empty: valid)."""
    found = validator(version, document["kind"]).iter_errors(document)
    out = sorted(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in found)
    if document["kind"] == "Sensor":
        for index, trigger in enumerate(document["spec"]["triggers"]):
            resource = trigger["template"]["argoWorkflow"]["source"]["resource"]
            out += [f"spec/triggers/{index}/.../resource: {e}" for e in errors(resource, version)]
    return out
