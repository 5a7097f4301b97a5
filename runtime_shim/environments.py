"""``@pypi`` / ``@conda`` step environments, made ready before the flow module is imported.

A step's requirement set is the flow-level ``@pypi_base``/``@conda_base``
packages updated by the step's own ``@pypi``/``@conda`` (the step wins per
package; ``disabled=`` and ``python=`` given on the step win too).  It is
read from the graph JSON that travels with the code, never from the flow
module: users import these packages at the top of the flow file, so the
module cannot be imported before they are installed.

Installation and the shared cache live in :mod:`flowc.runtime_shim.envcache`;
``docs/environments.md`` describes the rules for users.
"""

from __future__ import annotations

import os
import re
import sys
from typing import Any, NamedTuple

from flowc.runtime_shim.errors import TaskUsageError

#: Step decorators that ask for packages, each with the flow decorator it extends.
STEP_KINDS = {"pypi": "pypi_base", "conda": "conda_base"}
#: ``FLOWC_PACKAGES`` values: install (the default) or trust the task image.
PACKAGES_MODES = ("install", "image")

_NAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?(\[[A-Za-z0-9._,-]+\])?$")
_OPERATORS = ("==", "!=", ">=", "<=", "~=", ">", "<", "=")
_VERSION = re.compile(r"^\d+(\.\d+)*$")


class Environment(NamedTuple):
    """What one step asks for (a named tuple: every task imports this module, and a
    dataclass costs a millisecond to create)."""

    #: The step's name.
    step: str
    #: Where the request comes from, for messages: ``@pypi``, ``@conda_base + @conda``...
    source: str
    #: ``(name, version spec)`` pairs, sorted by normalised name.
    packages: tuple[tuple[str, str], ...]
    #: The ``python=`` pin, if any.
    python: str | None

    @property
    def requirements(self) -> list[str]:
        """pip requirement strings, sorted."""
        return sorted(requirement(name, spec) for name, spec in self.packages)


def normalise(name: str) -> str:
    """A package name as PyPI compares them (PEP 503), without a conda ``channel::`` prefix."""
    return re.sub(r"[-_.]+", "-", name.rpartition("::")[2]).lower()


def requirement(name: str, spec: str) -> str:
    """``name`` and a Metaflow version value as one pip requirement.

    ``"1.2"`` means exactly 1.2, ``""`` any version, and a value starting
    with an operator (``">=1,<2"``) is used as it is.
    """
    spec = spec.strip()
    bare = name.rpartition("::")[2]
    if not spec:
        return bare
    if spec.startswith(_OPERATORS) and not spec.startswith("="):
        return bare + spec
    return f"{bare}=={spec.lstrip('=')}"


def resolve(graph: dict[str, Any] | None, step: str) -> Environment | None:
    """The environment ``step`` asks for in ``graph``; ``None`` when none (or disabled)."""
    layers = _layers(graph or {}, step)
    if not layers:
        return None
    packages: dict[str, tuple[str, str]] = {}
    python: str | None = None
    disabled = False
    for _, args in layers:
        for name, spec in _packages_of(args).items():
            packages[normalise(name)] = (name, spec)
        python = args.get("python") or python
        disabled = bool(args["disabled"]) if args.get("disabled") is not None else disabled
    if disabled:
        return None
    for name, _ in packages.values():
        if not _NAME.fullmatch(name.rpartition("::")[2]):
            raise TaskUsageError(f"step {step!r}: {name!r} is not a valid package name")
    return Environment(
        step=step,
        source=" + ".join(f"@{name}" for name, _ in layers),
        packages=tuple(packages[key] for key in sorted(packages)),
        python=str(python) if python else None,
    )


def _layers(graph: dict[str, Any], step: str) -> list[tuple[str, dict[str, Any]]]:
    """``(decorator, args)`` that shape ``step``'s environment: the flow's bases, then the step's own."""
    entry = next((s for s in graph.get("steps", []) if s.get("name") == step), None)
    if entry is None:
        return []
    own = [(d["name"], d.get("args") or {}) for d in entry.get("decorators", []) if d["name"] in STEP_KINDS]
    wanted = set(STEP_KINDS.values())
    bases = [(d["name"], d.get("args") or {}) for d in graph.get("decorators", []) if d["name"] in wanted]
    return bases + own[:1]  # the analyzer refuses @pypi with @conda on one step


def _packages_of(args: dict[str, Any]) -> dict[str, str]:
    """``libraries=`` (conda's older name) then ``packages=``, as name → version text."""
    merged: dict[str, str] = {}
    for key in ("libraries", "packages"):
        for name, spec in (args.get(key) or {}).items():
            merged[str(name)] = "" if spec is None else str(spec)
    return merged


