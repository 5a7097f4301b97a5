"""The ``flowc`` command line.

Each command lives in its own module under :mod:`flowc.commands` and is
found by name, so adding a command means adding one module.  Command
modules import their heavy dependencies inside the command function, which
keeps ``flowc --help`` and every other command fast.
"""

from __future__ import annotations

import importlib
import pkgutil

import click

import flowc.commands

EPILOG = """\b
Examples:
  flowc check flows/train.py
  flowc graph flows/train.py --format mermaid
  flowc compile flows/train.py --target argo -o deploy/
  flowc run flows/train.py --param alpha=0.3
"""


class _CommandModules(click.Group):
    """A group whose commands are the modules of :mod:`flowc.commands`."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = (m.name for m in pkgutil.iter_modules(flowc.commands.__path__))
        return sorted(n.replace("_", "-") for n in names if not n.startswith("_"))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.list_commands(ctx):
            return None
        module = importlib.import_module(f"flowc.commands.{cmd_name.replace('-', '_')}")
        command = module.command
        assert isinstance(command, click.Command)
        return command


@click.group(cls=_CommandModules, epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="flowc")
def cli() -> None:
    """flowc: run Metaflow-style flows on Argo, Step Functions and Airflow."""


def main() -> None:
    """Console entry point; usage errors exit 2, user errors 1."""
    cli.main(prog_name="flowc", standalone_mode=True)


if __name__ == "__main__":  # pragma: no cover
    main()
