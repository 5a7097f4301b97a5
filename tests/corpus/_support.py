"""Helpers of tests/test_corpus.py: parametrisation, in-process flowc commands, and the
checks a compiled or run corpus flow must pass."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import argo_schema
import flowc_cli
import pytest
import yaml
from corpus._cases import BY_ID

#: ``FLOWC_CORPUS_RUN_ALL=1`` runs every runnable flow, not only the smoke set.
RUN_ALL = os.environ.get("FLOWC_CORPUS_RUN_ALL") == "1"

#: A traceback frame inside flowc's own code.
FLOWC_FRAME = re.compile(r'File "[^"]*/(runtime_shim|transpile|backends|flowc)/[^"]*", line')


def params_for(aspect: str, targets: tuple[str, ...] = ("",)) -> list[Any]:
    """``pytest.param`` per case (× target), xfail where the case says so."""
    params = []
    for name, case in BY_ID.items():
        for target in targets:
            key = target or aspect
            needs_run = aspect in ("run", "cards", "argo-sim", "sfn-sim")
            if needs_run and (case.run is None or not (case.smoke or RUN_ALL)):
                continue
            if aspect == "cards" and not case.cards:
                continue
            simulated = aspect.removesuffix("-sim") if aspect.endswith("-sim") else None
            if simulated and simulated in case.rejects:
                continue
            inherited = (key, "sims", simulated) if simulated else (key,)
            reasons = [case.xfail[k] for k in inherited if k and k in case.xfail]
            marks = [pytest.mark.xfail(reason=reasons[0])] if reasons else []
            ident = f"{name}-{target}" if target else name
            params.append(pytest.param(name, target, id=ident, marks=marks))
    return params


def invoke(command: ModuleType, args: list[str]) -> tuple[int, str]:
    """Run ``flowc COMMAND ARGS...`` in-process (``command``: its module under ``flowc.commands``);
    a Python exception escapes as a test failure, never a result."""
    result = flowc_cli.invoke([command.__name__.rsplit(".", 1)[-1], *args])
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.output


#: Runs in a fresh interpreter: the parameters (not configs) Metaflow sees on each flow class.
PARAMETERS_SCRIPT = r"""
import contextlib, importlib.util, io, json, sys
result = {}
for index, (path, name) in enumerate(json.load(sys.stdin)):
    spec = importlib.util.spec_from_file_location(f"corpus_params_{index}", path)
    module = importlib.util.module_from_spec(spec)
    with contextlib.redirect_stdout(io.StringIO()):
        spec.loader.exec_module(module)
    flow = getattr(module, name)
    result[path] = sorted(p.name for _, p in flow._get_parameters() if not p.IS_CONFIG_PARAMETER)
json.dump(result, sys.stdout)
"""


def assert_argo_valid(files: list[Path]) -> None:
    """The Argo documents in ``files`` pass the strict schemas and Argo's cron parsing."""
    documents = [
        doc
        for path in files
        if path.suffix in (".yaml", ".yml")
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8"))
        if doc
    ]
    assert any(doc["kind"] == "WorkflowTemplate" for doc in documents)
    for document in documents:
        if document["kind"] == "CronWorkflow":
            for schedule in document["spec"]["schedules"]:
                # Argo's ValidateCronWorkflow parses with robfig/cron ParseStandard: five fields.
                fields = re.sub(r"^CRON_TZ=\S+ ", "", schedule).split()
                assert schedule.startswith("@") or len(fields) == 5, f"not a standard cron: {schedule!r}"
    for document in documents:
        for version in argo_schema.VERSIONS:
            problems = argo_schema.errors(document, version)
            assert not problems, f"{document['kind']} ({version}):\n" + "\n".join(problems[:20])


def deployed_name(target: str, files: list[Path]) -> str:
    """The name a deployment of ``files`` is known by on ``target``."""
    if target == "argo":
        documents = [d for p in files for d in yaml.safe_load_all(p.read_text(encoding="utf-8")) if d]
        (template,) = [d for d in documents if d["kind"] == "WorkflowTemplate"]
        return str(template["metadata"]["name"])
    if target == "airflow":
        match = re.search(r'dag_id="([^"]+)"', next(p for p in files if p.suffix == ".py").read_text())
        assert match
        return match.group(1)
    schedule = json.loads(next(p for p in files if p.name == "schedule.json").read_text(encoding="utf-8"))
    return str(schedule["Name"])
