"""``flowc push``: upload a flow's code package to the datastore."""

from __future__ import annotations

import click

from flowc.commands._common import flow_option
from flowc.commands._config_option import config_option, load_with_configs
from flowc.commands.run import datastore_option


@click.command(
    "push",
    epilog="""\b
Examples:
  flowc push flows/train.py --datastore s3://ml/flowc
  flowc compile flows/train.py -t argo --datastore s3://ml/flowc \\
      --package-url URL --package-sha256 SHA   # with what push printed
Prints the package URL and its sha256 (written once: an identical package is not uploaded again).""",
)
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@datastore_option
@config_option
@flow_option
def command(file: str, datastore: str | None, configs: tuple[str, ...], flow_name: str | None) -> None:
    """Build the deterministic code package of FILE and store it under the datastore."""
    from flowc.packaging import flow_package, package_url
    from flowc.runtime_shim.datastore import Datastore
    from flowc.runtime_shim.package import package_key

    flow = load_with_configs(file, flow_name, configs)
    data, sha256 = flow_package(flow, file)
    ds = Datastore(datastore)
    key = package_key(flow.name, sha256)
    if ds.storage.exists(key):
        state = "already present"
    else:
        ds.storage.put_bytes(key, data)
        state = f"uploaded {len(data)} bytes"
    click.echo(f"package-url: {package_url(ds.root, flow, sha256)}")
    click.echo(f"package-sha256: {sha256}")
    click.echo(f"({state})", err=True)
