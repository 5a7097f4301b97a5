"""Step decorators → what they change in a container template.

Steps whose decorators give the same :class:`Profile` share one template,
so a flow without decorators needs a single container template however
many steps it has.
"""

from __future__ import annotations

import json
import re
from typing import NamedTuple

from flowc.backends.argo.escape import argo_inert, kube_escape
from flowc.backends.argo.limits import NAMESPACE_HINT, is_namespace
from flowc.backends.argo.volumes import storage
from flowc.transpile.ir import Decorator, Flow, Step, Value

TARGET = "Argo Workflows"

#: ``@kubernetes`` arguments the Argo backend honours.
KUBERNETES_ARGS = frozenset(
    {
        "cpu",
        "memory",
        "disk",
        "gpu",
        "gpu_vendor",
        "image",
        "image_pull_policy",
        "service_account",
        "secrets",
        "node_selector",
        "tolerations",
        "labels",
        "annotations",
        "shared_memory",
        "use_tmpfs",
        "tmpfs_tempdir",
        "tmpfs_size",
        "tmpfs_path",
        "persistent_volume_claims",
        "port",
        "qos",
        "extended_resources",
        "image_pull_secrets",
        "security_context",
        "executable",
        "namespace",  # one for the whole workflow: see workflow_namespace()
    }
)
#: Why an ``@kubernetes`` argument outside :data:`KUBERNETES_ARGS` is refused, and what to do.
KUBERNETES_HINTS = {
    "compute_pool": "select the nodes with node_selector=... instead",
    "hostname_resolution_timeout": "remove it: Argo starts the task when the pod runs",
}
#: ``@kubernetes(qos=...)`` values (Metaflow's, case-insensitive).
QOS_CLASSES = ("guaranteed", "burstable")
#: Step decorators that change nothing in the Argo document (the shim handles them;
#: ``@pypi``/``@conda`` and their flow-level bases too, see docs/environments.md).
SHIM_ONLY = frozenset({"card", "catch"})
#: Decorators Argo cannot honour: refusing beats silently dropping them.
UNSUPPORTED = {
    "batch": "use @kubernetes or @resources instead of @batch",
    "parallel": "run the gang as a foreach instead of @parallel",
}

_NUMBER = re.compile(r"^\d+(\.\d+)?$")


class Unsupported(Exception):
    """A decorator (or one of its arguments) Argo cannot honour."""

    def __init__(self, decorator: Decorator, what: str, hint: str) -> None:
        super().__init__(what)
        self.decorator = decorator
        self.what = what
        self.hint = hint


class Profile(NamedTuple):
    """Everything a step's decorators put into its container template, as a hashable key."""

    #: Container image.
    image: str
    #: The Python interpreter that runs the task (``@kubernetes(executable=...)``).
    python: str = "python"
    #: JSON of the ``resources`` block (``""`` when none).
    resources: str = ""
    #: JSON of the env list after ``FLOWC_LBRACE``.
    env: str = "[]"
    #: JSON of the ``envFrom`` list.
    env_from: str = "[]"
    #: ``retryStrategy`` as JSON (``""`` when none).
    retry: str = ""
    #: ``activeDeadlineSeconds`` (0 when none).
    timeout: int = 0
    #: Pod-level settings as JSON: node selector, tolerations, service account...
    pod: str = "{}"
    #: The template's ``volumes`` as JSON.
    volumes: str = "[]"
    #: Extra container fields as JSON: ``volumeMounts``, ``ports``, ``securityContext``.
    container: str = "{}"


def _quantity(value: Value, unit: str) -> str:
    """A Kubernetes quantity string: bare numbers get ``unit`` (Metaflow's MB)."""
    text = str(value).strip()
    return f"{text}{unit}" if unit and _NUMBER.fullmatch(text) else text


def _cpu(value: Value) -> str:
    text = str(value).strip()
    return text[:-2] if text.endswith(".0") else text


def _merged_compute(step: Step) -> dict[str, Value]:
    """``@resources`` overlaid by ``@kubernetes`` (the more specific one wins)."""
    merged: dict[str, Value] = {}
    for name in ("resources", "kubernetes"):
        deco = step.decorator(name)
        if deco is not None:
            merged.update({k: v for k, v in deco.args.items() if v is not None})
    return merged


