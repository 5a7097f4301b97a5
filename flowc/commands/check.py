"""``flowc check``: lint flow files."""

from __future__ import annotations

import argparse
import sys

from flowc.commands._common import EXIT_OK, EXIT_USER_ERROR, print_problems
from flowc.commands._options import add_config_option, add_flow_option, config_files, file_path

EPILOG = """\
Examples:
  flowc check flows/train.py
  flowc check flows/*.py --format json
Exit codes: 0 clean, 1 problems found, 2 usage error."""

#: Reads files and writes documents only: see :mod:`flowc.commands`.
SHORT_LIVED = True


def configure(parser: argparse.ArgumentParser) -> None:
    """``FILE... [--format text|json] [--config NAME=FILE] [--flow NAME]``."""
    parser.add_argument("files", nargs="+", type=file_path, metavar="FILE")
    parser.add_argument(
        "--format", dest="fmt", choices=["text", "json"], default="text", help="(default: %(default)s)"
    )
    add_config_option(parser)
    add_flow_option(parser)


def run(args: argparse.Namespace) -> int:
    """Check FLOW files for errors, without running them."""
    from flowc.transpile import Problem, analyze_file

    problems: list[Problem] = []
    failed = False
    overrides = config_files(args.configs)
    for path in args.files:
        analysis = analyze_file(path, args.flow_name, overrides)
        problems.extend(analysis.problems)
        failed = failed or bool(analysis.errors)
    if args.fmt == "json":
        print_problems(problems, "json")
    else:
        print_problems(problems)
        if not failed:
            count = len(args.files)
            print(f"{count} file{'s' if count != 1 else ''} checked, no errors.", file=sys.stderr)
    return EXIT_USER_ERROR if failed else EXIT_OK
