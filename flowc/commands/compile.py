"""``flowc compile``: generate deploy documents for a target."""

from __future__ import annotations

import argparse
import os
import sys

from flowc.commands._common import EXIT_OK, EXIT_USER_ERROR, UsageError, UserError, write_atomic
from flowc.commands._options import (
    add_config_option,
    add_datastore_option,
    add_flow_option,
    file_path,
    load_with_configs,
)

TYPE_CHECKING = False  # as in flowc/__init__.py: typing stays unimported at start-up
if TYPE_CHECKING:
    from flowc.backends.base import Document
    from flowc.settings_file import SettingsFile

#: What ``--target`` accepts (``flowc.backends.registry`` maps each to its emitter).
TARGETS = ("argo", "sfn", "airflow")

EPILOG = """\
Examples:
  flowc compile flows/train.py --target argo --datastore s3://ml/flowc -o deploy/
  flowc compile flows/train.py --target sfn --datastore s3://ml/flowc -o -
  flowc compile flows/train.py --target argo --datastore s3://ml/flowc -o deploy/ --check
Exit codes: 0 written (or --check: unchanged), 1 flow errors (or --check: would change), 2 usage."""

#: Reads files and writes documents only: see :mod:`flowc.commands`.
SHORT_LIVED = True


def configure(parser: argparse.ArgumentParser) -> None:
    """``FILE --target T [-o DIR|-] [--check] [--datastore ROOT] [--image ...] [--set K=V]...``."""
    parser.add_argument("file", type=file_path, metavar="FILE")
    parser.add_argument(
        "-t",
        "--target",
        required=True,
        choices=TARGETS,
        metavar="TARGET",
        help=f"Orchestrator to compile for: {', '.join(TARGETS)}.",
    )
    parser.add_argument(
        "-o", "--output", metavar="DIR", default="-", help="Output directory, or - for stdout. (default: -)"
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="Compare with what is in the output directory instead of writing.",
    )
    add_datastore_option(parser, "Datastore root the tasks use (s3://bucket/prefix). [env: FLOWC_DATASTORE]")
    parser.add_argument("--image", help="Default container image for tasks.")
    parser.add_argument(
        "--package-url", metavar="URL", help="Use an already pushed code package at this URL."
    )
    parser.add_argument(
        "--package-sha256", metavar="SHA256", help="sha256 of the package given with --package-url."
    )
    parser.add_argument(
        "--set",
        dest="settings",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="Target-specific setting (repeatable).",
    )
    parser.add_argument(
        "--operator",
        choices=["kubernetes", "local"],
        help="Airflow only: how each step runs (same as --set operator=...).",
    )
    parser.add_argument(
        "--settings-file",
        type=file_path,
        metavar="FILE",
        help="Defaults for these flags and the [argo]/[sfn]/[airflow] settings "
        "(default: the nearest flowc.toml above FILE).",
    )
    add_config_option(parser)
    add_flow_option(parser)


def run(args: argparse.Namespace) -> int:
    """Compile the flow in FILE to TARGET's documents."""
    from flowc.backends.base import CompileError, CompileOptions
    from flowc.backends.registry import emitter
    from flowc.packaging import flow_package
    from flowc.packaging import package_url as url_for

    file, target, output = args.file, args.target, args.output
    defaults = _settings_file(file, args.settings_file)
    datastore = args.datastore or defaults.flags.get("datastore")
    image = args.image or defaults.flags.get("image")
    if not datastore:
        raise UsageError(
            "give --datastore s3://bucket/prefix (or set FLOWC_DATASTORE, or datastore in flowc.toml)"
        )
    package_url, package_sha256 = args.package_url, args.package_sha256
    if bool(package_url) != bool(package_sha256):
        raise UsageError("--package-url and --package-sha256 go together")
    pairs = defaults.settings_for(target) | dict(_split_setting(s) for s in args.settings)
    if args.operator is not None:
        if target != "airflow":
            raise UsageError("--operator is an Airflow option (use it with --target airflow)")
        pairs["operator"] = args.operator
    if output == "-" and args.check:
        raise UsageError("--check needs an output directory (-o DIR)")
    flow = load_with_configs(file, args.flow_name, args.configs)
    if package_url is None or package_sha256 is None:
        _, package_sha256 = flow_package(flow, file)
        package_url = url_for(datastore, flow, package_sha256)
    options = CompileOptions(
        datastore=datastore,
        package_url=package_url,
        package_sha256=package_sha256,
        flow_file=os.path.basename(file),
        image=image or "python:3.11-slim",
        settings=pairs,
    )
    try:
        documents = emitter(target)(flow, options)
    except CompileError as exc:
        raise UserError(problems=exc.problems) from None
    if output == "-":
        sys.stdout.write(_to_stdout(documents))
        return EXIT_OK
    if args.check:
        return _check(documents, output)
    for document in documents:
        write_atomic(os.path.join(output, document.filename), document.text.encode("utf-8"))
        print(os.path.join(output, document.filename), file=sys.stderr)
    return EXIT_OK


def _settings_file(flow_file: str, explicit: str | None) -> SettingsFile:
    """The settings file named by ``--settings-file`` or found above the flow; exit 1 if it is bad."""
    from flowc.settings_file import SettingsFileError, find_settings_file, load_settings_file

    try:
        return load_settings_file(explicit or find_settings_file(flow_file))
    except SettingsFileError as exc:
        raise UserError(problems=[exc.problem]) from None


def _to_stdout(documents: list[Document]) -> str:
    """One document for stdout: YAML streams join, JSON files nest under their names."""
    if len(documents) == 1:
        return documents[0].text
    if all(d.filename.endswith((".yaml", ".yml")) for d in documents):
        return "---\n".join(d.text for d in documents)
    if all(d.filename.endswith(".json") for d in documents):
        import json

        merged = {d.filename: json.loads(d.text) for d in documents}
        return json.dumps(merged, indent=2, ensure_ascii=False) + "\n"
    raise UsageError("this target writes several kinds of files: use -o DIR")


def _split_setting(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise UsageError(f"argument --set: expected KEY=VALUE, got {text!r}")
    return key, value


def _check(documents: list[Document], output: str) -> int:
    """Like ``black --check``: 0 if every file is up to date, 1 with a diff if not."""
    import difflib

    changed = 0
    for document in documents:
        text = document.text
        path = os.path.join(output, document.filename)
        try:
            with open(path, encoding="utf-8") as handle:
                current = handle.read()
        except FileNotFoundError:
            current = None
        if current == text:
            continue
        changed += 1
        diff = difflib.unified_diff(
            (current or "").splitlines(keepends=True),
            text.splitlines(keepends=True),
            fromfile=path if current is not None else "/dev/null",
            tofile=path,
        )
        sys.stdout.writelines(diff)
    if changed:
        print(
            f"{changed} file{'s' if changed != 1 else ''} would change; run without --check to update.",
            file=sys.stderr,
        )
        return EXIT_USER_ERROR
    print(f"{len(documents)} file{'s' if len(documents) != 1 else ''} up to date.", file=sys.stderr)
    return EXIT_OK
