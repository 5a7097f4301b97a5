"""A content-addressed cache of installed requirement sets, shared by the tasks of one machine.

``<root>/<key>`` holds one requirement set installed with
``python -m pip install --target``; the key is the sha256 of the sorted
requirements, the Python major.minor and the platform, so every task that
asks for the same set on the same kind of interpreter reuses one directory.
A set is built in a temporary sibling directory and renamed into place:
the rename is atomic, so a directory under its final name is always
complete, whoever crashed mid-build.  Tasks that need the same missing set
at the same time wait on a lock file instead of installing it twice.

Standard library only (the shim runs in bare task images).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Iterator

from flowc.runtime_shim.errors import FlowcRuntimeError

#: Name of the file that describes an installed set inside its directory.
MARKER = "flowc-env.json"

_MISSING = re.compile(
    r"(?:No matching distribution found for|Could not find a version that satisfies the requirement) (\S+)"
)
_CONFLICT = re.compile(r"ResolutionImpossible|conflicting dependencies")


class EnvironmentFailure(FlowcRuntimeError):
    """A step's packages could not be installed (exit 3: no user code ran)."""


def cache_root() -> str:
    """``FLOWC_ENV_CACHE``, else ``$XDG_CACHE_HOME/flowc/envs`` (``~/.cache``), else the temp dir.

    The temp dir is the fallback for task images whose home is missing or
    read-only.
    """
    explicit = os.environ.get("FLOWC_ENV_CACHE")
    if explicit:
        return os.path.abspath(explicit)  # it goes on sys.path: a step may change directory
    home_cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    for candidate in (
        os.path.join(home_cache, "flowc", "envs"),
        os.path.join(tempfile.gettempdir(), "flowc-envs"),
    ):
        try:
            os.makedirs(candidate, exist_ok=True)
        except OSError:
            continue
        if os.access(candidate, os.W_OK):
            return candidate
    return os.path.join(tempfile.gettempdir(), "flowc-envs")


def cache_key(requirements: list[str]) -> str:
    """The directory name of a requirement set on this interpreter and platform."""
    identity = {
        "requirements": sorted(requirements),
        "python": f"{sys.version_info.major}.{sys.version_info.minor}",
        "platform": sysconfig.get_platform(),
    }
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:32]


def install(step: str, source: str, requirements: list[str], root: str) -> str:
    """The directory holding ``requirements``, installed now unless already cached."""
    key = cache_key(requirements)
    final = os.path.join(root, key)
    listed = ", ".join(requirements)
    if _complete(final):
        _say(f"step {step!r} reuses environment {key} ({listed})")
        return final
    try:
        os.makedirs(root, exist_ok=True)
        with _locked(os.path.join(root, f".{key}.lock")):
            if _complete(final):  # another task built it while we waited
                _say(f"step {step!r} reuses environment {key} ({listed})")
                return final
            _say(f"step {step!r} installs {listed} ({source}) into environment {key}")
            _build(step, source, requirements, root, key)
    except OSError as exc:
        raise EnvironmentFailure(f"step {step!r}: cannot build environment {key} in {root}: {exc}") from None
    return final


def _complete(directory: str) -> bool:
    return os.path.isfile(os.path.join(directory, MARKER))


def _say(text: str) -> None:
    print(f"flowc: {text}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def _locked(path: str) -> Iterator[None]:
    """An exclusive lock on ``path`` where the platform has ``flock`` (else no lock:
    the atomic rename alone still keeps half-built sets invisible)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    with open(path, "a", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _build(step: str, source: str, requirements: list[str], root: str, key: str) -> None:
    """Install into a temporary sibling, then rename it into place (raises ``OSError`` too)."""
    building = tempfile.mkdtemp(prefix=f".{key}-", dir=root)
    try:
        result = _pip(building, requirements)
        if result.returncode != 0:
            log = os.path.join(root, f"{key}.failed.log")
            with open(log, "w", encoding="utf-8") as handle:
                handle.write(result.stdout)
            raise EnvironmentFailure(_failure_message(step, source, requirements, result.stdout, log))
        marker = {"requirements": requirements, "python": sys.version.split()[0], "step": step}
        with open(os.path.join(building, MARKER), "w", encoding="utf-8") as handle:
            json.dump(marker, handle, indent=2, sort_keys=True)
        os.chmod(building, 0o755)  # mkdtemp's 0700 would hide the set from other users
        _publish(building, os.path.join(root, key))
    finally:
        shutil.rmtree(building, ignore_errors=True)


def _publish(building: str, final: str) -> None:
    """Rename the built set into place; losing the race to an identical set is fine."""
    try:
        os.rename(building, final)
    except OSError:
        if not _complete(final):
            raise


def _pip(target: str, requirements: list[str]) -> subprocess.CompletedProcess[str]:
    """``pip install --target``; pip reads its index settings (``PIP_*``) from the environment."""
    command = [sys.executable, "-m", "pip", "install", "--target", target, "--no-input"]
    command += ["--disable-pip-version-check", "--no-warn-script-location", "--progress-bar", "off"]
    return subprocess.run(
        [*command, *requirements],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        check=False,
    )


def _failure_message(step: str, source: str, requirements: list[str], output: str, log: str) -> str:
    """One line naming the package and the step, with pip's reason (never its traceback)."""
    culprit, reason = ", ".join(requirements), "pip failed"
    missing = _MISSING.search(output)
    lines = [line.strip() for line in output.splitlines()]
    errors = [line.removeprefix("ERROR:").strip() for line in lines if line.startswith("ERROR:")]
    if missing:
        culprit, reason = missing.group(1), "no matching distribution on the package index"
    elif "No module named pip" in output:
        reason = f"pip is not installed for {sys.executable}"
    elif _CONFLICT.search(output):
        reason = "the requirements conflict"
    elif errors:
        reason = errors[0]
    return (
        f"cannot install {culprit} for step {step!r} ({source}): {reason}; pip's output is in {log}. "
        "Check the name and version on the package index, or bake the packages into the task image "
        "and set FLOWC_PACKAGES=image"
    )
