"""Step decorators as operator arguments: ``@retry``, ``@timeout``, compute and environment.

Each function returns ``(keyword, Python source)`` pairs for one task; every
user value goes through :func:`py_literal`, and strings bound for templated
KubernetesPodOperator fields are wrapped in ``literal(...)`` so that Jinja
never renders them.
"""

from __future__ import annotations

import json

from flowc.backends.airflow.literal import py_literal
from flowc.transpile.ir import Step, Value

#: Metaflow's ``@retry`` defaults.
RETRY_TIMES, RETRY_MINUTES = 3, 2
#: The shim enforces ``@timeout`` itself (so ``@catch`` sees it); Airflow's
#: ``execution_timeout`` only stops a task that hangs this much longer.
TIMEOUT_GRACE_SECONDS = 60

Kwargs = list[tuple[str, str]]


def _whole(value: Value, default: int) -> int:
    if isinstance(value, bool) or value is None:
        return default
    if isinstance(value, (int, float)):
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return default


def retry_kwargs(step: Step) -> Kwargs:
    """``retries`` and ``retry_delay`` from ``@retry``."""
    retry = step.decorator("retry")
    if retry is None:
        return []
    times = _whole(retry.get("times"), RETRY_TIMES)
    minutes = _whole(retry.get("minutes_between_retries"), RETRY_MINUTES)
    return [("retries", str(times)), ("retry_delay", f"timedelta(minutes={minutes})")]


def timeout_seconds(step: Step) -> int | None:
    """The ``@timeout`` of ``step`` in seconds, ``None`` without one."""
    timeout = step.decorator("timeout")
    if timeout is None:
        return None
    total = (
        _whole(timeout.get("seconds"), 0)
        + 60 * _whole(timeout.get("minutes"), 0)
        + 3600 * _whole(timeout.get("hours"), 0)
    )
    return total or None


def timeout_kwargs(step: Step) -> Kwargs:
    """``execution_timeout`` from ``@timeout``, plus a grace period (see above)."""
    seconds = timeout_seconds(step)
    if seconds is None:
        return []
    return [("execution_timeout", f"timedelta(seconds={seconds + TIMEOUT_GRACE_SECONDS})")]


def environment(step: Step) -> dict[str, str]:
    """``@environment(vars=...)`` as strings."""
    decorator = step.decorator("environment")
    variables = decorator.get("vars") if decorator else None
    if not isinstance(variables, dict):
        return {}
    return {k: v if isinstance(v, str) else py_literal(v) for k, v in sorted(variables.items())}


def _quantity(value: Value) -> str:
    """A memory or disk size: Metaflow counts megabytes, Kubernetes wants units."""
    text = str(value).strip()
    return f"{text}Mi" if text.replace(".", "", 1).isdigit() else text


def resources(step: Step) -> tuple[dict[str, str], dict[str, str]]:
    """Kubernetes ``requests`` and ``limits`` from ``@resources`` and ``@kubernetes``."""
    merged: dict[str, Value] = {}
    for name in ("resources", "kubernetes"):
        decorator = step.decorator(name)
        if decorator:
            merged.update({k: v for k, v in decorator.args.items() if v is not None})
    requests: dict[str, str] = {}
    limits: dict[str, str] = {}
    if "cpu" in merged:
        requests["cpu"] = str(merged["cpu"])
    if "memory" in merged:
        requests["memory"] = _quantity(merged["memory"])
    if "disk" in merged:
        requests["ephemeral-storage"] = _quantity(merged["disk"])
    if "gpu" in merged and _whole(merged["gpu"], 0):
        limits["nvidia.com/gpu"] = str(_whole(merged["gpu"], 0))
    return requests, limits


def _node_selector(value: Value) -> dict[str, str]:
    if isinstance(value, dict):
        return {k: str(v) for k, v in value.items()}
    if isinstance(value, str):
        pairs = (item.split("=", 1) for item in value.split(",") if "=" in item)
        return {k.strip(): v.strip() for k, v in pairs}
    return {}