def _resources(compute: dict[str, Value]) -> dict[str, object]:
    requests: dict[str, str] = {}
    limits: dict[str, str] = {}
    guaranteed = str(compute.get("qos") or "").lower() == "guaranteed"
    if "cpu" in compute:
        requests["cpu"] = _cpu(compute["cpu"])
    if "memory" in compute:
        requests["memory"] = _quantity(compute["memory"], "M")
    if "disk" in compute:
        requests["ephemeral-storage"] = _quantity(compute["disk"], "M")
    gpus = int(str(compute.get("gpu") or 0))
    if gpus:
        vendor = str(compute.get("gpu_vendor") or "nvidia").lower()
        limits[f"{vendor}.com/gpu"] = str(gpus)
    extended = compute.get("extended_resources")
    if isinstance(extended, dict):
        # Requested and limited alike, as Metaflow does (Kubernetes never overcommits them).
        given = {str(k): str(v) for k, v in extended.items() if v is not None}
        requests.update(given)
        limits.update(given)
    if guaranteed:
        # Guaranteed QoS: every request is also a limit, as Metaflow sets them.
        limits.update(requests)
    block: dict[str, object] = {}
    if limits:
        block["limits"] = limits
    if requests:
        block["requests"] = requests
    return block


def _retry(step: Step) -> dict[str, object]:
    deco = step.decorator("retry")
    if deco is None:
        return {}
    times = int(str(deco.get("times", 3)))
    if times <= 0:
        return {}
    strategy: dict[str, object] = {"limit": str(times), "retryPolicy": "Always"}
    minutes = int(str(deco.get("minutes_between_retries", 2) or 0))
    if minutes:
        strategy["backoff"] = {"duration": f"{minutes}m"}
    return strategy


def _timeout(step: Step) -> int:
    deco = step.decorator("timeout")
    if deco is None:
        return 0
    units = (("seconds", 1), ("minutes", 60), ("hours", 3600))
    return sum(int(str(deco.get(key) or 0)) * factor for key, factor in units)


def _env(step: Step) -> list[dict[str, str]]:
    deco = step.decorator("environment")
    values = deco.get("vars") if deco else None
    if not isinstance(values, dict):
        return []
    return [{"name": key, "value": kube_escape(_env_text(values[key]))} for key in sorted(values)]


def _env_text(value: Value) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    return value if isinstance(value, str) else json.dumps(value)


def _secret_names(step: Step) -> list[str]:
    names: list[str] = []
    deco = step.decorator("secrets")
    if deco is not None:
        sources = deco.get("sources") or []
        assert isinstance(sources, list)
        for source in sources:
            if not isinstance(source, str):
                raise Unsupported(
                    deco, "@secrets sources other than secret names", "name Kubernetes secrets as strings"
                )
            names.append(source)
    kube = step.decorator("kubernetes")
    extra = kube.get("secrets") if kube is not None else None
    if isinstance(extra, str):
        names.append(extra)
    elif isinstance(extra, list):
        names.extend(str(s) for s in extra)
    return names


def _pod(step: Step) -> dict[str, object]:
    kube = step.decorator("kubernetes")
    if kube is None:
        return {}
    pod: dict[str, object] = {}
    raw = kube.get("node_selector")
    selector: dict[str, Value] = {}
    if isinstance(raw, str):
        selector = {k: v for k, _, v in (part.partition("=") for part in raw.split(",") if "=" in part)}
    elif isinstance(raw, dict):
        selector = raw
    if selector:
        pod["nodeSelector"] = {str(k): str(v) for k, v in sorted(selector.items())}
    if kube.get("tolerations"):
        pod["tolerations"] = kube.get("tolerations")
    if kube.get("service_account"):
        pod["serviceAccountName"] = kube.get("service_account")
    metadata = {key: kube.get(key) for key in ("labels", "annotations") if kube.get(key)}
    if metadata:
        pod["metadata"] = metadata
    if kube.get("image_pull_policy"):
        pod["imagePullPolicy"] = kube.get("image_pull_policy")
    return pod


