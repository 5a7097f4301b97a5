"""Large flows: no recursion limit, and the structure is still right (no timing asserts).

Metaflow 2.19 raises RecursionError from 982 linear steps and its graph
walk is exponential in back-to-back split/join pairs; flowc's analysis is
iterative and linear.  ``bench/check_scale.py`` measures the times.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from flowc.transpile import StepKind, analyze_source
from flowc.transpile.export import dumps_json, mermaid
from flowgen import branch_flow, linear_flow, split_join_flow


def test_thousand_linear_steps() -> None:
    analysis = analyze_source(linear_flow(1000), "linear.py")
    assert analysis.problems == ()
    flow = analysis.flow
    assert flow is not None and len(flow.steps) == 1000
    assert flow.steps[-2].next == ("end",)
    assert flow.step("end").previous == ("step_998",)
    dumps_json(flow)
    mermaid(flow)


def test_forty_back_to_back_split_join_pairs() -> None:
    analysis = analyze_source(split_join_flow(40), "pairs.py")
    assert analysis.problems == ()
    flow = analysis.flow
    assert flow is not None
    for i in range(40):
        split = flow.step(f"split_{i}")
        assert split.kind is StepKind.BRANCH
        assert split.matching_join == f"join_{i}"
        assert flow.step(f"left_{i}").split_parents == (f"split_{i}",)
        assert flow.step(f"join_{i}").split_parents == ()


def test_wide_branch() -> None:
    flow = analyze_source(branch_flow(300)).flow
    assert flow is not None
    assert flow.step("start").matching_join == "join"
    assert len(flow.step("join").previous) == 300


def test_long_flow_under_a_low_recursion_limit(tmp_path: Path) -> None:
    """The whole check stays iterative: it passes with a recursion limit of 200."""
    path = tmp_path / "long.py"
    path.write_text(linear_flow(3000) + "\n" + split_join_flow(60).replace("SplitJoinFlow", "PairsFlow"))
    probe = (
        "import sys\n"
        "sys.setrecursionlimit(200)\n"
        "from flowc.transpile import analyze_file\n"
        "for name in ('LinearFlow', 'PairsFlow'):\n"
        f"    analysis = analyze_file({str(path)!r}, name)\n"
        "    assert analysis.problems == (), analysis.problems\n"
        "    print(name, len(analysis.flow.steps))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["LinearFlow", "3000", "PairsFlow", "242"]