def pod_kwargs(
    step: Step,
    default_image: str,
    namespace: str,
    secrets: tuple[str, ...] = (),
    shared_env: dict[str, str] | None = None,
) -> Kwargs:
    """KubernetesPodOperator arguments for ``step``'s pod (``secrets``, ``shared_env``: for every pod)."""
    decorator = step.decorator("kubernetes")
    args = dict(decorator.args) if decorator else {}
    image = args.get("image") or default_image
    kwargs: Kwargs = [("image", f"literal({py_literal(image)})")]
    space = args.get("namespace") or namespace
    if space:
        kwargs.append(("namespace", f"literal({py_literal(space)})"))
    requests, limits = resources(step)
    if requests or limits:
        parts = [
            f"{name}={py_literal(dict(values))}"
            for name, values in (("requests", requests), ("limits", limits))
            if values
        ]
        kwargs.append(("container_resources", f"k8s.V1ResourceRequirements({', '.join(parts)})"))
    env = {**environment(step), **(shared_env or {})}
    if env:
        kwargs.append(("env_vars", f"literal({py_literal(dict(env))})"))
    for key, keyword in (
        ("service_account", "service_account_name"),
        ("image_pull_policy", "image_pull_policy"),
    ):
        if isinstance(args.get(key), str):
            kwargs.append((keyword, py_literal(args[key])))
    if args.get("node_selector"):
        kwargs.append(
            ("node_selector", f"literal({py_literal(dict(_node_selector(args['node_selector'])))})")
        )
    for key in ("labels", "annotations"):
        value = args.get(key)
        if isinstance(value, dict) and value:
            strings: dict[str, Value] = {k: str(v) for k, v in value.items()}
            kwargs.append((key, f"literal({py_literal(strings)})"))
    return kwargs + _k8s_object_kwargs(args, pod_secrets(step, secrets))


#: ``@kubernetes(tolerations=[{...}])`` keys (Kubernetes spelling) → ``V1Toleration`` arguments.
TOLERATION_KEYS = {
    "key": "key",
    "operator": "operator",
    "value": "value",
    "effect": "effect",
    "tolerationSeconds": "toleration_seconds",
}


def _secret_names(value: Value) -> list[str]:
    if isinstance(value, str):
        return [name.strip() for name in value.split(",") if name.strip()]
    return [str(name) for name in value] if isinstance(value, list) else []


def pod_secrets(step: Step, shared: tuple[str, ...] = ()) -> list[str]:
    """Kubernetes secrets of the step's pod: ``--set secrets``, ``@kubernetes(secrets)``, ``@secrets``."""
    kubernetes, secrets = step.decorator("kubernetes"), step.decorator("secrets")
    names = list(shared) + _secret_names(kubernetes.get("secrets") if kubernetes else None)
    if secrets is not None:
        names += _secret_names(secrets.get("sources"))
    return list(dict.fromkeys(names))


def secret_environment(step: Step) -> dict[str, str]:
    """Local mode: ``@secrets`` for the shim to fetch from AWS Secrets Manager (runtime_shim/secrets.py)."""
    secrets = step.decorator("secrets")
    if secrets is None:
        return {}
    env = {"FLOWC_SECRET_SOURCES": json.dumps(secrets.get("sources") or [], sort_keys=True)}
    if secrets.get("role") is not None:
        env["FLOWC_SECRET_ROLE"] = str(secrets.get("role"))
    return env


def _k8s_object_kwargs(args: dict[str, Value], secrets: list[str]) -> Kwargs:
    """``tolerations`` and ``secrets`` (as ``env_from``), built from ``kubernetes.client`` models."""
    kwargs: Kwargs = []
    tolerations = args.get("tolerations")
    if isinstance(tolerations, list) and tolerations:
        items = []
        for entry in tolerations:
            if isinstance(entry, dict):
                fields = ", ".join(f"{TOLERATION_KEYS[k]}={py_literal(v)}" for k, v in entry.items())
                items.append(f"k8s.V1Toleration({fields})")
        kwargs.append(("tolerations", "[" + ", ".join(items) + "]"))
    if secrets:
        sources = ", ".join(
            f"k8s.V1EnvFromSource(secret_ref=k8s.V1SecretEnvSource(name={py_literal(name)}))"
            for name in secrets
        )
        kwargs.append(("env_from", f"literal([{sources}])"))
    return kwargs


def needs_k8s_models(step: Step, shared_secrets: tuple[str, ...] = ()) -> bool:
    """Whether the step's pod arguments use ``kubernetes.client`` models."""
    requests, limits = resources(step)
    decorator = step.decorator("kubernetes")
    args = dict(decorator.args) if decorator else {}
    return bool(requests or limits or _k8s_object_kwargs(args, pod_secrets(step, shared_secrets)))
