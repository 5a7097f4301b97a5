"""Every flow tests/flowgen.py generates is valid: ``flowc check`` accepts it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from flowc.transpile import StepKind, analyze_source
from flowgen import IMPORT_STYLES, branch_flow, flows, generate, linear_flow, split_join_flow
from hypothesis import HealthCheck, given, settings


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(flows())
def test_generated_flows_pass_check(source: str) -> None:
    analysis = analyze_source(source, "generated.py")
    assert analysis.problems == (), "\n".join(p.format() for p in analysis.problems) + "\n\n" + source
    assert analysis.flow is not None


def test_generate_is_deterministic_and_covers_every_shape() -> None:
    assert generate(7) == generate(7)
    kinds: set[StepKind] = set()
    styles: set[str] = set()
    for seed in range(60):
        source = generate(seed)
        flow = analyze_source(source).flow
        assert flow is not None
        kinds.update(s.kind for s in flow.steps)
        styles.update(style for style in IMPORT_STYLES if _uses_style(source, style))
    assert kinds == set(StepKind)
    assert styles == set(IMPORT_STYLES)


def _uses_style(source: str, style: str) -> bool:
    return {
        "flowc": "from flowc import FlowSpec",
        "metaflow": "from metaflow import",
        "module": "import metaflow as mf",
        "renamed": "step as flow_step",
    }[style] in source


def test_metaflow_compatible_flows_never_loop_to_an_earlier_step() -> None:
    for seed in range(60):
        flow = analyze_source(generate(seed, metaflow_compatible=True)).flow
        assert flow is not None
        for step in flow.steps:
            if step.switch is not None:
                order = [s.name for s in flow.steps]
                back = [t for t in step.next if order.index(t) < order.index(step.name)]
                assert back == [], step.name


def test_size_helpers_are_valid() -> None:
    for source, count in ((linear_flow(30), 30), (branch_flow(7), 10), (split_join_flow(3), 14)):
        flow = analyze_source(source).flow
        assert flow is not None and len(flow.steps) == count


def test_cli_accepts_generated_flows(tmp_path: Path) -> None:
    paths = []
    for seed in range(12):
        path = tmp_path / f"gen_{seed}.py"
        path.write_text(generate(seed), encoding="utf-8")
        paths.append(str(path))
    result = subprocess.run(
        [sys.executable, "-m", "flowc.cli", "check", *paths], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
