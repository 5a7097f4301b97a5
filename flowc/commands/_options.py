"""Options and argument types several commands share: FILE, ``--flow``, ``--config``, ``--datastore``.

``--config NAME=FILE`` replaces the default of the flow's ``Config`` called
NAME.  The analyzer reads it, so decorators and parameter defaults written
with the config take its values, and records the value in the graph JSON
every task of the run (or of the deployment) receives.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterable

from flowc.commands._common import UsageError, load_or_exit

TYPE_CHECKING = False  # as in flowc/__init__.py: typing stays unimported at start-up
if TYPE_CHECKING:
    from flowc.transpile import Flow

#: Help of ``--datastore`` for commands that run or read runs (a local folder is fine there).
LOCAL_DATASTORE_HELP = "Local folder or s3://bucket/prefix. [env: FLOWC_DATASTORE; default ./.flowc]"


def file_path(text: str) -> str:
    """A FILE argument: any path but a directory (a missing file is the analyzer's to report)."""
    if os.path.isdir(text):
        raise argparse.ArgumentTypeError(f"file {text!r} is a directory")
    return text


def existing_file(text: str) -> str:
    """A FILE argument that must exist (commands that run or package the flow)."""
    if not os.path.exists(text):
        raise argparse.ArgumentTypeError(f"path {text!r} does not exist")
    return file_path(text)


def at_least_one(text: str) -> int:
    """A whole number >= 1 (``--max-workers``)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not in the range x>=1")
    return value


def add_flow_option(parser: argparse.ArgumentParser, help_text: str | None = None) -> None:
    """``--flow NAME`` → ``args.flow_name``."""
    parser.add_argument(
        "--flow",
        dest="flow_name",
        metavar="NAME",
        help=help_text or "Flow class to use when the file defines several.",
    )


def add_config_option(parser: argparse.ArgumentParser) -> None:
    """``--config NAME=FILE`` (repeatable) → ``args.configs``, a list of the raw pairs."""
    parser.add_argument(
        "--config",
        dest="configs",
        action="append",
        default=[],
        metavar="NAME=FILE",
        help="Read config NAME from FILE instead of its default (repeatable).",
    )


def add_datastore_option(parser: argparse.ArgumentParser, help_text: str = LOCAL_DATASTORE_HELP) -> None:
    """``--datastore ROOT`` → ``args.datastore``, defaulting to ``$FLOWC_DATASTORE`` (``None`` if unset)."""
    parser.add_argument(
        "--datastore", metavar="ROOT", default=os.environ.get("FLOWC_DATASTORE") or None, help=help_text
    )


def add_max_workers_option(parser: argparse.ArgumentParser) -> None:
    """``--max-workers N`` (>= 1, default 4): ``flowc run`` and ``flowc resume``."""
    parser.add_argument(
        "--max-workers",
        type=at_least_one,
        default=4,
        metavar="N",
        help="Tasks run at once. (default: %(default)s)",
    )


def config_files(pairs: Iterable[str]) -> dict[str, str]:
    """``NAME=FILE`` pairs as a dict; a malformed or repeated pair is a usage error."""
    found: dict[str, str] = {}
    for pair in pairs:
        name, sep, path = pair.partition("=")
        if not sep or not name or not path:
            raise UsageError(f"argument --config: expected NAME=FILE, got {pair!r}")
        if name in found:
            raise UsageError(f"argument --config: config {name!r} is given twice")
        found[name] = path
    return found


def load_with_configs(path: str, flow_name: str | None, pairs: Iterable[str]) -> Flow:
    """The flow at ``path`` with ``--config`` files applied; flow errors raise ``UserError``."""
    return load_or_exit(path, flow_name, config_files(pairs))
