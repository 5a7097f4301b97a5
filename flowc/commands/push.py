"""``flowc push``: upload a flow's code package to the datastore."""

from __future__ import annotations

import argparse
import sys

from flowc.commands._common import EXIT_OK
from flowc.commands._options import (
    add_config_option,
    add_datastore_option,
    add_flow_option,
    existing_file,
    load_with_configs,
)

EPILOG = """\
Examples:
  flowc push flows/train.py --datastore s3://ml/flowc
  flowc compile flows/train.py -t argo --datastore s3://ml/flowc \\
      --package-url URL --package-sha256 SHA   # with what push printed
Prints the package URL and its sha256 (written once: an identical package is not uploaded again)."""


def configure(parser: argparse.ArgumentParser) -> None:
    """``FILE [--datastore ROOT] [--config NAME=FILE] [--flow NAME]``."""
    parser.add_argument("file", type=existing_file, metavar="FILE")
    add_datastore_option(parser)
    add_config_option(parser)
    add_flow_option(parser)


def run(args: argparse.Namespace) -> int:
    """Build the deterministic code package of FILE and store it under the datastore."""
    from flowc.packaging import flow_package, package_url
    from flowc.runtime_shim.datastore import Datastore
    from flowc.runtime_shim.package import package_key

    flow = load_with_configs(args.file, args.flow_name, args.configs)
    data, sha256 = flow_package(flow, args.file)
    ds = Datastore(args.datastore)
    key = package_key(flow.name, sha256)
    if ds.storage.exists(key):
        state = "already present"
    else:
        ds.storage.put_bytes(key, data)
        state = f"uploaded {len(data)} bytes"
    print(f"package-url: {package_url(ds.root, flow, sha256)}")
    print(f"package-sha256: {sha256}")
    print(f"({state})", file=sys.stderr)
    return EXIT_OK
