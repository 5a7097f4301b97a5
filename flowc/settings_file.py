"""Deploy settings kept in a ``flowc.toml`` file, so CI need not repeat flags.

``flowc compile`` looks for ``flowc.toml`` in the flow file's folder and then
in each parent folder, stopping at a repository root (a folder holding
``.git``); ``--settings-file PATH`` names one explicitly. The file holds the
defaults of the compile flags and the per-target ``--set`` settings::

    datastore = "s3://ml-bucket/flowc"
    image = "registry.example.com/ml/train:1.4"

    [argo]
    namespace = "ml"
    service_account = "flowc-runner"

    [sfn]
    queue = "ml-jobs"

Flags given on the command line (or ``FLOWC_DATASTORE``) win over the file.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from flowc.transpile.ir import Span
from flowc.transpile.problems import Problem

FILENAME = "flowc.toml"
#: Top-level keys holding a compile flag's default.
FLAG_KEYS = ("datastore", "image")
#: Tables holding one target's ``--set`` settings.
TARGET_TABLES = ("argo", "sfn", "airflow")


@dataclass(frozen=True)
class SettingsFile:
    """What a settings file says; empty when there is none."""

    #: Where it was read from (``None``: no file).
    path: str | None = None
    #: ``datastore`` / ``image`` defaults.
    flags: Mapping[str, str] = field(default_factory=dict)
    #: Target name → ``--set`` key → value.
    targets: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def settings_for(self, target: str) -> dict[str, str]:
        """The ``--set`` settings this file gives ``target``."""
        return dict(self.targets.get(target, {}))


class SettingsFileError(Exception):
    """The settings file cannot be used; carries an ``FLC403`` problem."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def find_settings_file(flow_file: str) -> str | None:
    """The nearest ``flowc.toml`` above ``flow_file``, not leaving its repository."""
    folder = os.path.dirname(os.path.abspath(flow_file))
    while True:
        candidate = os.path.join(folder, FILENAME)
        if os.path.isfile(candidate):
            return candidate
        parent = os.path.dirname(folder)
        if parent == folder or os.path.exists(os.path.join(folder, ".git")):
            return None
        folder = parent


def load_settings_file(path: str | None) -> SettingsFile:
    """Read and check the settings file at ``path`` (``None``: no file)."""
    if path is None:
        return SettingsFile()
    import tomllib

    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except OSError as exc:
        raise _error(path, 1, 1, f"cannot read the settings file: {exc.strerror}", "check the path") from None
    except tomllib.TOMLDecodeError as exc:
        line, column = _position(str(exc))
        raise _error(
            path, line, column, f"invalid TOML: {exc}", "fix the syntax of the settings file"
        ) from None
    return _parse(path, data)


def _parse(path: str, data: dict[str, object]) -> SettingsFile:
    flags: dict[str, str] = {}
    targets: dict[str, dict[str, str]] = {}
    for key, value in data.items():
        if key in FLAG_KEYS and isinstance(value, str):
            flags[key] = value
        elif key in TARGET_TABLES and isinstance(value, dict):
            targets[key] = {name: _scalar(path, f"{key}.{name}", item) for name, item in value.items()}
        else:
            raise _error(
                path,
                _line_of(path, key),
                1,
                f"unexpected {key!r} in the settings file",
                'use datastore = "...", image = "..." and the tables '
                + ", ".join(f"[{t}]" for t in TARGET_TABLES),
            )
    return SettingsFile(path, flags, targets)


def _scalar(path: str, key: str, value: object) -> str:
    """A setting as ``--set`` would pass it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise _error(
        path,
        _line_of(path, key.split(".")[-1]),
        1,
        f"setting {key!r} must be a string, number or boolean",
        'write it as --set would take it, e.g. key = "value"',
    )


def _error(path: str, line: int, column: int, message: str, hint: str) -> SettingsFileError:
    return SettingsFileError(Problem("FLC403", Span(path, line, column), message, hint))


def _position(message: str) -> tuple[int, int]:
    found = re.search(r"line (\d+), column (\d+)", message)
    return (int(found.group(1)), int(found.group(2))) if found else (1, 1)


def _line_of(path: str, key: str) -> int:
    """The first line that defines ``key`` (best effort; 1 if not found)."""
    pattern = re.compile(rf"^\s*(\[\s*{re.escape(key)}\s*\]|{re.escape(key)}\s*=)")
    try:
        with open(path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if pattern.match(line):
                    return number
    except OSError:
        pass
    return 1
