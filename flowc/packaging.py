"""Building a flow's code package on the CLI side (compile, push, run)."""

from __future__ import annotations

import json
import os

from flowc.runtime_shim.package import build_package, graph_entry, package_key
from flowc.transpile.export import graph_json
from flowc.transpile.ir import Flow, ParamType


def flow_package(flow: Flow, flow_file: str) -> tuple[bytes, str]:
    """The deterministic code package of ``flow`` and its sha256.

    It holds the flow's directory, the graph JSON and the default files of
    ``IncludeFile`` parameters and configs, so a task on a cluster finds them where a
    local run does (relative to the flow file).
    """
    flow_dir = os.path.dirname(os.path.abspath(flow_file))
    graph = graph_json(flow) | {"file": os.path.basename(flow_file)}
    extra = {graph_entry(flow.name): json.dumps(graph, indent=2, sort_keys=True).encode()}
    extra.update(_included_files(flow, flow_dir))
    return build_package(flow_dir, extra=extra)


def _included_files(flow: Flow, flow_dir: str) -> dict[str, bytes]:
    """Default files of ``IncludeFile`` parameters and ``Config`` attributes under the flow's directory.

    Tasks use a config's value recorded in the graph (which ``--config``
    overrides change); its file lets the flow module read it when imported
    on its own.
    """
    names = [p.default for p in flow.parameters if p.type is ParamType.FILE and isinstance(p.default, str)]
    names += [c.default_file for c in flow.configs if c.default_file is not None]
    found: dict[str, bytes] = {}
    for name in names:
        path = os.path.normpath(os.path.join(flow_dir, name))
        rel = os.path.relpath(path, flow_dir)
        if rel.startswith("..") or rel.endswith(".py") or not os.path.isfile(path):
            continue
        with open(path, "rb") as handle:
            found[rel.replace(os.sep, "/")] = handle.read()
    return found


def package_url(datastore: str, flow: Flow, sha256: str) -> str:
    """Where the package with ``sha256`` lives under ``datastore``."""
    return datastore.rstrip("/") + "/" + package_key(flow.name, sha256)
