"""``flowc check`` on the malformed-flow corpus and on flows that must pass.

Each file in ``tests/bad_flows/`` starts with ``# expect: FLCnnn line N``
(optionally ``col C``): the rule and the position ``flowc check`` must
report, among whatever else it finds.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from flowc.transpile import RULES

ROOT = Path(__file__).resolve().parent.parent
BAD = sorted((ROOT / "tests" / "bad_flows").glob("*.py"))
HEADER = re.compile(rb"^# expect: (FLC\d{3}) line (\d+)(?: col (\d+))?\s*$")
LOCATION = re.compile(r"^(?P<path>[^\s:][^:]*):(?P<line>\d+):(?P<col>\d+): (?P<rule>FLC\d{3}) ")


def flowc(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """Run the ``flowc`` command line in a fresh interpreter."""
    return subprocess.run(
        [sys.executable, "-m", "flowc.cli", *args], capture_output=True, text=True, cwd=cwd, check=False
    )


def expectation(path: Path) -> tuple[str, int, int | None]:
    match = HEADER.match(path.read_bytes().split(b"\n", 1)[0])
    assert match, f"{path.name}: first line must be '# expect: FLCnnn line N'"
    col = int(match.group(3)) if match.group(3) else None
    return match.group(1).decode(), int(match.group(2)), col


def test_corpus_is_big_and_covers_every_analyzer_rule() -> None:
    assert len(BAD) >= 45
    covered = {expectation(p)[0] for p in BAD}
    analyzer_rules = {r for r in RULES if not r.startswith("FLC4")}
    assert analyzer_rules - covered == set()


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_bad_flow_is_reported(path: Path) -> None:
    rule, line, col = expectation(path)
    relative = str(path.relative_to(ROOT))
    result = flowc("check", relative)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Traceback" not in output
    found = [m.groupdict() for m in map(LOCATION.match, result.stderr.splitlines()) if m]
    assert found, output
    assert all(f["path"] == relative for f in found), output
    positions = {(f["rule"], int(f["line"])) for f in found}
    assert (rule, line) in positions, output
    if col is not None:
        assert {"rule": rule, "line": str(line), "col": str(col), "path": relative} in found, output


def test_json_format_reports_the_same_problem() -> None:
    path = ROOT / "tests" / "bad_flows" / "retry_times_string.py"
    result = flowc("check", "--format", "json", str(path))
    assert result.returncode == 1
    problems = json.loads(result.stdout)
    assert problems == [
        {
            "rule": "FLC303",
            "severity": "error",
            "path": str(path),
            "line": 6,
            "column": 18,
            "message": "argument 'times' of @retry should be a whole number, got 'three'",
            "hint": "pass times= as a whole number",
        }
    ]


def test_json_format_on_a_clean_flow_is_an_empty_list() -> None:
    result = flowc("check", "--format", "json", "examples/linear_etl.py")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []


def test_every_problem_of_a_file_in_one_run(tmp_path: Path) -> None:
    flow = tmp_path / "many.py"
    flow.write_text(
        "from flowc import FlowSpec, Parameter, retry, step\n"
        "\n"
        "\n"
        "class ManyFlow(FlowSpec):\n"
        '    name = Parameter("name", default="x")\n'
        '    epochs = Parameter("epochs", default="ten", type=int)\n'
        "\n"
        '    @retry(times="three")\n'
        "    @step\n"
        "    def start(self):\n"
        "        self.next(self.end)\n"
        "\n"
        "    @step\n"
        "    def Bad(self):\n"
        "        self.next(self.end)\n"
        "\n"
        "    @step\n"
        "    def end(self):\n"
        "        pass\n"
    )
    result = flowc("check", str(flow))
    assert result.returncode == 1
    rules = [(m["rule"], int(m["line"])) for m in map(LOCATION.match, result.stderr.splitlines()) if m]
    assert rules == [("FLC201", 5), ("FLC204", 6), ("FLC303", 8), ("FLC105", 14), ("FLC115", 14)]
    assert "Found 5 errors." in result.stderr


def test_several_files_in_one_run(tmp_path: Path) -> None:
    bad = [BAD[0], BAD[1]]
    result = flowc("check", "examples/linear_etl.py", *map(str, bad))
    assert result.returncode == 1
    for path in bad:
        assert f"{path}:" in result.stderr


@pytest.mark.parametrize(
    "args",
    [("check",), ("check", "--no-such-option", "examples/linear_etl.py"), ("check", "--format", "xml", "x.py")],
    ids=["missing-file-argument", "unknown-option", "bad-choice"],
)
def test_usage_errors_exit_2(args: tuple[str, ...]) -> None:
    result = flowc(*args)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Usage:" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_file_is_a_user_error() -> None:
    result = flowc("check", "no/such/flow.py")
    assert result.returncode in (1, 2)
    assert "Traceback" not in result.stderr
    assert "no/such/flow.py" in result.stderr


_GOOD_TAIL = '''

class SideEffectFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
'''


@pytest.mark.parametrize(
    "head",
    [
        "from flowc import FlowSpec, step\n\nraise RuntimeError('importing this module fails')\n",
        "import package_that_is_not_installed_anywhere\nfrom flowc import FlowSpec, step\n",
        "from flowc import FlowSpec, step\nimport sys\n\nsys.exit(3)\n",
    ],
    ids=["raises-at-import", "missing-package", "exits-at-import"],
)
def test_flow_is_analysed_without_importing_it(tmp_path: Path, head: str) -> None:
    flow = tmp_path / "side_effect.py"
    flow.write_text(head + _GOOD_TAIL)
    result = flowc("check", str(flow))
    assert result.returncode == 0, result.stderr
    graph = flowc("graph", str(flow))
    assert graph.returncode == 0, graph.stderr
    assert json.loads(graph.stdout)["flow"] == "SideEffectFlow"


def test_flow_option_picks_one_of_several() -> None:
    path = "tests/bad_flows/several_flows.py"
    result = flowc("graph", path, "--flow", "SecondFlow")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["flow"] == "SecondFlow"
    unknown = flowc("check", path, "--flow", "ThirdFlow")
    assert unknown.returncode == 1
    assert "FirstFlow, SecondFlow" in unknown.stderr


def test_pythons_own_warnings_about_the_flow_are_not_printed(tmp_path: Path) -> None:
    flow = tmp_path / "warned.py"
    flow.write_text(
        "import re\n"
        "from metaflow import FlowSpec, step\n\n\n"
        "class WarnedFlow(FlowSpec):\n"
        "    @step\n"
        "    def start(self):\n"
        '        self.digits = re.compile("\\d+")\n'
        "        self.next(self.end)\n\n"
        "    @step\n"
        "    def end(self):\n"
        "        self.size = 1if self.digits else 2\n",
        encoding="utf-8",
    )
    done = flowc("check", str(flow))
    assert done.returncode == 0
    assert done.stderr == "1 file checked, no errors.\n"
