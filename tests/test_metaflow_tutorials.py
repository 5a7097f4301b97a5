"""Metaflow's own tutorial flows (shipped in the ``metaflow`` package) check and compile unchanged."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from flowc_cli import invoke

SPEC = importlib.util.find_spec("metaflow")
TUTORIALS = Path(SPEC.origin).parent / "tutorials" if SPEC and SPEC.origin else None
FLOWS = sorted(TUTORIALS.glob("*/*.py")) if TUTORIALS and TUTORIALS.is_dir() else []


def test_the_tutorials_are_there() -> None:
    assert len(FLOWS) >= 6, f"Metaflow's tutorials not found under {TUTORIALS}"


@pytest.mark.parametrize("flow", FLOWS, ids=lambda p: p.parent.name)
def test_a_tutorial_checks_without_errors(flow: Path) -> None:
    result = invoke(["check", str(flow)])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("target", ["argo", "sfn", "airflow"])
@pytest.mark.parametrize("flow", FLOWS, ids=lambda p: p.parent.name)
def test_a_tutorial_compiles(flow: Path, target: str, tmp_path: Path) -> None:
    result = invoke(
        ["compile", str(flow), "-t", target, "--datastore", "s3://tutorials/flowc", "-o", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert any(tmp_path.iterdir())
