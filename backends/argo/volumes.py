"""``@kubernetes`` / ``@resources`` storage, ports and security context → volumes and container fields.

Metaflow's meanings: ``shared_memory`` (MiB) is a memory-backed ``/dev/shm``;
``use_tmpfs`` / ``tmpfs_size`` (MiB, default half the step's memory) a
memory-backed folder at ``tmpfs_path`` that becomes ``METAFLOW_TEMPDIR``
unless ``tmpfs_tempdir=False``; ``persistent_volume_claims`` maps claim
names to mount paths; ``port`` is a container port; ``security_context``
holds the container's ``securityContext`` fields in Python client spelling
(``run_as_user`` → ``runAsUser``; values are passed as written).
"""

from __future__ import annotations

import re
from typing import NamedTuple

from flowc.backends.argo.escape import kube_escape
from flowc.transpile.ir import Value

#: Metaflow's defaults: ``tmpfs_path`` and the memory (MB) half of which a tmpfs gets.
DEFAULT_TMPFS_PATH = "/metaflow_temp"
DEFAULT_MEMORY_MB = 4096

_NUMBER = re.compile(r"^\d+(\.\d+)?$")


def _mebibytes(value: Value) -> str:
    """A size limit: bare numbers are MiB (Metaflow's unit here), quantities stay as written."""
    text = str(value).strip()
    if _NUMBER.fullmatch(text):
        return f"{int(float(text))}Mi"
    return text


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _memory_backed(name: str, size: str) -> dict[str, object]:
    return {"name": name, "emptyDir": {"medium": "Memory", "sizeLimit": size}}


def _tmpfs_size(compute: dict[str, Value]) -> str:
    if compute.get("tmpfs_size"):
        return _mebibytes(compute["tmpfs_size"])
    memory = str(compute.get("memory", DEFAULT_MEMORY_MB)).strip()
    return f"{int(float(memory)) // 2}Mi" if _NUMBER.fullmatch(memory) else f"{DEFAULT_MEMORY_MB // 2}Mi"


class Storage(NamedTuple):
    """What a step's storage and port arguments add to its container template."""

    #: The template's ``volumes``.
    volumes: list[dict[str, object]]
    #: Extra container fields: ``volumeMounts``, ``ports``, ``securityContext``.
    container: dict[str, object]
    #: Extra environment variables.
    env: list[dict[str, str]]


def storage(compute: dict[str, Value]) -> Storage:
    """The volumes, container fields and env of a step's merged ``@resources``/``@kubernetes`` arguments."""
    volumes: list[dict[str, object]] = []
    mounts: list[dict[str, object]] = []
    env: list[dict[str, str]] = []
    if compute.get("shared_memory"):
        volumes.append(_memory_backed("dshm", _mebibytes(compute["shared_memory"])))
        mounts.append({"name": "dshm", "mountPath": "/dev/shm"})
    if compute.get("use_tmpfs") or compute.get("tmpfs_size"):
        path = str(compute.get("tmpfs_path") or DEFAULT_TMPFS_PATH)
        volumes.append(_memory_backed("tmpfs", _tmpfs_size(compute)))
        mounts.append({"name": "tmpfs", "mountPath": path})
        if compute.get("tmpfs_tempdir", True):
            env.append({"name": "METAFLOW_TEMPDIR", "value": kube_escape(path)})
    claims = compute.get("persistent_volume_claims")
    if isinstance(claims, dict):
        for index, claim in enumerate(sorted(claims)):
            volumes.append({"name": f"pvc-{index}", "persistentVolumeClaim": {"claimName": claim}})
            mounts.append({"name": f"pvc-{index}", "mountPath": str(claims[claim])})
    container: dict[str, object] = {}
    if mounts:
        container["volumeMounts"] = mounts
    if compute.get("port"):
        container["ports"] = [{"containerPort": int(str(compute["port"]))}]
    context = compute.get("security_context")
    if isinstance(context, dict) and context:
        container["securityContext"] = {_camel(key): value for key, value in context.items()}
    return Storage(volumes, container, env)
