"""Deterministic, sha256-addressed code packages.

A package is a gzip'd tarball of the flow's directory (Python files and the
configured suffixes) plus the runtime shim itself under ``_flowc/`` (with
``flowc.cards`` and a ``metaflow`` alias of the authoring API next to it), so
a task image needs only Python and boto3.  The same sources give the same bytes
whatever their mtimes, owners, umask or directory order.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import io
import os
import tarfile
from collections.abc import Iterable, Iterator

#: Suffixes packaged by default besides ``.py``.
DEFAULT_SUFFIXES = (".py",)
#: Directory names never packaged.
SKIP_DIRS = frozenset(
    {
        "__pycache__",
        ".git",
        ".hg",
        ".venv",
        "venv",
        "node_modules",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".flowc",
    }
)
#: Where the shim lives inside a package.
SHIM_PREFIX = "_flowc"


def _walk(root: str, suffixes: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    """``(archive name, absolute path)`` for every file to package, sorted."""
    found: list[tuple[str, str]] = []
    for directory, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.startswith(".")]
        for name in files:
            if name.endswith(suffixes) and not name.startswith("."):
                path = os.path.join(directory, name)
                found.append((os.path.relpath(path, root).replace(os.sep, "/"), path))
    yield from sorted(found)


def _shim_files() -> Iterator[tuple[str, str]]:
    """The runtime shim's own files, as they should appear in a package."""
    shim_dir = os.path.dirname(os.path.abspath(__file__))
    for rel, path in _walk(shim_dir, (".py", ".html", ".css", ".js")):
        yield f"{SHIM_PREFIX}/flowc/runtime_shim/{rel}", path
    cards = _flowc_cards_file()
    if cards is not None:
        yield f"{SHIM_PREFIX}/flowc/cards.py", cards


def _flowc_cards_file() -> str | None:
    """Where ``flowc/cards.py`` (the public card components) lives, if installed."""
    spec = importlib.util.find_spec("flowc.cards")
    return spec.origin if spec is not None and spec.origin and os.path.isfile(spec.origin) else None


#: What ``flowc`` and ``metaflow`` give a flow in a package: the authoring API and the client.
_API_AND_CLIENT = (
    b"from flowc.runtime_shim.api import *  # noqa: F403\n"
    b"from flowc.runtime_shim.api import __all__ as _api\n"
    b"from flowc.runtime_shim.client import METAFLOW_NAMES as _client\n"
    b"from flowc.runtime_shim.client import (  # noqa: F401\n"
    b"    DataArtifact, Flow, Metaflow, Run, Step, Task, default_namespace, get_namespace, namespace,\n"
    b")\n"
    b"__all__ = [*_api, *_client]\n"
)

_FLOWC_INIT = b'"""flowc authoring API and client, as shipped inside a code package."""\n' + _API_AND_CLIENT

#: ``flowc.client`` in a package: the client the shim ships.
_FLOWC_CLIENT = (
    b'"""flowc\'s client, as shipped inside a code package."""\n'
    b"from flowc.runtime_shim.client import *  # noqa: F403\n"
    b"from flowc.runtime_shim.client import __all__  # noqa: F401\n"
)


#: zlib's default level: within 1% of level 9's size at less than half its time.
_LEVEL = 6

_METAFLOW_INIT = (
    b'"""Metaflow\'s name for flowc\'s authoring API and client, as shipped inside a code package."""\n'
    + _API_AND_CLIENT
)

#: ``metaflow.cards`` in a package: the components the shim renders, as in a task.
_METAFLOW_CARDS = (
    b'"""Metaflow\'s card components, as flowc renders them."""\n'
    b"from flowc.runtime_shim.cards import Artifact, BarChart, Image, LineChart, Markdown, Table  # noqa: F401\n"
)


def build_package(
    flow_dir: str,
    suffixes: Iterable[str] = DEFAULT_SUFFIXES,
    extra: dict[str, bytes] | None = None,
) -> tuple[bytes, str]:
    """The package bytes for ``flow_dir`` and their sha256 (hex).

    ``extra`` maps archive names to contents added as they are (the CLI adds
    the flow's graph as ``_flowc/graphs/<Flow>.json``).
    """
    entries: list[tuple[str, bytes, int]] = [(name, data, 0o644) for name, data in (extra or {}).items()]
    for rel, path in _walk(flow_dir, tuple(suffixes)):
        with open(path, "rb") as handle:
            mode = 0o755 if os.access(path, os.X_OK) else 0o644
            entries.append((rel, handle.read(), mode))
    for rel, path in _shim_files():
        with open(path, "rb") as handle:
            entries.append((rel, handle.read(), 0o644))
    entries.append((f"{SHIM_PREFIX}/flowc/__init__.py", _FLOWC_INIT, 0o644))
    entries.append((f"{SHIM_PREFIX}/flowc/client.py", _FLOWC_CLIENT, 0o644))
    entries.append((f"{SHIM_PREFIX}/metaflow/__init__.py", _METAFLOW_INIT, 0o644))
    entries.append((f"{SHIM_PREFIX}/metaflow/cards.py", _METAFLOW_CARDS, 0o644))
    entries.sort()
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data, mode in entries:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = mode
            info.mtime = 0
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(data))
    packed = io.BytesIO()
    with gzip.GzipFile(fileobj=packed, mode="wb", mtime=0, filename="", compresslevel=_LEVEL) as gz:
        gz.write(raw.getvalue())
    data = packed.getvalue()
    return data, hashlib.sha256(data).hexdigest()


def graph_entry(flow_name: str) -> str:
    """Archive name of a flow's graph JSON inside a package."""
    return f"{SHIM_PREFIX}/graphs/{flow_name}.json"


def package_key(flow_name: str, sha256: str) -> str:
    """Where a package lives under a datastore root."""
    return f"{flow_name}/packages/{sha256}.tgz"
