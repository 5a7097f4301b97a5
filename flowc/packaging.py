"""Building a flow's code package on the CLI side (compile, push, run)."""

from __future__ import annotations

import json
import os

from flowc.runtime_shim.package import build_package, graph_entry, package_key
from flowc.transpile.export import graph_json
from flowc.transpile.ir import Flow


def flow_package(flow: Flow, flow_file: str) -> tuple[bytes, str]:
    """The deterministic code package of ``flow`` (its directory + graph JSON) and its sha256."""
    graph = graph_json(flow) | {"file": os.path.basename(flow_file)}
    extra = {graph_entry(flow.name): json.dumps(graph, indent=2, sort_keys=True).encode()}
    return build_package(os.path.dirname(os.path.abspath(flow_file)), extra=extra)


def package_url(datastore: str, flow: Flow, sha256: str) -> str:
    """Where the package with ``sha256`` lives under ``datastore``."""
    return datastore.rstrip("/") + "/" + package_key(flow.name, sha256)