def python_mismatch(pin: str, running: tuple[int, int, int]) -> bool | None:
    """Whether the running Python fails the ``python=`` pin (``None``: cannot tell).

    ``"3.10"`` and ``"3.10.*"`` match any 3.10.x; comma-separated clauses
    with ``== != >= <= > < ~=`` are compared numerically.
    """
    verdicts = [_clause_holds(clause.strip(), running) for clause in pin.split(",") if clause.strip()]
    if not verdicts or None in verdicts:
        return None
    return not all(verdicts)


def _clause_holds(clause: str, running: tuple[int, int, int]) -> bool | None:
    op = next((o for o in _OPERATORS if clause.startswith(o)), "==")
    text = clause[len(op) :].strip() if clause.startswith(op) else clause
    text = text.removesuffix(".*")
    if not _VERSION.fullmatch(text):
        return None
    wanted = tuple(int(part) for part in text.split("."))
    prefix_equal = running[: len(wanted)] == wanted
    padded = wanted + (0,) * (3 - len(wanted)) if len(wanted) < 3 else wanted
    checks = {
        "==": prefix_equal,
        "=": prefix_equal,
        "!=": not prefix_equal,
        ">=": running >= padded,
        "<=": running <= padded,
        ">": running > padded,
        "<": running < padded,
        "~=": running >= padded and running[: len(wanted) - 1] == wanted[:-1],
    }
    return checks[op]


def python_warning(env: Environment) -> str | None:
    """The task-start warning when the step pins a Python this task does not run."""
    if not env.python:
        return None
    running = (sys.version_info.major, sys.version_info.minor, sys.version_info.micro)
    verdict = python_mismatch(env.python, running)
    if verdict is False:
        return None
    version = ".".join(map(str, running))
    if verdict is None:
        return (
            f"flowc: warning: step {env.step!r} pins Python {env.python!r} ({env.source}), which flowc "
            f"cannot compare with the Python it runs on: {version} ({sys.executable})"
        )
    return (
        f"flowc: warning: step {env.step!r} asks for Python {env.python!r} ({env.source}) but runs on "
        f"Python {version} ({sys.executable}): flowc cannot switch interpreters inside a task; "
        "choose the Python with the task image"
    )


def prepare(graph: dict[str, Any] | None, step: str) -> str | None:
    """Make ``step``'s packages importable; returns the environment directory used, if any.

    Raises :class:`~flowc.runtime_shim.envcache.EnvironmentFailure` (exit 3)
    when installation fails, with one line naming the package and the step.
    """
    env = resolve(graph, step)
    if env is None:
        return None
    warning = python_warning(env)
    if warning:
        print(warning, file=sys.stderr, flush=True)
    mode = os.environ.get("FLOWC_PACKAGES", "").strip().lower() or "install"
    if mode not in PACKAGES_MODES:
        raise TaskUsageError(f"FLOWC_PACKAGES={mode!r}: expected one of {', '.join(PACKAGES_MODES)}")
    if mode == "image" or not env.packages:
        if env.packages:
            print(
                f"flowc: FLOWC_PACKAGES=image: step {env.step!r} uses the task image's packages "
                f"({', '.join(env.requirements)} not installed)",
                file=sys.stderr,
                flush=True,
            )
        return None
    # Loaded here: tasks of steps without packages do not pay for subprocess and hashlib.
    from flowc.runtime_shim.envcache import cache_root, install

    directory = install(env.step, env.source, env.requirements, cache_root())
    activate(directory)
    return directory


def activate(directory: str) -> None:
    """Put an environment directory ahead of the installed packages.

    It goes before the first ``site-packages`` entry of ``sys.path``, so the
    step's pinned versions win over the image's while the flow's own
    modules (earlier on the path) still shadow same-named packages; it is
    also prepended to ``PYTHONPATH`` (and its ``bin`` to ``PATH``) for
    processes the step starts.
    """
    places = [i for i, entry in enumerate(sys.path) if entry.endswith(("site-packages", "dist-packages"))]
    sys.path.insert(places[0] if places else len(sys.path), directory)
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (directory, os.environ.get("PYTHONPATH")) if p)
    scripts = os.path.join(directory, "bin")
    if os.path.isdir(scripts):
        os.environ["PATH"] = os.pathsep.join(p for p in (scripts, os.environ.get("PATH")) if p)


__all__ = [
    "Environment",
    "activate",
    "normalise",
    "prepare",
    "python_mismatch",
    "python_warning",
    "requirement",
    "resolve",
]
