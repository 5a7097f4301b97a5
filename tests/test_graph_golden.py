"""``flowc graph --format json`` of every example against ``golden/graph/<example>.json``.

The JSON is a contract other tools read, so any change must be deliberate:
regenerate with ``FLOWC_UPDATE_GOLDEN=1 make test`` and read the diff.
"""

from __future__ import annotations

import difflib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
GOLDEN = ROOT / "golden" / "graph"
UPDATE = os.environ.get("FLOWC_UPDATE_GOLDEN") == "1"


def _graph(example: Path) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "flowc.cli", "graph", "--format", "json", f"examples/{example.name}"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_graph_json_matches_golden(example: Path) -> None:
    actual = _graph(example)
    golden = GOLDEN / f"{example.stem}.json"
    if UPDATE:
        GOLDEN.mkdir(parents=True, exist_ok=True)
        golden.write_text(actual, encoding="utf-8")
    assert golden.exists(), f"no golden file {golden.relative_to(ROOT)}; run: FLOWC_UPDATE_GOLDEN=1 make test"
    expected = golden.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                actual.splitlines(keepends=True),
                fromfile=f"golden/graph/{golden.name}",
                tofile=f"flowc graph --format json examples/{example.name}",
            )
        )
        pytest.fail(f"graph JSON changed:\n{diff}\nIf the change is intended, run: FLOWC_UPDATE_GOLDEN=1 make test")


def test_every_golden_has_an_example() -> None:
    stale = {p.stem for p in GOLDEN.glob("*.json")} - {p.stem for p in EXAMPLES}
    assert not stale, f"golden files without an example: {sorted(stale)}"


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_graph_json_follows_the_contract(example: Path) -> None:
    doc = json.loads(_graph(example))
    required = {"flow", "file", "parameters", "steps"}
    # configs and decorators are there only when the flow has them
    assert required <= set(doc) <= required | {"configs", "decorators"}
    for decorator in doc.get("decorators", []):
        assert set(decorator) == {"name", "args"}
        assert decorator["name"] in {"pypi_base", "conda_base", "project"}
    assert doc["file"] == f"examples/{example.name}"
    for param in doc["parameters"]:
        assert set(param) == {"name", "type", "default", "required", "help"}
    names = [s["name"] for s in doc["steps"]]
    lines = [s["line"] for s in doc["steps"]]
    assert lines == sorted(lines), "steps must be in file order"
    for step in doc["steps"]:
        assert set(step) == {"name", "kind", "next", "foreach", "switch", "join", "decorators", "line"}
        assert step["kind"] in {"start", "linear", "branch", "foreach", "join", "switch", "end"}
        assert all(target in names for target in step["next"])
        assert (step["foreach"] is not None) == (step["kind"] == "foreach")
        assert (step["switch"] is not None) == (step["kind"] == "switch")
        if step["switch"]:
            assert sorted(set(step["switch"]["cases"].values())) == sorted(step["next"])
        for decorator in step["decorators"]:
            assert set(decorator) == {"name", "args"}