def image_pull_secrets(flow: Flow) -> list[str]:
    """Every step's ``@kubernetes(image_pull_secrets=...)``: Argo sets them for the whole workflow."""
    names: set[str] = set()
    for step in flow.steps:
        kube = step.decorator("kubernetes")
        listed = kube.get("image_pull_secrets") if kube is not None else None
        if isinstance(listed, list):
            names.update(str(name) for name in listed)
    return sorted(names)


def workflow_namespace(flow: Flow, configured: str) -> str:
    """The namespace of every document: ``configured`` (``--set namespace``), else the steps'.

    Argo runs all of a workflow's pods in the workflow's namespace, so steps
    whose ``@kubernetes(namespace=...)`` differ from it, or from each other,
    are refused (Metaflow refuses them too).  ``""`` means the namespace
    ``kubectl``/``argo`` submit to.
    """
    chosen = configured
    for step in flow.steps:
        kube = step.decorator("kubernetes")
        asked = kube.get("namespace") if kube is not None else None
        if kube is None or not asked:
            continue
        if not is_namespace(str(asked)):
            raise Unsupported(kube, f"@kubernetes(namespace={asked!r})", NAMESPACE_HINT)
        if chosen and str(asked) != chosen:
            raise Unsupported(
                kube,
                f"@kubernetes(namespace={asked!r}) in a workflow in namespace {chosen!r}",
                "a workflow's pods all run in its namespace: give every step the same one",
            )
        chosen = str(asked)
    return chosen


def check_supported(flow: Flow, step: Step) -> None:
    """Raise :class:`Unsupported` for the first decorator Argo cannot honour."""
    for deco in (*flow.decorators, *step.decorators):
        if deco.name in UNSUPPORTED:
            raise Unsupported(deco, f"@{deco.name}", UNSUPPORTED[deco.name])
        if deco.name == "kubernetes":
            extra = sorted(k for k in deco.args if k not in KUBERNETES_ARGS and deco.args[k] is not None)
            if extra:
                hint = KUBERNETES_HINTS.get(extra[0], "remove it")
                raise Unsupported(deco, f"@kubernetes({extra[0]}=...)", hint)
            qos = deco.get("qos")
            if qos is not None and str(qos).lower() not in QOS_CLASSES:
                raise Unsupported(deco, f"@kubernetes(qos={qos!r})", "use qos='Guaranteed' or 'Burstable'")
        if deco.name == "secrets" and deco.get("role"):
            raise Unsupported(deco, "@secrets(role=...)", "give the pod's service account access instead")
        if deco.name in ("kubernetes", "secrets", "resources") and _has_open_tag(dict(deco.args)):
            # These values land in pod fields Argo substitutes and the kubelet does not expand.
            raise Unsupported(
                deco, f"'{{{{' in an argument of @{deco.name}", "remove the '{{' from the value"
            )


def _has_open_tag(value: Value) -> bool:
    if isinstance(value, str):
        return not argo_inert(value)
    if isinstance(value, dict):
        return any(_has_open_tag(k) or _has_open_tag(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_open_tag(v) for v in value)
    return False


def profile(step: Step, default_image: str) -> Profile:
    """The container settings ``step``'s decorators ask for."""
    compute = _merged_compute(step)
    image = str(compute.get("image") or default_image)
    volumes, container, storage_env = storage(compute)
    env = _env(step)
    env += [e for e in storage_env if e["name"] not in {v["name"] for v in env}]
    dumps = json.dumps
    return Profile(
        image=image,
        python=str(compute.get("executable") or "python"),
        resources=dumps(_resources(compute)) if _resources(compute) else "",
        env=dumps(env),
        env_from=dumps([{"secretRef": {"name": n}} for n in _secret_names(step)]),
        retry=dumps(_retry(step)) if _retry(step) else "",
        timeout=_timeout(step),
        pod=dumps(_pod(step), sort_keys=True),
        volumes=dumps(volumes),
        container=dumps(container),
    )
