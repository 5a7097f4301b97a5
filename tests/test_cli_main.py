"""``flowc.cli``: lazy command loading, the command-module interface, exit codes and error output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from flowc.backends.registry import TARGETS
from flowc_cli import invoke

from flowc.cli import command_names, command_parser
from flowc.commands import compile as compile_command

ROOT = Path(__file__).resolve().parent.parent
LINEAR = str(ROOT / "examples" / "linear_etl.py")

#: Runs ``flowc ARGV`` in a fresh interpreter and prints which modules it imported.
IMPORTS_SCRIPT = """
import json, sys
from flowc.cli import main
code = main(json.loads(sys.argv[1]))
loaded = sorted(m for m in sys.modules if m.startswith(("flowc.commands", "click")) or m == "libcst")
print(json.dumps({"code": code, "modules": loaded}), file=sys.stderr)
"""


def imported_by(*argv: str) -> tuple[int, list[str]]:
    """``flowc ARGV``'s exit code and the flowc.commands / click / libcst modules it imported."""
    done = subprocess.run(
        [sys.executable, "-c", IMPORTS_SCRIPT, json.dumps(argv)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    report = json.loads(done.stderr.strip().splitlines()[-1])
    return int(report["code"]), [str(m) for m in report["modules"]]


def test_compile_imports_its_own_command_module_only_and_never_click(tmp_path: Path) -> None:
    code, modules = imported_by(
        "compile", LINEAR, "-t", "argo", "--datastore", "s3://b/f", "-o", str(tmp_path)
    )
    assert code == 0
    assert modules == [
        "flowc.commands",
        "flowc.commands._common",
        "flowc.commands._options",
        "flowc.commands.compile",
        "libcst",
    ]


def test_parsing_a_command_line_imports_neither_the_analyzer_nor_a_backend() -> None:
    code, modules = imported_by("compile", "--help")
    assert code == 0
    assert "libcst" not in modules and "flowc.commands.run" not in modules


@pytest.mark.parametrize("name", command_names())
def test_every_command_module_has_the_interface(name: str) -> None:
    module = __import__(f"flowc.commands.{name.replace('-', '_')}", fromlist=["run"])
    assert module.__doc__ and isinstance(module.EPILOG, str) and module.EPILOG.strip()
    assert callable(module.configure) and callable(module.run)
    assert module.run.__doc__, "the first line of run's docstring is the summary in flowc --help"
    help_text = command_parser(name, module).format_help()
    assert help_text.startswith(f"Usage: flowc {name}") and module.EPILOG in help_text


def test_compile_accepts_exactly_the_registered_targets() -> None:
    assert set(compile_command.TARGETS) == set(TARGETS)


def test_user_errors_exit_1_with_the_message_on_stderr(tmp_path: Path) -> None:
    result = invoke(["card", "view", "Flow/r1/start/t", "--datastore", str(tmp_path)])
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr == f"Error: no successful task Flow/r1/start/t in {tmp_path}\n"


def test_flow_problems_exit_1_with_location_and_rule(tmp_path: Path) -> None:
    flow = tmp_path / "flow.py"
    flow.write_text("from flowc import FlowSpec, step\n\nclass F(FlowSpec):\n    pass\n")
    result = invoke(["compile", str(flow), "-t", "argo", "--datastore", "s3://b/f"])
    assert result.exit_code == 1 and result.stdout == ""
    assert f"{flow}:" in result.stderr and "FLC" in result.stderr and "Error:" not in result.stderr


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["compile", LINEAR, "-t", "argo"], "flowc compile: error: give --datastore"),
        (["compile", LINEAR, "-t", "k8s", "--datastore", "s3://b/f"], "argument -t/--target: invalid choice"),
        (["compile", LINEAR, "-t", "argo", "--datastore", "s3://b/f", "--set", "x"], "expected KEY=VALUE"),
        (["compile", LINEAR, "-t", "argo", "--datas", "s3://b/f"], "unrecognized arguments: --datas"),
        (["run", LINEAR, "--max-workers", "0"], "argument --max-workers: 0 is not in the range x>=1"),
        (["run", "no/such/flow.py"], "argument FILE: path 'no/such/flow.py' does not exist"),
        (["check", str(ROOT / "examples")], "is a directory"),
        (["card", "view", "x/y"], "expected RUN/STEP/TASK"),
        (["card"], "the following arguments are required: COMMAND"),
        (["nope"], "flowc: error: no such command 'nope'"),
        (["--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_usage_errors_exit_2_with_the_usage_line(argv: list[str], message: str) -> None:
    result = invoke(argv)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("Usage: flowc") and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_no_command_prints_the_help_and_exits_2() -> None:
    result = invoke([])
    assert result.exit_code == 2 and "Commands:" in result.stderr and "  compile  " in result.stderr


def test_version_and_help_exit_0() -> None:
    version = invoke(["--version"])
    assert version.exit_code == 0 and version.stdout.startswith("flowc, version ")
    assert invoke(["-h"]).stdout == invoke(["--help"]).stdout
    assert "Exit codes: 0 written" in invoke(["compile", "-h"]).stdout


def test_epilogs_keep_their_line_breaks() -> None:
    text = invoke(["graph", "--help"]).stdout
    assert "\n  flowc graph flows/train.py --format mermaid\n" in text


def test_datastore_defaults_to_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLOWC_DATASTORE", "s3://from-env/prefix")
    result = invoke(["compile", LINEAR, "-t", "argo", "-o", "-"])
    assert result.exit_code == 0, result.stderr
    assert "s3://from-env/prefix" in result.stdout
    monkeypatch.setenv("FLOWC_DATASTORE", "")
    assert invoke(["compile", LINEAR, "-t", "argo", "-o", "-"]).exit_code == 2


def test_task_passes_every_argument_to_the_shim_help_included() -> None:
    result = invoke(["task", "--help"])
    assert result.exit_code == 0 and "runtime_shim task" in result.stdout
    result = invoke(["task", "--flow", "F", "--step", "start"])
    assert result.exit_code == 2 and "--run-id" in result.stderr


def test_the_console_script_exits_with_mains_code() -> None:
    script = Path(sys.executable).parent / "flowc"
    if not script.exists():
        pytest.skip("flowc console script not installed next to the interpreter")
    env = {**os.environ, "FLOWC_DATASTORE": ""}
    done = subprocess.run(
        [str(script), "compile", LINEAR], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 2 and "required: -t/--target" in done.stderr
    done = subprocess.run([str(script), "--version"], capture_output=True, text=True, check=False)
    assert done.returncode == 0 and done.stdout.startswith("flowc, version ")


def _entry_point(*argv: str) -> subprocess.CompletedProcess[bytes]:
    """``flowc ARGV`` through the console script's function, in a fresh interpreter."""
    code = "import sys; from flowc.cli import entry_point; sys.argv[0] = 'flowc'; entry_point()"
    return subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, check=False, cwd=ROOT)


def test_a_short_lived_command_flushes_all_its_output_before_ending() -> None:
    done = _entry_point("compile", LINEAR, "-t", "argo", "--datastore", "s3://bucket/f", "-o", "-")
    assert done.returncode == 0
    expected = invoke(["compile", LINEAR, "-t", "argo", "--datastore", "s3://bucket/f", "-o", "-"])
    assert done.stdout == expected.stdout_bytes and done.stdout.endswith(b"\n")


def test_a_short_lived_command_keeps_its_exit_code_and_messages(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from metaflow import FlowSpec\n\nclass F(FlowSpec):\n    pass\n", encoding="utf-8")
    done = _entry_point("check", str(bad))
    assert done.returncode == 1 and b"FLC" in done.stderr


def test_short_lived_commands_are_the_ones_that_run_no_user_code() -> None:
    short_lived = {name for name in command_names() if getattr(_module(name), "SHORT_LIVED", False)}
    assert short_lived == {"check", "compile", "graph"}


def test_the_collector_is_restored_after_a_command() -> None:
    import gc

    before = gc.get_threshold()
    assert invoke(["check", LINEAR]).exit_code == 0
    assert gc.get_threshold() == before


def _module(name: str) -> object:
    import importlib

    return importlib.import_module(f"flowc.commands.{name.replace('-', '_')}")


@pytest.mark.parametrize(
    ("argv", "suggestion"),
    [
        (["compile", LINEAR, "-t", "argo", "--datastor", "s3://bucket/f"], "(did you mean --datastore?)"),
        (["check", LINEAR, "--formt=json"], "(did you mean --format?)"),
    ],
)
def test_a_misspelt_option_is_a_usage_error_that_names_the_right_one(
    argv: list[str], suggestion: str
) -> None:
    result = invoke(argv)
    assert result.exit_code == 2 and suggestion in result.stderr
