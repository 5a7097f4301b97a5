"""User text reaches the task byte for byte through Argo's and the kubelet's substitutions.

The flow's strings go through: compile → YAML load → Argo's substitution
passes (global pass over spec.arguments, the two template passes, the pod
pass; each replaces every ``{{tag}}`` it knows in the JSON text) → the
kubelet's ``$(VAR)`` / ``$$`` expansion → the shim's own argument parser.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import yaml
from flowc.backends.argo import emit
from flowc.backends.argo.escape import kube_escape, kube_unescape
from flowc.backends.base import CompileOptions
from flowc.runtime_shim.cli import parse
from flowc.transpile import analyze_source

NASTY = [
    "{{workflow.name}}",
    "{{inputs.parameters.step}}",
    "{{ workflow.parameters.text }}",
    "{{=sprig.upper('x')}}",
    "$(echo pwned)",
    "$(FLOWC_LBRACE)",
    "$$ and $HOME and ${HOME}",
    'it\'s "quoted"',
    "line one\nline two\n",
    "tab\there \\ back",
    "héllo 日本語 🚀",
    "{{{{workflow.name}}}}",
    "",
    "- item: # not a comment",
]

TAG = re.compile(r"\{\{(.*?)\}\}", re.S)
#: The one ``{{=...}}`` form in container arguments: a parameter, or nothing when it is the sentinel.
PARAM_OR_DEFAULT = re.compile(
    r"=workflow\.parameters\['([-\w]+)'\] == '([^']*)' \? '([^']*)' : '([^']*)' \+ workflow\.parameters\['\1'\]"
)


def expression(text: str, values: dict[str, str]) -> str | None:
    """``expr`` evaluation of a ``{{=...}}`` tag (``None``: a variable is unknown, left for a later pass)."""
    match = PARAM_OR_DEFAULT.fullmatch(json.loads(f'"{text}"'))
    assert match, f"unmodelled expression {text!r}"
    name, sentinel, nothing, flag = match.groups()
    value = values.get(f"workflow.parameters.{name}")
    if value is None:
        return None
    return nothing if value == sentinel else flag + value


def argo_pass(tree: Any, values: dict[str, str]) -> Any:
    """One Argo substitution pass: JSON text in, every known ``{{tag}}`` replaced (escaped)."""

    def replace(match: re.Match[str]) -> str:
        key = match.group(1).strip()
        result = expression(key, values) if key.startswith("=") else values.get(key)
        return match.group(0) if result is None else json.dumps(result)[1:-1]

    return json.loads(TAG.sub(replace, json.dumps(tree)))


def kubelet(container: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """The argv and environment the container's process gets."""
    env: dict[str, str] = {}
    for item in container.get("env", []):
        env[item["name"]] = kube_unescape(item["value"], env)
    argv = [kube_unescape(a, env) for a in container["command"] + container["args"]]
    return argv, env


def flow_source(texts: list[str]) -> str:
    params = "\n".join(f"    p{i} = Parameter('p{i}', default={t!r})" for i, t in enumerate(texts))
    env = {f"VAR_{i}": t for i, t in enumerate(texts)}
    return f'''from flowc import FlowSpec, Parameter, environment, step


class NastyFlow(FlowSpec):
    """{texts[0]} {texts[4]} {texts[10]}"""

{params}

    @environment(vars={env!r})
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
'''


def compiled(texts: list[str]) -> dict[str, Any]:
    analysis = analyze_source(flow_source(texts), "nasty.py")
    assert analysis.flow is not None, [p.format() for p in analysis.problems]
    options = CompileOptions(
        datastore="s3://b/{{workflow.name}}/$(x)",
        package_url="s3://b/p.tgz",
        package_sha256="0" * 64,
        flow_file="nasty.py",
        settings={"tags": json.dumps(texts)},
    )
    document: dict[str, Any] = yaml.safe_load(emit(analysis.flow, options)[0].text)
    return document


def run_start_task(
    document: dict[str, Any], submitted: dict[str, str] | None = None
) -> tuple[list[str], dict[str, str]]:
    """What the start task's process receives after every Argo and kubelet pass.

    ``submitted``: values given at submit time (``argo submit -p NAME=VALUE``), kubelet text.
    """
    spec = argo_pass(document["spec"], {"workflow.name": "wf-1"})
    arguments = spec.get("arguments", {}).get("parameters", [])
    params = {f"workflow.parameters.{p['name']}": p["value"] for p in arguments if "value" in p}
    params.update({f"workflow.parameters.{k}": v for k, v in (submitted or {}).items()})
    globals_ = {"workflow.name": "wf-1", **params}
    main = spec["templates"][0]["dag"]["tasks"][0]
    inputs = {f"inputs.parameters.{p['name']}": p["value"] for p in main["arguments"]["parameters"]}
    template = next(t for t in spec["templates"] if t["name"] == main["template"])
    template = argo_pass(template, globals_)
    template = argo_pass(template, inputs)
    template = argo_pass(template, {**globals_, **inputs, "pod.name": "pod-1"})
    return kubelet(template["container"])


def test_parameter_defaults_env_values_and_tags_arrive_unchanged() -> None:
    document = compiled(NASTY)
    argv, env = run_start_task(document)
    assert argv[:2] == ["python", "-c"]
    args = parse(argv[argv.index("task") + 1 :])
    assert args.params == {f"p{i}": text for i, text in enumerate(NASTY)}
    assert args.tags == NASTY
    assert args.datastore == "s3://b/{{workflow.name}}/$(x)"
    assert args.run_id == "wf-1" and args.step == "start" and args.task_id == "t"
    assert {k: v for k, v in env.items() if k.startswith("VAR_")} == {
        f"VAR_{i}": t for i, t in enumerate(NASTY)
    }


def test_docstring_survives_in_the_annotation() -> None:
    document = compiled(NASTY)
    expected = f"{NASTY[0]} {NASTY[4]} {NASTY[10]}"
    assert document["metadata"]["annotations"]["workflows.argoproj.io/description"] == expected


def test_no_user_text_ever_shows_argo_an_open_tag() -> None:
    spec = compiled(NASTY)["spec"]
    values = [p["value"] for p in spec["arguments"]["parameters"]]
    for template in spec["templates"]:
        container = template.get("container", {})
        values += [e["value"] for e in container.get("env", [])]
    assert all("{{" not in value for value in values)


@pytest.mark.parametrize("text", NASTY)
def test_escape_round_trips(text: str) -> None:
    assert "{{" not in kube_escape(text)
    assert kube_unescape(kube_escape(text)) == text


def test_the_simulation_would_catch_unescaped_text() -> None:
    """Control: raw text through the same passes does change, so the test above can fail."""
    raw = {"container": {"command": ["x"], "args": ["{{workflow.name}}", "$$(y)"], "env": []}}
    passed = argo_pass(raw, {"workflow.name": "wf-1"})
    argv, _ = kubelet(passed["container"])
    assert argv == ["x", "wf-1", "$(y)"]
