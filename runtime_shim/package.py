"""Deterministic, sha256-addressed code packages.

A package is a gzip'd tarball of the flow's directory (Python files and the
configured suffixes) plus the runtime shim itself under ``_flowc/`` (with
``flowc.cards`` and a ``metaflow`` alias of the authoring API next to it), so
a task image needs only Python and boto3.  The same sources give the same bytes
whatever their mtimes, owners, umask or directory order.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterable, Iterator

from flowc.runtime_shim.tarball import tar_gz

import flowc

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
        folder = os.path.relpath(directory, root).replace(os.sep, "/")
        prefix = "" if folder == "." else folder + "/"
        for name in files:
            if name.endswith(suffixes) and not name.startswith("."):
                found.append((prefix + name, os.path.join(directory, name)))
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
    for folder in flowc.__path__:
        path = os.path.join(folder, "cards.py")
        if os.path.isfile(path):
            return path
    return None


#: What ``flowc`` and ``metaflow`` give a flow in a package: the authoring API and the client.
_API_AND_CLIENT = (
    b"from flowc.runtime_shim.api import *  # noqa: F403\n"
    b"from flowc.runtime_shim.api import __all__ as _api\n"
    b"from flowc.runtime_shim import client as _client\n"
    b"globals().update((name, getattr(_client, name)) for name in _client.METAFLOW_NAMES)\n"
    b"__all__ = [*_api, *_client.METAFLOW_NAMES]\n"
)

_FLOWC_INIT = b'"""flowc authoring API and client, as shipped inside a code package."""\n' + _API_AND_CLIENT

#: ``flowc.client`` in a package: the client the shim ships.
_FLOWC_CLIENT = (
    b'"""flowc\'s client, as shipped inside a code package."""\n'
    b"from flowc.runtime_shim.client import *  # noqa: F403\n"
    b"from flowc.runtime_shim.client import __all__  # noqa: F401\n"
)


#: zlib level 1, measured on a compile of examples/ (52 files, 297 KB of tar):
#: 2.5 ms for 89 KB against level 6's 6.8 ms for 73 KB.  A package is uploaded
#: once per content hash but built on every compile, so time wins over size.
LEVEL = 1

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
    data = tar_gz(entries, LEVEL)
    return data, sha256_hex(data)


def sha256_hex(data: bytes) -> str:
    """The sha256 of ``data`` (hex), from CPython's built-in module when it has one.

    ``hashlib`` loads OpenSSL, ~2.5 ms of every compile; the standard
    library's ``random`` skips it the same way for sha512.
    """
    for name in ("_sha2", "_sha256"):  # CPython 3.12+, 3.11
        try:
            return str(importlib.import_module(name).sha256(data).hexdigest())
        except ImportError:
            continue
    import hashlib

    return hashlib.sha256(data).hexdigest()


def graph_entry(flow_name: str) -> str:
    """Archive name of a flow's graph JSON inside a package."""
    return f"{SHIM_PREFIX}/graphs/{flow_name}.json"


def package_key(flow_name: str, sha256: str) -> str:
    """Where a package lives under a datastore root."""
    return f"{flow_name}/packages/{sha256}.tgz"
