"""Golden DAG files: every example, in both operator modes, byte for byte.

Regenerate with ``FLOWC_UPDATE_GOLDEN=1 make test`` and read the diff.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest
from flowc.backends.airflow import emit
from flowc.backends.base import CompileOptions
from flowc.transpile import load_flow

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted(p.stem for p in (ROOT / "examples").glob("*.py"))
GOLDEN = ROOT / "golden" / "airflow"
MODES = ("kubernetes", "local")


def golden_options(flow_name: str, flow_file: str, mode: str) -> CompileOptions:
    """Fixed options: golden files must not change when the shim's sources do."""
    sha = "0" * 64
    return CompileOptions(
        datastore="s3://my-bucket/flowc",
        package_url=f"s3://my-bucket/flowc/{flow_name}/packages/{sha}.tgz",
        package_sha256=sha,
        flow_file=flow_file,
        settings={"operator": mode},
    )


def compile_example(name: str, mode: str) -> str:
    """The DAG file of ``examples/<name>.py`` with the golden options."""
    flow = load_flow(str(ROOT / "examples" / f"{name}.py"))
    documents = emit(flow, golden_options(flow.name, f"{name}.py", mode))
    assert len(documents) == 1
    return documents[0].text


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", EXAMPLES)
def test_golden(name: str, mode: str) -> None:
    text = compile_example(name, mode)
    path = GOLDEN / mode / f"{name}.py"
    if os.environ.get("FLOWC_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden file {path}; run FLOWC_UPDATE_GOLDEN=1 make test"
    expected = path.read_text(encoding="utf-8")
    if text != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True), text.splitlines(keepends=True), str(path), "generated"
            )
        )
        pytest.fail(f"{path} is out of date:\n{diff}\nRegenerate with: FLOWC_UPDATE_GOLDEN=1 make test")


@pytest.mark.parametrize("name", EXAMPLES)
def test_output_is_deterministic(name: str) -> None:
    assert compile_example(name, "kubernetes") == compile_example(name, "kubernetes")


def test_every_golden_file_has_an_example() -> None:
    stale = sorted(
        str(p.relative_to(ROOT))
        for mode in MODES
        for p in (GOLDEN / mode).glob("*.py")
        if p.stem not in EXAMPLES
    )
    assert stale == []
