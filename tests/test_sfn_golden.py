"""Every example compiles to the Step Functions documents in golden/sfn/<example>/."""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest
from sfn_support import EXAMPLES, REPO, documents, example_flow, validate

GOLDEN = REPO / "golden" / "sfn"
UPDATE = os.environ.get("FLOWC_UPDATE_GOLDEN") == "1"


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_example_matches_golden(example: Path) -> None:
    produced = documents(example_flow(example))
    folder = GOLDEN / example.stem
    if UPDATE:
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("*.json"):
            if stale.name not in produced:
                stale.unlink()
        for name, text in produced.items():
            (folder / name).write_text(text, encoding="utf-8")
    expected = {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.json"))}
    problems = []
    for name in sorted(set(produced) | set(expected)):
        if produced.get(name) != expected.get(name):
            diff = difflib.unified_diff(
                expected.get(name, "").splitlines(keepends=True),
                produced.get(name, "").splitlines(keepends=True),
                fromfile=f"golden/sfn/{example.stem}/{name}",
                tofile=f"compiled {example.name}",
            )
            problems.append("".join(diff))
    assert not problems, "".join(problems) + "\nregenerate with: FLOWC_UPDATE_GOLDEN=1 make test"


def test_goldens_pass_both_validators() -> None:
    machines = sorted(GOLDEN.glob("*/state-machine.json"))
    assert len(machines) == len(EXAMPLES)
    validate(machines)


def test_compiling_twice_gives_the_same_bytes() -> None:
    for example in EXAMPLES:
        assert documents(example_flow(example)) == documents(example_flow(example))
