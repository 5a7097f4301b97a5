"""``@batch`` job-definition settings beyond image and roles.

Swap, accelerator devices, host and EFS volumes, a tmpfs and the log
configuration live in an AWS Batch job definition, not in a SubmitJob
override, so they go into the job definition flowc generates for the step
(``containerProperties``).  The meanings are Metaflow's: ``max_swap`` and
``tmpfs_size`` in MiB, ``swappiness`` 0-100, ``inferentia`` (or its alias
``trainium``) and ``efa`` device counts, volumes as ``SOURCE[:PATH]``
strings (one or a list), ``log_options`` as ``KEY:VALUE`` strings; a tmpfs
takes half the step's memory unless ``tmpfs_size`` is given and becomes
``METAFLOW_TEMPDIR`` unless ``tmpfs_tempdir=False``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from flowc.transpile.ir import Value

#: Decorator arguments this module maps.
KEYS = frozenset(
    {
        "max_swap",
        "swappiness",
        "inferentia",
        "trainium",
        "efa",
        "host_volumes",
        "efs_volumes",
        "use_tmpfs",
        "tmpfs_size",
        "tmpfs_path",
        "tmpfs_tempdir",
        "log_driver",
        "log_options",
    }
)
#: Of those, the ones @kubernetes also takes (with the same meaning).
KUBERNETES_KEYS = frozenset({"use_tmpfs", "tmpfs_size", "tmpfs_path", "tmpfs_tempdir"})
DEFAULT_TMPFS_PATH = "/metaflow_temp"
#: The log drivers AWS Batch accepts (RegisterJobDefinition, LogConfiguration).
LOG_DRIVERS = ("awsfirelens", "awslogs", "fluentd", "gelf", "journald", "json-file", "splunk", "syslog")

_COUNT = re.compile(r"\d+")
_PATH = re.compile(r"/[^:,\s]*")
_EFS_ID = re.compile(r"fs-[0-9a-f]+")


def problem(key: str, value: Value) -> str | None:
    """What is wrong with ``key=value`` (``None``: it can be mapped)."""
    if key in ("max_swap", "tmpfs_size", "inferentia", "trainium", "efa"):
        ok = _count(value) is not None
        return None if ok else "a whole number of 0 or more"
    if key == "swappiness":
        number = _count(value)
        return None if number is not None and number <= 100 else "a whole number from 0 to 100"
    if key in ("host_volumes", "efs_volumes"):
        sources = [_split(v) for v in _strings(value)]
        good = _PATH if key == "host_volumes" else _EFS_ID
        ok = bool(sources) and all(
            s is not None and good.fullmatch(s[0]) and (s[1] is None or _PATH.fullmatch(s[1]))
            for s in sources
        )
        example = "/host/path[:/container/path]" if key == "host_volumes" else "fs-0123abcd[:/container/path]"
        return None if ok else f"a string or list of strings like {example!r}"
    if key == "tmpfs_path":
        return None if isinstance(value, str) and _PATH.fullmatch(value) else "an absolute path"
    if key in ("use_tmpfs", "tmpfs_tempdir"):
        return None if isinstance(value, bool) else "True or False"
    if key == "log_driver":
        return None if value in LOG_DRIVERS else "one of " + ", ".join(LOG_DRIVERS)
    if key == "log_options":
        options = _strings(value)
        ok = bool(options) and all(option.split(":", 1)[0] and ":" in option for option in options)
        return None if ok else "a string or list of strings like 'awslogs-group:name'"
    raise KeyError(key)


def apply(container: dict[str, object], wanted: Mapping[str, Value], memory_mib: int) -> None:
    """Add the settings in ``wanted`` (already checked with :func:`problem`) to ``container``."""
    found = container.get("linuxParameters")
    linux: dict[str, object] = dict(found) if isinstance(found, dict) else {}
    for key, field in (("max_swap", "maxSwap"), ("swappiness", "swappiness")):
        if wanted.get(key) is not None:
            linux[field] = _count(wanted[key])
    devices = [
        _device(f"/dev/neuron{i}", ["READ", "WRITE"]) for i in range(_wanted_count(wanted, "inferentia"))
    ]
    devices += [_device(f"/dev/infiniband/uverbs{i}", None) for i in range(_wanted_count(wanted, "efa"))]
    if devices:
        linux["devices"] = devices
    if wanted.get("use_tmpfs") or wanted.get("tmpfs_size"):
        path = str(wanted.get("tmpfs_path") or DEFAULT_TMPFS_PATH)
        size = _count(wanted["tmpfs_size"]) if wanted.get("tmpfs_size") else memory_mib // 2
        linux["tmpfs"] = [{"containerPath": path, "size": size, "mountOptions": ["defaults"]}]
        if wanted.get("tmpfs_tempdir", True):
            container["environment"] = [{"name": "METAFLOW_TEMPDIR", "value": path}]
    if linux:
        container["linuxParameters"] = linux
    _volumes(container, wanted)
    _logging(container, wanted)


def _volumes(container: dict[str, object], wanted: Mapping[str, Value]) -> None:
    volumes: list[dict[str, object]] = []
    mounts: list[dict[str, object]] = []
    for n, text in enumerate(_strings(wanted.get("host_volumes"))):
        source, path = _split(text) or (text, None)
        volumes.append({"name": f"host-{n}", "host": {"sourcePath": source}})
        mounts.append({"sourceVolume": f"host-{n}", "containerPath": path or source})
    for n, text in enumerate(_strings(wanted.get("efs_volumes"))):
        source, path = _split(text) or (text, None)
        efs = {"fileSystemId": source, "transitEncryption": "ENABLED"}
        volumes.append({"name": f"efs-{n}", "efsVolumeConfiguration": efs})
        mounts.append({"sourceVolume": f"efs-{n}", "containerPath": path or f"/mnt/{source}"})
    if volumes:
        container["volumes"] = volumes
        container["mountPoints"] = mounts


def _logging(container: dict[str, object], wanted: Mapping[str, Value]) -> None:
    options = dict(o.split(":", 1) for o in _strings(wanted.get("log_options")))
    if wanted.get("log_driver") is None and not options:
        return
    # Batch requires a driver with options; awslogs is its default one.
    config: dict[str, object] = {"logDriver": str(wanted.get("log_driver") or "awslogs")}
    if options:
        config["options"] = {k: options[k] for k in sorted(options)}
    container["logConfiguration"] = config


def _device(path: str, permissions: list[str] | None) -> dict[str, object]:
    device: dict[str, object] = {"hostPath": path, "containerPath": path}
    if permissions:
        device["permissions"] = permissions
    return device


def _wanted_count(wanted: Mapping[str, Value], key: str) -> int:
    value = wanted.get(key)
    if key == "inferentia" and value is None:
        value = wanted.get("trainium")
    return _count(value) or 0


def _count(value: Value) -> int | None:
    """A non-negative whole number written as an int or a decimal string."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str) and _COUNT.fullmatch(value.strip()):
        return int(value.strip())
    return None


def _strings(value: Value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(v) for v in value]
    return []


def _split(text: str) -> tuple[str, str | None] | None:
    """``SOURCE[:PATH]`` as ``(source, path)``; ``None`` when empty."""
    source, colon, path = text.partition(":")
    if not source or (colon and not path):
        return None
    return source, path if colon else None
