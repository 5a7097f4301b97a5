"""The shim's command line: ``python -m flowc.runtime_shim task ...`` (docs/task-contract.md)."""

from __future__ import annotations

import argparse
import json
import sys

from flowc.runtime_shim.errors import EXIT_USAGE
from flowc.runtime_shim.task import Task, TaskArgs


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"flowc task: {message}", file=sys.stderr)
        sys.exit(EXIT_USAGE)


def parser() -> argparse.ArgumentParser:
    """The argument parser of the ``task`` command."""
    p = _Parser(prog="python -m flowc.runtime_shim task", description="Run one task of a flow.")
    p.add_argument(
        "--datastore", help="local folder or s3://bucket/prefix (default: $FLOWC_DATASTORE, ./.flowc)"
    )
    p.add_argument("--flow-file", help="the flow file (inside the package with --package-url)")
    p.add_argument("--package-url", help="code package to download, verify and unpack")
    p.add_argument("--package-sha256", help="expected sha256 of the code package")
    p.add_argument("--flow", required=True, help="FlowSpec class name")
    p.add_argument("--run-id", required=True)
    p.add_argument("--step", required=True)
    p.add_argument("--task-id", required=True)
    p.add_argument("--attempt", type=int, default=0, help="0-based retry count")
    p.add_argument("--input-paths", help="STEP/TASK[?],... or STEP/PREFIX*")
    p.add_argument(
        "--split-index", type=int, action="append", default=[], help="foreach index, outermost first"
    )
    p.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", help="start step parameter")
    p.add_argument("--params-file", help="JSON object NAME -> raw string")
    p.add_argument("--params-json", help="the same JSON object, inline")
    p.add_argument("--tag", action="append", default=[])
    p.add_argument("--origin-run-id")
    p.add_argument("--output-json")
    p.add_argument("--output-dir")
    p.add_argument("--graph-json")
    return p


def parse(argv: list[str]) -> TaskArgs:
    """The task arguments of ``argv`` (without the leading ``task``); exits 2 on a usage error."""
    ns = parser().parse_args(argv)
    params: dict[str, str] = {}
    if ns.params_file:
        try:
            with open(ns.params_file, encoding="utf-8") as handle:
                loaded = json.load(handle)
        except (OSError, ValueError) as exc:
            parser().error(f"--params-file: {exc}")
        if not isinstance(loaded, dict):
            parser().error("--params-file must hold a JSON object")
        params.update({str(k): v if isinstance(v, str) else json.dumps(v) for k, v in loaded.items()})
    if ns.params_json:
        try:
            inline = json.loads(ns.params_json)
        except ValueError as exc:
            parser().error(f"--params-json: {exc}")
        if not isinstance(inline, dict):
            parser().error("--params-json must be a JSON object")
        params.update({str(k): v if isinstance(v, str) else json.dumps(v) for k, v in inline.items()})
    for item in ns.param:
        name, sep, value = item.partition("=")
        if not sep or not name:
            parser().error(f"--param {item!r} is not NAME=VALUE")
        params[name] = value
    return TaskArgs(
        flow=ns.flow,
        run_id=ns.run_id,
        step=ns.step,
        task_id=ns.task_id,
        datastore=ns.datastore,
        flow_file=ns.flow_file,
        package_url=ns.package_url,
        package_sha256=ns.package_sha256,
        attempt=ns.attempt,
        input_paths=ns.input_paths,
        split_indices=list(ns.split_index),
        params=params,
        tags=list(ns.tag),
        origin_run_id=ns.origin_run_id,
        output_json=ns.output_json,
        output_dir=ns.output_dir,
        graph_json=ns.graph_json,
    )


def main(argv: list[str] | None = None) -> int:
    """Entry point: ``task ARGS...``; returns the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args == ["task", "-"]:
        # a pre-started ("warm") process of the local runner: arguments arrive on stdin as a JSON list
        text = sys.stdin.read()
        if not text.strip():
            return 0
        args = ["task", *json.loads(text)]
    if not args or args[0] != "task":
        print(
            "usage: python -m flowc.runtime_shim task --flow NAME --run-id RUN --step STEP ...",
            file=sys.stderr,
        )
        return EXIT_USAGE
    return Task(parse(args[1:])).run()
