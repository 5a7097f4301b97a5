"""``flowc compile``: generate deploy documents for a target."""

from __future__ import annotations

import difflib
import json
import os
import sys
from typing import TYPE_CHECKING

import click

from flowc.commands._common import EXIT_OK, EXIT_USER_ERROR, fail, flow_option, write_atomic
from flowc.commands._config_option import config_option, load_with_configs

if TYPE_CHECKING:
    from flowc.backends.base import Document
    from flowc.settings_file import SettingsFile


@click.command(
    "compile",
    epilog="""\b
Examples:
  flowc compile flows/train.py --target argo --datastore s3://ml/flowc -o deploy/
  flowc compile flows/train.py --target sfn --datastore s3://ml/flowc -o -
  flowc compile flows/train.py --target argo --datastore s3://ml/flowc -o deploy/ --check
Exit codes: 0 written (or --check: unchanged), 1 flow errors (or --check: would change), 2 usage.""",
)
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--target",
    "-t",
    required=True,
    type=click.Choice(["argo", "sfn", "airflow"]),
    help="Orchestrator to compile for.",
)
@click.option(
    "--output", "-o", "output", default="-", show_default=True, help="Output directory, or - for stdout."
)
@click.option(
    "--check", is_flag=True, help="Compare with what is in the output directory instead of writing."
)
@click.option(
    "--datastore",
    envvar="FLOWC_DATASTORE",
    help="Datastore root the tasks use (s3://bucket/prefix). [env: FLOWC_DATASTORE]",
)
@click.option("--image", default=None, help="Default container image for tasks.")
@click.option("--package-url", default=None, help="Use an already pushed code package at this URL.")
@click.option("--package-sha256", default=None, help="sha256 of the package given with --package-url.")
@click.option(
    "--set", "settings", multiple=True, metavar="KEY=VALUE", help="Target-specific setting (repeatable)."
)
@click.option(
    "--operator",
    type=click.Choice(["kubernetes", "local"]),
    default=None,
    help="Airflow only: how each step runs (same as --set operator=...).",
)
@click.option(
    "--settings-file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Defaults for these flags and the [argo]/[sfn]/[airflow] settings "
    "(default: the nearest flowc.toml above FILE).",
)
@config_option
@flow_option
def command(
    file: str,
    target: str,
    output: str,
    check: bool,
    datastore: str | None,
    image: str | None,
    package_url: str | None,
    package_sha256: str | None,
    settings: tuple[str, ...],
    operator: str | None,
    settings_file: str | None,
    configs: tuple[str, ...],
    flow_name: str | None,
) -> None:
    """Compile the flow in FILE to TARGET's documents."""
    from flowc.backends.base import CompileError, CompileOptions
    from flowc.backends.registry import emitter
    from flowc.packaging import flow_package
    from flowc.packaging import package_url as url_for

    defaults = _settings_file(file, settings_file)
    datastore = datastore or defaults.flags.get("datastore")
    image = image or defaults.flags.get("image")
    if not datastore:
        raise click.UsageError(
            "give --datastore s3://bucket/prefix (or set FLOWC_DATASTORE, or datastore in flowc.toml)"
        )
    if bool(package_url) != bool(package_sha256):
        raise click.UsageError("--package-url and --package-sha256 go together")
    pairs = defaults.settings_for(target) | dict(_split_setting(s) for s in settings)
    if operator is not None:
        if target != "airflow":
            raise click.UsageError("--operator is an Airflow option (use it with --target airflow)")
        pairs["operator"] = operator
    flow = load_with_configs(file, flow_name, configs)
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
        fail(exc.problems)
    if output == "-":
        if check:
            raise click.UsageError("--check needs an output directory (-o DIR)")
        click.echo(_to_stdout(documents), nl=False)
        return
    if check:
        sys.exit(_check(documents, output))
    for document in documents:
        write_atomic(os.path.join(output, document.filename), document.text.encode("utf-8"))
        click.echo(os.path.join(output, document.filename), err=True)


def _settings_file(flow_file: str, explicit: str | None) -> SettingsFile:
    """The settings file named by ``--settings-file`` or found above the flow; exit 1 if it is bad."""
    from flowc.settings_file import SettingsFileError, find_settings_file, load_settings_file

    try:
        return load_settings_file(explicit or find_settings_file(flow_file))
    except SettingsFileError as exc:
        fail([exc.problem])


def _to_stdout(documents: list[Document]) -> str:
    """One document for stdout: YAML streams join, JSON files nest under their names."""
    if len(documents) == 1:
        return documents[0].text
    if all(d.filename.endswith((".yaml", ".yml")) for d in documents):
        return "---\n".join(d.text for d in documents)
    if all(d.filename.endswith(".json") for d in documents):
        merged = {d.filename: json.loads(d.text) for d in documents}
        return json.dumps(merged, indent=2, ensure_ascii=False) + "\n"
    raise click.UsageError("this target writes several kinds of files: use -o DIR")


def _split_setting(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise click.BadParameter(f"expected KEY=VALUE, got {text!r}", param_hint="--set")
    return key, value


def _check(documents: list[Document], output: str) -> int:
    """Like ``black --check``: 0 if every file is up to date, 1 with a diff if not."""
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
        click.echo(
            f"{changed} file{'s' if changed != 1 else ''} would change; run without --check to update.",
            err=True,
        )
        return EXIT_USER_ERROR
    click.echo(f"{len(documents)} file{'s' if len(documents) != 1 else ''} up to date.", err=True)
    return EXIT_OK
