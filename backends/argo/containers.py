"""The shared, parameterised container templates that run the shim.

A DAG task names its step, task id, input paths and source location as
arguments; the container template turns them into the shim's command line
(docs/task-contract.md).  Steps share a template when they agree on
decorators (:class:`~flowc.backends.argo.decorators.Profile`), foreach depth
and which output the orchestrator needs from them.
"""

from __future__ import annotations

import json
from typing import NamedTuple

from flowc.backends.argo.decorators import Profile
from flowc.backends.argo.documents import branch_override
from flowc.backends.argo.escape import DEFAULT_SENTINEL, LBRACE_VAR, kube_escape
from flowc.backends.base import CompileOptions
from flowc.runtime_shim.bootstrap import bootstrap_command
from flowc.runtime_shim.branch import BRANCH_ENV
from flowc.transpile.ir import Flow

#: Where the shim writes its one-file-per-field outputs inside the container.
OUTPUT_DIR = "/tmp/flowc-out"
#: Annotation carrying ``file:line`` of the step a pod runs.
SOURCE_ANNOTATION = "flowc.dev/source"


class TemplateKey(NamedTuple):
    """What makes two steps need different container templates."""

    #: The start step takes the flow's parameters.
    start: bool
    #: Index of the step's decorator profile (0: no decorators).
    profile: int
    #: Number of ``--split-index`` arguments (enclosing foreach steps).
    depth: int
    #: ``"cardinality"`` for foreach steps, ``"switch"`` for switches, else ``""``.
    output: str

    def name(self) -> str:
        """The template name: ``task``, ``start``, ``task-p1-d2-foreach``..."""
        parts = ["start" if self.start else "task"]
        if self.profile:
            parts.append(f"p{self.profile}")
        if self.depth:
            parts.append(f"d{self.depth}")
        if self.output:
            parts.append("foreach" if self.output == "cardinality" else "switch")
        return "-".join(parts)


def split_param(level: int) -> str:
    """Name of the input parameter holding the foreach index at ``level`` (0 = outermost)."""
    return f"i{level}"


def _input_names(key: TemplateKey) -> list[str]:
    names = ["step", "task-id"]
    if not key.start:
        names.append("input-paths")
    names.append("source")
    names += [split_param(level) for level in range(key.depth)]
    return names


def _shim_args(
    flow: Flow, options: CompileOptions, key: TemplateKey, prof: Profile, tags: list[str]
) -> list[str]:
    def inp(name: str) -> str:
        """A reference to input parameter ``name``."""
        return "{{inputs.parameters." + name + "}}"

    args = ["task", "--datastore", kube_escape(options.datastore)]
    args += ["--package-url", kube_escape(options.package_url), "--package-sha256", options.package_sha256]
    args += ["--flow-file", kube_escape(options.flow_file), "--flow", flow.name]
    args += ["--run-id", "{{workflow.name}}", "--step", inp("step"), "--task-id", inp("task-id")]
    if prof.retry:
        args += ["--attempt", "{{retries}}"]
    if not key.start:
        args += ["--input-paths", inp("input-paths")]
    for level in range(key.depth):
        args += ["--split-index", inp(split_param(level))]
    if key.start:
        for param in flow.parameters:
            if param.default is None and not param.required:
                args.append(_param_or_default(param.name))
            else:
                args += ["--param", f"{param.name}={{{{workflow.parameters.{param.name}}}}}"]
    for tag in tags:
        args += ["--tag", kube_escape(tag)]
    if key.output:
        args += ["--output-dir", OUTPUT_DIR]
    return args


def _param_or_default(name: str) -> str:
    """One argument: ``--param=NAME=VALUE``, or a no-op when the value is :data:`DEFAULT_SENTINEL`.

    Argo cannot drop an argument, so the sentinel becomes ``--params-json={}``,
    which adds nothing: the shim then computes the flow's own default.
    """
    value = f"workflow.parameters['{name}']"
    return f"{{{{={value} == '{DEFAULT_SENTINEL}' ? '--params-json={{}}' : '--param={name}=' + {value}}}}}"


def container_template(
    flow: Flow, options: CompileOptions, key: TemplateKey, prof: Profile, tags: list[str]
) -> dict[str, object]:
    """The container template for ``key`` with the settings of ``prof``."""
    pod = json.loads(prof.pod)
    command = bootstrap_command(
        options.package_url, options.package_sha256, _shim_args(flow, options, key, prof, tags), prof.python
    )
    # The interpreter, snippet, URL and sha come first and are literal text like any other.
    command = [kube_escape(part) if i in (0, 2, 3, 4) else part for i, part in enumerate(command)]
    container: dict[str, object] = {"image": prof.image, "command": command[:3], "args": command[3:]}
    env = [{"name": LBRACE_VAR, "value": "{"}]
    override = branch_override(flow, options)
    if override:
        env.append({"name": BRANCH_ENV, "value": kube_escape(override)})
    container["env"] = [*env, *json.loads(prof.env)]
    env_from = json.loads(prof.env_from)
    if env_from:
        container["envFrom"] = env_from
    if prof.resources:
        container["resources"] = json.loads(prof.resources)
    container.update(json.loads(prof.container))
    if "imagePullPolicy" in pod:
        container["imagePullPolicy"] = pod.pop("imagePullPolicy")
    template: dict[str, object] = {"name": key.name()}
    template["inputs"] = {"parameters": [{"name": n} for n in _input_names(key)]}
    extra_meta = pod.pop("metadata", {})
    template["metadata"] = {
        "annotations": {
            SOURCE_ANNOTATION: "{{inputs.parameters.source}}",
            **extra_meta.get("annotations", {}),
        },
        **({"labels": extra_meta["labels"]} if "labels" in extra_meta else {}),
    }
    template.update(pod)
    volumes = json.loads(prof.volumes)
    if volumes:
        template["volumes"] = volumes
    template["container"] = container
    if key.output:
        path = f"{OUTPUT_DIR}/{key.output}"
        template["outputs"] = {"parameters": [{"name": key.output, "valueFrom": {"path": path}}]}
    if prof.retry:
        template["retryStrategy"] = json.loads(prof.retry)
    if prof.timeout:
        template["activeDeadlineSeconds"] = prof.timeout
    return template


def limit_template(image: str, bound: int) -> dict[str, object]:
    """A template that fails with a message: a recursion went past its depth bound."""
    message = f"flowc: a recursion ran {bound} rounds, its bound; see docs/argo.md"
    return {
        "name": "recursion-limit",
        "inputs": {"parameters": [{"name": "step"}]},
        "container": {
            "image": image,
            "command": ["python", "-c", "import sys; sys.exit(sys.argv[1] + ': ' + sys.argv[2])"],
            "args": [message, "{{inputs.parameters.step}}"],
        },
    }
